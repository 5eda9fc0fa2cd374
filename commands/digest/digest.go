package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/digest"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/commands"
	taskcmd "github.com/tandemhq/tandem/commands/task"
	"github.com/tandemhq/tandem/commands/timeparse"
)

// JobDigest is the job kind of the digest sweep.
const JobDigest = "digest"

// digestSweep is how often the digest job looks for people whose digest is
// due: each gets it within a minute of the time they chose. A sweep with
// nobody due is one indexed read.
const digestSweep = "cron:* * * * *"

// digestGrace is how late a digest may still go out. A sweep that runs later
// than that (the process was down) moves the person on to their next time
// instead: yesterday's 09:00 digest at 15:00 is noise.
const digestGrace = time.Hour

// digestBatch is how many people one unit of the sweep handles: small enough
// that commands waiting for the writer hardly notice it (a few ms), large
// enough that a company whose digests are all due at 09:00 gets them within
// the minute.
const digestBatch = 100

// digestTasks bounds the open tasks a digest reads, most urgent first.
const digestTasks = 200

// soonDays is how many calendar days ahead "due soon" looks: from a Friday
// morning, Monday is due soon.
const soonDays = 3

// Deps are what the digest feature is given by its host (cmd/tandem).
type Deps struct {
	// Store is read outside the writer by the sweep.
	Store bot.Store
	// NextRun gives the next time of a schedule ("workdays:HH:MM") in a
	// zone, by the work calendar; cmd wires it to scheduler.Next.
	NextRun digest.NextRun
	// DefaultTZ and DefaultLang apply to people who have not chosen theirs.
	DefaultTZ   *time.Location
	DefaultLang bot.Lang
	// Notifier tells people their digests (the bot's own).
	Notifier *bot.Notifier
	Log      *slog.Logger
}

// Module is the digest feature: the digest command, and the sweep that
// sends each person's digest at their time, a system job run every minute.
func Module(d Deps) commands.Module {
	f := &feature{d}
	return commands.Module{
		Name:       "digest",
		Commands:   []*commands.Command{f.command()},
		Jobs:       map[string]bot.JobHandler{JobDigest: f.Handler()},
		SystemJobs: []commands.SystemJob{{Kind: JobDigest, Schedule: digestSweep, TZ: "UTC", Key: "system/digest"}},
	}
}

type feature struct{ Deps }

// Handler is the digest sweep job.
func (f *feature) Handler() DigestHandler {
	return DigestHandler{Store: f.Store, NextRun: f.NextRun, DefaultTZ: f.DefaultTZ, DefaultLang: f.DefaultLang, Notifier: f.Notifier, Log: f.Log}
}

func (f *feature) command() *commands.Command {
	return &commands.Command{
		Name:    "digest",
		Aliases: []string{"daily", "摘要", "日报"},
		Summary: bot.T("Your daily digest of overdue, due-today and due-soon tasks: when it comes, or now", "每日任务摘要（逾期、今天到期、即将到期）：设置时间，或立即查看"),
		Usage:   bot.T("digest [now | HH:MM | off | on]", "摘要 [现在 | 时间 | 关闭 | 开启]"),
		Run:     f.digestRun,
	}
}

func (f *feature) digestRun(c *commands.Ctx) error {
	p := c.Person
	arg := ""
	if len(c.Args) > 0 {
		arg = strings.ToLower(strings.Join(commands.Words(c.Args), " "))
	}
	switch arg {
	case "":
		when := c.T("every working day at %s", "每个工作日 %s", digest.Clock(p))
		if p.DigestOff {
			when = c.T("off", "已关闭")
		}
		c.ReplyText(bot.Tf("Your daily digest: %s. Change it with `digest 08:30` or `digest off`; see it now with `digest now`.",
			"你的每日摘要：%s。可用「摘要 8:30」或「摘要 关闭」修改；输入「摘要 现在」立即查看。", when))
		return nil
	case "now", "today", "现在", "今天", "立即":
		tasks, err := task.From(c.Tx).FindTasks(task.Filter{OwnerID: p.ID, OpenOnly: true, Limit: digestTasks})
		if err != nil {
			return err
		}
		msg, _ := buildDigest(tasks, commands.NewPeople(c.Tx, p), c.Now, c.Loc, c.Lang)
		msg.Private = true
		c.Reply(msg)
		return nil
	case "off", "stop", "关闭", "停止", "不要":
		p.DigestOff = true
	case "on", "start", "开启", "打开":
		p.DigestOff = false // the time chosen before stays
	default:
		h, m, ok := parseClockWords(commands.Words(c.Args), c.Now, c.Loc)
		if !ok {
			return c.Usage(bot.Tf("%q is not a time of day.", "「%s」不是一个时间。", arg))
		}
		p.Digest, p.DigestOff = fmt.Sprintf("%02d:%02d", h, m), false
	}
	if err := c.Tx.UpdatePerson(p); err != nil {
		return err
	}
	if err := digest.Reschedule(c.Tx, p, c.Now, c.LocationOf(p), f.NextRun); err != nil {
		return err
	}
	if p.DigestOff {
		c.ReplyText(bot.T("Daily digest off. Turn it back on with `digest on`.", "已关闭每日摘要。可用「摘要 开启」重新打开。"))
		return nil
	}
	c.ReplyText(bot.Tf("Your daily digest will come every working day at %s.", "每个工作日 %s 给你发每日摘要。", digest.Clock(p)))
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

// buildDigest lists a person's open tasks by urgency. ok is false when there
// is nothing open.
func buildDigest(tasks []*task.Task, ppl *commands.People, now time.Time, loc *time.Location, lang bot.Lang) (bot.Message, bool) {
	var overdue, today, soon []*task.Task
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
	b.WriteString(bot.Tf("Your tasks today (%s)", "今日任务摘要（%s）", commands.FormatDate(now, now, loc, lang)).In(lang))
	section := func(title bot.Text, ts []*task.Task) {
		if len(ts) == 0 {
			return
		}
		b.WriteString("\n" + bot.Tf("%s (%d):", "%s（%d）：", title.In(lang), len(ts)).In(lang))
		for i, tk := range ts {
			if i == 10 {
				b.WriteString("\n" + bot.T("  … and more: `task list`", "  ……更多请看「任务 列表」").In(lang))
				break
			}
			b.WriteString("\n" + taskcmd.Line(tk, ppl, now, loc, lang))
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
// at their chosen time. It is the recurring system job JobDigest, run every
// minute; who is due comes from an index of people by their next digest time
// (bot.Person.DigestNext), so a sweep costs the people due, not everyone. The
// outbox key digest/<person>/<local date> keeps a digest to one a day,
// across restarts, repeated sweeps and changes of time. It is also the daily
// nudge about overdue tasks: one grouped message, not one per task.
//
// It is a bot.JobFetcher: reading people's tasks never happens under the
// writer (Sweep).
type DigestHandler struct {
	Store bot.Store
	// NextRun gives the next time of a schedule ("workdays:HH:MM") in a
	// zone, by the work calendar; cmd wires it to scheduler.Next.
	NextRun     digest.NextRun
	DefaultTZ   *time.Location
	DefaultLang bot.Lang
	// Notifier decides where and in what language a digest goes; nil means
	// one with DefaultLang and DefaultTZ.
	Notifier *bot.Notifier
	Log      *slog.Logger
}

var _ bot.JobFetcher = DigestHandler{}

// RunJob implements bot.JobHandler; the scheduler runs FetchJob instead.
func (DigestHandler) RunJob(context.Context, bot.Tx, *bot.Job, time.Time) error {
	return errors.New("the digest runs through FetchJob")
}

// FetchTimeout implements bot.JobFetcher: a sweep that takes longer leaves
// the rest to the next one (they stay due, within digestGrace).
func (DigestHandler) FetchTimeout() time.Duration { return 5 * time.Minute }

// FetchJob implements bot.JobFetcher: the sweep commits as it goes, so
// there is nothing left to apply with the job's completion.
func (h DigestHandler) FetchJob(ctx context.Context, job *bot.Job, now time.Time) (func(bot.Tx) error, error) {
	return nil, h.Sweep(ctx, job, now)
}

// digestPlan is what a sweep decided for one person, outside the writer.
type digestPlan struct {
	person *bot.Person
	next   time.Time     // their next digest time after now
	out    *bot.Outgoing // nil: nothing to send
}

// Sweep sends the digests due at now, digestBatch people at a time. Each
// batch is read in a view, outside the writer: the people due, their open
// tasks (from the index tasks_owner_open) and home accounts, and the
// messages are built there. A small unit then queues the messages and moves
// each person's next time on, only where it is still the one read, so that
// someone who changed their digest meanwhile keeps the change. With a job,
// each unit first checks that the job's claim stands (bot.UpdateClaimed).
// Between batches it rests as long as the batch took (bot.Rest). Sweep
// returns when nobody is due any more, or when ctx ends: the rest stay due
// for the next sweep.
func (h DigestHandler) Sweep(ctx context.Context, job *bot.Job, now time.Time) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		var plans []digestPlan
		err := h.Store.View(ctx, func(tx bot.Tx) error {
			due, err := digest.From(tx).DigestsDue(now, digestBatch)
			if err != nil {
				return err
			}
			for _, p := range due {
				pl, err := h.plan(tx, p, now)
				if err != nil {
					return err
				}
				plans = append(plans, pl)
			}
			return nil
		})
		if err != nil || len(plans) == 0 {
			return err
		}
		err = bot.UpdateClaimed(ctx, h.Store, job, func(tx bot.Tx) error {
			for _, pl := range plans {
				moved, err := digest.From(tx).SetDigestNext(pl.person.ID, pl.person.DigestNext, pl.next)
				if err != nil {
					return err
				}
				if !moved || pl.out == nil {
					continue
				}
				out := *pl.out // Enqueue writes to it, and the unit may run again
				if _, err := tx.Enqueue(&out, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || len(plans) < digestBatch {
			return err
		}
		if err := bot.Rest(ctx, time.Since(start)); err != nil {
			return err
		}
	}
}

// plan decides, in a view, what p's sweep does: always their next time
// after now; a digest when their time has come within digestGrace, is still
// one their schedule gives (the calendar or the default zone may have changed
// since it was set) and they have open work and an account to send it to.
func (h DigestHandler) plan(tx bot.Tx, p *bot.Person, now time.Time) (digestPlan, error) {
	loc := h.location(p)
	sched := digest.Schedule(p)
	pl := digestPlan{person: p}
	next, err := h.NextRun(sched, now, loc)
	if err != nil {
		// No working day within the calendar's reach: look again tomorrow,
		// not at every sweep.
		h.log().Warn("digest: no next time", "person", p.ID, "schedule", sched, "err", err)
		next = now.Add(24 * time.Hour)
	}
	pl.next = next
	at := p.DigestNext
	if at.IsZero() || now.Sub(at) > digestGrace {
		return pl, nil // scheduled just now, or too late
	}
	if again, err := h.NextRun(sched, at.Add(-time.Minute), loc); err != nil || !again.Equal(at) {
		return pl, nil
	}
	tasks, err := task.From(tx).FindTasks(task.Filter{OwnerID: p.ID, OpenOnly: true, Limit: digestTasks})
	if err != nil || len(tasks) == 0 {
		return pl, err
	}
	// At the time they chose, so not held for quiet hours.
	d, ok, err := h.notifier().Reach(tx, bot.Notice{To: p, Urgent: true, Zone: loc}, now)
	if err != nil || !ok {
		return pl, err
	}
	msg, _ := buildDigest(tasks, commands.NewPeople(tx, p), now, loc, d.Lang)
	pl.out = d.Outgoing(fmt.Sprintf("digest/%d/%s", p.ID, at.In(loc).Format(time.DateOnly)), msg)
	return pl, nil
}

func (h DigestHandler) notifier() *bot.Notifier {
	return bot.NotifierOr(h.Notifier, h.DefaultLang, h.DefaultTZ)
}

func (h DigestHandler) location(p *bot.Person) *time.Location {
	if h.DefaultTZ != nil {
		return p.Location(h.DefaultTZ)
	}
	return p.Location(time.UTC)
}

func (h DigestHandler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}
