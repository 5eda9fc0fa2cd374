// Package adaptertest holds what the platform adapters' tests share: a fake
// bot.Intake that records what an adapter hands to the core.
package adaptertest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Intake is a bot.Intake whose behaviour is a function field; it records
// every event it is given and the wait it was asked for.
type Intake struct {
	AcceptFn func(ctx context.Context, ev *bot.Event, wait time.Duration) (bot.Result, error)

	mu     sync.Mutex
	events []*bot.Event
	waits  []time.Duration
}

var _ bot.Intake = (*Intake)(nil)

// Accept implements bot.Intake: it records ev, then calls AcceptFn (an
// empty Result when unset).
func (in *Intake) Accept(ctx context.Context, ev *bot.Event, wait time.Duration) (bot.Result, error) {
	in.mu.Lock()
	in.events = append(in.events, ev)
	in.waits = append(in.waits, wait)
	in.mu.Unlock()
	if in.AcceptFn == nil {
		return bot.Result{}, nil
	}
	return in.AcceptFn(ctx, ev, wait)
}

// Events returns the events accepted so far.
func (in *Intake) Events() []*bot.Event {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]*bot.Event(nil), in.events...)
}

// Waits returns the waits Accept was called with, in order.
func (in *Intake) Waits() []time.Duration {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]time.Duration(nil), in.waits...)
}

// Reset forgets what was recorded, so a benchmark does not grow without end.
func (in *Intake) Reset() {
	in.mu.Lock()
	in.events, in.waits = in.events[:0], in.waits[:0]
	in.mu.Unlock()
}

// WaitEvent waits up to 5 s until an event with the dedup key was accepted,
// for adapters that hand events over from their own goroutines.
func (in *Intake) WaitEvent(tb testing.TB, key string) *bot.Event {
	tb.Helper()
	var found *bot.Event
	WaitFor(5*time.Second, func() bool {
		for _, ev := range in.Events() {
			if ev.DedupKey == key {
				found = ev
				return true
			}
		}
		return false
	})
	if found == nil {
		tb.Fatalf("no event %q; got %d events", key, len(in.Events()))
	}
	return found
}

// LogBuffer collects log lines that a logger writes from several goroutines
// while the test reads them.
type LogBuffer struct {
	mu sync.Mutex
	b  []byte
}

// Write implements io.Writer.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

// AsyncIntake is an Intake that is also a bot.AsyncIntake, like the bot, so
// that an adapter can give an event up at its deadline. AcceptAsync runs
// Accept in a goroutine; abandon calls AbandonFn (false when unset). When
// AbandonFn returns true the event counts as given up, as the bot's does
// before its unit is committed: the outcome is ErrUnavailable, whatever
// AcceptFn returns later.
type AsyncIntake struct {
	Intake
	AbandonFn func() bool
}

var _ bot.AsyncIntake = (*AsyncIntake)(nil)

// AcceptAsync implements bot.AsyncIntake.
func (in *AsyncIntake) AcceptAsync(ctx context.Context, ev *bot.Event, wait time.Duration) (<-chan bot.Outcome, func() bool) {
	out := make(chan bot.Outcome, 1)
	var given atomic.Bool
	go func() {
		res, err := in.Accept(ctx, ev, wait)
		if given.Load() {
			res, err = bot.Result{}, bot.ErrUnavailable
		}
		out <- bot.Outcome{Result: res, Err: err}
	}()
	return out, func() bool {
		if in.AbandonFn != nil && in.AbandonFn() {
			given.Store(true)
			return true
		}
		return false
	}
}

// StuckIntake is an intake that has not stored an event by the adapter's
// deadline and can still give it up: Accept blocks until the test ends, and
// abandoning succeeds, so the adapter must refuse the event in time.
func StuckIntake(tb testing.TB) *AsyncIntake {
	release := make(chan struct{})
	tb.Cleanup(func() { close(release) })
	return &AsyncIntake{
		Intake: Intake{AcceptFn: func(context.Context, *bot.Event, time.Duration) (bot.Result, error) {
			<-release
			return bot.Result{Done: true}, nil
		}},
		AbandonFn: func() bool { return true },
	}
}

// LateIntake is an intake that is still storing an event at the adapter's
// deadline: the unit is committing, so it cannot be given up, and Accept
// returns res and err only once the adapter has tried to give it up.
func LateIntake(res bot.Result, err error) *AsyncIntake {
	release := make(chan struct{})
	var once sync.Once
	return &AsyncIntake{
		Intake: Intake{AcceptFn: func(context.Context, *bot.Event, time.Duration) (bot.Result, error) {
			<-release
			return res, err
		}},
		AbandonFn: func() bool { once.Do(func() { close(release) }); return false },
	}
}
