package meeting

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/group"
	"github.com/tandemhq/tandem/commands/timeparse"
)

// maxMinuteLines bounds one message of minutes; maxGroups the chats a
// digest is posted in.
const (
	maxMinuteLines = 100
	maxGroups      = 20
)

var dueKeys = []string{"due", "by", "截止", "截至", "到期"}

// Line prefixes of the minutes' format (README, "Minutes"): a point, a
// decision, an action item. Longer prefixes first, so "decision:" is not
// read as "- ".
var minutePrefixes = []struct {
	kind     meeting.MinuteKind
	prefixes []string
}{
	{meeting.Decision, []string{"decision:", "decision：", "decided:", "decision ", "决定：", "决定:", "决议：", "决定 ", "决议 "}},
	{meeting.Action, []string{"action:", "action：", "todo:", "action ", "todo ", "行动：", "待办：", "行动项：", "行动 ", "待办 "}},
	{meeting.Point, []string{"point:", "point：", "note:", "point ", "要点：", "记录：", "要点 ", "- ", "• ", "* ", "－ "}},
}

// parseMinuteLine reads one line of minutes: its kind and the rest.
func parseMinuteLine(line string) (meeting.MinuteKind, string, bool) {
	line = strings.TrimSpace(line)
	low := strings.ToLower(line)
	for _, k := range minutePrefixes {
		for _, p := range k.prefixes {
			if strings.HasPrefix(low, p) {
				return k.kind, strings.TrimSpace(line[len(p):]), true
			}
		}
	}
	return "", "", false
}

// actionItem is an action line read: its owner's mention, text and due.
type actionItem struct {
	owner string
	text  string
	due   string
}

// parseAction reads `@carol "send the budget" due:wed` (any order; the
// text quoted or the words left over).
func parseAction(rest string) actionItem {
	var a actionItem
	var loose []string
	for _, t := range commands.Tokenize(rest) {
		switch {
		case t.Key != "" && commands.Contains(dueKeys, t.Key):
			a.due = t.Text
		case t.IsMention() && a.owner == "":
			a.owner = t.Text
		case t.Quoted && a.text == "":
			a.text = strings.TrimSpace(t.Text)
		default:
			loose = append(loose, t.Raw)
		}
	}
	if a.text == "" {
		a.text = strings.Join(loose, " ")
	}
	return a
}

func (f *feature) minutesCommand() *commands.Command {
	return &commands.Command{
		Name:    "minutes",
		Aliases: []string{"minute", "纪要", "会议纪要"},
		Summary: bot.T("A meeting's minutes: points, decisions, action items (they become tasks), and the digest",
			"会议纪要：要点、决定、行动项（生成任务）和纪要摘要"),
		Usage: bot.T(`minutes <id> [point|decision|action …] | minutes <id> send — or one line each: "- …", "decision: …", "action @carol "send the budget" due:wed"`,
			`纪要 <编号> [要点|决定|行动 …] | 纪要 <编号> 发送 —— 或每行一条：「- …」「决定：…」「行动 @carol 「发送预算」 截止：周三」`),
		Run: f.minutes,
	}
}

// minutes is `minutes <id>` (show), `minutes <id> send` (the digest), or
// lines of minutes after `minutes <id>`, on its line or the next ones.
func (f *feature) minutes(c *commands.Ctx) error {
	if len(c.Args) == 0 {
		return c.Usage(bot.T("Which meeting? Give its number.", "哪个会议？请写上会议编号。"))
	}
	m, err := findMeeting(c, c.Args[0].Text)
	if err != nil {
		return err
	}
	occ := f.currentOccurrence(m, c.Now)
	if len(c.Args) == 1 {
		return f.showMinutes(c, m, occ)
	}
	switch strings.ToLower(c.Args[1].Text) {
	case "send", "post", "digest", "发送", "发布":
		if err := mayEdit(c.Tx, c.Person, m, bot.T("send the minutes of "+m.Ref(), "发送会议 "+m.Ref()+" 的纪要")); err != nil {
			return err
		}
		return f.sendDigest(c, m, occ)
	}
	if err := mayEdit(c.Tx, c.Person, m, bot.T("write the minutes of "+m.Ref(), "记录会议 "+m.Ref()+" 的纪要")); err != nil {
		return err
	}
	lines := minuteLines(c)
	if len(lines) > maxMinuteLines {
		return c.Usage(bot.Tf("At most %d lines at once.", "一次最多 %d 行。", maxMinuteLines))
	}
	var tasks []string
	counts := map[meeting.MinuteKind]int{}
	for _, line := range lines {
		kind, rest, ok := parseMinuteLine(line)
		if !ok {
			kind, rest, ok = parseMinuteLine(wordKind(line))
		}
		if !ok || rest == "" {
			return c.Usage(bot.Tf("I don't understand the line %q: start it with \"- \", \"decision:\" or \"action\".",
				"这一行我没看懂：「%s」。请以「- 」「决定：」或「行动」开头。", line))
		}
		if utf8.RuneCountInString(rest) > maxText {
			return c.Usage(bot.Tf("A line takes at most %d characters.", "每行最多 %d 个字。", maxText))
		}
		mn := &meeting.Minute{MeetingID: m.ID, Occurrence: occ, Kind: kind, Text: rest, AuthorID: c.Person.ID, CreatedAt: c.Now}
		if kind == meeting.Action {
			ref, err := f.actionTask(c, m, mn, parseAction(rest))
			if err != nil {
				return err
			}
			tasks = append(tasks, ref)
		}
		if err := meeting.From(c.Tx).AddMinute(mn); err != nil {
			return err
		}
		counts[kind]++
	}
	text := c.T("Recorded in the minutes of %s: points %d, decisions %d, action items %d.",
		"已记入会议 %s 的纪要：要点 %d 条，决定 %d 条，行动项 %d 条。", m.Ref(), counts[meeting.Point], counts[meeting.Decision], counts[meeting.Action])
	if len(tasks) > 0 {
		text += c.T(" Tasks: %s.", "任务：%s。", commands.ReaderOf(c).List(tasks))
	}
	c.Reply(bot.Message{Text: text})
	return nil
}

// wordKind turns the single-line form's kind word ("point", "要点",
// "决定") into the line format's prefix.
func wordKind(line string) string {
	word, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
	switch strings.ToLower(word) {
	case "point", "note", "要点", "记录":
		return "- " + rest
	case "decision", "decide", "决定", "决议":
		return "decision: " + rest
	case "action", "todo", "行动", "待办":
		return "action " + rest
	}
	return line
}

// minuteLines are the lines of minutes in the message: what follows
// `minutes <id>` on its line, then every non-empty line after it.
func minuteLines(c *commands.Ctx) []string {
	if c.Event.Action != nil {
		return []string{commands.JoinRaw(c.Args[1:])}
	}
	all := strings.Split(strings.ReplaceAll(c.Event.Text, "\r\n", "\n"), "\n")
	var out []string
	first := commands.Tokenize(all[0])
	if len(first) > 2 {
		out = append(out, commands.JoinRaw(first[2:]))
	}
	for _, l := range all[1:] {
		if strings.TrimSpace(l) != "" {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// actionTask makes an action item a task (owner and due), linked to the
// meeting by the minute's TaskID, and tells its owner.
func (f *feature) actionTask(c *commands.Ctx, m *meeting.Meeting, mn *meeting.Minute, a actionItem) (string, error) {
	if a.text == "" {
		return "", c.Usage(bot.T(`An action item needs what is to be done: action @carol "send the budget" due:wed`,
			"行动项需要写明要做什么：行动 @carol 「发送预算」 截止：周三"))
	}
	mn.Text = a.text
	owner := c.Person
	if a.owner != "" {
		p, err := c.ResolvePerson(a.owner)
		if err != nil {
			return "", err
		}
		owner = p
	}
	mn.OwnerID = owner.ID
	if a.due != "" {
		r, err := timeparse.Parse(a.due, c.Now, c.Loc)
		if err != nil {
			return "", c.Usage(bot.Tf("I can't read the due date %q.", "我看不懂截止时间「%s」。", a.due))
		}
		mn.Due = r.Time
		if !r.HasClock {
			t := r.Time.In(c.Loc)
			mn.Due = time.Date(t.Year(), t.Month(), t.Day(), f.DueHour, f.DueMinute, 0, 0, c.Loc)
		}
	}
	tk := &task.Task{Title: a.text, Description: m.Ref() + " " + m.Title, OwnerID: owner.ID, CreatorID: c.Person.ID,
		DeptID: m.DeptID, Priority: task.PriorityNormal, Status: task.Todo, Due: mn.Due, CreatedAt: c.Now, UpdatedAt: c.Now}
	if err := task.From(c.Tx).CreateTask(tk); err != nil {
		return "", err
	}
	mn.TaskID = tk.ID
	err := c.Tell(bot.Notice{To: owner, Subject: "task/" + strconv.FormatInt(tk.ID, 10)}, func(lang bot.Lang, loc *time.Location) bot.Message {
		rd := commands.Reader{Lang: lang, Loc: loc, Now: c.Now}
		s := rd.T("Action item from %s %s for you: %s (task %s)", "会议 %s「%s」给你的行动项：%s（任务 %s）", m.Ref(), m.Title, a.text, tk.Ref())
		if !mn.Due.IsZero() {
			s += rd.T(", due %s", "，截止 %s", rd.Time(mn.Due))
		}
		return bot.Message{Text: s + rd.T(".", "。")}
	})
	return tk.Ref(), err
}

// currentOccurrence is the occurrence minutes are written for: the
// latest one that has started (within a month), else the next.
func (f *feature) currentOccurrence(m *meeting.Meeting, now time.Time) time.Time {
	if m.Rule == "" {
		return m.Start
	}
	occ := f.occurrences(m, now.AddDate(0, -1, 0), now.Add(time.Minute))
	for i := len(occ) - 1; i >= 0; i-- {
		if !occ[i].After(now) {
			return occ[i]
		}
	}
	return f.nextOccurrence(m, now)
}

// digest is what the minutes of one occurrence say, for one reader.
type digest struct {
	m        *meeting.Meeting
	occ      time.Time
	minutes  []*meeting.Minute
	ppl      *commands.People
	absent   []string // "@bob"
	declined map[string]bool
}

func (f *feature) loadDigest(tx bot.Tx, m *meeting.Meeting, occ time.Time) (*digest, error) {
	ms, err := meeting.From(tx).Minutes(m.ID, occ)
	if err != nil {
		return nil, err
	}
	dg := &digest{m: m, occ: occ, minutes: ms, ppl: commands.NewPeople(tx), declined: map[string]bool{}}
	as, err := meeting.From(tx).Attendees(m.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		if a.Answer == meeting.Accepted {
			continue
		}
		h := dg.ppl.Handle(a.PersonID, bot.LangEN)
		dg.absent = append(dg.absent, h)
		dg.declined[h] = a.Answer == meeting.Declined
	}
	return dg, nil
}

// text is the digest for rd: decisions, action items with owners and
// dates, points, and who was absent (declined or never answered).
func (dg *digest) text(rd commands.Reader) string {
	var b strings.Builder
	b.WriteString(rd.T("Minutes of %s %s (%s)", "会议纪要：%s「%s」（%s）", dg.m.Ref(), dg.m.Title, rd.Time(dg.occ)))
	section := func(kind meeting.MinuteKind, en, zh string) {
		first := true
		for _, mn := range dg.minutes {
			if mn.Kind != kind {
				continue
			}
			if first {
				b.WriteString("\n" + bot.T(en, zh).In(rd.Lang))
				first = false
			}
			line := mn.Text
			if kind == meeting.Action {
				line = dg.ppl.Handle(mn.OwnerID, rd.Lang) + rd.T(": ", "：") + mn.Text
				if !mn.Due.IsZero() {
					line += rd.T(" — due %s", "——截止 %s", rd.Time(mn.Due))
				}
				if mn.TaskID != 0 {
					line += rd.T(" (task #%d)", "（任务 #%d）", mn.TaskID)
				}
			}
			b.WriteString("\n• " + line)
		}
	}
	section(meeting.Decision, "Decisions:", "决定：")
	section(meeting.Action, "Action items:", "行动项：")
	section(meeting.Point, "Points:", "要点：")
	if len(dg.minutes) == 0 {
		b.WriteString("\n" + rd.T("Nothing recorded yet.", "尚无记录。"))
	}
	if len(dg.absent) > 0 {
		var xs []string
		for _, h := range dg.absent {
			if dg.declined[h] {
				xs = append(xs, h+rd.T(" (declined)", "（已拒绝）"))
			} else {
				xs = append(xs, h+rd.T(" (no answer)", "（未答复）"))
			}
		}
		b.WriteString("\n" + rd.T("Absent: %s", "缺席：%s", rd.List(xs)))
	}
	return b.String()
}

func (f *feature) showMinutes(c *commands.Ctx, m *meeting.Meeting, occ time.Time) error {
	dg, err := f.loadDigest(c.Tx, m, occ)
	if err != nil {
		return err
	}
	c.Reply(bot.Message{Text: dg.text(commands.ReaderOf(c)), Private: true})
	return nil
}

// sendDigest posts the digest to the meeting's groups (its own chat and
// the chats bound to its department) and to each attendee, in their
// language, through the notifier.
func (f *feature) sendDigest(c *commands.Ctx, m *meeting.Meeting, occ time.Time) error {
	dg, err := f.loadDigest(c.Tx, m, occ)
	if err != nil {
		return err
	}
	if len(dg.minutes) == 0 {
		return bot.Errorf(bot.ECONFLICT, "%s has no minutes yet: add some with `minutes %d decision …`.",
			"会议 %s 还没有纪要：请先记录，例如「纪要 %d 决定 …」。", m.Ref(), m.ID)
	}
	// Sent by hand: the end of the meeting sends nothing more.
	if err := bot.CancelJobs(c.Tx, digestJob{Meeting: m.ID, Occurrence: occ.UnixMilli()}.key(), c.Now); err != nil {
		return err
	}
	key := "meeting/" + strconv.FormatInt(m.ID, 10) + "/minutes/" + strconv.FormatInt(occ.UnixMilli(), 10) + "/" +
		strconv.FormatInt(c.Now.UnixMilli(), 10)
	people, chats, err := f.postDigest(c.Tx, dg, key, c.Now, func(p *bot.Person, compose func(bot.Lang, *time.Location) bot.Message) error {
		return c.Tell(bot.Notice{To: p}, compose)
	})
	if err != nil {
		return err
	}
	c.Reply(bot.Message{Text: dg.text(commands.ReaderOf(c)) + "\n" +
		c.T("Sent to %d attendees and %d group chats.", "已发给 %d 位参会人和 %d 个群聊。", people, chats)})
	return nil
}

// postDigest queues the digest, under key, in the meeting's chats (in
// bot.default_lang) and tells each attendee through tell (in theirs). It
// returns how many attendees and chats it was sent to.
func (f *feature) postDigest(tx bot.Tx, dg *digest, key string, now time.Time,
	tell func(p *bot.Person, compose func(bot.Lang, *time.Location) bot.Message) error) (int, int, error) {
	chats, err := f.groupsOf(tx, dg.m)
	if err != nil {
		return 0, 0, err
	}
	lang, loc := f.defaults()
	for i, to := range chats {
		msg := bot.Message{Text: dg.text(commands.Reader{Lang: lang, Loc: loc, Now: now})}
		if _, err := tx.Enqueue(&bot.Outgoing{Key: key + "/chat/" + strconv.Itoa(i), To: to, Msg: msg.ForReader(lang, loc)}, now); err != nil {
			return 0, 0, err
		}
	}
	as, err := meeting.From(tx).Attendees(dg.m.ID)
	if err != nil {
		return 0, 0, err
	}
	for _, a := range as {
		p, err := tx.FindPersonByID(a.PersonID)
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			continue
		} else if err != nil {
			return 0, 0, err
		}
		if err := tell(p, func(lang bot.Lang, loc *time.Location) bot.Message {
			return bot.Message{Text: dg.text(commands.Reader{Lang: lang, Loc: loc, Now: now})}
		}); err != nil {
			return 0, 0, err
		}
	}
	return len(as), len(chats), nil
}

// groupsOf are the chats a meeting's news is posted in: the chat it was
// created in, and the chats bound to its department, each once.
func (f *feature) groupsOf(tx bot.Tx, m *meeting.Meeting) ([]bot.Destination, error) {
	var out []bot.Destination
	seen := map[bot.Destination]bool{}
	add := func(d bot.Destination) {
		key := bot.Destination{Platform: d.Platform, Workspace: d.Workspace, ChatID: d.ChatID}
		if d.ChatID != "" && !seen[key] {
			seen[key] = true
			out = append(out, key)
		}
	}
	add(m.Group)
	if m.DeptID != 0 {
		bs, err := bot.Bindings(tx).BoundChats("dept", group.Ref(m.DeptID), maxGroups)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			add(b.Chat)
		}
	}
	return out, nil
}
