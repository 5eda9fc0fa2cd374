package bot_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/stats"
)

// withoutCounters is a store whose units keep no usage counters: a store
// that keeps no figures.
type withoutCounters struct{ bot.Store }

// plainTx is bot.Tx alone, with no feature contract and no Unwrap.
type plainTx struct{ bot.Tx }

func (s withoutCounters) Update(ctx context.Context, fn func(bot.Tx) error) error {
	return s.Store.Update(ctx, func(tx bot.Tx) error { return fn(plainTx{tx}) })
}

func usageRows(t *testing.T, db bot.Store) []stats.UsageRow {
	t.Helper()
	var rows []stats.UsageRow
	if err := db.View(context.Background(), func(tx bot.Tx) (err error) {
		rows, err = stats.From(tx).UsageRows("2000-01-01", "2999-12-31", 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return rows
}

// Ensure a unit without bot.UsageCounter handles the event and counts
// nothing, rather than failing it.
func TestUsage_UnitWithoutCountersCountsNothing(t *testing.T) {
	db := openDB(t, "")
	var calls atomic.Int32
	b := openBot(t, withoutCounters{db}, echo(&calls))
	res, err := b.Accept(context.Background(), event("U1", "hello"), time.Second)
	if err != nil || !res.Done || len(res.Replies) != 1 {
		t.Fatalf("accept = %+v, %v; want it handled", res, err)
	}
	if rows := usageRows(t, db); len(rows) != 0 {
		t.Errorf("counted %+v through a unit without counters", rows)
	}
}

// Ensure an event is counted once, as a command when the router ran one,
// on the day of the bot's usage zone: a first attempt that failed
// internally and was retried adds nothing of its own.
func TestUsage_CountedOnceInItsUnit(t *testing.T) {
	db := openDB(t, "")
	// The handling fails until the test says otherwise, however many times
	// the bot tries meanwhile (on a busy machine a retry may come before
	// the test looks): a count that failed attempts left would show.
	var failing atomic.Bool
	failing.Store(true)
	router := routerFunc(func(ctx context.Context, req *bot.Request) error {
		req.Command = "task"
		if failing.Load() {
			return errors.New("transient")
		}
		return nil
	})
	b := &bot.Bot{Store: db, Router: router, MaxAttempts: 50, UsageZone: time.FixedZone("UTC+8", 8*3600),
		Now: func() time.Time { return time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC) }} // 00:30 on 12-01 at UTC+8
	if err := b.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if _, err := b.Accept(context.Background(), event("U2", "task new x"), time.Second); err != nil {
		t.Fatal(err)
	}
	if rows := usageRows(t, db); len(rows) != 0 {
		t.Fatalf("a failed attempt counted: %+v", rows)
	}
	failing.Store(false)
	if _, err := b.ProcessPending(context.Background(), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	rows := usageRows(t, db)
	want := stats.UsageRow{Day: "2026-12-01", Platform: "slack", Kind: bot.UsageCommand, N: 1}
	if len(rows) != 1 || rows[0] != want {
		t.Errorf("rows = %+v, want %+v", rows, want)
	}
}
