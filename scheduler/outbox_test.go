package scheduler_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
	"github.com/tandemhq/tandem/storage/sqlite"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// fakeSender answers each Send with the next scripted outcome.
type fakeSender struct {
	mu      sync.Mutex
	script  []error
	sent    []string
	calls   int
	arrived chan struct{}
}

func (f *fakeSender) Platform() string { return "fake" }

func (f *fakeSender) Send(ctx context.Context, o *bot.Outgoing) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	var err error
	if len(f.script) > 0 {
		err, f.script = f.script[0], f.script[1:]
	}
	if errors.Is(err, errPanic) {
		panic("sender bug")
	}
	if err == nil {
		f.sent = append(f.sent, o.Msg.Text)
		if f.arrived != nil {
			f.arrived <- struct{}{}
		}
	}
	return "remote-1", err
}

var errPanic = errors.New("panic")

func setup(t *testing.T, s *fakeSender) (*sqlite.DB, *scheduler.Dispatcher, *time.Time) {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "o.db"))
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := t0
	d := &scheduler.Dispatcher{Store: db, Senders: []bot.Sender{s}, Now: func() time.Time { return now },
		MaxAttempts: 4, Log: slog.New(slog.DiscardHandler)}
	return db, d, &now
}

func enqueue(t *testing.T, db *sqlite.DB, key, text string) {
	t.Helper()
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.Enqueue(&bot.Outgoing{Key: key, To: bot.Destination{Platform: "fake", ChatID: "C1"}, Msg: bot.Message{Text: text}}, t0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func state(t *testing.T, db *sqlite.DB, s bot.OutboxState) []*bot.Outgoing {
	var out []*bot.Outgoing
	db.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(s, 10); return })
	return out
}

func deliver(t *testing.T, d *scheduler.Dispatcher, s bot.Sender) int {
	t.Helper()
	n, err := d.DeliverDue(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Ensure transient failures back off, Retry-After is honoured, and a
// success is recorded once and never sent again.
func TestDeliverDue_RetriesThenSends(t *testing.T) {
	s := &fakeSender{script: []error{
		errors.New("502 bad gateway"),
		&bot.DeliveryError{Err: errors.New("ratelimited"), RetryAfter: 7 * time.Second},
		nil,
	}}
	db, d, now := setup(t, s)
	enqueue(t, db, "k1", "hello")

	if deliver(t, d, s) != 1 || s.calls != 1 {
		t.Fatalf("first attempt: calls=%d", s.calls)
	}
	q := state(t, db, bot.OutboxQueued)
	if len(q) != 1 || !q[0].NextAttempt.After(t0) || q[0].NextAttempt.After(t0.Add(time.Second)) {
		t.Fatalf("after a transient failure the retry should be within the first backoff: %+v", q)
	}
	if deliver(t, d, s) != 0 {
		t.Fatal("retried before its time")
	}
	*now = t0.Add(time.Second)
	deliver(t, d, s)
	q = state(t, db, bot.OutboxQueued)
	if len(q) != 1 || !q[0].NextAttempt.Equal(now.Add(7*time.Second)) {
		t.Fatalf("Retry-After not honoured: %+v", q)
	}
	*now = now.Add(6 * time.Second)
	if deliver(t, d, s) != 0 {
		t.Fatal("retried before Retry-After elapsed")
	}
	*now = now.Add(2 * time.Second)
	deliver(t, d, s)
	*now = now.Add(time.Hour)
	deliver(t, d, s)
	if s.calls != 3 || len(s.sent) != 1 {
		t.Fatalf("calls=%d sent=%v", s.calls, s.sent)
	}
	if sent := state(t, db, bot.OutboxSent); len(sent) != 1 || sent[0].RemoteID != "remote-1" {
		t.Fatalf("sent rows = %+v", sent)
	}
}

// Ensure permanent errors, exhausted retries and panicking senders end in
// the dead-letter state, visible to admins, without stopping delivery.
func TestDeliverDue_DeadLetters(t *testing.T) {
	s := &fakeSender{script: []error{
		&bot.DeliveryError{Err: errors.New("channel_not_found"), Permanent: true},
		errPanic, errPanic, errPanic, errPanic,
	}}
	db, d, now := setup(t, s)
	enqueue(t, db, "permanent", "a")
	deliver(t, d, s)
	if dead := state(t, db, bot.OutboxDead); len(dead) != 1 || dead[0].LastError == "" {
		t.Fatalf("permanent failure not dead-lettered: %+v", dead)
	}
	enqueue(t, db, "flaky", "b")
	for i := 0; i < 6; i++ {
		*now = now.Add(time.Hour)
		deliver(t, d, s)
	}
	dead := state(t, db, bot.OutboxDead)
	if len(dead) != 2 || dead[0].Attempts != 4 {
		t.Fatalf("after MaxAttempts: %+v", dead)
	}
}

// Ensure the running loop delivers a message as soon as it is triggered.
func TestDispatcher_Loop(t *testing.T) {
	s := &fakeSender{arrived: make(chan struct{}, 1)}
	db, d, _ := setup(t, s)
	d.Now = time.Now
	d.Idle = time.Hour // only the trigger can wake it
	if err := d.Open(); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	time.Sleep(20 * time.Millisecond) // let the loop go to sleep
	enqueue(t, db, "k", "now")
	d.Trigger()
	select {
	case <-s.arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("triggered message not delivered")
	}
}

func TestBackoff(t *testing.T) {
	for attempt, ceil := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 5: 16 * time.Second, 30: time.Minute} {
		for i := 0; i < 50; i++ {
			d := scheduler.Backoff(attempt, time.Second, time.Minute)
			if d < ceil/2 || d > ceil {
				t.Fatalf("Backoff(%d) = %v, want in [%v, %v]", attempt, d, ceil/2, ceil)
			}
		}
	}
}
