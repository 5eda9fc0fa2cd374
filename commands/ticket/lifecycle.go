package ticket

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands"
)

// loadTicket reads the ticket number argument and loads the ticket.
func loadTicket(c *commands.Ctx) (*ticket.Ticket, error) {
	if len(c.Args) == 0 {
		return nil, c.Usage(bot.T("Which ticket? Give its number.", "哪个工单？请写上工单编号。"))
	}
	s := strings.TrimPrefix(strings.TrimPrefix(strings.ToUpper(c.Args[0].Text), "T-"), "T")
	id, err := commands.ParseID(s)
	if err != nil {
		return nil, c.Usage(bot.Tf("%q is not a ticket number.", "「%s」不是工单编号。", c.Args[0].Text))
	}
	return ticket.From(c.Tx).FindTicketByID(id)
}

// doing completes "Only … can …" for a move.
func doing(to ticket.Status, tk *ticket.Ticket) bot.Text {
	verbs := map[ticket.Status]bot.Text{
		ticket.Acked: bot.T("acknowledge", "受理"), ticket.InProgress: bot.T("work on", "处理"),
		ticket.Waiting: bot.T("put on wait", "挂起"), ticket.Resolved: bot.T("resolve", "解决"),
		ticket.Closed: bot.T("close", "关闭"), ticket.Open: bot.T("reopen", "重开"),
	}
	v := verbs[to]
	return bot.T(v.EN+" "+tk.Ref(), bot.ZHConcat(v.ZH, tk.Ref()))
}

// move is a lifecycle command: it checks who may, moves the status, keeps
// the SLA clock (ack, pause, resume, stop; a reopen starts a new cycle
// under the policy snapshotted at opening), appends to the timeline,
// edits every copy of the card and tells the owner and the requester.
func (f *feature) move(to ticket.Status) func(*commands.Ctx) error {
	return func(c *commands.Ctx) error {
		tk, err := loadTicket(c)
		if err != nil {
			return err
		}
		note := strings.TrimSpace(commands.JoinRaw(c.Args[1:]))
		if utf8.RuneCountInString(note) > maxTextLen {
			return c.Usage(bot.Tf("That is too long (at most %d characters).", "内容太长了（最多 %d 个字）。", maxTextLen))
		}
		if to == ticket.Closed || to == ticket.Open {
			err = ticket.MayCloseOrReopen(c.Tx, c.Person, tk, doing(to, tk))
		} else {
			err = ticket.MayHandle(c.Tx, c.Person, tk, doing(to, tk))
		}
		if err != nil {
			return err
		}
		if tk.Status == to {
			return bot.Err(bot.ECONFLICT, bot.T(tk.Ref()+" is already "+to.Label(bot.LangEN)+".",
				bot.ZHConcat(tk.Ref(), "已经是「"+to.Label(bot.LangZH)+"」状态。")))
		}
		if !tk.Status.CanMoveTo(to) {
			return bot.Err(bot.ECONFLICT, bot.T(
				tk.Ref()+" is "+tk.Status.Label(bot.LangEN)+", so it can't become "+to.Label(bot.LangEN)+". It can become: "+nextSteps(tk.Status, bot.LangEN)+".",
				bot.ZHConcat(tk.Ref(), "当前是「"+tk.Status.Label(bot.LangZH)+"」，不能改为「"+to.Label(bot.LangZH)+"」。可以改为："+nextSteps(tk.Status, bot.LangZH)+"。")))
		}
		return f.apply(c, tk, to, note)
	}
}

func nextSteps(s ticket.Status, lang bot.Lang) string {
	var out []string
	for _, to := range []ticket.Status{ticket.Acked, ticket.InProgress, ticket.Waiting, ticket.Resolved, ticket.Closed, ticket.Open} {
		if s.CanMoveTo(to) {
			out = append(out, to.Label(lang))
		}
	}
	if lang == bot.LangZH {
		return strings.Join(out, "、")
	}
	return strings.Join(out, ", ")
}

// apply moves tk to status to (allowed and permitted) with an optional note.
func (f *feature) apply(c *commands.Ctx, tk *ticket.Ticket, to ticket.Status, note string) error {
	st := ticket.From(c.Tx)
	clock := func(kind ticket.ClockKind) error {
		return st.AddClockEvent(&ticket.ClockEvent{TicketID: tk.ID, Cycle: tk.Cycle, Kind: kind, At: c.Now})
	}
	from := tk.Status
	ack := func() error {
		if !tk.AckedAt.IsZero() {
			return nil
		}
		tk.AckedAt = c.Now
		return clock(ticket.ClockAck)
	}
	var err error
	switch to {
	case ticket.Acked:
		err = ack()
	case ticket.InProgress:
		if err = ack(); err == nil && from == ticket.Waiting {
			err = clock(ticket.ClockResume)
		}
	case ticket.Waiting:
		// Asking the requester for something is a first response.
		if err = ack(); err == nil {
			err = clock(ticket.ClockPause)
		}
	case ticket.Resolved:
		if err = ack(); err == nil {
			err = clock(ticket.ClockStop)
		}
		tk.ResolvedAt = c.Now
	case ticket.Closed:
		tk.ClosedAt = c.Now
	case ticket.Open: // a reopen: a new cycle under the same snapshot
		tk.Cycle++
		tk.OpenedAt, tk.AckedAt, tk.ResolvedAt, tk.ClosedAt = c.Now, time.Time{}, time.Time{}, time.Time{}
		tk.ResponseBreached, tk.ResolutionBreached = false, false
		err = clock(ticket.ClockStart)
	}
	if err != nil {
		return err
	}
	if err := f.markBreaches(c.Tx, tk, c.Now); err != nil {
		return err
	}
	f.stampTimes(c.Tx, tk)
	tk.Status, tk.UpdatedAt = to, c.Now
	if err := st.UpdateTicket(tk); err != nil {
		return err
	}
	var e *ticket.Event
	if to == ticket.Open {
		e, err = f.record(c, tk, ticket.Reopened, note, strconv.Itoa(tk.Cycle))
	} else {
		e, err = f.record(c, tk, ticket.StatusSet, string(from), string(to))
		if err == nil && note != "" {
			_, err = f.record(c, tk, ticket.Commented, "", note)
		}
	}
	if err != nil {
		return err
	}
	switch {
	case to == ticket.Open:
		err = f.scheduleNext(c.Tx, tk, ticket.Start, c.Now, "")
	case from == ticket.Waiting && to.Active():
		// The clock runs again: the ladder's next step is due later than
		// its job thought (that job, if still pending, finds the clock
		// moved and re-arms itself at the same time, under the same key).
		err = f.rearm(c.Tx, tk, c.Now)
	}
	if err != nil {
		return err
	}
	if err := f.armAckTimeout(c.Tx, tk, c.Now); err != nil {
		return err
	}
	if to == ticket.Closed && f.OnClosed != nil {
		if err := f.OnClosed(c.Tx, "ticket/"+strconv.FormatInt(tk.ID, 10), tk.Ref()+" "+tk.Title,
			[]int64{tk.RequesterID, tk.OwnerID}, c.Now); err != nil {
			return err
		}
	}
	return f.changed(c, tk, e, c.T("%s is now %s.", "%s 已改为「%s」。", tk.Ref(), to.Label(c.Lang)))
}

// markBreaches records a target passed unmet (it may already be marked by
// the ladder's job), with a timeline entry.
func (f *feature) markBreaches(tx bot.Tx, tk *ticket.Ticket, now time.Time) error {
	k, err := f.clockOf(tx, tk)
	if err != nil {
		return err
	}
	for _, target := range []ticket.Target{ticket.FirstResponse, ticket.Resolution} {
		flag := &tk.ResponseBreached
		if target == ticket.Resolution {
			flag = &tk.ResolutionBreached
		}
		limit := tk.Policy.TargetDuration(target)
		if *flag || limit <= 0 {
			continue
		}
		if k.elapsed(target, now) >= limit {
			*flag = true
			e := &ticket.Event{TicketID: tk.ID, ActorID: 0, Kind: ticket.Breached, To: string(target), At: now}
			if err := f.addEvent(tx, tk, e); err != nil {
				return err
			}
			if f.Metrics != nil { // the process's units are hooked (bot.Hooked); bare test stores count nothing
				metrics, target := f.Metrics, string(target)
				bot.AfterCommit(tx, func() { metrics.SLABreached(target) })
			}
		}
	}
	return nil
}

func deptName(tx bot.Tx, tk *ticket.Ticket) string {
	if d, err := tx.FindDepartmentByID(tk.DeptID); err == nil {
		return d.Name
	}
	return ""
}

// changed answers the actor, edits every posted copy of the card and tells
// the owner and the requester (not the actor) in their own language.
func (f *feature) changed(c *commands.Ctx, tk *ticket.Ticket, e *ticket.Event, text string) error {
	v, err := f.load(c.Tx, tk, c.Now)
	if err != nil {
		return err
	}
	reply := bot.Message{Text: text}
	if c.Event.Action == nil {
		reply.Card = v.card(c.Now, c.Loc, c.Lang)
	}
	c.Reply(reply)
	ppl := commands.NewPeople(c.Tx, c.Person)
	say := func(rd reader) string {
		if rd.Lang == bot.LangZH {
			return bot.ZHConcat(tk.Ref()+"：", actor(e, ppl, rd), sentence(e, ppl, rd)+"。")
		}
		return tk.Ref() + ": " + actor(e, ppl, rd) + " " + sentence(e, ppl, rd) + "."
	}
	if err := c.UpdateCards(Subject(tk), func(lang bot.Lang, loc *time.Location) bot.Message {
		return bot.Message{Text: say(reader{Lang: lang, Loc: loc, Now: c.Now}), Card: v.card(c.Now, loc, lang)}
	}); err != nil {
		return err
	}
	return f.tellWatchers(c, v, say)
}

// tellWatchers tells the owner and the requester, except the actor.
func (f *feature) tellWatchers(c *commands.Ctx, v *view, say func(reader) string) error {
	return f.tellPeople(c, v, say, v.tk.OwnerID, v.tk.RequesterID)
}

// tellHandlers tells whoever handles a new ticket: its owner, else its
// department's head.
func (f *feature) tellHandlers(c *commands.Ctx, v *view, say func(reader) string) error {
	id := v.tk.OwnerID
	if id == 0 {
		if d, err := c.Tx.FindDepartmentByID(v.tk.DeptID); err == nil {
			id = d.HeadID
		}
	}
	return f.tellPeople(c, v, say, id)
}

func (f *feature) tellPeople(c *commands.Ctx, v *view, say func(reader) string, ids ...int64) error {
	done := map[int64]bool{}
	for _, id := range ids {
		if id == 0 || done[id] {
			continue
		}
		done[id] = true
		p, err := c.Tx.FindPersonByID(id)
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		if err := c.Tell(bot.Notice{To: p, Subject: Subject(v.tk), Urgent: v.tk.Priority == ticket.P1},
			func(lang bot.Lang, loc *time.Location) bot.Message {
				return bot.Message{Text: say(reader{Lang: lang, Loc: loc, Now: c.Now}), Card: v.card(c.Now, loc, lang)}
			}); err != nil {
			return err
		}
	}
	return nil
}

// assign gives a ticket to someone ("me" for oneself).
func (f *feature) assign(c *commands.Ctx) error {
	tk, err := loadTicket(c)
	if err != nil {
		return err
	}
	if err := ticket.MayHandle(c.Tx, c.Person, tk, bot.T("reassign "+tk.Ref(), bot.ZHConcat("转派", tk.Ref()))); err != nil {
		return err
	}
	if !tk.Status.Active() {
		return bot.Errorf(bot.ECONFLICT, "%s is %s; reopen it first.", "%s 已是「%s」，请先重新打开。", tk.Ref(), tk.Status.Label(c.Lang))
	}
	if len(c.Args) != 2 {
		return c.Usage(bot.T("Name the new owner with @, or say me.", "请用 @ 指定新的负责人，或写「我」。"))
	}
	owner := c.Person
	if w := strings.ToLower(c.Args[1].Text); w != "me" && w != "我" && w != "myself" {
		if !c.Args[1].IsMention() {
			return c.Usage(bot.T("Name the new owner with @, or say me.", "请用 @ 指定新的负责人，或写「我」。"))
		}
		if owner, err = c.ResolvePerson(c.Args[1].Text); err != nil {
			return err
		}
	}
	owner, away, err := f.standIn(c.Tx, owner, c.Now)
	if err != nil {
		return err
	}
	if owner.ID == tk.OwnerID {
		return bot.Errorf(bot.ECONFLICT, "%s is already @%s's.", "%s 的负责人已经是 @%s。", tk.Ref(), owner.Handle)
	}
	old := tk.OwnerID
	tk.OwnerID, tk.UpdatedAt = owner.ID, c.Now
	if err := ticket.From(c.Tx).UpdateTicket(tk); err != nil {
		return err
	}
	e, err := f.record(c, tk, ticket.Assigned, strconv.FormatInt(old, 10), strconv.FormatInt(owner.ID, 10))
	if err != nil {
		return err
	}
	if err := f.recordStandIn(c.Tx, tk, away, c.Person.ID, c.Now); err != nil {
		return err
	}
	if err := f.armAckTimeout(c.Tx, tk, c.Now); err != nil {
		return err
	}
	said := c.T("%s is now @%s's.", "%s 已指派给 @%s。", tk.Ref(), owner.Handle)
	if away != nil {
		said = c.T("%s is now @%s's, for @%s, on leave.", "%s 已指派给 @%s（代休假中的 @%s）。", tk.Ref(), owner.Handle, away.Handle)
	}
	if err := f.changed(c, tk, e, said); err != nil {
		return err
	}
	if old == 0 || old == owner.ID {
		return nil
	}
	v, err := f.load(c.Tx, tk, c.Now)
	if err != nil {
		return err
	}
	return f.tellPeople(c, v, func(rd reader) string {
		return rd.T("%s passed %s to @%s.", "%s 把 %s 转给了 @%s。", "@"+c.Person.Handle, tk.Ref(), owner.Handle)
	}, old)
}

// comment adds to the timeline; the requester's answer to a ticket that
// waits on them resumes it (and its clock).
func (f *feature) comment(c *commands.Ctx) error {
	tk, err := loadTicket(c)
	if err != nil {
		return err
	}
	text := strings.TrimSpace(commands.JoinRaw(c.Args[1:]))
	if text == "" {
		return c.Usage(bot.T("Write the text after the ticket number.", "请在工单编号后写上内容。"))
	}
	if utf8.RuneCountInString(text) > maxTextLen {
		return c.Usage(bot.Tf("That is too long (at most %d characters).", "内容太长了（最多 %d 个字）。", maxTextLen))
	}
	if c.Person.ID == tk.RequesterID && tk.Status == ticket.Waiting {
		if _, err := f.record(c, tk, ticket.Commented, "", text); err != nil {
			return err
		}
		return f.apply(c, tk, ticket.InProgress, "")
	}
	e, err := f.record(c, tk, ticket.Commented, "", text)
	if err != nil {
		return err
	}
	if ok, err := ticket.Handles(c.Tx, c.Person, tk); err != nil {
		return err
	} else if ok && tk.Status.Active() {
		// A handler's comment touches the ticket: the acknowledgement
		// timeout counts from here.
		tk.UpdatedAt = c.Now
		if err := ticket.From(c.Tx).UpdateTicket(tk); err != nil {
			return err
		}
		if err := f.armAckTimeout(c.Tx, tk, c.Now); err != nil {
			return err
		}
	}
	return f.changed(c, tk, e, c.T("Comment added to %s.", "已评论 %s。", tk.Ref()))
}

// show answers with the card and a page of the timeline.
func (f *feature) show(c *commands.Ctx) error {
	tk, err := loadTicket(c)
	if err != nil {
		return err
	}
	page, err := showPage(c)
	if err != nil {
		return err
	}
	v, err := f.load(c.Tx, tk, c.Now)
	if err != nil {
		return err
	}
	text, err := timelinePage(c, tk, page)
	if err != nil {
		return err
	}
	c.Reply(bot.Message{Card: v.card(c.Now, c.Loc, c.Lang), Private: true})
	c.Reply(bot.Message{Text: text, Private: true})
	return nil
}
