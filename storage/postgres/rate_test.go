package postgres_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
	"github.com/tandemhq/tandem/storage/postgres"
	"github.com/tandemhq/tandem/storage/postgres/pgtest"
)

// countingPlatform declares per-chat and per-app limits and records each
// request with the time of the shared fake clock.
type countingPlatform struct {
	limits bot.RateLimits
	now    func() time.Time

	mu    sync.Mutex
	sends []rateSend
	keys  map[string]int
}

type rateSend struct {
	key, chat string
	at        time.Time
}

func (p *countingPlatform) Platform() string       { return "counted" }
func (p *countingPlatform) Limits() bot.RateLimits { return p.limits }
func (p *countingPlatform) Send(_ context.Context, o *bot.Outgoing) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sends = append(p.sends, rateSend{o.Key, o.To.ChatID, p.now()})
	p.keys[o.Key]++
	return "r-" + o.Key, nil
}

// overLimit returns a description of the first run of sends (times in
// order) that a token bucket of r does not allow: from send i to send j,
// at most N (the burst) plus one per interval elapsed. "" if none.
func overLimit(at []time.Time, r bot.Rate) string {
	interval := r.Interval()
	for i := range at {
		for j := i + r.N; j < len(at); j++ {
			allowed := r.N + int(at[j].Sub(at[i])/interval)
			if j-i+1 > allowed {
				return fmt.Sprintf("%d sends from %v to %v, the bucket allows %d", j-i+1, at[i].Sub(at[0]), at[j].Sub(at[0]), allowed)
			}
		}
	}
	return ""
}

// Two replicas (two DBs on one database, distinct owners) run their
// dispatchers at the same time, at each step of a shared fake clock, over
// 60 messages to four chats: across both, no chat and not the app ever see
// more than their buckets allow, nothing is sent twice, and each chat's
// messages go out in the order queued.
//
// Checked: with SharedLimits false each replica keeps its own buckets and
// the test fails ("the app: 12 sends from 0s to 1.308s, the bucket allows
// 11"); without the deferred flag of migration 0237 (a message deferred for
// a rate limit holds its chat) chats go out of order ("chat C3 sent [m01
// m06 m18 m42 …], queued [m01 m06 m08 m13 …]").
func TestDispatchers_TwoReplicasShareRateLimits(t *testing.T) {
	dsn := pgtest.FreshDatabase(t)
	stores := []*postgres.DB{open(t, dsn), open(t, dsn)}
	var (
		clock sync.Mutex
		now   = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	)
	start := now
	nowFn := func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
	p := &countingPlatform{
		limits: bot.RateLimits{PerApp: bot.Rate{N: 5, Per: time.Second}, PerChat: bot.Rate{N: 2, Per: time.Second}},
		now:    nowFn, keys: map[string]int{},
	}
	var ds []*scheduler.Dispatcher
	for i, s := range stores {
		ds = append(ds, &scheduler.Dispatcher{Store: s, Senders: []bot.Sender{p}, Log: slog.New(slog.DiscardHandler),
			Now: nowFn, Owner: fmt.Sprint("replica", i), SharedLimits: true})
	}
	ctx := context.Background()
	chats := []string{"C1", "C2", "C3", "C4"}
	order := map[string][]string{}
	if err := stores[0].Update(ctx, func(tx bot.Tx) error {
		for i := range 60 {
			chat := chats[(i*7/3)%len(chats)]
			key := fmt.Sprintf("m%02d", i)
			order[chat] = append(order[chat], key)
			o := &bot.Outgoing{Key: key, To: bot.Destination{Platform: "counted", Workspace: "T1", ChatID: chat}, Msg: bot.Message{Text: key}}
			if _, err := tx.Enqueue(o, now); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	for step := 0; ; step++ {
		if step > 5000 {
			t.Fatalf("no end in sight at %v", nowFn().Sub(start))
		}
		// Both replicas at once, until neither finds anything due.
		var wg sync.WaitGroup
		handled := make([]int, len(ds))
		for i, d := range ds {
			wg.Go(func() {
				for {
					n, err := d.DeliverDue(ctx, p)
					if err != nil {
						t.Error(err)
						return
					}
					if n == 0 {
						return
					}
					handled[i] += n
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		var next time.Time
		if err := stores[0].View(ctx, func(tx bot.Tx) (err error) { next, err = tx.NextOutgoingAt("counted"); return err }); err != nil {
			t.Fatal(err)
		}
		clock.Lock()
		switch {
		case next.IsZero():
		case next.After(now):
			now = next
		case handled[0]+handled[1] == 0:
			// Due but held behind an older message of its chat that is
			// deferred: the dispatcher's loop looks again 100 ms later.
			now = now.Add(100 * time.Millisecond)
		default:
			now = now.Add(time.Millisecond)
		}
		clock.Unlock()
		if next.IsZero() {
			break
		}
	}

	byChat := map[string][]rateSend{}
	var all []time.Time
	for _, s := range p.sends {
		byChat[s.chat] = append(byChat[s.chat], s)
		all = append(all, s.at)
	}
	if len(p.keys) != 60 || len(p.sends) != 60 {
		t.Fatalf("%d sends of %d messages, want 60 of 60", len(p.sends), len(p.keys))
	}
	if over := overLimit(all, p.limits.PerApp); over != "" {
		t.Errorf("the app: %s", over)
	}
	for chat, sends := range byChat {
		var at []time.Time
		var keys []string
		for _, s := range sends {
			at = append(at, s.at)
			keys = append(keys, s.key)
		}
		if over := overLimit(at, p.limits.PerChat); over != "" {
			t.Errorf("chat %s: %s", chat, over)
		}
		if fmt.Sprint(keys) != fmt.Sprint(order[chat]) {
			t.Errorf("chat %s sent %v, queued %v", chat, keys, order[chat])
		}
	}
	last := p.sends[len(p.sends)-1].at.Sub(start)
	t.Logf("60 messages in %v of platform time (the app's 5 a second allows them in 11s); %d and %d units run again",
		last, stores[0].Retries(), stores[1].Retries())
}

// Ensure a rate take runs at READ COMMITTED under its row lock: takers of
// one bucket wait for each other rather than fail and run again. Checked:
// left SERIALIZABLE (the unit's default), 80 takes were run again 65 and 85
// times in two runs.
func TestTakeTokens_RacingTakersWaitInsteadOfRetrying(t *testing.T) {
	db := open(t, emptiedDatabase(t))
	app := bot.RateBucket{Key: bot.RateKey{Platform: "slack", Workspace: "T1", Scope: "app"}, Rate: bot.Rate{N: 1000, Per: time.Second}}
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for i := range 8 {
		chat := bot.RateBucket{Key: bot.RateKey{Platform: "slack", Workspace: "T1", Scope: "chat", ID: fmt.Sprint("C", i)}, Rate: bot.Rate{N: 100, Per: time.Second}}
		wg.Go(func() {
			for range 10 {
				wait, _, err := bot.StoreRates{Store: db}.TakeTokens(context.Background(), []bot.RateBucket{chat, app}, now)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if wait == 0 {
					taken++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if taken != 80 {
		t.Fatalf("%d of 80 takes got their tokens", taken)
	}
	if n := db.Retries(); n != 0 {
		t.Fatalf("%d takes were run again after a serialization failure, want 0", n)
	}
}
