package commands

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands/timeparse"
)

// JobDigest is the job kind of the digest sweep.
const JobDigest = "digest"

// digestSweep is how often the sweep looks for people whose digest time has
// come: a digest goes out at most this long after the time a person chose.
const digestSweep = "cron:*/5 * * * *"

// soonDays is how many calendar days ahead "due soon" looks: from a Friday
// morning, Monday is due soon.
const soonDays = 3

// SystemJobs are the recurring jobs the commands need; cmd schedules them at
// start (their dedup keys keep one of each).
func SystemJobs(now time.Time) []*bot.Job {
	return []*bot.Job{{Kind: JobDigest, Schedule: digestSweep, TZ: "UTC", DedupKey: "system/digest", RunAt: now}}
}

func digestCommand() *Command {
	return &Command{
		Name:    "digest",
		Aliases: []string{"daily", "摘要", "日报"},
		Summary: bot.T("Your daily digest of overdue, due-today and due-soon tasks: when it comes, or now", "每日任务摘要（逾期、今天到期、即将到期）：设置时间，或立即查看"),
		Usage:   bot.T("digest [now | HH:MM | off | on]", "摘要 [现在 | 时间 | 关闭 | 开启]"),
		Run:     digestRun,
	}
}

func digestRun(c *Ctx) error {
	p := c.Person
	arg := ""
	if len(c.Args) > 0 {
		arg = strings.ToLower(strings.Join(words(c.Args), " "))
	}
	switch arg {
	case "":
		when := c.T("every working day at %s", "每个工作日 %s", digestClock(p))
		if p.Digest == "off" {
			when = c.T("off", "已关闭")
		}
		c.ReplyText(bot.Tf("Your daily digest: %s. Change it with `digest 08:30` or `digest off`; see it now with `digest now`.",
			"你的每日摘要：%s。可用「摘要 8:30」或「摘要 关闭」修改；输入「摘要 现在」立即查看。", when))
		return nil
	case "now", "today", "现在", "今天", "立即":
		tasks, err := c.Tx.FindTasks(bot.TaskFilter{OwnerID: p.ID, OpenOnly: true, Limit: 200})
		if err != nil {
			return err
		}
		msg, _ := buildDigest(tasks, newPeople(c.Tx, p), c.Now, c.Loc, c.Lang)
		msg.Private = true
		c.Reply(msg)
		return nil
	case "off", "stop", "关闭", "停止", "不要":
		p.Digest = "off"
	case "on", "start", "开启", "打开":
		p.Digest = ""
	default:
		h, m, ok := parseClockWords(words(c.Args), c.Now, c.Loc)
		if !ok {
			return c.Usage(bot.Tf("%q is not a time of day.", "「%s」不是一个时间。", arg))
		}
		p.Digest = fmt.Sprintf("%02d:%02d", h, m)
	}
	if err := c.Tx.UpdatePerson(p); err != nil {
		return err
	}
	if p.Digest == "off" {
		c.ReplyText(bot.T("Daily digest off. Turn it back on with `digest on`.", "已关闭每日摘要。可用「摘要 开启」重新打开。"))
		return nil
	}
	c.ReplyText(bot.Tf("Your daily digest will come every working day at %s.", "每个工作日 %s 给你发每日摘要。", digestClock(p)))
	return nil
}

// parseClockWords reads a time of day ("8:30", "9am", "8点半").
func parseClockWords(ws []string, now time.Time, loc *time.Location) (int, int, bool) {
	if len(ws) == 1 {
		if t, err := time.Parse("15:04", ws[0]); err == nil {
			return t.Hour(), t.Minute(), true
		}
	}
	res, err := timeparse.Parse(strings.Join(ws, " "), now, loc)
	if err != nil || !res.HasClock {
		return 0, 0, false
	}
	t := res.Time.In(loc)
	return t.Hour(), t.Minute(), true
}

func digestClock(p *bot.Person) string {
	if p.Digest == "" || p.Digest == "off" {
		return "09:00"
	}
	return p.Digest
}

// buildDigest lists a person's open tasks by urgency. ok is false when there
// is nothing open.
func buildDigest(tasks []*bot.Task, ppl *people, now time.Time, loc *time.Location, lang bot.Lang) (bot.Message, bool) {
	var overdue, today, soon []*bot.Task
	rest := 0
	y, m, d := now.In(loc).Date()
	soonEnd := time.Date(y, m, d+soonDays+1, 0, 0, 0, 0, loc)
	for _, tk := range tasks {
		switch {
		case tk.Due.IsZero():
			rest++
		case tk.Overdue(now):
			overdue = append(overdue, tk)
		case sameDay(tk.Due.In(loc), y, m, d):
			today = append(today, tk)
		case tk.Due.Before(soonEnd):
			soon = append(soon, tk)
		default:
			rest++
		}
	}
	if len(tasks) == 0 {
		return bot.Message{Text: bot.T("Nothing open on your list. 🎉", "你没有未完成的任务。🎉").In(lang)}, false
	}
	var b strings.Builder
	b.WriteString(bot.Tf("Your tasks today (%s)", "今日任务摘要（%s）", FormatDate(now, now, loc, lang)).In(lang))
	section := func(title bot.Text, ts []*bot.Task) {
		if len(ts) == 0 {
			return
		}
		b.WriteString("\n" + bot.Tf("%s (%d):", "%s（%d）：", title.In(lang), len(ts)).In(lang))
		for i, tk := range ts {
			if i == 10 {
				b.WriteString("\n" + bot.T("  … and more: `task list`", "  ……更多请看「任务 列表」").In(lang))
				break
			}
			b.WriteString("\n" + taskLine(tk, ppl, now, loc, lang))
		}
	}
	section(bot.T("⚠ Overdue", "⚠ 已逾期"), overdue)
	section(bot.T("Due today", "今天到期"), today)
	section(bot.T("Due in the next 3 days", "三天内到期"), soon)
	if rest > 0 {
		b.WriteString("\n" + bot.Tf("%d more open without a near due date.", "另有 %d 个未完成任务没有临近的截止时间。", rest).In(lang))
	}
	return bot.Message{Text: b.String()}, true
}

func sameDay(t time.Time, y int, m time.Month, d int) bool {
	ty, tm, td := t.Date()
	return ty == y && tm == m && td == d
}

// DigestHandler sends each person with open work one digest per working day
// at their chosen time. It runs every few minutes; the outbox key
// digest/<person>/<local date> makes the digest of a day exactly one, across
// restarts and repeated sweeps. It is also the daily nudge about overdue
// tasks: one grouped message, not one per task.
type DigestHandler struct {
	Calendar    *workcal.Calendar // nil: Monday to Friday
	DefaultTZ   *time.Location
	DefaultLang bot.Lang
}

var _ bot.JobHandler = DigestHandler{}

// RunJob implements bot.JobHandler.
func (h DigestHandler) RunJob(ctx context.Context, tx bot.Tx, job *bot.Job, now time.Time) error {
	tasks, err := tx.FindTasks(bot.TaskFilter{OpenOnly: true, Limit: 1 << 20})
	if err != nil {
		return err
	}
	byOwner := map[int64][]*bot.Task{}
	var owners []int64
	for _, tk := range tasks {
		if tk.OwnerID == 0 {
			continue
		}
		if _, ok := byOwner[tk.OwnerID]; !ok {
			owners = append(owners, tk.OwnerID)
		}
		byOwner[tk.OwnerID] = append(byOwner[tk.OwnerID], tk)
	}
	sort.Slice(owners, func(i, j int) bool { return owners[i] < owners[j] })
	ppl := newPeople(tx)
	for _, id := range owners {
		p := ppl.get(id)
		if p == nil || p.Digest == "off" {
			continue
		}
		loc := h.DefaultTZ
		if p.TZ != "" {
			if l, err := time.LoadLocation(p.TZ); err == nil {
				loc = l
			}
		}
		if loc == nil {
			loc = time.UTC
		}
		local := now.In(loc)
		if !h.workday(local) {
			continue
		}
		hh, mm, _ := parseClockWords([]string{digestClock(p)}, now, loc)
		if local.Before(time.Date(local.Year(), local.Month(), local.Day(), hh, mm, 0, 0, loc)) {
			continue
		}
		home, ok, err := bot.HomeAccount(tx, p)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		lang := p.Lang
		if lang == "" {
			lang = h.DefaultLang
		}
		msg, _ := buildDigest(byOwner[id], ppl, now, loc, lang)
		key := fmt.Sprintf("digest/%d/%s", p.ID, local.Format("2006-01-02"))
		if _, err := tx.Enqueue(&bot.Outgoing{Key: key, To: bot.Destination{Platform: home.Platform, Workspace: home.Workspace, UserID: home.UserID}, Msg: msg}, now); err != nil {
			return err
		}
	}
	return nil
}

// workday asks the calendar about the person's local date.
func (h DigestHandler) workday(local time.Time) bool {
	if h.Calendar == nil {
		return local.Weekday() != time.Saturday && local.Weekday() != time.Sunday
	}
	y, m, d := local.Date()
	return h.Calendar.IsWorkday(h.Calendar.Date(y, m, d))
}
