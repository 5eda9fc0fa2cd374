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
	"log/slog"
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
	// language and zone.
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

// Engine runs asks.
type Engine struct {
	d     Deps
	kinds map[ask.Kind]Kind
}

// New returns the mechanism; features register with it before Module is
// called.
func New(d Deps) *Engine { return &Engine{d: d, kinds: map[ask.Kind]Kind{}} }

// Register gives the mechanism a feature's words.
func (e *Engine) Register(k ask.Kind, f Kind) { e.kinds[k] = f }

// Module is the mechanism's module: its job kinds and the asks command.
// PLACEHOLDER: the AENGINE helper implements the mechanism.
func (e *Engine) Module() commands.Module { return commands.Module{Name: "asks"} }

// Send starts asking a's audience: the ask becomes Open with SentAt now, and
// a fan-out job is scheduled that resolves the audience and queues each
// person's card in batches of its own units (never one unit for 10,000
// people); the working-day reminders and the deadline job are scheduled too.
func (e *Engine) Send(tx bot.Tx, a *ask.Ask, now time.Time) error { return nil }

// AskNow adds ledger lines for a few people at once (a request step's
// approver, an announcement's reviewer) and queues their cards in this unit.
func (e *Engine) AskNow(tx bot.Tx, a *ask.Ask, rs []*ask.Recipient, now time.Time) error {
	return nil
}

// Record records a recipient's answer (from a click or typed) in the
// ledger and refreshes their live card. Answering twice the same way is a
// no-op; a different second answer is ECONFLICT.
func (e *Engine) Record(tx bot.Tx, a *ask.Ask, r *ask.Recipient, answer, comment, via string, now time.Time) error {
	return nil
}

// End ends an ask: its status set, its pending lines skipped, its jobs
// cancelled.
func (e *Engine) End(tx bot.Tx, a *ask.Ask, status ask.Status, now time.Time) error { return nil }
