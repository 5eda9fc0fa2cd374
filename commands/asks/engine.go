// Package asks is the mechanism every structured question runs on
// (bot/ask): sending an ask to its audience on each person's platform in
// batches, the one ledger of answers and native reads, reminders to those
// who have not answered on working days, escalation to their heads at the
// deadline, and the "asks" command (what I have to answer; an ask's
// ledger). The features — commands/announce, commands/request,
// commands/feedback, commands/vote — create their asks, register their
// words with the Engine (Kind), and record answers through it.
package asks

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
)

// Deps are what the mechanism needs from the host.
type Deps struct {
	Notifier *bot.Notifier
	// Calendar decides which days reminders go out on; nil: weekdays.
	Calendar    *workcal.Calendar
	Store       bot.Store
	DefaultLang bot.Lang
	DefaultTZ   *time.Location
	Log         *slog.Logger
	// RemindAt is the time of day (in the calendar's zone) reminders go
	// out on working days (asks.remind_at, 10:00).
	RemindAt time.Duration
	// Readers finds the read reporter of a platform's app, for native read
	// receipts; nil, or nil answers: none.
	Readers func(platform, workspace string) bot.ReadReporter
}

// Kind is what a feature tells the mechanism about its asks.
type Kind interface {
	// Card renders the ask for one recipient, buttons included, in their
	// language and zone. For the copy posted to a department's group chat
	// (Audience.Groups) r.PersonID is 0.
	Card(a *ask.Ask, r *ask.Recipient, lang bot.Lang, loc *time.Location) bot.Card
	// Reminder is the words of a reminder to a recipient who has not
	// answered yet.
	Reminder(a *ask.Ask, r *ask.Recipient, lang bot.Lang, loc *time.Location) string
	// Expired runs in the deadline job's unit, after the mechanism has
	// escalated the pending lines to their heads: the feature decides what
	// the deadline means for it (close a vote and post its result, move a
	// request's step on).
	Expired(tx bot.Tx, a *ask.Ask, now time.Time) error
}

// StatusCarder is implemented by a Kind that renders the author's live
// card itself (Subject "ask/<id>"), counts included; without it the
// mechanism renders a plain one (StatusCard).
type StatusCarder interface {
	StatusCard(a *ask.Ask, c ask.Counts, lang bot.Lang, loc *time.Location) bot.Card
}

// StatusStepper is implemented by a Kind whose author's card counts one
// step of the ledger, not all of them (announcements: their readers, not
// the line of the head who reviewed it).
type StatusStepper interface {
	StatusStep(a *ask.Ask) int
}

// StatusCounts are the counts the author's card of a shows: the step its
// Kind names (StatusStepper), else every step.
func (e *Engine) StatusCounts(tx bot.Tx, a *ask.Ask) (ask.Counts, error) {
	step := -1
	if k, ok := e.kinds[a.Kind].(StatusStepper); ok {
		step = k.StatusStep(a)
	}
	return ask.From(tx).CountRecipients(a.ID, step)
}

// Voluntary is implemented by a Kind whose unanswered lines are not
// escalated to anyone's head at the deadline (a vote: telling a head who
// did not vote pressures a secret ballot; a feedback form): the deadline
// runs only the feature's Expired.
type Voluntary interface {
	Voluntary() bool
}

// Job kinds of the mechanism.
const (
	JobFanout   = "ask.fanout"
	JobRemind   = "ask.remind"
	JobDeadline = "ask.deadline"
	JobReads    = "ask.reads"
)

// Engine runs asks.
type Engine struct {
	d     Deps
	kinds map[ask.Kind]Kind
	// batch is how many people one unit of a sweep handles (fanoutBatch;
	// tests make it small).
	batch int
}

// New returns the mechanism; features register with it before Module is
// called.
func New(d Deps) *Engine {
	d.DefaultLang, d.DefaultTZ = bot.Defaults(d.DefaultLang, d.DefaultTZ)
	d.Notifier = bot.NotifierOr(d.Notifier, d.DefaultLang, d.DefaultTZ)
	if d.RemindAt == 0 {
		d.RemindAt = 10 * time.Hour
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Engine{d: d, kinds: map[ask.Kind]Kind{}, batch: fanoutBatch}
}

// Register gives the mechanism a feature's words.
func (e *Engine) Register(k ask.Kind, f Kind) { e.kinds[k] = f }

// Module is the mechanism's module: its job kinds and the asks command.
func (e *Engine) Module() commands.Module {
	return commands.Module{
		Name:     "asks",
		Commands: []*commands.Command{e.command()},
		Jobs: map[string]bot.JobHandler{
			JobFanout:   fanout{e},
			JobRemind:   reminder{e},
			JobDeadline: deadline{e},
			JobReads:    reads{e},
		},
	}
}

// Key is the dedup key of an ask's job of one sort ("fanout", "remind",
// "deadline", "reads"): "ask/<id>/<sort>".
func Key(id int64, sort string) string { return "ask/" + strconv.FormatInt(id, 10) + "/" + sort }

// Subject is the live card subject of an ask's author's card ("ask/<id>");
// RecipientSubject is one recipient's own card.
func Subject(a *ask.Ask) string { return "ask/" + strconv.FormatInt(a.ID, 10) }

// RecipientSubject is the live card subject of one person's copy: their
// own card changes when they answer, and the author's card (Subject) is
// never crowded out by thousands of recipients' copies.
func RecipientSubject(a *ask.Ask, personID int64) string {
	return Subject(a) + "/" + strconv.FormatInt(personID, 10)
}

// jobPayload names the ask a job is for; Deadline (unix ms) ties the
// deadline job to the deadline it was scheduled for.
type jobPayload struct {
	Ask      int64 `json:"ask"`
	Deadline int64 `json:"deadline,omitempty"`
}

func payloadOf(j *bot.Job) (jobPayload, error) {
	var p jobPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.Ask == 0 {
		return p, fmt.Errorf("ask job %d: bad payload %q", j.ID, j.Payload)
	}
	return p, nil
}

func (e *Engine) kind(a *ask.Ask) (Kind, error) {
	k, ok := e.kinds[a.Kind]
	if !ok {
		return nil, fmt.Errorf("asks: no feature registered for kind %q", a.Kind)
	}
	return k, nil
}

// Send starts asking a's audience: the ask becomes Open with SentAt now, and
// a fan-out job is scheduled that resolves the audience and queues each
// person's card in batches of its own units (never one unit for 10,000
// people); the working-day reminders and the deadline job are scheduled too.
func (e *Engine) Send(tx bot.Tx, a *ask.Ask, now time.Time) error {
	if _, err := e.kind(a); err != nil {
		return err
	}
	a.Status, a.SentAt = ask.Open, now
	if err := ask.From(tx).UpdateAsk(a); err != nil {
		return err
	}
	if err := ask.From(tx).AddAskEvent(&ask.Event{AskID: a.ID, ActorID: a.AuthorID, Kind: ask.Sent, At: now}); err != nil {
		return err
	}
	if _, err := tx.ScheduleJob(&bot.Job{Kind: JobFanout, Payload: e.payload(a, false), RunAt: now,
		DedupKey: Key(a.ID, "fanout"), OwnerID: a.AuthorID}, now); err != nil {
		return err
	}
	return e.arm(tx, a, now)
}

func (e *Engine) payload(a *ask.Ask, deadline bool) []byte {
	p := jobPayload{Ask: a.ID}
	if deadline {
		p.Deadline = a.Deadline.UnixMilli()
	}
	b, _ := json.Marshal(p)
	return b
}

// arm schedules the reminders (recurring on working days at RemindAt,
// from the next working day), the reads poll when any platform reports
// reads, and the deadline job, re-armed at a.Deadline when it moved (a
// request's next step).
func (e *Engine) arm(tx bot.Tx, a *ask.Ask, now time.Time) error {
	zone := e.zone()
	if _, err := tx.ScheduleJob(&bot.Job{Kind: JobRemind, Payload: e.payload(a, false), RunAt: e.nextRemind(now),
		Schedule: "workdays:" + clock(e.d.RemindAt), TZ: zone.String(), DedupKey: Key(a.ID, "remind"), OwnerID: a.AuthorID}, now); err != nil {
		return err
	}
	if e.d.Readers != nil {
		if _, err := tx.ScheduleJob(&bot.Job{Kind: JobReads, Payload: e.payload(a, false), RunAt: now.Add(readsFirst),
			Schedule: readsSchedule, TZ: zone.String(), DedupKey: Key(a.ID, "reads"), OwnerID: a.AuthorID}, now); err != nil {
			return err
		}
	}
	if err := bot.CancelJobs(tx, Key(a.ID, "deadline"), now); err != nil {
		return err
	}
	if a.Deadline.IsZero() {
		return nil
	}
	_, err := tx.ScheduleJob(&bot.Job{Kind: JobDeadline, Payload: e.payload(a, true), RunAt: a.Deadline,
		DedupKey: Key(a.ID, "deadline"), OwnerID: a.AuthorID}, now)
	return err
}

func (e *Engine) zone() *time.Location {
	if e.d.Calendar != nil {
		return e.d.Calendar.Location()
	}
	return e.d.DefaultTZ
}

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// isWorkday is the calendar's answer, or Monday to Friday without one.
func (e *Engine) isWorkday(t time.Time) bool {
	if e.d.Calendar != nil {
		return e.d.Calendar.IsWorkday(t)
	}
	wd := t.In(e.zone()).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// nextRemind is RemindAt on the first working day after now's day, in the
// calendar's zone: nobody is reminded on the day they were asked.
func (e *Engine) nextRemind(now time.Time) time.Time {
	loc := e.zone()
	d := now.In(loc)
	for i := 1; i <= 400; i++ {
		day := time.Date(d.Year(), d.Month(), d.Day()+i, 0, 0, 0, 0, loc)
		if e.isWorkday(day) {
			return day.Add(e.d.RemindAt)
		}
	}
	return time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc).Add(e.d.RemindAt)
}

// AskNow adds ledger lines for a few people at once (a request step's
// approver, an announcement's reviewer) and queues their cards in this unit.
// A person already in that step of the ledger is not asked again. The
// reminders and the deadline are armed as for Send.
func (e *Engine) AskNow(tx bot.Tx, a *ask.Ask, rs []*ask.Recipient, now time.Time) error {
	k, err := e.kind(a)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if _, err := e.askOne(tx, k, a, r, now); err != nil {
			return err
		}
	}
	return e.arm(tx, a, now)
}

// askOne adds r's line and queues their card, unless the line exists
// already; it reports whether it added it. The card goes where the
// notifier decides (their home platform), in their language and zone,
// under a key of its own, so that no replay sends it twice.
func (e *Engine) askOne(tx bot.Tx, k Kind, a *ask.Ask, r *ask.Recipient, now time.Time) (bool, error) {
	st := ask.From(tx)
	if _, err := st.FindRecipient(a.ID, r.PersonID, r.Step); err == nil {
		return false, nil
	} else if bot.ErrorCode(err) != bot.ENOTFOUND {
		return false, err
	}
	r.AskID, r.State, r.SentAt = a.ID, ask.Pending, now
	if r.Role == "" {
		r.Role = ask.Respondent
	}
	p, err := tx.FindPersonByID(r.PersonID)
	if err != nil {
		return false, err
	}
	d, ok, err := e.d.Notifier.Reach(tx, bot.Notice{To: p}, now)
	if err != nil {
		return false, err
	}
	if ok {
		card := k.Card(a, r, d.Lang, d.Loc)
		card.Subject = RecipientSubject(a, r.PersonID)
		m := bot.Message{Text: a.Title, Card: &card}.ForReader(d.Lang, d.Loc)
		out := d.Outgoing(fmt.Sprintf("ask/%d/card/%d/%d", a.ID, r.PersonID, r.Step), m)
		if _, err := tx.Enqueue(out, now); err != nil {
			return false, err
		}
		r.OutboxID = out.ID
	}
	added, err := st.AddRecipients([]*ask.Recipient{r})
	return added == 1, err
}

// Record records a recipient's answer (from a click or typed) in the
// ledger and refreshes their live card and the author's. Answering twice
// the same way is a no-op; a different second answer is ECONFLICT; a line
// no longer asked (skipped) is ECONFLICT too.
func (e *Engine) Record(tx bot.Tx, a *ask.Ask, r *ask.Recipient, answer, comment, via string, now time.Time) error {
	k, err := e.kind(a)
	if err != nil {
		return err
	}
	switch {
	case r.State == ask.Answered && r.Answer == answer:
		return nil
	case r.State == ask.Answered:
		return bot.Errorf(bot.ECONFLICT, "You answered %s already (%s).", "你已经回复过 %s（%s）。", a.Ref(), r.Answer)
	case r.State == ask.Skipped || a.Status.Ended():
		return bot.Errorf(bot.ECONFLICT, "%s is no longer waiting for your answer.", "%s 已不再需要你的回复。", a.Ref())
	}
	r.State, r.Answer, r.Comment, r.Via, r.AnsweredAt = ask.Answered, answer, comment, via, now
	if err := ask.From(tx).UpdateRecipient(r); err != nil {
		return err
	}
	if err := bot.UpdateCardsIn(tx, RecipientSubject(a, r.PersonID), e.d.DefaultLang, e.d.DefaultTZ, now,
		func(lang bot.Lang, loc *time.Location) bot.Message {
			c := k.Card(a, r, lang, loc)
			return bot.Message{Card: &c}
		}); err != nil {
		return err
	}
	return e.refreshStatus(tx, a, now)
}

// refreshStatus edits the author's live card (Subject) with the counts.
func (e *Engine) refreshStatus(tx bot.Tx, a *ask.Ask, now time.Time) error {
	counts, err := e.StatusCounts(tx, a)
	if err != nil {
		return err
	}
	return bot.UpdateCardsIn(tx, Subject(a), e.d.DefaultLang, e.d.DefaultTZ, now, func(lang bot.Lang, loc *time.Location) bot.Message {
		c := e.StatusCard(a, counts, lang, loc)
		return bot.Message{Card: &c, Text: c.Title}
	})
}

// StatusCard is the author's live card of a: the feature's (StatusCarder)
// or a plain one with the counts.
func (e *Engine) StatusCard(a *ask.Ask, c ask.Counts, lang bot.Lang, loc *time.Location) bot.Card {
	if k, ok := e.kinds[a.Kind].(StatusCarder); ok {
		card := k.StatusCard(a, c, lang, loc)
		card.Subject = Subject(a)
		return card
	}
	t := func(en, zh string) string { return bot.T(en, zh).In(lang) }
	return bot.Card{Title: a.Ref() + " " + a.Title, Subject: Subject(a), Fields: []bot.Field{
		{Label: t("Answered", "已回复"), Value: fmt.Sprintf("%d / %d", c.Answered, c.Total-c.Skipped)},
		{Label: t("Read, not answered", "已读未回复"), Value: strconv.Itoa(c.ReadNotAnswered)},
		{Label: t("Waiting", "待回复"), Value: strconv.Itoa(c.Pending)},
	}, Footer: bot.Tf("Details: `asks %s`", "详情：「问询 %s」", a.Ref()).In(lang)}
}

// End ends an ask: its status set, its pending lines skipped, its jobs
// cancelled, the author's card refreshed.
func (e *Engine) End(tx bot.Tx, a *ask.Ask, status ask.Status, now time.Time) error {
	st := ask.From(tx)
	a.Status, a.ClosedAt = status, now
	if err := st.UpdateAsk(a); err != nil {
		return err
	}
	if _, err := st.SkipPending(a.ID); err != nil {
		return err
	}
	// The deadline job too: when a Kind's Expired ends the ask, that is the
	// job running now, and the scheduler then has nothing left to complete
	// (TestRunDue_HandlerCancelsItsOwnJob).
	for _, sort := range []string{"fanout", "remind", "reads", "deadline"} {
		if err := bot.CancelJobs(tx, Key(a.ID, sort), now); err != nil {
			return err
		}
	}
	kind := ask.ClosedKind
	if status == ask.Cancelled {
		kind = ask.Withdrawn
	}
	if err := st.AddAskEvent(&ask.Event{AskID: a.ID, Kind: kind, Text: string(status), At: now}); err != nil {
		return err
	}
	return e.refreshStatus(tx, a, now)
}
