package remind

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/timeparse"
)

// JobReminder is the job kind of reminders.
const JobReminder = "reminder"

// reminder is the payload of a reminder job.
type reminder struct {
	Text string `json:"text"`
	// ToPerson is whom a "me"/@person reminder is for; it is delivered to
	// their home platform as it stands when the reminder fires.
	ToPerson int64 `json:"to_person,omitempty"`
	// ToChat is the chat of a "here" reminder.
	ToChat *bot.Destination `json:"to_chat,omitempty"`
	SetBy  int64            `json:"set_by"`
	// Rule is the recurrence as the person typed it, for listing.
	Rule string `json:"rule,omitempty"`
}

// Deps are what the reminder feature is given by its host (cmd/tandem).
type Deps struct {
	// NextRun computes the first run of a recurring schedule (see
	// bot.Job); cmd wires it to the scheduler's calendar-aware one. Nil
	// refuses recurring reminders.
	NextRun func(schedule string, after time.Time, loc *time.Location) (time.Time, error)
	// DueHour and DueMinute are the time of day a date without a clock
	// means.
	DueHour, DueMinute int
	// DefaultLang is for recipients who have not chosen a language.
	DefaultLang bot.Lang
	// Notifier tells people their reminders (the bot's own).
	Notifier *bot.Notifier
}

// Module is the reminder feature: the remind command and the reminder job.
func Module(d Deps) commands.Module {
	f := &feature{d}
	return commands.Module{
		Name:     "remind",
		Commands: []*commands.Command{f.command()},
		Jobs:     map[string]bot.JobHandler{JobReminder: ReminderHandler{DefaultLang: d.DefaultLang, Notifier: d.Notifier}},
	}
}

type feature struct{ Deps }

func (f *feature) command() *commands.Command {
	return &commands.Command{
		Name:     "remind",
		Aliases:  []string{"reminder", "reminders", "提醒"},
		Summary:  bot.T("Reminders for yourself, someone or this chat, once or recurring", "给自己、他人或本群设置一次性或周期性提醒"),
		Fallback: "set",
		Subs: []*commands.Sub{
			{
				Name: "set", Aliases: []string{"me", "我", "here", "这里", "本群", "new", "新建"},
				Usage: bot.T("remind me|@person|here <when> <what>",
					"提醒 我|@某人|这里 <时间> <内容>"),
				Summary: bot.T("Set a reminder; <when> can recur: every workday 9:30, every monday 10am, a cron spec",
					"设置提醒；时间可以周期重复：每个工作日 9:30、每周一10点、每月最后一个工作日 17:00"),
				Example: bot.T("remind me tomorrow 9am call the printer", "提醒 我 明天上午9点 给印刷厂打电话"),
				Run:     f.remindSet,
			},
			{
				Name: "list", Aliases: []string{"ls", "列表"},
				Usage:   bot.T("remind list", "提醒 列表"),
				Summary: bot.T("Your pending reminders", "你设置的待发提醒"),
				Example: bot.T("remind list", "提醒 列表"),
				Run:     remindList,
			},
			{
				Name: "cancel", Aliases: []string{"delete", "rm", "取消", "删除"},
				Usage:   bot.T("remind cancel <id>", "提醒 取消 <编号>"),
				Summary: bot.T("Cancel a reminder", "取消提醒"),
				Example: bot.T("remind cancel 7", "提醒 取消 7"),
				Run:     remindCancel,
			},
			{
				Name: "snooze", Aliases: []string{"later", "稍后", "推迟"},
				Usage:   bot.T("remind snooze <id> 10m|1h|tomorrow", "提醒 稍后 <编号> 10分钟|1小时|明天"),
				Summary: bot.T("Remind again later (the buttons on a reminder do this)", "稍后再提醒（提醒消息上的按钮）"),
				Example: bot.T("remind snooze 7 1h", "提醒 稍后 7 1小时"),
				Run:     f.remindSnooze,
			},
		},
	}
}

// remindSet handles "remind me|@person|here <when> <what>". The sub-command
// word itself may be the target ("remind me …" routes here with "me").
func (f *feature) remindSet(c *commands.Ctx) error {
	args := c.Args
	// "remind me …" and "remind here …" select this sub-command by their
	// target word; "remind set @bob …" and "remind @bob …" carry it first.
	target := ""
	if isTargetWord(c.SubWord) {
		target = strings.ToLower(c.SubWord)
	} else if len(args) > 0 && (args[0].IsMention() || isTargetWord(args[0].Text)) {
		target, args = args[0].Text, args[1:]
		if !args0IsMention(target) {
			target = strings.ToLower(target)
		}
	}
	rem := reminder{SetBy: c.Person.ID}
	var recipient *bot.Person
	switch {
	case target == "" || target == "me" || target == "我" || target == "自己" || target == "myself":
		recipient = c.Person
	case target == "here" || target == "这里" || target == "本群" || target == "这儿":
		to := c.Event.ReplyDestination()
		to.ReplyHandle = "" // a reply handle expires long before most reminders
		if to.ChatID != "" {
			to.UserID = "" // the chat, not the person who set it
		}
		// Platforms whose direct chats have no chat id (WeCom apps) keep the
		// user: "here" in a direct chat is that person.
		rem.ToChat = &to
	default:
		p, err := c.ResolvePerson(target)
		if err != nil {
			return err
		}
		recipient = p
	}
	if recipient != nil {
		rem.ToPerson = recipient.ID
	}

	loc := c.Loc
	if recipient != nil && recipient.ID != c.Person.ID {
		loc = c.LocationOf(recipient) // "every day 9am" means 9am where they are
	}
	job := &bot.Job{Kind: JobReminder, OwnerID: c.Person.ID, SubjectID: rem.ToPerson, TZ: loc.String()}
	ws := commands.Words(args)
	if rule, n, ok := timeparse.LongestRule(ws, loc); ok {
		if f.NextRun == nil {
			return bot.Errorf(bot.EINTERNAL, "recurring reminders need a scheduler", "周期提醒需要调度器")
		}
		job.Schedule = ruleSchedule(rule)
		first, err := f.NextRun(job.Schedule, c.Now, loc)
		if err != nil {
			return c.Usage(bot.Tf("I can't use that schedule: %v.", "无法使用这个周期：%v。", err))
		}
		job.RunAt = first
		rem.Rule = strings.Join(ws[:n], " ")
		args = args[n:]
	} else if res, ok := timeparse.Longest(ws, c.Now, loc); ok {
		at := res.Time
		if !res.HasClock {
			y, m, d := at.In(loc).Date()
			at = time.Date(y, m, d, 9, 0, 0, 0, loc) // a day alone means the start of the working day
			if res.EndOfDay {
				at = time.Date(y, m, d, f.DueHour, f.DueMinute, 0, 0, loc)
			}
		}
		if !at.After(c.Now) {
			return c.Usage(bot.Tf("That time (%s) has already passed.", "这个时间（%s）已经过去了。", commands.FormatTime(at, c.Now, loc, c.Lang)))
		}
		job.RunAt = at
		args = args[res.Words:]
	} else {
		shown := "(nothing)"
		if len(ws) > 0 {
			shown = ws[0]
		}
		return c.Usage(bot.Tf("I couldn't read when, at %q. Try: in 20 minutes, tomorrow 9am, every workday 9:30, 明天上午9点, 每周一10点.",
			"没看懂时间「%s」。可以这样写：20分钟后、明天上午9点、每个工作日 9:30、每周一10点、tomorrow 9am。", shown))
	}
	what := strings.TrimSpace(commands.JoinRaw(args))
	for _, filler := range []string{"to ", "that ", "about "} {
		what = strings.TrimPrefix(what, filler)
	}
	if what == "" {
		return c.Usage(bot.T("What should I remind about? Write it after the time.", "要提醒什么？请在时间后写上内容。"))
	}
	if utf8.RuneCountInString(what) > 1000 {
		return c.Usage(bot.T("That is too long for a reminder (at most 1000 characters).", "提醒内容太长了（最多 1000 个字）。"))
	}
	rem.Text = what
	payload, err := json.Marshal(rem)
	if err != nil {
		return err
	}
	job.Payload = payload
	if _, err := c.Tx.ScheduleJob(job, c.Now); err != nil {
		return err
	}
	whom := c.T("you", "你")
	switch {
	case rem.ToChat != nil:
		whom = c.T("this chat", "本群")
	case recipient != nil && recipient.ID != c.Person.ID:
		whom = "@" + recipient.Handle
	}
	when := commands.FormatTime(job.RunAt, c.Now, loc, c.Lang)
	if job.Schedule != "" {
		c.ReplyText(bot.T(
			fmt.Sprintf("OK, I'll remind %s “%s” %s, first on %s (reminder %d).", whom, what, rem.Rule, when, job.ID),
			fmt.Sprintf("好的，我会按「%s」提醒%s：%s，第一次在 %s（提醒 %d）。", rem.Rule, whom, what, when, job.ID)))
	} else {
		c.ReplyText(bot.T(
			fmt.Sprintf("OK, I'll remind %s “%s” on %s (reminder %d).", whom, what, when, job.ID),
			fmt.Sprintf("好的，我会在 %s 提醒%s：%s（提醒 %d）。", when, whom, what, job.ID)))
	}
	return nil
}

func args0IsMention(s string) bool { return strings.HasPrefix(s, "@") || strings.HasPrefix(s, "<@") }

func isTargetWord(w string) bool {
	switch strings.ToLower(w) {
	case "me", "myself", "我", "自己", "here", "这里", "本群", "这儿":
		return true
	}
	return false
}

// ruleSchedule turns a parsed rule into a job schedule (see bot.Job).
func ruleSchedule(r timeparse.Rule) string {
	clock := fmt.Sprintf("%02d:%02d", r.Hour, r.Minute)
	switch {
	case r.Workdays:
		return "workdays:" + clock
	case r.LastWorkdayOfMonth:
		return "lastworkday:" + clock
	}
	return "cron:" + r.Cron
}

func remindList(c *commands.Ctx) error {
	jobs, err := c.Tx.FindJobs(bot.JobFilter{Kind: JobReminder, State: bot.JobPending, OwnerID: c.Person.ID, Limit: 51})
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		c.Reply(bot.Message{Text: c.T("You have no pending reminders. Set one: `remind me tomorrow 9am call the printer`.",
			"你没有待发的提醒。可以这样设置：「提醒 我 明天上午9点 给印刷厂打电话」。"), Private: true})
		return nil
	}
	ppl := commands.NewPeople(c.Tx, c.Person)
	var b strings.Builder
	b.WriteString(c.T("Your reminders (%d):", "你的提醒（%d）：", len(jobs)))
	for _, j := range jobs {
		var rem reminder
		json.Unmarshal(j.Payload, &rem)
		whom := ""
		switch {
		case rem.ToChat != nil:
			whom = c.T(" → this chat", " → 群聊")
		case rem.ToPerson != c.Person.ID:
			whom = " → " + ppl.Handle(rem.ToPerson, c.Lang)
		}
		line := fmt.Sprintf("\n#%d %s%s — %s", j.ID, commands.FormatTime(j.RunAt, c.Now, c.Loc, c.Lang), whom, rem.Text)
		if rem.Rule != "" {
			line += c.T(" (%s)", "（%s）", rem.Rule)
		}
		b.WriteString(line)
	}
	c.Reply(bot.Message{Text: b.String(), Private: true})
	return nil
}

// loadReminder reads the reminder id argument and checks that the sender may
// act on it (see mayChangeReminder).
func loadReminder(c *commands.Ctx) (*bot.Job, *reminder, error) {
	if len(c.Args) == 0 {
		return nil, nil, c.Usage(bot.T("Which reminder? Give its number (see `remind list`).", "哪个提醒？请写上编号（见「提醒 列表」）。"))
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(c.Args[0].Text, "#"), 10, 64)
	if err != nil {
		return nil, nil, c.Usage(bot.Tf("%q is not a reminder number.", "「%s」不是提醒编号。", c.Args[0].Text))
	}
	j, err := c.Tx.FindJobByID(id)
	if err != nil || j.Kind != JobReminder {
		return nil, nil, bot.Errorf(bot.ENOTFOUND, "There is no reminder %d.", "没有编号为 %d 的提醒。", id)
	}
	var rem reminder
	if err := json.Unmarshal(j.Payload, &rem); err != nil {
		return nil, nil, err
	}
	if err := mayChangeReminder(c, j, &rem); err != nil {
		return nil, nil, err
	}
	return j, &rem, nil
}

// mayChangeReminder says whether the sender may cancel or snooze a
// reminder: whoever set it, a Tandem admin, the person a personal reminder
// is for, and, for a reminder set for a chat, an admin of that chat writing
// from it. Only DingTalk tells who administers a chat (bot.Author.ChatAdmin);
// on the other platforms a chat's reminders are its creator's and the
// admins'. Everyone else in the chat sees the buttons but is refused, and
// told who could act.
func mayChangeReminder(c *commands.Ctx, j *bot.Job, rem *reminder) error {
	if j.OwnerID == c.Person.ID || c.Person.Role == bot.RoleAdmin {
		return nil
	}
	if rem.ToChat == nil {
		if rem.ToPerson == c.Person.ID {
			return nil
		}
		return bot.Errorf(bot.EFORBIDDEN, "Reminder %d is someone else's.", "提醒 %d 不是你的。", j.ID)
	}
	ev := c.Event
	inThatChat := ev.Platform == rem.ToChat.Platform && ev.Workspace == rem.ToChat.Workspace &&
		(rem.ToChat.ChatID != "" && ev.ChatID == rem.ToChat.ChatID ||
			// A "here" in a direct chat without a chat id (WeCom) is its person.
			rem.ToChat.ChatID == "" && ev.Sender.UserID == rem.ToChat.UserID)
	if inThatChat && (ev.Sender.ChatAdmin || rem.ToChat.ChatID == "") {
		return nil
	}
	who := commands.NewPeople(c.Tx, c.Person).Handle(j.OwnerID, c.Lang)
	return bot.Errorf(bot.EFORBIDDEN, "Only %s, who set reminder %d, an admin of the chat it is for, or a Tandem admin can change it.",
		"只有设置提醒 %[2]d 的 %[1]s、该群的管理员或 Tandem 管理员可以修改它。", who, j.ID)
}

func remindCancel(c *commands.Ctx) error {
	j, _, err := loadReminder(c)
	if err != nil {
		return err
	}
	if err := c.Tx.CancelJob(j.ID, c.Now); err != nil {
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			return bot.Errorf(bot.ECONFLICT, "Reminder %d has already gone off or was cancelled.", "提醒 %d 已经发出或已取消。", j.ID)
		}
		return err
	}
	c.ReplyText(bot.Tf("Reminder %d cancelled.", "已取消提醒 %d。", j.ID))
	return nil
}

// remindSnooze reminds again later, once. A one-off reminder that has not
// gone off yet is moved. A recurring one keeps its schedule and gets a
// one-off for the occurrence at hand; a one-off that went off (snoozed from
// its message's buttons) gets a new one-off. Those copies carry a key per
// reminder and occurrence, so a second click on the same message (or a
// redelivered one) snoozes nothing more and says when it will come.
func (f *feature) remindSnooze(c *commands.Ctx) error {
	j, rem, err := loadReminder(c)
	if err != nil {
		return err
	}
	if len(c.Args) < 2 {
		return c.Usage(bot.T("For how long? 10m, 1h or tomorrow.", "推迟多久？10分钟、1小时或明天。"))
	}
	loc := c.Loc
	if j.TZ != "" {
		if l, err := time.LoadLocation(j.TZ); err == nil {
			loc = l
		}
	}
	at, err := snoozeUntil(c, loc)
	if err != nil {
		return err
	}
	switch {
	case j.State == bot.JobPending && j.Schedule == "":
		if err := c.Tx.RescheduleJob(j.ID, at); err != nil {
			return err
		}
		c.ReplyText(bot.Tf("OK, reminder %d moved to %s.", "好的，提醒 %d 已改到 %s。", j.ID, commands.FormatTime(at, c.Now, loc, c.Lang)))
		return nil
	case j.State == bot.JobCancel:
		return bot.Errorf(bot.ECONFLICT, "Reminder %d was cancelled, so there is nothing to snooze.", "提醒 %d 已取消，无法推迟。", j.ID)
	}
	snoozed := *rem
	snoozed.Rule = ""
	payload, err := json.Marshal(snoozed)
	if err != nil {
		return err
	}
	// RunAt names the occurrence: the next one of a recurring reminder
	// (so, the period since the last went off), the time a done one-off
	// went off.
	key := fmt.Sprintf("snooze/%d/%d", j.ID, j.RunAt.UnixMilli())
	next := &bot.Job{Kind: JobReminder, OwnerID: j.OwnerID, SubjectID: j.SubjectID, TZ: j.TZ, Payload: payload, RunAt: at, DedupKey: key}
	dup, err := c.Tx.ScheduleJob(next, c.Now)
	if err != nil {
		return err
	}
	if dup {
		prev, err := c.Tx.FindJobs(bot.JobFilter{DedupKey: key, Limit: 1})
		if err != nil || len(prev) == 0 {
			return err
		}
		c.ReplyText(bot.Tf("Already snoozed: I'll remind again at %s (reminder %d).", "已经推迟过了：将在 %s 再提醒（提醒 %d）。",
			commands.FormatTime(prev[0].RunAt, c.Now, loc, c.Lang), prev[0].ID))
		return nil
	}
	c.ReplyText(bot.Tf("OK, I'll remind again at %s (reminder %d).", "好的，%s 再提醒（提醒 %d）。", commands.FormatTime(at, c.Now, loc, c.Lang), next.ID))
	return nil
}

// snoozeUntil reads the delay of a snooze: a Go duration (10m, 1h),
// "tomorrow" (9:00 in the reminder's zone), or a time in either language.
func snoozeUntil(c *commands.Ctx, loc *time.Location) (time.Time, error) {
	switch w := strings.ToLower(c.Args[1].Text); w {
	case "tomorrow", "明天", "明早":
		y, m, d := c.Now.In(loc).AddDate(0, 0, 1).Date()
		return time.Date(y, m, d, 9, 0, 0, 0, loc), nil
	default:
		res, err := timeparse.Parse(strings.Join(commands.Words(c.Args[1:]), " "), c.Now, loc)
		if d, derr := time.ParseDuration(w); derr == nil && d > 0 {
			return c.Now.Add(d), nil
		} else if err == nil && res.Time.After(c.Now) {
			return res.Time, nil
		}
	}
	return time.Time{}, c.Usage(bot.Tf("I couldn't read %q as a delay.", "没看懂「%s」这个延迟。", commands.JoinRaw(c.Args[1:])))
}

// ReminderHandler delivers due reminders. It runs in the unit that completes
// the job, so the message is queued exactly once per occurrence.
type ReminderHandler struct {
	// DefaultLang is for a recipient who has not chosen a language, when
	// the reminder's text does not say (Chinese text is answered in
	// Chinese); empty means English.
	DefaultLang bot.Lang
	// Notifier decides how a person is reminded; nil means one with
	// DefaultLang and no quiet hours.
	Notifier *bot.Notifier
}

var _ bot.JobHandler = ReminderHandler{}

// RunJob implements bot.JobHandler.
func (h ReminderHandler) RunJob(ctx context.Context, tx bot.Tx, job *bot.Job, now time.Time) error {
	var rem reminder
	if err := json.Unmarshal(job.Payload, &rem); err != nil {
		return fmt.Errorf("reminder %d: bad payload: %w", job.ID, err)
	}
	lang, loc := bot.LangEN, time.UTC
	var zone *time.Location // the reminder's own, if it has one
	if job.TZ != "" {
		if l, err := time.LoadLocation(job.TZ); err == nil {
			loc, zone = l, l
		}
	}
	var to bot.Destination
	var due time.Time
	if rem.ToChat != nil {
		to = *rem.ToChat
		if setter, err := tx.FindPersonByID(rem.SetBy); err == nil && setter.Lang != "" {
			lang = setter.Lang
		} else if bot.ContainsHan(rem.Text) {
			lang = bot.LangZH
		} else if h.DefaultLang != "" {
			lang = h.DefaultLang
		}
	} else {
		p, err := tx.FindPersonByID(rem.ToPerson)
		if err != nil {
			return err
		}
		// Shown where they are now (the schedule keeps its zone), and on
		// time even in quiet hours if they set it for themselves.
		nt := bot.Notice{To: p, Zone: zone, Urgent: rem.SetBy == rem.ToPerson}
		if bot.ContainsHan(rem.Text) {
			nt.Lang = bot.LangZH
		}
		d, ok, err := h.notifier().Reach(tx, nt, now)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("reminder %d: @%s has no account to deliver to", job.ID, p.Handle)
		}
		to, lang, loc, due = d.To, d.Lang, d.Loc, d.Due
	}
	text := bot.T("⏰ Reminder: "+rem.Text, "⏰ 提醒："+rem.Text).In(lang)
	if rem.ToPerson != 0 && rem.SetBy != rem.ToPerson {
		if setter, err := tx.FindPersonByID(rem.SetBy); err == nil {
			text = bot.T(fmt.Sprintf("⏰ Reminder from @%s: %s", setter.Handle, rem.Text),
				fmt.Sprintf("⏰ 来自 @%s 的提醒：%s", setter.Handle, rem.Text)).In(lang)
		}
	}
	id := strconv.FormatInt(job.ID, 10)
	btn := func(delay, en, zh, typedZH string) bot.Button {
		typed := "remind snooze " + id + " " + delay
		if lang == bot.LangZH {
			typed = "提醒 稍后 " + id + " " + typedZH
		}
		return bot.Button{ActionID: "remind.snooze", Value: id + " " + delay, Label: bot.T(en, zh).In(lang), Typed: typed}
	}
	msg := bot.Message{Text: text, Card: &bot.Card{
		Title:   bot.T("Reminder", "提醒").In(lang),
		Fields:  []bot.Field{{Label: bot.T("Set for", "时间").In(lang), Value: commands.FormatTime(job.RunAt, now, loc, lang)}},
		Buttons: []bot.Button{btn("10m", "In 10 min", "10分钟后", "10m"), btn("1h", "In 1 hour", "1小时后", "1h"), btn("tomorrow", "Tomorrow morning", "明天早上", "明天")},
	}}
	// One message per occurrence, whatever happens to the job afterwards.
	_, err := tx.Enqueue(&bot.Outgoing{Key: fmt.Sprintf("job%d/%d", job.ID, job.RunAt.UnixMilli()), To: to, Msg: msg, NextAttempt: due}, now)
	return err
}

func (h ReminderHandler) notifier() *bot.Notifier {
	return bot.NotifierOr(h.Notifier, h.DefaultLang, nil)
}
