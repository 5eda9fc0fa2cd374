package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
)

// TicketsConfig is the tickets section: SLA policies, escalation ladders,
// routing, playbooks and the weekly digest. Its methods (TicketPolicies,
// TicketRoutes, TicketPlaybooks, DigestSchedule) turn it into the values
// the ticket feature is given; Validate checks it first.
type TicketsConfig struct {
	// Policies are tried in order; the first that matches a ticket's
	// priority (and category and department, when set) is snapshotted on it.
	Policies []TicketPolicyConfig `yaml:"policies"`
	// Ladders are the escalation ladders policies name.
	Ladders []TicketLadderConfig `yaml:"ladders"`
	// Routing sends a category ("*": any other) to a department and an
	// owner.
	Routing map[string]TicketRouteConfig `yaml:"routing"`
	// Playbooks are the follow-up tasks a category's ticket creates.
	Playbooks map[string][]TicketPlayConfig `yaml:"playbooks"`
	// Digest is when the weekly statistics go to department heads, "mon
	// 09:00" in bot.default_tz, or off.
	Digest string `yaml:"digest"`
}

// TicketPolicyConfig is one SLA policy.
type TicketPolicyConfig struct {
	Name     string `yaml:"name"`
	Priority string `yaml:"priority"` // P1–P4 (or urgent, high, medium, low)
	Category string `yaml:"category"` // empty: any
	Dept     string `yaml:"dept"`     // the handling department; empty: any
	// FirstResponse and Resolution are Go durations ("15m", "4h", "40h"),
	// counted on Clock.
	FirstResponse string `yaml:"first_response"`
	Resolution    string `yaml:"resolution"`
	Clock         string `yaml:"clock"` // business (default) or wall
	// Ladder names a ladder; empty means the first ladder, none no ladder.
	Ladder string `yaml:"ladder"`
}

// TicketLadderConfig is one escalation ladder.
type TicketLadderConfig struct {
	Name  string             `yaml:"name"`
	Steps []TicketStepConfig `yaml:"steps"`
	// RepeatFrom (a 1-based step) repeats the steps from it to the last
	// every RepeatEvery after the last one, until the ticket is resolved,
	// or acknowledged with UntilAck.
	RepeatFrom  int    `yaml:"repeat_from"`
	RepeatEvery string `yaml:"repeat_every"`
	UntilAck    bool   `yaml:"until_ack"`
	// AckTimeout re-arms the ladder when an acknowledged ticket sits
	// untouched this long; empty: never.
	AckTimeout string `yaml:"ack_timeout"`
}

// TicketStepConfig is one step: at a percentage of a target, tell someone.
type TicketStepConfig struct {
	At     string   `yaml:"at"`     // "75%", "100%", "150%"
	Target string   `yaml:"target"` // response or resolution
	Notify []string `yaml:"notify"` // owner, manager, head, group, management, requester, requester_manager, @handle
}

// TicketRouteConfig sends a category's tickets to a department: to Owner,
// or in turn to its members (RoundRobin), or else to its head.
type TicketRouteConfig struct {
	Dept       string `yaml:"dept"`
	Owner      string `yaml:"owner"` // a handle from people
	RoundRobin bool   `yaml:"round_robin"`
}

// TicketPlayConfig is one follow-up task of a playbook.
type TicketPlayConfig struct {
	Dept  string `yaml:"dept"`
	Title string `yaml:"title"`
}

// defaultTickets is the tickets section when none is written: one policy
// per priority (P1 in wall-clock time, 15 minutes to respond and 4 hours to
// resolve; P2 1 h and 8 h, P3 4 h and 24 h, P4 8 h and 40 h of business
// time), all on one ladder that reminds the owner at 75 % of the resolution
// target, tells the head and the department's group at 100 % and
// management at 150 %; no routing (tickets go to the department named
// when opened, to its head) and no playbooks; the digest on Mondays at
// 09:00.
func defaultTickets() TicketsConfig {
	policy := func(prio, response, resolution, clock string) TicketPolicyConfig {
		return TicketPolicyConfig{Name: prio, Priority: prio, FirstResponse: response, Resolution: resolution, Clock: clock}
	}
	return TicketsConfig{
		Policies: []TicketPolicyConfig{
			policy("P1", "15m", "4h", "wall"),
			policy("P2", "1h", "8h", "business"),
			policy("P3", "4h", "24h", "business"),
			policy("P4", "8h", "40h", "business"),
		},
		Ladders: []TicketLadderConfig{{Name: "standard", Steps: []TicketStepConfig{
			{At: "75%", Target: "resolution", Notify: []string{"owner"}},
			{At: "100%", Target: "resolution", Notify: []string{"head", "group"}},
			{At: "150%", Target: "resolution", Notify: []string{"management"}},
		}}},
		Digest: "mon 09:00",
	}
}

// notifyWords are what a step may name besides @handle.
var notifyWords = []string{"owner", "manager", "head", "group", "management", "requester", "requester_manager"}

// ticketRefs is what the tickets section may refer to elsewhere in the
// file: the departments and the people's handles (lower case).
type ticketRefs struct {
	depts, handles []string
}

func (c Config) ticketRefs() ticketRefs {
	var r ticketRefs
	for _, d := range c.Departments {
		r.depts = append(r.depts, d.Name)
	}
	for _, p := range c.People {
		h := strings.ToLower(p.Handle)
		if h == "" {
			h = bot.HandleFrom(p.Name, "")
		}
		r.handles = append(r.handles, h)
	}
	return r
}

// dept checks a department name against departments.
func (r ticketRefs) dept(path, name string, bad func(path, format string, args ...any)) {
	if slices.ContainsFunc(r.depts, func(d string) bool { return strings.EqualFold(d, name) }) {
		return
	}
	bad(path, "%q is not in departments%s", name, suggest(name, r.depts))
}

// handle checks a handle (with or without @) against people.
func (r ticketRefs) handle(path, name string, bad func(path, format string, args ...any)) {
	h := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(name, "@"), "＠"))
	if h != "" && slices.Contains(r.handles, h) {
		return
	}
	bad(path, "%q is not a handle in people%s", name, suggest(h, r.handles))
}

// suggest is " (did you mean "x"?)" for the nearest of names, or "".
func suggest(name string, names []string) string {
	lower := make([]string, len(names))
	for i, n := range names {
		lower[i] = strings.ToLower(n)
	}
	if s := closest(strings.ToLower(name), lower); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", names[slices.Index(lower, s)])
	}
	return ""
}

// check reports the problems of the tickets section, each by its path, for
// Config.Validate.
func (tc TicketsConfig) check(c Config, bad func(path, format string, args ...any)) {
	refs := c.ticketRefs()
	tc.convert(&refs, bad)
	tc.checkRouting(refs, bad)
}

// TicketPolicies is the policies as the ticket feature takes them, each
// with its ladder embedded, in the order they are tried. The section must
// have passed Validate.
func (tc TicketsConfig) TicketPolicies() []ticket.Policy {
	return tc.convert(nil, func(string, string, ...any) {})
}

// convert turns the policies and ladders into domain values, telling bad
// about every problem, and about references to departments and people
// when refs is not nil.
func (tc TicketsConfig) convert(refs *ticketRefs, bad func(path, format string, args ...any)) []ticket.Policy {
	ladders := map[string]ticket.Ladder{}
	var first string
	for i, lc := range tc.Ladders {
		path := fmt.Sprintf("tickets.ladders[%d]", i)
		l := lc.ladder(path, refs, bad)
		key := strings.ToLower(l.Name)
		switch {
		case key == "" || key == "none":
			bad(path+".name", "is required (and may not be none)")
			continue
		case ladders[key].Name != "":
			bad(path+".name", "%q is used twice", l.Name)
			continue
		}
		ladders[key] = l
		if first == "" {
			first = key
		}
	}

	var out []ticket.Policy
	names := map[string]bool{}
	for i, pc := range tc.Policies {
		path := fmt.Sprintf("tickets.policies[%d]", i)
		p := ticket.Policy{Name: strings.TrimSpace(pc.Name), Category: strings.TrimSpace(pc.Category), Dept: strings.TrimSpace(pc.Dept)}
		switch {
		case p.Name == "":
			bad(path+".name", "is required")
		case names[strings.ToLower(p.Name)]:
			bad(path+".name", "%q is used twice", p.Name)
		}
		names[strings.ToLower(p.Name)] = true
		var ok bool
		if p.Priority, ok = ticket.ParsePriority(pc.Priority); !ok {
			bad(path+".priority", "must be P1, P2, P3 or P4, not %q", pc.Priority)
		}
		if p.Dept != "" && refs != nil {
			refs.dept(path+".dept", p.Dept, bad)
		}
		p.FirstResponse = slaDuration(path+".first_response", pc.FirstResponse, true, bad)
		p.Resolution = slaDuration(path+".resolution", pc.Resolution, true, bad)
		switch strings.ToLower(strings.TrimSpace(pc.Clock)) {
		case "", "business":
			p.Clock = ticket.Business
		case "wall":
			p.Clock = ticket.Wall
		default:
			bad(path+".clock", "must be business or wall, not %q", pc.Clock)
		}
		switch key := strings.ToLower(strings.TrimSpace(pc.Ladder)); {
		case key == "none":
		case key == "" && first != "":
			p.Ladder = ladders[first]
		case key == "":
		case ladders[key].Name != "":
			p.Ladder = ladders[key]
		default:
			bad(path+".ladder", "%q is not in tickets.ladders%s", pc.Ladder, suggest(key, slices.Sorted(maps.Keys(ladders))))
		}
		checkLadderOrder(path+".ladder", p, bad)
		for j, earlier := range out {
			if earlier.Priority == p.Priority && covers(earlier.Category, p.Category) && covers(earlier.Dept, p.Dept) {
				bad(path, "never matches: tickets.policies[%d] (%s) comes first and matches every ticket it would", j, earlier.Name)
				break
			}
		}
		out = append(out, p)
	}
	return out
}

// covers reports whether a policy's match field a (empty: any) matches
// everything b does.
func covers(a, b string) bool { return a == "" || strings.EqualFold(a, b) }

// checkLadderOrder requires a ladder's steps to fall in the order listed
// under a policy (each step's counted time at least the one before), which
// is how ticket.NextRung takes them.
func checkLadderOrder(path string, p ticket.Policy, bad func(path, format string, args ...any)) {
	steps := p.Ladder.Steps
	for i := 1; i < len(steps); i++ {
		prev, cur := p.Amount(steps[i-1]), p.Amount(steps[i])
		if cur < prev {
			bad(path, "under this policy step %d of ladder %q (%s of %s, %s) falls before step %d (%s of %s, %s); list the steps in the order they fall",
				i+1, p.Ladder.Name, ticket.FormatFraction(steps[i].Fraction), steps[i].Target, cur,
				i, ticket.FormatFraction(steps[i-1].Fraction), steps[i-1].Target, prev)
		}
	}
}

// ladder converts one ladder.
func (lc TicketLadderConfig) ladder(path string, refs *ticketRefs, bad func(path, format string, args ...any)) ticket.Ladder {
	l := ticket.Ladder{Name: strings.TrimSpace(lc.Name), UntilAck: lc.UntilAck, RepeatFrom: lc.RepeatFrom}
	if len(lc.Steps) == 0 {
		bad(path+".steps", "is empty: a ladder needs at least one step")
	}
	for j, sc := range lc.Steps {
		sp := fmt.Sprintf("%s.steps[%d]", path, j)
		s := ticket.Step{Fraction: fraction(sp+".at", sc.At, bad)}
		switch t := ticket.Target(strings.ToLower(strings.TrimSpace(sc.Target))); t {
		case ticket.FirstResponse, ticket.Resolution:
			s.Target = t
		default:
			bad(sp+".target", "must be response or resolution, not %q", sc.Target)
		}
		if len(sc.Notify) == 0 {
			bad(sp+".notify", "is empty: name who is told (%s, or @handle)", strings.Join(notifyWords, ", "))
		}
		for k, who := range sc.Notify {
			np := fmt.Sprintf("%s.notify[%d]", sp, k)
			w := strings.TrimSpace(who)
			switch {
			case slices.Contains(notifyWords, strings.ToLower(w)):
				w = strings.ToLower(w)
			case strings.HasPrefix(w, "@") || strings.HasPrefix(w, "＠"):
				if refs != nil {
					refs.handle(np, w, bad)
				}
				w = "@" + strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(w, "@"), "＠"))
			default:
				bad(np, "must be %s, or @handle, not %q%s", strings.Join(notifyWords, ", "), who, suggest(w, notifyWords))
			}
			s.Notify = append(s.Notify, w)
		}
		l.Steps = append(l.Steps, s)
	}
	if lc.RepeatFrom != 0 || lc.RepeatEvery != "" {
		if lc.RepeatFrom < 1 || lc.RepeatFrom > len(lc.Steps) {
			bad(path+".repeat_from", "must be a step number from 1 to %d, not %d", len(lc.Steps), lc.RepeatFrom)
		}
		l.RepeatEvery = slaDuration(path+".repeat_every", lc.RepeatEvery, true, bad)
	} else if lc.UntilAck {
		bad(path+".until_ack", "needs repeat_from and repeat_every: it ends the repeats")
	}
	l.AckTimeout = slaDuration(path+".ack_timeout", lc.AckTimeout, false, bad)
	return l
}

// slaDuration reads a Go duration ("15m", "4h"); required ones must be set.
func slaDuration(path, s string, required bool, bad func(path, format string, args ...any)) time.Duration {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			bad(path, "is required: a duration such as 30m, 4h or 40h")
		}
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		hint := ""
		if strings.HasSuffix(s, "d") {
			hint = " (days are written in hours: a business day is 7h30m on the default hours, or use 8h)"
		}
		bad(path, "must be a positive duration such as 30m, 4h or 40h, not %q%s", s, hint)
		return 0
	}
	return d
}

// fraction reads a step's "75%" as 0.75.
func fraction(path, s string, bad func(path, format string, args ...any)) float64 {
	num, ok := strings.CutSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || f <= 0 || f > 10000 {
		bad(path, "must be a percentage of the target above 0, such as 75%% or 150%%, not %q", s)
		return 0
	}
	return f / 100
}

// TicketRoute sends tickets of a category ("" for any) to a department: to
// Owner (a handle), or in turn among its members (RoundRobin), or else to
// its head.
type TicketRoute struct {
	Category   string
	Dept       string
	Owner      string
	RoundRobin bool
}

// TicketRoutes lists the routes, named categories first (in order of
// name), then the "*" route for any other.
func (tc TicketsConfig) TicketRoutes() []TicketRoute {
	var out []TicketRoute
	var fallback *TicketRoute
	for _, cat := range slices.Sorted(maps.Keys(tc.Routing)) {
		rc := tc.Routing[cat]
		r := TicketRoute{Category: strings.TrimSpace(cat), Dept: strings.TrimSpace(rc.Dept), RoundRobin: rc.RoundRobin,
			Owner: strings.ToLower(strings.TrimPrefix(strings.TrimSpace(rc.Owner), "@"))}
		if r.Category == "*" {
			r.Category = ""
			fallback = &r
			continue
		}
		out = append(out, r)
	}
	if fallback != nil {
		out = append(out, *fallback)
	}
	return out
}

// TicketPlay is one follow-up task a playbook creates: a title for a
// department.
type TicketPlay struct {
	Dept  string
	Title string
}

// TicketPlaybooks maps a category (lower case) to its follow-up tasks, in
// order.
func (tc TicketsConfig) TicketPlaybooks() map[string][]TicketPlay {
	out := map[string][]TicketPlay{}
	for cat, plays := range tc.Playbooks {
		key := strings.ToLower(strings.TrimSpace(cat))
		for _, p := range plays {
			out[key] = append(out[key], TicketPlay{Dept: strings.TrimSpace(p.Dept), Title: strings.TrimSpace(p.Title)})
		}
	}
	return out
}

var weekdays = map[string]int{
	"sun": 0, "sunday": 0, "mon": 1, "monday": 1, "tue": 2, "tuesday": 2, "wed": 3, "wednesday": 3,
	"thu": 4, "thursday": 4, "fri": 5, "friday": 5, "sat": 6, "saturday": 6,
}

// DigestSchedule is the digest's time as a job schedule: "mon 09:00" is
// "cron:0 9 * * 1"; off (or empty) is "off".
func (tc TicketsConfig) DigestSchedule() string {
	s, _ := digestSchedule(tc.Digest)
	return s
}

func digestSchedule(digest string) (string, bool) {
	fields := strings.Fields(strings.ToLower(digest))
	if len(fields) == 0 || (len(fields) == 1 && fields[0] == "off") {
		return "off", true
	}
	if len(fields) != 2 {
		return "", false
	}
	day, ok := weekdays[fields[0]]
	if !ok {
		return "", false
	}
	h, m, err := parseClock(fields[1])
	if err != nil {
		return "", false
	}
	return fmt.Sprintf("cron:%d %d * * %d", m, h, day), true
}

// checkRouting reports the problems of routing, playbooks and digest.
func (tc TicketsConfig) checkRouting(refs ticketRefs, bad func(path, format string, args ...any)) {
	for _, cat := range slices.Sorted(maps.Keys(tc.Routing)) {
		rc, path := tc.Routing[cat], "tickets.routing."+cat
		if strings.TrimSpace(cat) == "" {
			bad("tickets.routing", "a category is empty (use \"*\" for any other category)")
		}
		if strings.TrimSpace(rc.Dept) == "" {
			bad(path+".dept", "is required: the department that handles the category")
		} else {
			refs.dept(path+".dept", strings.TrimSpace(rc.Dept), bad)
		}
		if rc.Owner != "" {
			refs.handle(path+".owner", strings.TrimSpace(rc.Owner), bad)
			if rc.RoundRobin {
				bad(path+".round_robin", "cannot be true with an owner: choose one")
			}
		}
	}
	for _, cat := range slices.Sorted(maps.Keys(tc.Playbooks)) {
		if strings.TrimSpace(cat) == "" {
			bad("tickets.playbooks", "a category is empty")
		}
		for i, p := range tc.Playbooks[cat] {
			path := fmt.Sprintf("tickets.playbooks.%s[%d]", cat, i)
			if strings.TrimSpace(p.Dept) == "" {
				bad(path+".dept", "is required: the department the task is for")
			} else {
				refs.dept(path+".dept", strings.TrimSpace(p.Dept), bad)
			}
			if strings.TrimSpace(p.Title) == "" {
				bad(path+".title", "is required")
			}
		}
	}
	if _, ok := digestSchedule(tc.Digest); !ok {
		bad("tickets.digest", "must be a weekday and a time such as \"mon 09:00\", or off, not %q", tc.Digest)
	}
}
