package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/bot/workcal"
)

const slaUsage = `Usage: tandem sla --policy NAME|P1…P4 [--dept DEPT] [--category CAT] [--opened "YYYY-MM-DD HH:MM"] [--config FILE]
  Prints when a ticket opened at --opened (default: now) and left alone is
  due: the first response, the resolution, and each step of the policy's
  escalation ladder, one line each, in bot.default_tz. --policy is a
  priority, whose first matching policy (with --category and --dept)
  applies as it would to a ticket, or a policy's name. Business time is counted on --dept's hours. A year the
  calendar has no holiday data for is named on stderr.
`

// slaTimeLayout is how `tandem sla` reads and writes times.
const slaTimeLayout = "2006-01-02 15:04"

// runSLA is `tandem sla`: the SLA arithmetic of the configured policies,
// checkable without waiting.
func runSLA(args []string, now time.Time, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("tandem sla", flag.ContinueOnError)
	fset.SetOutput(stderr)
	path := fset.String("config", "", "configuration file (YAML); defaults are used when empty")
	name := fset.String("policy", "", "a policy's name, or a priority (P1…P4) to match")
	dept := fset.String("dept", "", "the handling department (its business hours, and policy matching)")
	category := fset.String("category", "", "the ticket's category (policy matching)")
	opened := fset.String("opened", "", `when the ticket opened, "YYYY-MM-DD HH:MM" in bot.default_tz (default: now)`)
	fset.Usage = func() { fmt.Fprint(stderr, slaUsage); fset.PrintDefaults() }
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("sla: unexpected %q\n%s", fset.Arg(0), slaUsage)
	}
	if *name == "" {
		return fmt.Errorf("sla: --policy is required\n%s", slaUsage)
	}
	cfg, cal, err := loadCalendar(*path)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(cfg.Bot.DefaultTZ)
	if err != nil {
		return err // checked by Validate
	}
	start := now.In(loc).Truncate(time.Minute)
	if *opened != "" {
		if start, err = time.ParseInLocation(slaTimeLayout, strings.TrimSpace(*opened), loc); err != nil {
			return fmt.Errorf("sla: --opened %q: want \"YYYY-MM-DD HH:MM\"", *opened)
		}
	}
	p, err := findPolicy(cfg.Tickets.TicketPolicies(), *name, *category, *dept)
	if err != nil {
		return err
	}
	out, last := slaReport(p, cal, *dept, start, loc)
	if _, err := io.WriteString(stdout, out); err != nil {
		return err
	}
	if p.Clock == ticket.Business {
		for _, y := range cal.Uncovered(start, last) {
			fmt.Fprintln(stderr, uncoveredNote(y))
		}
	}
	return nil
}

// findPolicy is the first policy that matches the priority name with
// category and dept, as a ticket's would be (a name that reads as a
// priority, P2 or urgent, is one), or else the policy named name.
func findPolicy(policies []ticket.Policy, name, category, dept string) (ticket.Policy, error) {
	if prio, ok := ticket.ParsePriority(name); ok {
		if p, ok := ticket.Match(policies, prio, category, dept); ok {
			return p, nil
		}
		return ticket.Policy{}, fmt.Errorf("sla: no policy matches %s (category %q, dept %q)", prio, category, dept)
	}
	var names []string
	for _, p := range policies {
		if strings.EqualFold(p.Name, name) {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return ticket.Policy{}, fmt.Errorf("sla: no policy %q (have %s)", name, strings.Join(names, ", "))
}

// slaReport is the lines of `tandem sla` for a ticket of policy p opened at
// start and left alone, and the latest time it names.
func slaReport(p ticket.Policy, cal *workcal.Calendar, dept string, start time.Time, loc *time.Location) (string, time.Time) {
	clock := []*ticket.ClockEvent{{Cycle: 1, Kind: ticket.ClockStart, At: start}}
	last := start
	show := func(t time.Time, ok bool) string {
		if !ok {
			return "never (no working time within two years)"
		}
		if t.After(last) {
			last = t
		}
		return t.In(loc).Format(slaTimeLayout + " Mon")
	}
	var b strings.Builder
	counted := "business time"
	if p.Clock == ticket.Wall {
		counted = "wall-clock time"
	} else if dept != "" {
		counted = "business time on " + dept + "'s hours"
	}
	ladder := p.Ladder.Name
	if ladder == "" {
		ladder = "none"
	}
	fmt.Fprintf(&b, "policy      %s: %s, response %s, resolution %s, ladder %s\n", p.Name, counted,
		shortDuration(p.FirstResponse), shortDuration(p.Resolution), ladder)
	fmt.Fprintf(&b, "opened      %s\n", show(start, true))
	for _, t := range []ticket.Target{ticket.FirstResponse, ticket.Resolution} {
		due, ok := ticket.Due(p, cal, dept, clock, t, start)
		if p.TargetDuration(t) > 0 {
			fmt.Fprintf(&b, "%-11s %s\n", t, show(due, ok))
		}
	}
	n := len(p.Ladder.Steps)
	for i, st := range ticket.StepTimes(p, cal, dept, clock, start) {
		fmt.Fprintf(&b, "%-11s %s  %s of %s: %s\n", fmt.Sprintf("step %d/%d", i+1, n), show(st.At, st.OK),
			ticket.FormatFraction(st.Step.Fraction), st.Step.Target, strings.Join(st.Step.Notify, ", "))
	}
	if l := p.Ladder; l.Repeats() {
		// The first repeat round; later ones follow every RepeatEvery.
		r, at, ok := ticket.NextRung(p, cal, dept, clock, ticket.Rung{Step: n - 1}, start)
		until := "resolved"
		if l.UntilAck {
			until = "acknowledged"
		}
		if ok && r.Round == 1 {
			fmt.Fprintf(&b, "%-11s %s  steps %d-%d again every %s until %s\n", "repeat", show(at, true),
				l.RepeatFrom, n, shortDuration(l.RepeatEvery), until)
		}
	}
	if p.Ladder.AckTimeout > 0 {
		fmt.Fprintf(&b, "ack timeout %s after the last touch of an acknowledged ticket re-arms the ladder\n", shortDuration(p.Ladder.AckTimeout))
	}
	return b.String(), last
}

// shortDuration writes 4h0m0s as 4h and 1h30m0s as 1h30m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
