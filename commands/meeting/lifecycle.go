package meeting

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/group"
	"github.com/tandemhq/tandem/commands/timeparse"
)

// create schedules a meeting: it reads the draft, refuses what is
// malformed, answers with the conflicts the prepare step found (and the
// next free slots as buttons) unless told to go ahead anyway, and else
// stores the meeting, invites every attendee on their own platform with
// accept/decline buttons, and schedules the reminders.
func (f *feature) create(c *commands.Ctx) error {
	d, err := parseDraft(c.Args, c.Now, c.Loc, false)
	if err != nil {
		return c.Usage(bot.ErrorText(err))
	}
	switch {
	case d.title == "":
		return c.Usage(bot.T("A meeting needs a title.", "会议需要一个标题。"))
	case d.start.IsZero():
		return c.Usage(bot.T("When is it? Give a day and a time, like fri 14:00.", "什么时候开？请写上日期和时刻，比如「周五 14:00」。"))
	case d.rule == "" && !d.start.After(c.Now):
		return c.Usage(bot.Tf("%s has passed.", "%s 已经过去了。", commands.FormatTime(d.start, c.Now, c.Loc, c.Lang)))
	}
	if c.PrepareErr != nil && !d.force {
		// The calendars could not be asked: nothing is scheduled unchecked
		// (the error is the bot's to retry or apologise for).
		return c.PrepareErr
	}
	if d.dur == 0 {
		d.dur = defaultDuration
	}
	if d.holiday == "" {
		d.holiday = meeting.MoveToNextWorkday
	}
	people, err := f.resolve(c, d.mentions)
	if err != nil {
		return err
	}
	if len(people) == 0 {
		return c.Usage(bot.T("Who is invited? Mention them with @.", "请用 @ 写上参会人。"))
	}
	m := &meeting.Meeting{Title: d.title, Start: d.start, Duration: d.dur, TZ: c.Loc.String(), Room: d.room, Online: d.online,
		OrganizerID: c.Person.ID, Rule: d.rule, Holiday: d.holiday, Status: meeting.Scheduled, Reminders: f.reminders(),
		CreatedAt: c.Now, UpdatedAt: c.Now}
	if err := f.placeIn(c, m, d.dept); err != nil {
		return err
	}
	if d.rule != "" {
		// A series starts at its first occurrence at or after the time given.
		if m.Start = f.firstOf(m, d.start, c.Now); m.Start.IsZero() {
			return c.Usage(bot.Tf("%q never happens.", "「%s」永远不会发生。", d.ruleWords))
		}
	}
	if !d.force {
		// The prepare step checked the first occurrence, as the unit made it.
		if ck, ok := c.Prepared.(*checked); ok && ck.start.Equal(m.Start) && len(ck.conflicts) > 0 {
			c.Reply(f.conflictReply(c, ck, "new", "", c.Args))
			return nil
		}
	}
	st := meeting.From(c.Tx)
	if err := st.CreateMeeting(m); err != nil {
		return err
	}
	if err := st.SetAttendee(&meeting.Attendee{MeetingID: m.ID, PersonID: c.Person.ID, Answer: meeting.Accepted, AnsweredAt: c.Now}); err != nil {
		return err
	}
	for _, p := range people {
		if p.ID == c.Person.ID {
			continue
		}
		if err := st.SetAttendee(&meeting.Attendee{MeetingID: m.ID, PersonID: p.ID, Answer: meeting.Pending}); err != nil {
			return err
		}
	}
	if err := f.scheduleJobs(c.Tx, m, c.Now); err != nil {
		return err
	}
	v, err := f.load(c.Tx, m, c.Now)
	if err != nil {
		return err
	}
	text := c.T("Scheduled %s for %s.", "已安排会议 %s：%s。", m.Ref(), v.when(commands.ReaderOf(c)))
	if ck, ok := c.Prepared.(*checked); ok {
		text += f.uncheckedNote(c, ck)
	}
	c.Reply(bot.Message{Text: text, Card: v.card(c.Now, c.Loc, c.Lang)})
	return f.tellAttendees(c, v, func(rd commands.Reader) string {
		return rd.T("%s invites you to %s %s, %s.", "%s 邀请你参加会议 %s「%s」，时间：%s。",
			"@"+c.Person.Handle, m.Ref(), m.Title, v.when(rd))
	}, nil)
}

// placeIn gives m its department (dept: given, else the binding of the
// group chat it is created in) and, in a group chat, that chat.
func (f *feature) placeIn(c *commands.Ctx, m *meeting.Meeting, dept string) error {
	ev := c.Event
	if ev.ChatType == bot.ChatGroup && ev.ChatID != "" {
		chat := bot.Destination{Platform: ev.Platform, Workspace: ev.Workspace, ChatID: ev.ChatID}
		d, err := group.BoundDept(c.Tx, chat)
		if err != nil {
			return err
		}
		// A click (a slot button) does not always say whether its card is
		// in a group: Feishu's callbacks call every chat shared, a direct
		// one too. Made by a click, the meeting belongs to the chat only
		// when the chat is bound, so no digest is posted into someone's
		// direct chat as if it were a group.
		if ev.Action == nil || d != nil {
			m.Group = chat
		}
		if dept == "" && d != nil {
			m.DeptID = d.ID
		}
	}
	if dept != "" {
		d, err := commands.FindDept(c, dept)
		if err != nil {
			return err
		}
		m.DeptID = d.ID
	}
	return nil
}

// firstOf is a series' first nominal start at or after from (and after
// now): the day its rule first gives, at its clock, even when that day is
// off and the occurrence moves (the rule counts from it).
func (f *feature) firstOf(m *meeting.Meeting, from, now time.Time) time.Time {
	if from.Before(now) {
		from = from.AddDate(0, 0, 1) // today's time has passed: from tomorrow, same clock
	}
	probe := *m
	probe.Start = from
	occ, err := meeting.Occurrences(&probe, f.Calendar, from, from.AddDate(1, 0, 1))
	for _, o := range occ {
		if err == nil && !o.Start.Before(from) {
			if o.Moved {
				return o.MovedFrom
			}
			return o.Start
		}
	}
	return time.Time{}
}

// resolve turns mentions into people (a platform mention registers its
// account, as everywhere).
func (f *feature) resolve(c *commands.Ctx, mentions []string) ([]*bot.Person, error) {
	var out []*bot.Person
	seen := map[int64]bool{}
	for _, name := range mentions {
		p, err := c.ResolvePerson(name)
		if err != nil {
			return nil, err
		}
		if !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// conflictReply says who is busy with what and offers the next free
// slots as buttons that schedule the same meeting at that slot, and one
// that schedules it anyway.
//
// action is the sub-command the buttons repeat ("new", or "change" with
// lead the meeting's number) and args the words after lead.
func (f *feature) conflictReply(c *commands.Ctx, ck *checked, action, lead string, args []commands.Token) bot.Message {
	rd := commands.ReaderOf(c)
	var b strings.Builder
	if action == "change" {
		b.WriteString(c.T("Not changed yet: some attendees are busy at %s.", "尚未修改：部分参会人在 %s 有冲突。", rd.Time(ck.start)))
	} else {
		b.WriteString(c.T("Not scheduled yet: some attendees are busy at %s.", "尚未安排：部分参会人在 %s 有冲突。", rd.Time(ck.start)))
	}
	for _, cf := range ck.conflicts {
		span := rd.Time(cf.Start) + "–" + cf.End.In(rd.Loc).Format("15:04")
		switch {
		case cf.own:
			b.WriteString("\n• " + c.T("%s: %s (%s)", "%s：%s（%s）", cf.handle, cf.What, span))
		case cf.What != "":
			b.WriteString("\n• " + c.T("%s: %s in their calendar (%s)", "%s：日历中的「%s」（%s）", cf.handle, cf.What, span))
		default:
			b.WriteString("\n• " + c.T("%s: busy in their calendar (%s)", "%s：日历显示忙碌（%s）", cf.handle, span))
		}
	}
	b.WriteString(f.uncheckedNote(c, ck))
	var buttons []bot.Button
	typed := bot.T("meeting "+action+" ", "会议 "+map[string]string{"new": "新建", "change": "修改"}[action]+" ").In(c.Lang)
	rest := strings.TrimSpace(lead + " " + withoutTime(args))
	for _, s := range ck.slots {
		value := strings.TrimSpace(rest + " at:" + s.In(c.Loc).Format("2006-01-02T15:04"))
		buttons = append(buttons, bot.Button{ActionID: "meeting." + action, Value: value, Label: rd.Time(s), Typed: typed + value})
	}
	if len(ck.slots) > 0 {
		b.WriteString("\n" + c.T("Free for everyone: %s.", "所有人都有空的时间：%s。", rd.List(slotTimes(rd, ck.slots))))
	} else {
		b.WriteString("\n" + c.T("No common free slot in the next two weeks.", "未来两周内没有所有人都有空的时间。"))
	}
	anyway := strings.TrimSpace(lead + " " + commands.JoinRaw(args) + " " + c.T("anyway", "强制"))
	buttons = append(buttons, bot.Button{ActionID: "meeting." + action, Value: anyway, Label: c.T("Go ahead anyway", "仍然安排"),
		Style: "danger", Typed: typed + anyway})
	return bot.Message{Text: b.String(), Card: &bot.Card{Title: c.T("Conflicts", "时间冲突"), Buttons: buttons}, Private: true}
}

func slotTimes(rd commands.Reader, ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = rd.Time(t)
	}
	return out
}

// withoutTime rebuilds a command's words without its time of day and day,
// for a slot button (which adds at:…): the title, duration, mentions,
// options and a series' rule stay (at: gives the series its clock).
func withoutTime(args []commands.Token) string {
	var keep []string
	for i := 0; i < len(args); i++ {
		t := args[i]
		switch {
		case t.Key != "" && commands.Contains(atKeys, t.Key):
		case t.Key != "" || t.Quoted || t.IsMention() || strings.HasPrefix(t.Text, "+") || strings.HasPrefix(t.Text, "-"):
			keep = append(keep, t.Raw)
		default:
			if _, ok := parseDuration(t.Text); ok || commands.Contains(forceWords, t.Text) {
				keep = append(keep, t.Raw)
			} else if n := ruleWords(args[i:]); n > 0 {
				for _, w := range args[i : i+n] {
					keep = append(keep, w.Raw)
				}
				i += n - 1
			}
		}
	}
	return strings.Join(keep, " ")
}

// ruleWords is how many of args, from the first, are a series' rule
// ("每周一 10:00", "every monday"), or 0.
func ruleWords(args []commands.Token) int {
	if len(args) == 0 || !isRuleStart(args[0].Text) {
		return 0
	}
	var words []string
	for _, t := range args {
		if t.Key != "" || t.Quoted || t.IsMention() {
			break
		}
		words = append(words, t.Text)
	}
	if _, n, ok := timeparse.LongestMeetingRule(words); ok {
		return n
	}
	return 0
}

// uncheckedNote says whose calendars could not be checked.
func (f *feature) uncheckedNote(c *commands.Ctx, ck *checked) string {
	rd := commands.ReaderOf(c)
	var s string
	if len(ck.unchecked) > 0 {
		s += "\n" + c.T("%s: WeCom calendars cannot be checked; only their Tandem meetings were.",
			"%s：企业微信日历无法查询，只检查了他们在 Tandem 中的会议。", rd.List(ck.unchecked))
	}
	for _, fl := range ck.failed {
		s += "\n" + c.T("%s: their calendar could not be read (%s); only their Tandem meetings were checked.",
			"%s：日历无法读取（%s），只检查了其在 Tandem 中的会议。", fl.handle, strings.TrimRight(fl.why.In(c.Lang), ".。"))
	}
	return s
}

// tellAttendees tells every attendee but the actor (and those in skip)
// on their own platform, with the live card.
func (f *feature) tellAttendees(c *commands.Ctx, v *view, say func(commands.Reader) string, skip map[int64]bool) error {
	as, err := meeting.From(c.Tx).Attendees(v.m.ID)
	if err != nil {
		return err
	}
	for _, a := range as {
		if skip[a.PersonID] {
			continue
		}
		if err := f.tellOne(c, v, a.PersonID, say); err != nil {
			return err
		}
	}
	return nil
}

func (f *feature) tellOne(c *commands.Ctx, v *view, id int64, say func(commands.Reader) string) error {
	p, err := c.Tx.FindPersonByID(id)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	return c.Tell(bot.Notice{To: p}, func(lang bot.Lang, loc *time.Location) bot.Message {
		return bot.Message{Text: say(commands.Reader{Lang: lang, Loc: loc, Now: c.Now}), Card: v.card(c.Now, loc, lang)}
	})
}

// loadMeeting reads the meeting number argument ("3", "#3", "M-3").
func loadMeeting(c *commands.Ctx) (*meeting.Meeting, error) {
	if len(c.Args) == 0 {
		return nil, c.Usage(bot.T("Which meeting? Give its number.", "哪个会议？请写上会议编号。"))
	}
	return findMeeting(c, c.Args[0].Text)
}

func findMeeting(c *commands.Ctx, word string) (*meeting.Meeting, error) {
	s := strings.TrimPrefix(strings.TrimPrefix(strings.ToUpper(word), "M-"), "M")
	id, err := commands.ParseID(s)
	if err != nil {
		return nil, c.Usage(bot.Tf("%q is not a meeting number.", "「%s」不是会议编号。", word))
	}
	return meeting.From(c.Tx).FindMeetingByID(id)
}

// attends reports whether p is among m's attendees, and their answer.
func attends(tx bot.Tx, m *meeting.Meeting, p *bot.Person) (*meeting.Attendee, error) {
	as, err := meeting.From(tx).Attendees(m.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		if a.PersonID == p.ID {
			return a, nil
		}
	}
	return nil, nil
}

// MayChange refuses anyone but the organizer, the head of the meeting's
// department and an admin: they alone move, change or cancel it.
func MayChange(tx bot.Tx, actor *bot.Person, m *meeting.Meeting, doing bot.Text) error {
	if actor.ID == m.OrganizerID || actor.Role == bot.RoleAdmin {
		return nil
	}
	if m.DeptID != 0 {
		if d, err := tx.FindDepartmentByID(m.DeptID); err == nil && d.HeadID == actor.ID {
			return nil
		}
	}
	return bot.Err(bot.EFORBIDDEN, bot.T("Only the organizer, the department's head or an admin may "+doing.EN+".",
		bot.ZHConcat("只有组织者、部门负责人或管理员可以", doing.ZH+"。")))
}

// answer records an attendee's accept or decline and edits every copy of
// the card.
func (f *feature) answer(to meeting.Answer) func(*commands.Ctx) error {
	return func(c *commands.Ctx) error {
		m, err := loadMeeting(c)
		if err != nil {
			return err
		}
		if m.Status != meeting.Scheduled {
			return bot.Errorf(bot.ECONFLICT, "%s was cancelled.", "会议 %s 已取消。", m.Ref())
		}
		a, err := attends(c.Tx, m, c.Person)
		if err != nil {
			return err
		}
		if a == nil {
			return bot.Errorf(bot.EFORBIDDEN, "You are not invited to %s.", "你不在会议 %s 的邀请名单中。", m.Ref())
		}
		a.Answer, a.AnsweredAt = to, c.Now
		if err := meeting.From(c.Tx).SetAttendee(a); err != nil {
			return err
		}
		v, err := f.load(c.Tx, m, c.Now)
		if err != nil {
			return err
		}
		text := c.T("You accepted %s.", "你已接受会议 %s。", m.Ref())
		if to == meeting.Declined {
			text = c.T("You declined %s.", "你已拒绝会议 %s。", m.Ref())
		}
		reply := bot.Message{Text: text}
		if c.Event.Action == nil {
			reply.Card = v.card(c.Now, c.Loc, c.Lang)
		}
		c.Reply(reply)
		return c.UpdateCards(m.Subject(), func(lang bot.Lang, loc *time.Location) bot.Message {
			rd := commands.Reader{Lang: lang, Loc: loc, Now: c.Now}
			line := rd.T("%s: @%s accepted.", "%s：@%s 已接受。", m.Ref(), c.Person.Handle)
			if to == meeting.Declined {
				line = rd.T("%s: @%s declined.", "%s：@%s 已拒绝。", m.Ref(), c.Person.Handle)
			}
			return bot.Message{Text: line, Card: v.card(c.Now, loc, lang)}
		})
	}
}

// show answers with the card.
func (f *feature) show(c *commands.Ctx) error {
	m, err := loadMeeting(c)
	if err != nil {
		return err
	}
	v, err := f.load(c.Tx, m, c.Now)
	if err != nil {
		return err
	}
	c.Reply(bot.Message{Card: v.card(c.Now, c.Loc, c.Lang), Private: true})
	return nil
}

// list pages the sender's coming meetings.
func (f *feature) list(c *commands.Ctx) error {
	page, rest, err := commands.PageArg(c, c.Args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return c.Usage(bot.Tf("I don't understand %q.", "我没看懂「%s」。", commands.JoinRaw(rest)))
	}
	const size = 10
	ms, err := meeting.From(c.Tx).FindMeetings(meeting.Filter{PersonID: c.Person.ID, From: c.Now,
		Offset: (page - 1) * size, Limit: size + 1})
	if err != nil {
		return err
	}
	more := len(ms) > size
	if more {
		ms = ms[:size]
	}
	rd := commands.ReaderOf(c)
	var b strings.Builder
	b.WriteString(commands.PageTitle(c, bot.T("Your meetings", "你的会议"), page, len(ms), more))
	for _, m := range ms {
		if m.Status != meeting.Scheduled {
			continue
		}
		b.WriteString(fmt.Sprintf("\n• %s %s — %s", m.Ref(), m.Title, rd.Time(f.nextOccurrence(m, c.Now))))
	}
	if len(ms) == 0 {
		b.WriteString("\n" + c.T("None coming.", "没有即将召开的会议。"))
	}
	if more {
		b.WriteString("\n" + commands.NextPage(c, "meeting list", "会议 列表", nil, page))
	}
	c.Reply(bot.Message{Text: b.String(), Private: true})
	return nil
}

// cancel cancels a meeting, its reminders, and tells everyone.
func (f *feature) cancel(c *commands.Ctx) error {
	m, err := loadMeeting(c)
	if err != nil {
		return err
	}
	if err := MayChange(c.Tx, c.Person, m, bot.T("cancel "+m.Ref(), "取消会议 "+m.Ref())); err != nil {
		return err
	}
	if m.Status == meeting.Cancelled {
		return bot.Errorf(bot.ECONFLICT, "%s is already cancelled.", "会议 %s 已经取消了。", m.Ref())
	}
	why := strings.TrimSpace(commands.JoinRaw(c.Args[1:]))
	if utf8.RuneCountInString(why) > maxText {
		return c.Usage(bot.Tf("That is too long (at most %d characters).", "内容太长了（最多 %d 个字）。", maxText))
	}
	if err := f.cancelJobs(c.Tx, m, c.Now); err != nil {
		return err
	}
	m.Status, m.UpdatedAt = meeting.Cancelled, c.Now
	if err := meeting.From(c.Tx).UpdateMeeting(m); err != nil {
		return err
	}
	v, err := f.load(c.Tx, m, c.Now)
	if err != nil {
		return err
	}
	c.Reply(bot.Message{Text: c.T("Cancelled %s.", "已取消会议 %s。", m.Ref())})
	say := func(rd commands.Reader) string {
		s := rd.T("@%s cancelled %s %s (%s).", "@%s 取消了会议 %s「%s」（原定 %s）。", c.Person.Handle, m.Ref(), m.Title, rd.Time(v.next))
		if why != "" {
			s += " " + rd.T("Why: %s", "原因：%s", why)
		}
		return s
	}
	if err := c.UpdateCards(m.Subject(), func(lang bot.Lang, loc *time.Location) bot.Message {
		return bot.Message{Text: say(commands.Reader{Lang: lang, Loc: loc, Now: c.Now}), Card: v.card(c.Now, loc, lang)}
	}); err != nil {
		return err
	}
	return f.tellAttendees(c, v, say, nil)
}

// change moves a meeting or changes its attendees, room or link; its
// reminders follow, and everyone (the removed too) is told.
func (f *feature) change(c *commands.Ctx) error {
	m, err := loadMeeting(c)
	if err != nil {
		return err
	}
	if err := MayChange(c.Tx, c.Person, m, bot.T("change "+m.Ref(), "修改会议 "+m.Ref())); err != nil {
		return err
	}
	if m.Status == meeting.Cancelled {
		return bot.Errorf(bot.ECONFLICT, "%s was cancelled.", "会议 %s 已取消。", m.Ref())
	}
	d, err := parseDraft(c.Args[1:], c.Now, c.Loc, true)
	if err != nil {
		return c.Usage(bot.ErrorText(err))
	}
	if d.start.IsZero() && d.dur == 0 && len(d.mentions)+len(d.removed) == 0 && d.room == "" && d.online == "" {
		return c.Usage(bot.T("What changes? Give a new time, duration, +@person, -@person, room: or online:.",
			"要改什么？请写新的时间、时长、+@某人、-@某人、会议室或线上链接。"))
	}
	if !d.start.IsZero() && !d.start.After(c.Now) {
		return c.Usage(bot.Tf("%s has passed.", "%s 已经过去了。", commands.FormatTime(d.start, c.Now, c.Loc, c.Lang)))
	}
	if !d.force {
		if c.PrepareErr != nil {
			return c.PrepareErr
		}
		if ck, ok := c.Prepared.(*checked); ok && len(ck.conflicts) > 0 && (d.start.IsZero() || ck.start.Equal(d.start)) {
			c.Reply(f.conflictReply(c, ck, "change", strconv.FormatInt(m.ID, 10), c.Args[1:]))
			return nil
		}
	}
	rd := commands.ReaderOf(c)
	before, err := f.load(c.Tx, m, c.Now)
	if err != nil {
		return err
	}
	timeChanged := (!d.start.IsZero() && !d.start.Equal(m.Start)) || (d.dur != 0 && d.dur != m.Duration)
	var what []func(commands.Reader) string
	if timeChanged {
		if err := f.cancelJobs(c.Tx, m, c.Now); err != nil {
			return err
		}
		if !d.start.IsZero() {
			m.Start = d.start
		}
		if d.dur != 0 {
			m.Duration = d.dur
		}
	}
	if d.room != "" {
		m.Room = d.room
		what = append(what, func(r commands.Reader) string { return r.T("room: %s", "会议室：%s", d.room) })
	}
	if d.online != "" {
		m.Online = d.online
		what = append(what, func(r commands.Reader) string { return r.T("link: %s", "线上：%s", d.online) })
	}
	st := meeting.From(c.Tx)
	added, err := f.resolve(c, d.mentions)
	if err != nil {
		return err
	}
	removed, err := f.resolve(c, d.removed)
	if err != nil {
		return err
	}
	gone := map[int64]bool{}
	for _, p := range removed {
		if p.ID == m.OrganizerID {
			return c.Usage(bot.T("The organizer stays; cancel the meeting instead.", "组织者不能移除；如需取消，请取消会议。"))
		}
		a, err := attends(c.Tx, m, p)
		if err != nil {
			return err
		}
		if a != nil {
			// Removal is a decline on their behalf, kept as a row so that
			// the meeting's list shows who was dropped as absent.
			a.Answer, a.AnsweredAt = meeting.Declined, c.Now
			if err := st.SetAttendee(a); err != nil {
				return err
			}
			gone[p.ID] = true
		}
	}
	newcomers := map[int64]bool{}
	for _, p := range added {
		if a, err := attends(c.Tx, m, p); err != nil {
			return err
		} else if a != nil && a.Answer != meeting.Declined {
			continue
		}
		if err := st.SetAttendee(&meeting.Attendee{MeetingID: m.ID, PersonID: p.ID, Answer: meeting.Pending}); err != nil {
			return err
		}
		newcomers[p.ID] = true
	}
	m.UpdatedAt = c.Now
	if err := st.UpdateMeeting(m); err != nil {
		return err
	}
	if timeChanged {
		if err := f.scheduleJobs(c.Tx, m, c.Now); err != nil {
			return err
		}
	}
	v, err := f.load(c.Tx, m, c.Now)
	if err != nil {
		return err
	}
	say := func(r commands.Reader) string {
		var parts []string
		if timeChanged {
			parts = append(parts, r.T("now %s (was %s)", "改为 %s（原定 %s）", v.when(r), before.when(r)))
		}
		for _, w := range what {
			parts = append(parts, w(r))
		}
		if len(newcomers) > 0 {
			parts = append(parts, r.T("invited %s", "新邀请 %s", r.List(handles(c.Tx, newcomers))))
		}
		if len(gone) > 0 {
			parts = append(parts, r.T("removed %s", "移除 %s", r.List(handles(c.Tx, gone))))
		}
		sep := "; "
		if r.Lang == bot.LangZH {
			sep = "；"
		}
		return r.T("@%s changed %s %s: %s.", "@%s 修改了会议 %s「%s」：%s。", c.Person.Handle, m.Ref(), m.Title, strings.Join(parts, sep))
	}
	c.Reply(bot.Message{Text: say(rd), Card: v.card(c.Now, c.Loc, c.Lang)})
	if err := c.UpdateCards(m.Subject(), func(lang bot.Lang, loc *time.Location) bot.Message {
		return bot.Message{Text: say(commands.Reader{Lang: lang, Loc: loc, Now: c.Now}), Card: v.card(c.Now, loc, lang)}
	}); err != nil {
		return err
	}
	if err := f.tellAttendees(c, v, say, gone); err != nil {
		return err
	}
	for id := range gone {
		if err := f.tellOne(c, v, id, func(r commands.Reader) string {
			return r.T("@%s removed you from %s %s.", "@%s 把你从会议 %s「%s」中移除了。", c.Person.Handle, m.Ref(), m.Title)
		}); err != nil {
			return err
		}
	}
	return nil
}

func handles(tx bot.Tx, ids map[int64]bool) []string {
	var out []string
	ppl := commands.NewPeople(tx)
	for id := range ids {
		out = append(out, ppl.Handle(id, bot.LangEN))
	}
	slices.Sort(out)
	return out
}

// scheduleJobs schedules the reminders and the end-of-meeting digest of
// m's next occurrence.
func (f *feature) scheduleJobs(tx bot.Tx, m *meeting.Meeting, now time.Time) error {
	if err := f.scheduleReminders(tx, m, now, now); err != nil {
		return err
	}
	return f.scheduleDigest(tx, m, now, now)
}

// cancelJobs cancels what scheduleJobs scheduled, before m changes.
func (f *feature) cancelJobs(tx bot.Tx, m *meeting.Meeting, now time.Time) error {
	if err := f.cancelReminders(tx, m, now); err != nil {
		return err
	}
	return f.cancelDigest(tx, m, now)
}
