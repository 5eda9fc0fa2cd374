package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
)

// Ensure two dispatchers sharing their limits through the store (two
// replicas; here on one SQLite file, each step driven by hand) pace one chat
// together: the second does not send into a chat the first has just used
// up, and does not send into a chat the platform told the first to leave
// alone for a while (a Retry-After). With SharedLimits off each keeps its
// own buckets, and the second sends at once both times, which the subtest
// shows.
func TestDeliverDue_SharedLimitsAcrossDispatchers(t *testing.T) {
	for _, shared := range []bool{true, false} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			db := openStore(t)
			now := t0
			p := &scriptedPlatform{limits: bot.RateLimits{PerChat: bot.Rate{N: 1, Per: time.Second}}, now: func() time.Time { return now },
				script: map[string][]error{"a2": {&bot.DeliveryError{Err: errors.New("ratelimited"), RetryAfter: 10 * time.Second}}}}
			replica := func(owner string) *scheduler.Dispatcher {
				return &scheduler.Dispatcher{Store: db, Senders: []bot.Sender{p}, Log: slog.New(slog.DiscardHandler),
					Now: func() time.Time { return now }, Owner: owner, SharedLimits: shared}
			}
			one, two := replica("one"), replica("two")
			deliver := func(d *scheduler.Dispatcher, at time.Duration, key string) {
				t.Helper()
				now = t0.Add(at)
				if key != "" {
					enqueueAll(t, db, []*bot.Outgoing{msgTo("scripted", key, "A", "")})
				}
				if _, err := d.DeliverDue(context.Background(), p); err != nil {
					t.Fatal(err)
				}
			}
			deliver(one, 0, "a1")             // sent: the chat's one token
			deliver(two, 0, "a2")             // shared: the chat is used up until 1s
			deliver(two, time.Second, "")     // a2 sent, answered with a Retry-After of 10s
			deliver(one, 2*time.Second, "a3") // shared: the chat is blocked until 11s
			drain(t, one, p, db, &now)
			want := "a1@0s:ok a2@1s:retry after 10s: ratelimited a2@11s:ok a3@12s:ok"
			if !shared {
				// Each dispatcher keeps its own buckets: two sends into the
				// chat at 0s, and one during the Retry-After.
				want = "a1@0s:ok a2@0s:retry after 10s: ratelimited a3@2s:ok a2@10s:ok"
			}
			if got := p.timeline(); got != want {
				t.Fatalf("timeline\n got %s\nwant %s", got, want)
			}
		})
	}
}

// Ensure the prune job forgets shared buckets that have been full for the
// in-memory Limiter's idle time, and keeps the others.
func TestPruner_ForgetsFullRateBuckets(t *testing.T) {
	db := openStore(t)
	ctx := context.Background()
	rates := bot.StoreRates{Store: db}
	bucket := func(chat string) bot.RateBucket {
		return bot.RateBucket{Key: bot.RateKey{Platform: "slack", Workspace: "T1", Scope: scheduler.ScopeChat, ID: chat}, Rate: bot.Rate{N: 1, Per: time.Second}}
	}
	for chat, at := range map[string]time.Duration{"old": 0, "recent": time.Hour} {
		if _, _, err := rates.TakeTokens(ctx, []bot.RateBucket{bucket(chat)}, t0.Add(at)); err != nil {
			t.Fatal(err)
		}
	}
	p := &scheduler.Pruner{Store: db, Steps: scheduler.PruneSteps(scheduler.DefaultRetention())}
	if err := p.Prune(ctx, nil, t0.Add(time.Hour+scheduler.DefaultLimiterIdle-time.Second)); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.Update(ctx, func(tx bot.Tx) (err error) {
		r, _ := bot.Contract[bot.RateTx](tx)
		left, err = r.ForgetFullBuckets(t0.Add(24*time.Hour), 10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if left != 1 {
		t.Fatalf("%d buckets left after pruning, want 1 (the recent one)", left)
	}
}

// holdingStore claims nothing, as PostgreSQL's claim does while an older
// message of the chat is being sent by another replica, and counts claims.
type holdingStore struct {
	bot.Store
	claims atomic.Int64
}

type holdingTx struct {
	bot.Tx
	s *holdingStore
}

func (s *holdingStore) Update(ctx context.Context, fn func(bot.Tx) error) error {
	return s.Store.Update(ctx, func(tx bot.Tx) error { return fn(holdingTx{tx, s}) })
}

func (t holdingTx) ClaimOutgoing(string, time.Time, time.Duration, string, int) ([]*bot.Outgoing, error) {
	t.s.claims.Add(1)
	return nil, nil
}

// Ensure a loop that finds a message due but can claim none (held behind an
// older message of its chat) looks again after heldBack rather than spin:
// without the pause it claims thousands of times in this time.
func TestDispatcher_LoopWaitsForHeldMessages(t *testing.T) {
	db := openStore(t)
	enqueueAll(t, db, []*bot.Outgoing{msgTo("scripted", "a1", "A", "")})
	store := &holdingStore{Store: db}
	p := &scriptedPlatform{now: time.Now}
	d := &scheduler.Dispatcher{Store: store, Senders: []bot.Sender{p}, Log: slog.New(slog.DiscardHandler), Idle: time.Hour}
	if err := d.Open(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	d.Close()
	// A pause of 100 ms allows 4; a busy machine only lowers it.
	if n := store.claims.Load(); n < 1 || n > 20 {
		t.Fatalf("%d claims in 300 ms while the only due message is held back", n)
	}
}
