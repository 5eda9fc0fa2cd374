package bot

import (
	"context"
	"fmt"
)

// Preparer is implemented by a Router some of whose commands must reach the
// network before they can decide: read someone's free/busy from a calendar,
// look a chat or a file up on the platform. A unit of work holds the single
// writer and may run more than once before it commits, so nothing in it may
// wait on the network or act on the world. Such a command declares a
// prepare step instead: the bot runs it before the unit, outside it, and
// hands its result to the command as Request.Prepared.
//
// Prepare is for reads. An event can be prepared more than once (a platform's
// redelivery, found to be a duplicate only inside the unit; a retry by the
// sweep), so a step must not change anything anywhere. What changes the
// world (uploading a picture, creating a group, posting) is written by the
// unit as a row and done after the commit by whoever claims the row: the
// outbox for messages, or a job whose handler is a JobFetcher, which calls
// out under the job's lease and applies the answer in a unit of its own.
type Preparer interface {
	// Prepare returns the step to run for ev before its unit, or nil when
	// ev's command needs none. It is called for every event, so it must
	// only look at ev (parse the command word), not call out.
	Prepare(ev *Event) PrepareFunc
}

// PrepareFunc is a prepare step. It runs once per processing of an event,
// outside any unit, with the store for reads (View); a step that reads as
// of a moment (figures over the last week) takes the event's ReceivedAt,
// which the bot sets from its clock before the step runs, never
// time.Now. What it returns is
// handed to the unit (Request.Prepared, Request.PrepareErr): the unit,
// however often it runs, uses that answer and never calls out again. The
// command decides what a failed step means (usually a polite "the calendar
// did not answer").
type PrepareFunc func(ctx context.Context, view Viewer) (any, error)

// Viewer reads the store outside any write unit.
type Viewer interface {
	View(ctx context.Context, fn func(Tx) error) error
}

// prepared is the outcome of an event's prepare step.
type prepared struct {
	value any
	err   error
}

// prepare runs ev's prepare step, if its command declares one. A step that
// panics fails, as a command that panics does, instead of taking the
// process down.
func (b *Bot) prepare(ctx context.Context, ev *Event) (p prepared) {
	pr, ok := b.Router.(Preparer)
	if !ok {
		return prepared{}
	}
	step := pr.Prepare(ev)
	if step == nil {
		return prepared{}
	}
	if ev.ReceivedAt.IsZero() {
		ev.ReceivedAt = b.Now() // the moment a step reads as of
	}
	defer func() {
		if r := recover(); r != nil {
			p = prepared{err: fmt.Errorf("panic in prepare step: %v", r)}
		}
	}()
	p.value, p.err = step(ctx, b.Store)
	return p
}

// needsPrepare reports whether ev's command declares a prepare step.
func (b *Bot) needsPrepare(ev *Event) bool {
	pr, ok := b.Router.(Preparer)
	return ok && pr.Prepare(ev) != nil
}

// preparePending runs the prepare step of the pending event id, read in a
// view, before the sweep's unit processes it.
func (b *Bot) preparePending(ctx context.Context, id int64) (prepared, error) {
	if _, ok := b.Router.(Preparer); !ok {
		return prepared{}, nil
	}
	var ev *Event
	err := b.Store.View(ctx, func(tx Tx) (err error) {
		ev, _, err = tx.PendingInbound(id)
		return err
	})
	if err != nil || ev == nil {
		return prepared{}, err
	}
	return b.prepare(ctx, ev), nil
}
