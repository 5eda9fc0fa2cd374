package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
)

// maxSteps bounds how many rungs one look for the next applicable step
// passes (steps of a target already met are skipped).
const maxSteps = 64

// lastFired is the highest ladder step the timeline records as taken in
// tk's current cycle (0 for none). Each firing is recorded in the unit
// that sends it, so a step found here never fires again, whichever job
// (its own, or one re-armed after a pause) comes to it.
func lastFired(tx bot.Tx, tk *ticket.Ticket) (int, error) {
	evs, err := ticket.From(tx).TicketEvents(tk.ID, timelineLimit)
	if err != nil {
		return 0, err
	}
	last := 0
	cycle := strconv.Itoa(tk.Cycle)
	for _, e := range evs {
		if e.Kind != ticket.Escalated || e.From != cycle {
			continue
		}
		n, _, _ := strings.Cut(e.To, "/")
		if k, err := strconv.Atoi(n); err == nil && k > last {
			last = k
		}
	}
	return last, nil
}

// nextStep finds the first step after step `after` that still applies
// (first-response steps only until acknowledged; repeats with UntilAck
// only until then) and when it is due; ok is false when there is none or
// its clock does not run (paused or stopped: a resume re-arms it).
func (f *feature) nextStep(tx bot.Tx, tk *ticket.Ticket, after int) (n int, due time.Time, ok bool, err error) {
	evs, err := ticket.From(tx).ClockEvents(tk.ID, tk.Cycle)
	if err != nil {
		return 0, time.Time{}, false, err
	}
	dept := deptName(tx, tk)
	l := tk.Policy.Ladder
	for n = after + 1; n <= after+maxSteps; n++ {
		s, at, exists := rung(l, tk.Policy, n)
		if !exists {
			return 0, time.Time{}, false, nil
		}
		acked := !tk.AckedAt.IsZero()
		if acked && (s.Target == ticket.FirstResponse || l.UntilAck && n > len(l.Steps)) {
			continue
		}
		if targetOf(tk.Policy, s.Target) <= 0 {
			continue
		}
		due, ok = f.clock.reach(tk.Policy, dept, evs, s.Target, at)
		return n, due, ok, nil
	}
	return 0, time.Time{}, false, nil
}

// scheduleNextStep schedules the ladder's next step after `after`, under
// the key of its ticket, cycle and step (suffix "" is the step's own job;
// a re-arm adds one naming its time).
func (f *feature) scheduleNextStep(tx bot.Tx, tk *ticket.Ticket, after int, now time.Time, suffix string) error {
	n, due, ok, err := f.nextStep(tx, tk, after)
	if err != nil || !ok {
		return err
	}
	return scheduleStep(tx, stepJob{Ticket: tk.ID, Cycle: tk.Cycle, Step: n}, due, now, suffix)
}

// rearm schedules the next step not yet taken at its new time, after the
// clock resumed.
func (f *feature) rearm(tx bot.Tx, tk *ticket.Ticket, now time.Time) error {
	last, err := lastFired(tx, tk)
	if err != nil {
		return err
	}
	n, due, ok, err := f.nextStep(tx, tk, last)
	if err != nil || !ok {
		return err
	}
	return scheduleStep(tx, stepJob{Ticket: tk.ID, Cycle: tk.Cycle, Step: n}, due, now, rearmSuffix(due))
}

func rearmSuffix(due time.Time) string { return "/at/" + strconv.FormatInt(due.UnixMilli(), 10) }

// armAckTimeout schedules the acknowledgement timeout of an acknowledged,
// active ticket, counted from its last touch (tk.UpdatedAt): when it runs
// and the ticket was not touched since, the owner and the head are told
// again, and again every timeout after that, until someone touches it.
func (f *feature) armAckTimeout(tx bot.Tx, tk *ticket.Ticket, now time.Time) error {
	d := tk.Policy.Ladder.AckTimeout
	if d <= 0 || tk.AckedAt.IsZero() || !tk.Status.Active() || tk.Status == ticket.Waiting {
		return nil
	}
	at := f.clock.add(tk.Policy, deptName(tx, tk), tk.UpdatedAt, d)
	return scheduleStep(tx, stepJob{Ticket: tk.ID, Cycle: tk.Cycle, Ack: tk.UpdatedAt.UnixMilli()}, at, now, "")
}

// escalator runs the escalation jobs in the scheduler's units: it only
// reads and writes through the unit (messages are outbox rows).
type escalator struct{ f *feature }

var _ bot.JobHandler = escalator{}

// RunJob implements bot.JobHandler: it recomputes the step's time from
// the clock as it is now, since pausing reschedules nothing. A step whose
// time moved later is re-armed then; a paused clock waits for the resume,
// which re-arms it; a step taken already does nothing.
func (h escalator) RunJob(ctx context.Context, tx bot.Tx, job *bot.Job, now time.Time) error {
	var s stepJob
	if err := json.Unmarshal(job.Payload, &s); err != nil {
		return fmt.Errorf("ticket escalation %d: bad payload: %w", job.ID, err)
	}
	tk, err := ticket.From(tx).FindTicketByID(s.Ticket)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if tk.Cycle != s.Cycle || !tk.Status.Active() {
		return nil
	}
	if s.Ack != 0 {
		return h.f.ackTimeout(tx, tk, s, job, now)
	}
	last, err := lastFired(tx, tk)
	if err != nil || last >= s.Step {
		return err
	}
	n, due, ok, err := h.f.nextStep(tx, tk, s.Step-1)
	switch {
	case err != nil || !ok:
		return err
	case n != s.Step:
		// This step no longer applies (its target was met): go on with
		// the next one that does.
		return scheduleStep(tx, stepJob{Ticket: tk.ID, Cycle: tk.Cycle, Step: n}, due, now, "")
	case due.After(now):
		return scheduleStep(tx, s, due, now, rearmSuffix(due))
	}
	return h.f.fire(tx, tk, n, due, now)
}

// fire takes step n of tk's ladder: it tells the step's audience, marks a
// target passed as breached, records the step and schedules the next.
func (f *feature) fire(tx bot.Tx, tk *ticket.Ticket, n int, due, now time.Time) error {
	step, _, _ := rung(tk.Policy.Ladder, tk.Policy, n)
	total := len(tk.Policy.Ladder.Steps)
	pct := int(step.Fraction*100 + 0.5)
	e := &ticket.Event{TicketID: tk.ID, Kind: ticket.Escalated, From: strconv.Itoa(tk.Cycle),
		To: fmt.Sprintf("%d/%d %d%% %s", n, total, pct, step.Target), At: now}
	if err := ticket.From(tx).AddTicketEvent(e); err != nil {
		return err
	}
	if err := f.markBreaches(tx, tk, now, 0); err != nil {
		return err
	}
	if err := ticket.From(tx).UpdateTicket(tk); err != nil {
		return err
	}
	v, err := f.load(tx, tk)
	if err != nil {
		return err
	}
	say := func(rd reader) string {
		target := rd.t("resolution", "解决时限")
		if step.Target == ticket.FirstResponse {
			target = rd.t("first response", "首次响应")
		}
		return rd.t("⏫ %s %s: %d%% of its %s time has passed (%s SLA). Owner: %s.",
			"⏫ %s %s：%s已用去 %d%%（SLA「%s」）。负责人：%s。", append([]any{tk.Ref(), tk.Title}, pctArgs(rd, pct, target, tk.Policy.Name, v)...)...)
	}
	key := fmt.Sprintf("ticket/%d/%d/step/%d", tk.ID, tk.Cycle, n)
	if err := f.tellAudience(tx, tk, v, step.Notify, key, now, say); err != nil {
		return err
	}
	if err := f.editCards(tx, v, key, now, say); err != nil {
		return err
	}
	return f.scheduleNextStep(tx, tk, n, now, "")
}

// pctArgs orders the escalation sentence's arguments for each language.
func pctArgs(rd reader, pct int, target, policy string, v *view) []any {
	owner := v.owner
	if owner == "" {
		owner = rd.t("nobody yet", "暂无")
	}
	if rd.lang == bot.LangZH {
		return []any{target, pct, policy, owner}
	}
	return []any{pct, target, policy, owner}
}

// ackTimeout tells the owner and the head that an acknowledged ticket sat
// untouched for the ladder's acknowledgement timeout, and arms it again.
func (f *feature) ackTimeout(tx bot.Tx, tk *ticket.Ticket, s stepJob, job *bot.Job, now time.Time) error {
	if tk.UpdatedAt.UnixMilli() != s.Ack || tk.AckedAt.IsZero() || tk.Status == ticket.Waiting {
		return nil // touched since (that touch armed its own), or waiting on the requester
	}
	v, err := f.load(tx, tk)
	if err != nil {
		return err
	}
	e := &ticket.Event{TicketID: tk.ID, Kind: ticket.Escalated, From: "ack", To: job.RunAt.UTC().Format(time.RFC3339), At: now}
	if err := ticket.From(tx).AddTicketEvent(e); err != nil {
		return err
	}
	say := func(rd reader) string {
		return rd.t("⏫ %s %s was acknowledged but nobody has touched it since %s.", "⏫ %s %s 已受理，但自 %s 起无人处理。",
			tk.Ref(), tk.Title, rd.time(tk.UpdatedAt))
	}
	key := fmt.Sprintf("ticket/%d/%d/ack/%d", tk.ID, tk.Cycle, job.RunAt.UnixMilli())
	if err := f.tellAudience(tx, tk, v, []string{"owner", "head"}, key, now, say); err != nil {
		return err
	}
	next := f.clock.add(tk.Policy, v.dept, job.RunAt, tk.Policy.Ladder.AckTimeout)
	return scheduleStep(tx, s, next, now, "/"+strconv.FormatInt(next.UnixMilli(), 10))
}

// tellAudience tells a step's audience, each person through the notifier
// (their platform, language, zone and quiet hours; a P1 ignores quiet
// hours), a department's group chats by posting there.
func (f *feature) tellAudience(tx bot.Tx, tk *ticket.Ticket, v *view, notify []string, key string, now time.Time, say func(reader) string) error {
	var head *bot.Person
	if d, err := tx.FindDepartmentByID(tk.DeptID); err == nil && d.HeadID != 0 {
		head, _ = tx.FindPersonByID(d.HeadID)
	}
	person := func(id int64) *bot.Person {
		if id == 0 {
			return nil
		}
		p, err := tx.FindPersonByID(id)
		if err != nil {
			return nil
		}
		return p
	}
	var people []*bot.Person
	var chats []bot.Destination
	for _, who := range notify {
		switch w := strings.ToLower(strings.TrimSpace(who)); {
		case w == "owner":
			if p := person(tk.OwnerID); p != nil {
				people = append(people, p)
			} else {
				people = append(people, head)
			}
		case w == "head":
			people = append(people, head)
		case w == "group":
			if gs := f.Config.Groups[strings.ToLower(v.dept)]; len(gs) > 0 {
				chats = append(chats, gs...)
			} else {
				people = append(people, head)
			}
		case w == "management":
			admins, err := tx.FindPeopleByRole(bot.RoleAdmin, 20)
			if err != nil {
				return err
			}
			people = append(people, admins...)
		case w == "requester":
			people = append(people, person(tk.RequesterID))
		case strings.HasPrefix(w, "@"):
			people = append(people, findHandle(tx, w))
		}
	}
	told := map[int64]bool{}
	n := f.notifier()
	for _, p := range people {
		if p == nil || told[p.ID] {
			continue
		}
		told[p.ID] = true
		_, err := n.Tell(tx, key+"/to/"+strconv.FormatInt(p.ID, 10), bot.Notice{To: p, Urgent: tk.Priority == ticket.P1}, now,
			func(lang bot.Lang, loc *time.Location) bot.Message {
				return bot.Message{Text: say(reader{lang, loc, now}), Card: v.card(now, loc, lang)}
			})
		if err != nil {
			return err
		}
	}
	lang, loc := f.defaults()
	for i, to := range chats {
		msg := bot.Message{Text: say(reader{lang, loc, now}), Card: v.card(now, loc, lang)}
		if _, err := tx.Enqueue(&bot.Outgoing{Key: key + "/chat/" + strconv.Itoa(i), To: to, Msg: msg.ForReader(lang, loc)}, now); err != nil {
			return err
		}
	}
	return nil
}

func (f *feature) defaults() (bot.Lang, *time.Location) {
	lang, loc := f.DefaultLang, f.DefaultTZ
	if lang == "" {
		lang = bot.LangEN
	}
	if loc == nil {
		loc = time.UTC
	}
	return lang, loc
}

func (f *feature) notifier() *bot.Notifier {
	if f.Notifier != nil {
		return f.Notifier
	}
	lang, loc := f.defaults()
	return &bot.Notifier{DefaultLang: lang, DefaultTZ: loc}
}

// editCards is Request.UpdateCards for a job, which has no request: every
// posted copy of the ticket's card is edited to show what the step
// changed (a breach), rendered for its own reader.
func (f *feature) editCards(tx bot.Tx, v *view, key string, now time.Time, say func(reader) string) error {
	copies, err := tx.CardCopies(Subject(v.tk), 50)
	if err != nil {
		return err
	}
	dlang, dloc := f.defaults()
	for _, cp := range copies {
		lang, loc := cp.Lang, dloc
		if lang == "" {
			lang = dlang
		}
		if cp.TZ != "" {
			if l, err := time.LoadLocation(cp.TZ); err == nil {
				loc = l
			}
		}
		card := v.card(now, loc, lang)
		card.Lang, card.TZ = lang, cp.TZ
		if cp.Posted == bot.OutboxQueued && cp.OutboxID != 0 {
			if revised, err := tx.ReviseQueuedCard(cp.OutboxID, card); err != nil {
				return err
			} else if revised {
				continue
			}
		}
		msg := bot.Message{Text: say(reader{lang, loc, now}), Card: card, Edit: &bot.Edit{CopyID: cp.ID, RemoteID: cp.RemoteID}}
		if _, err := tx.Enqueue(&bot.Outgoing{Key: key + "/copy/" + strconv.FormatInt(cp.ID, 10), To: cp.To, Msg: msg}, now); err != nil {
			return err
		}
	}
	return nil
}
