package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
)

// later reports whether rung a comes after rung b in ladder order.
func later(a, b ticket.Rung) bool {
	return a.Round > b.Round || a.Round == b.Round && a.Step > b.Step
}

// scheduleNext schedules the ladder's next rung after `after`, under the
// key of its ticket, cycle and step (suffix "" is the rung's own job; a
// re-arm adds one naming its time). Nothing is scheduled when the ladder
// is done or the clock is paused (the resume re-arms it).
func (f *feature) scheduleNext(tx bot.Tx, tk *ticket.Ticket, after ticket.Rung, now time.Time, suffix string) error {
	k, err := f.clockOf(tx, tk)
	if err != nil {
		return err
	}
	r, at, ok := k.next(after, now)
	if !ok {
		return nil
	}
	if suffix != "" {
		suffix = rearmSuffix(at)
	}
	return scheduleStep(tx, stepJob{Ticket: tk.ID, Cycle: tk.Cycle, Step: r.Step + 1, Round: r.Round}, at, now, suffix)
}

// rearm schedules the next rung not yet told at its new time, after the
// clock resumed.
func (f *feature) rearm(tx bot.Tx, tk *ticket.Ticket, now time.Time) error {
	return f.scheduleNext(tx, tk, tk.Fired(), now, "rearm")
}

func rearmSuffix(due time.Time) string { return "/at/" + strconv.FormatInt(due.UnixMilli(), 10) }

// armAckTimeout schedules the acknowledgement timeout of an acknowledged,
// active ticket, counted from its last touch (tk.UpdatedAt): when it runs
// and the ticket was not touched since, the owner and the head are told
// again, and again every timeout after that, until someone touches it.
func (f *feature) armAckTimeout(tx bot.Tx, tk *ticket.Ticket, now time.Time) error {
	k, err := f.clockOf(tx, tk)
	if err != nil {
		return err
	}
	at, ok := k.ackTimeoutAt(tk.UpdatedAt, now)
	if !ok {
		return nil
	}
	touch := tk.UpdatedAt.UnixMilli()
	return scheduleStep(tx, stepJob{Ticket: tk.ID, Cycle: tk.Cycle, Ack: touch, Since: touch}, at, now, "")
}

// escalator runs the escalation jobs in the scheduler's units: it only
// reads and writes through the unit (messages are outbox rows).
type escalator struct{ f *feature }

var _ bot.JobHandler = escalator{}

// RunJob implements bot.JobHandler: it recomputes the rung's time from the
// clock as it is now, since pausing reschedules nothing. A rung whose time
// moved later is re-armed then; a paused clock waits for the resume, which
// re-arms it; a rung told already does nothing. Which rungs were told is
// one field of the ticket (Ticket.Fired), set in the unit that queues the
// notices, so a job that runs again (a retry, a replayed unit, a restart,
// or a re-armed job for the same rung) finds it and tells nobody.
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
		return h.f.ackTimeout(tx, tk, s, now)
	}
	want := ticket.Rung{Step: s.Step - 1, Round: s.Round}
	last := tk.Fired()
	if !later(want, last) {
		return nil
	}
	k, err := h.f.clockOf(tx, tk)
	if err != nil {
		return err
	}
	r, at, ok := k.next(last, now)
	switch {
	case !ok:
		return nil
	case r != want:
		// This rung no longer applies (its target was met), or an earlier
		// one is still to come: go on from the one that is next.
		return scheduleStep(tx, stepJob{Ticket: tk.ID, Cycle: tk.Cycle, Step: r.Step + 1, Round: r.Round}, at, now, rearmSuffix(at))
	case at.After(now):
		return scheduleStep(tx, s, at, now, rearmSuffix(at))
	}
	return h.f.fire(tx, tk, r, now)
}

// fire tells rung r of tk's ladder to its audience, marks a target passed
// as breached, records the rung (on the timeline for people, on the ticket
// for the next job: Ticket.Fired) and schedules the next.
func (f *feature) fire(tx bot.Tx, tk *ticket.Ticket, r ticket.Rung, now time.Time) error {
	step := tk.Policy.Ladder.Steps[r.Step]
	pct := int(step.Fraction*100 + 0.5)
	e := &ticket.Event{TicketID: tk.ID, Kind: ticket.Escalated, From: strconv.Itoa(tk.Cycle), To: tk.Policy.Ladder.Label(r), At: now}
	if err := f.addEvent(tx, tk, e); err != nil {
		return err
	}
	tk.SetFired(r)
	if err := f.markBreaches(tx, tk, now); err != nil {
		return err
	}
	if err := ticket.From(tx).UpdateTicket(tk); err != nil {
		return err
	}
	v, err := f.load(tx, tk, now)
	if err != nil {
		return err
	}
	say := func(rd reader) string {
		target := rd.T("resolution", "解决时限")
		if step.Target == ticket.FirstResponse {
			target = rd.T("first response", "首次响应")
		}
		return rd.T("⏫ %s %s: %d%% of its %s time has passed (%s SLA). Owner: %s.",
			"⏫ %s %s：%s已用去 %d%%（SLA「%s」）。负责人：%s。", append([]any{tk.Ref(), tk.Title}, pctArgs(rd, pct, target, tk.Policy.Name, v)...)...)
	}
	key := stepJob{Ticket: tk.ID, Cycle: tk.Cycle, Step: r.Step + 1, Round: r.Round}.key("")
	if err := f.tellAudience(tx, tk, v, step.Notify, key, now, say); err != nil {
		return err
	}
	if err := f.editCards(tx, v, key, now, say); err != nil {
		return err
	}
	return f.scheduleNext(tx, tk, r, now, "")
}

// pctArgs orders the escalation sentence's arguments for each language.
func pctArgs(rd reader, pct int, target, policy string, v *view) []any {
	owner := v.owner
	if owner == "" {
		owner = rd.T("nobody yet", "暂无")
	}
	if rd.Lang == bot.LangZH {
		return []any{target, pct, policy, owner}
	}
	return []any{pct, target, policy, owner}
}

// ackTimeout tells the owner and the head that an acknowledged ticket sat
// untouched for the ladder's acknowledgement timeout, and arms it again,
// counted from now.
func (f *feature) ackTimeout(tx bot.Tx, tk *ticket.Ticket, s stepJob, now time.Time) error {
	if tk.UpdatedAt.UnixMilli() != s.Ack {
		return nil // touched since: that touch armed its own
	}
	k, err := f.clockOf(tx, tk)
	if err != nil {
		return err
	}
	at, ok := k.ackTimeoutAt(time.UnixMilli(s.Since), now)
	switch {
	case !ok:
		return nil // paused, resolved, or no timeout any more
	case at.After(now):
		return scheduleStep(tx, s, at, now, rearmSuffix(at))
	}
	v, err := f.load(tx, tk, now)
	if err != nil {
		return err
	}
	e := &ticket.Event{TicketID: tk.ID, Kind: ticket.Escalated, From: "ack", To: at.UTC().Format(time.RFC3339), At: now}
	if err := f.addEvent(tx, tk, e); err != nil {
		return err
	}
	say := func(rd reader) string {
		return rd.T("⏫ %s %s was acknowledged but nobody has touched it since %s.", "⏫ %s %s 已受理，但自 %s 起无人处理。",
			tk.Ref(), tk.Title, rd.Time(tk.UpdatedAt))
	}
	key := s.key("") + "/told/" + strconv.FormatInt(at.UnixMilli(), 10)
	if err := f.tellAudience(tx, tk, v, []string{"owner", "head"}, key, now, say); err != nil {
		return err
	}
	s.Since = now.UnixMilli()
	next, ok := k.ackTimeoutAt(now, now)
	if !ok {
		return nil
	}
	return scheduleStep(tx, s, next, now, rearmSuffix(next))
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
	managerOf := func(p *bot.Person) *bot.Person {
		if p == nil {
			return nil
		}
		return person(p.ManagerID)
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
			gs, err := f.deptChats(tx, tk.DeptID, v.dept)
			if err != nil {
				return err
			}
			if len(gs) > 0 {
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
		case w == "manager":
			// The owner's manager; without one (or without an owner),
			// the head, so that someone above the work is told.
			if m := managerOf(person(tk.OwnerID)); m != nil {
				people = append(people, m)
			} else {
				people = append(people, head)
			}
		case w == "requester_manager":
			people = append(people, managerOf(person(tk.RequesterID)))
		case strings.HasPrefix(w, "@"):
			people = append(people, findHandle(tx, w))
		}
	}
	told := map[int64]bool{}
	n := f.notifier()
	for _, p := range people {
		if p == nil {
			continue
		}
		// Decided now, as the notice goes out: a step that falls due while
		// p is on leave reaches their delegate, one after they are back
		// reaches them.
		p, away, err := f.standIn(tx, p, now)
		if err != nil {
			return err
		}
		if told[p.ID] {
			continue
		}
		told[p.ID] = true
		_, err = n.Tell(tx, key+"/to/"+strconv.FormatInt(p.ID, 10), bot.Notice{To: p, Urgent: tk.Priority == ticket.P1}, now,
			func(lang bot.Lang, loc *time.Location) bot.Message {
				rd := reader{Lang: lang, Loc: loc, Now: now}
				text := say(rd)
				if away != nil {
					text = rd.T("For @%s (on leave): ", "代 @%s（休假中）：", away.Handle) + text
				}
				return bot.Message{Text: text, Card: v.card(now, loc, lang)}
			})
		if err != nil {
			return err
		}
	}
	lang, loc := f.defaults()
	for i, to := range chats {
		msg := bot.Message{Text: say(reader{Lang: lang, Loc: loc, Now: now}), Card: v.card(now, loc, lang)}
		if _, err := tx.Enqueue(&bot.Outgoing{Key: key + "/chat/" + strconv.Itoa(i), To: to, Msg: msg.ForReader(lang, loc)}, now); err != nil {
			return err
		}
	}
	return nil
}

func (f *feature) defaults() (bot.Lang, *time.Location) {
	return bot.Defaults(f.DefaultLang, f.DefaultTZ)
}

func (f *feature) notifier() *bot.Notifier {
	return bot.NotifierOr(f.Notifier, f.DefaultLang, f.DefaultTZ)
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
		msg := bot.Message{Text: say(reader{Lang: lang, Loc: loc, Now: now}), Card: card, Edit: &bot.Edit{CopyID: cp.ID, RemoteID: cp.RemoteID}}
		if _, err := tx.Enqueue(&bot.Outgoing{Key: key + "/copy/" + strconv.FormatInt(cp.ID, 10), To: cp.To, Msg: msg}, now); err != nil {
			return err
		}
	}
	return nil
}

// maxDeptChats bounds the chats one escalation posts in.
const maxDeptChats = 20

// deptChats are the handling department's group chats: those in the config
// (departments[].chats) and those bound in chat (`group bind dept:…`), each
// once.
func (f *feature) deptChats(tx bot.Tx, deptID int64, dept string) ([]bot.Destination, error) {
	out := slices.Clone(f.Config.Groups[strings.ToLower(dept)])
	if deptID == 0 {
		return out, nil
	}
	bs, err := bot.Bindings(tx).BoundChats("dept", strconv.FormatInt(deptID, 10), maxDeptChats)
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		if !slices.ContainsFunc(out, func(d bot.Destination) bool {
			return d.Platform == b.Chat.Platform && d.Workspace == b.Chat.Workspace && d.ChatID == b.Chat.ChatID
		}) {
			out = append(out, b.Chat)
		}
	}
	return out, nil
}
