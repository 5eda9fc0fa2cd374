package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// The tests in this file drive the Dispatcher against fake platforms that
// misbehave, through the real SQLite outbox. Most of them run DeliverDue
// with an injected clock, jumping it to the next due message whenever
// nothing is due, so that seconds of Retry-After and pacing take no real
// time and a run is repeatable: the fakes' faults come from seeded RNGs and
// so does the backoff jitter (Dispatcher.Rand).

func openStore(t *testing.T) *sqlite.DB {
	t.Helper()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "outbox.db"))
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// enqueueAll stores the messages in one unit, in order, so their ids (and
// the order of each chat's messages) are the order given.
func enqueueAll(t *testing.T, db *sqlite.DB, msgs []*bot.Outgoing) {
	t.Helper()
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		for _, o := range msgs {
			if _, err := tx.Enqueue(o, t0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func msgTo(platform, key, chat, user string) *bot.Outgoing {
	return &bot.Outgoing{Key: key, To: bot.Destination{Platform: platform, Workspace: "T1", ChatID: chat, UserID: user}, Msg: bot.Message{Text: key}}
}

// laneOf names the chat a destination's messages go into, as a platform
// sees it: a direct message is its own chat.
func laneOf(to bot.Destination) string {
	if to.ChatID == "" {
		return "dm:" + to.UserID
	}
	return to.ChatID
}

// drain runs DeliverDue until nothing is queued, moving the clock to the
// next due message whenever nothing is due now.
func drain(t *testing.T, d *scheduler.Dispatcher, s bot.Sender, db *sqlite.DB, now *time.Time) {
	t.Helper()
	ctx := context.Background()
	for step := 0; ; step++ {
		if step > 200000 || now.Sub(t0) > 24*time.Hour {
			t.Fatalf("no end in sight after %d steps, at %v", step, now.Sub(t0))
		}
		n, err := d.DeliverDue(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			continue
		}
		var next time.Time
		if err := db.View(ctx, func(tx bot.Tx) (err error) { next, err = tx.NextOutgoingAt(s.Platform()); return }); err != nil {
			t.Fatal(err)
		}
		switch {
		case next.IsZero():
			return
		case next.After(*now):
			*now = next
		default:
			*now = now.Add(time.Millisecond)
		}
	}
}

func rows(t *testing.T, db *sqlite.DB, s bot.OutboxState) []*bot.Outgoing {
	t.Helper()
	var out []*bot.Outgoing
	if err := db.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(s, 10000); return }); err != nil {
		t.Fatal(err)
	}
	return out
}

// call is one request a fake platform received.
type call struct {
	key, lane  string
	at         time.Time
	outcome    string // "ok", "429", "5xx", "hang"
	retryAfter time.Duration
}

// chaosPlatform is a platform that answers about a third of the requests
// badly, decided by a seeded RNG: 429 with a Retry-After (returned as a
// *bot.DeliveryError, as adapters do), a 5xx (a plain error, transient), or
// nothing at all: the request hangs until its context's deadline. A hang is
// modelled as the platform never having taken the message (the connection
// died before it got there); the case where it had is
// TestDeliverDue_AcceptedThenTimedOut. Accepted messages are counted per
// idempotency key (Outgoing.Key), so a duplicate would show.
type chaosPlatform struct {
	limits bot.RateLimits
	now    func() time.Time

	mu       sync.Mutex
	rng      *rand.Rand
	calls    []call
	accepted map[string]int
	lanes    map[string][]string // lane -> keys in the order accepted
}

func (p *chaosPlatform) Platform() string       { return "chaos" }
func (p *chaosPlatform) Limits() bot.RateLimits { return p.limits }
func (p *chaosPlatform) record(c call) (index int) {
	p.calls = append(p.calls, c)
	return len(p.calls) - 1
}

func (p *chaosPlatform) Send(ctx context.Context, o *bot.Outgoing) (string, error) {
	if _, ok := ctx.Deadline(); !ok {
		panic("send without a deadline")
	}
	p.mu.Lock()
	c := call{key: o.Key, lane: laneOf(o.To), at: p.now()}
	switch p.rng.IntN(9) {
	case 0:
		c.outcome, c.retryAfter = "429", time.Duration(1+p.rng.IntN(4))*time.Second
		p.record(c)
		p.mu.Unlock()
		return "", &bot.DeliveryError{Err: errors.New("429 too many requests"), RetryAfter: c.retryAfter}
	case 1:
		c.outcome = "5xx"
		p.record(c)
		p.mu.Unlock()
		return "", errors.New("503 service unavailable")
	case 2:
		c.outcome = "hang"
		p.record(c)
		p.mu.Unlock()
		<-ctx.Done()
		return "", ctx.Err()
	}
	c.outcome = "ok"
	p.record(c)
	p.accepted[o.Key]++
	p.lanes[c.lane] = append(p.lanes[c.lane], o.Key)
	p.mu.Unlock()
	return "ts-" + o.Key, nil
}

// meter is an independent model of a declared Rate, to check the calls a
// platform saw against: a budget of time that refills in real time up to
// Per, from which each call spends Per/N. It starts full.
type meter struct {
	cost, size, budget time.Duration
	last               time.Time
}

func newMeter(r bot.Rate) *meter {
	cost := r.Per / time.Duration(r.N)
	return &meter{cost: cost, size: cost * time.Duration(r.N), budget: cost * time.Duration(r.N)}
}

func (m *meter) take(at time.Time) bool {
	if !m.last.IsZero() {
		m.budget = min(m.size, m.budget+at.Sub(m.last))
	}
	m.last = at
	if m.budget < m.cost {
		return false
	}
	m.budget -= m.cost
	return true
}

// The fault test from the issue: 200 messages to 10 chats (one a direct
// message) through a platform that fails a third of the requests. Every
// message must arrive exactly once, in its chat's order, without a request
// to a chat before its Retry-After ran out or faster than the declared
// limits allow, while the other chats keep flowing during a Retry-After.
// It runs with the limits in memory and shared through the store
// (Dispatcher.SharedLimits), which must mean the same for one process.
func TestDeliverDue_FaultsExactlyOnce(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) { testFaultsExactlyOnce(t, shared) })
	}
}

func testFaultsExactlyOnce(t *testing.T, shared bool) {
	db := openStore(t)
	now := t0
	p := &chaosPlatform{
		// Ten chats at up to 2/s each want more than the app's 10/s: both
		// kinds of bucket run empty.
		limits: bot.RateLimits{
			PerApp:  bot.Rate{N: 10, Per: time.Second},
			PerChat: bot.Rate{N: 2, Per: time.Second},
			PerUser: bot.Rate{N: 1, Per: time.Second},
		},
		now:      func() time.Time { return now },
		rng:      rand.New(rand.NewPCG(2026, 11)),
		accepted: make(map[string]int),
		lanes:    make(map[string][]string),
	}
	const maxAttempts = 8
	d := &scheduler.Dispatcher{Store: db, Senders: []bot.Sender{p}, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return now }, MaxAttempts: maxAttempts,
		SendTimeout: 3 * time.Millisecond, // how long a hung request takes, in real time
		Rand:        rand.New(rand.NewPCG(1, 2)), SharedLimits: shared}

	pick := rand.New(rand.NewPCG(7, 7))
	var msgs []*bot.Outgoing
	order := map[string][]string{} // lane -> keys in enqueue order
	for i := range 200 {
		key := fmt.Sprintf("m%03d", i)
		var o *bot.Outgoing
		if c := pick.IntN(10); c == 9 {
			o = msgTo("chaos", key, "", "U1")
		} else {
			o = msgTo("chaos", key, fmt.Sprintf("C%d", c), "")
		}
		msgs = append(msgs, o)
		order[laneOf(o.To)] = append(order[laneOf(o.To)], key)
	}
	enqueueAll(t, db, msgs)

	start := time.Now()
	drain(t, d, p, db, &now)
	t.Logf("drained in %v real time, %v platform time, %d requests", time.Since(start).Round(time.Millisecond), now.Sub(t0), len(p.calls))

	// Exactly once, and nothing left behind.
	if dead := rows(t, db, bot.OutboxDead); len(dead) > 0 {
		t.Fatalf("%d dead-lettered, first: %+v", len(dead), dead[0])
	}
	sent := rows(t, db, bot.OutboxSent)
	if len(sent) != 200 || len(p.accepted) != 200 {
		t.Fatalf("sent rows %d, accepted keys %d, want 200", len(sent), len(p.accepted))
	}
	for key, n := range p.accepted {
		if n != 1 {
			t.Errorf("%s delivered %d times", key, n)
		}
	}
	// In order within each chat.
	for lane, want := range order {
		if got := p.lanes[lane]; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: delivered %v, enqueued %v", lane, got, want)
		}
	}

	outcomes := map[string]int{}
	chats := map[string]*meter{}
	app := newMeter(p.limits.PerApp)
	flowing := 0
	for i, c := range p.calls {
		outcomes[c.outcome]++
		// Every request counts against the limits, whatever the answer.
		m := chats[c.lane]
		if m == nil {
			r := p.limits.PerChat
			if strings.HasPrefix(c.lane, "dm:") {
				r = p.limits.PerUser
			}
			m = newMeter(r)
			chats[c.lane] = m
		}
		if !m.take(c.at) {
			t.Errorf("request %d (%s) to %s at %v exceeds the chat's limit", i, c.key, c.lane, c.at.Sub(t0))
		}
		if !app.take(c.at) {
			t.Errorf("request %d (%s) at %v exceeds the app's limit", i, c.key, c.at.Sub(t0))
		}
		if c.outcome != "429" {
			continue
		}
		// Nothing more into that chat before the Retry-After runs out...
		until := c.at.Add(c.retryAfter)
		others := false
		for _, later := range p.calls[i+1:] {
			if later.lane == c.lane && later.at.Before(until) {
				t.Errorf("%s retried into %s at %v, %v before its Retry-After ran out", later.key, c.lane, later.at.Sub(t0), until.Sub(later.at))
			}
			others = others || later.lane != c.lane && later.outcome == "ok" && later.at.Before(until)
		}
		// ...while the other chats go on.
		if others {
			flowing++
		}
	}
	if outcomes["429"] == 0 || outcomes["5xx"] == 0 || outcomes["hang"] == 0 {
		t.Fatalf("the platform was not faulty enough to test anything: %v", outcomes)
	}
	if flowing == 0 {
		t.Error("no other chat was delivered to during any Retry-After")
	}

	// Deferrals did not use up attempts: attempts count real tries only.
	most := 0
	for _, o := range sent {
		most = max(most, o.Attempts)
	}
	if most > maxAttempts {
		t.Errorf("a message shows %d attempts, more than MaxAttempts %d allows: deferrals were counted", most, maxAttempts)
	}
	t.Logf("outcomes %v; most tries of one message %d; Retry-Afters during which other chats flowed: %d of %d",
		outcomes, most, flowing, outcomes["429"])
}

// forgetfulPlatform takes the first request for a message and then never
// answers it (the answer is lost, the request times out), so the outbox
// tries again. A platform that honours an idempotency key recognizes the
// retry and answers with the message it already has; one that does not
// posts it a second time.
//
// Slack's chat.postMessage is the second kind: it takes no idempotency key,
// so a post Slack accepted whose answer was lost is posted again, and the
// outbox is at-least-once there (the window is one SendTimeout). Feishu's
// message API takes a uuid that deduplicates for an hour, which an adapter
// can fill with Outgoing.Key to make delivery exactly-once.
type forgetfulPlatform struct {
	idempotent bool

	mu        sync.Mutex
	calls     int
	delivered map[string]int
}

func (p *forgetfulPlatform) Platform() string { return "forgetful" }

func (p *forgetfulPlatform) Send(ctx context.Context, o *bot.Outgoing) (string, error) {
	p.mu.Lock()
	p.calls++
	first := p.delivered[o.Key] == 0
	if !first && p.idempotent {
		p.mu.Unlock()
		return "remote-" + o.Key, nil // the one it already has
	}
	p.delivered[o.Key]++
	p.mu.Unlock()
	if first {
		<-ctx.Done() // accepted, but the answer never comes
		return "", ctx.Err()
	}
	return "remote-" + o.Key, nil
}

// Ensure that a message the platform accepted before the request timed out
// is delivered once when the platform honours the idempotency key, and show
// that it is delivered twice when the platform cannot (Slack).
func TestDeliverDue_AcceptedThenTimedOut(t *testing.T) {
	for _, idempotent := range []bool{true, false} {
		t.Run(fmt.Sprintf("idempotent=%v", idempotent), func(t *testing.T) {
			db := openStore(t)
			now := t0
			p := &forgetfulPlatform{idempotent: idempotent, delivered: map[string]int{}}
			d := &scheduler.Dispatcher{Store: db, Senders: []bot.Sender{p}, Log: slog.New(slog.DiscardHandler),
				Now: func() time.Time { return now }, SendTimeout: 5 * time.Millisecond}
			enqueueAll(t, db, []*bot.Outgoing{msgTo("forgetful", "k1", "C1", "")})
			drain(t, d, p, db, &now)
			want := 1
			if !idempotent {
				want = 2
			}
			if p.calls != 2 || p.delivered["k1"] != want {
				t.Fatalf("calls=%d delivered=%d, want 2 calls and %d deliveries", p.calls, p.delivered["k1"], want)
			}
			if sent := rows(t, db, bot.OutboxSent); len(sent) != 1 || sent[0].RemoteID != "remote-k1" {
				t.Fatalf("sent rows = %+v", sent)
			}
		})
	}
}

// scriptedPlatform declares limits and answers by key: each key's calls
// take the next of its scripted errors, then succeed.
type scriptedPlatform struct {
	limits bot.RateLimits
	now    func() time.Time
	script map[string][]error
	calls  []call
}

func (p *scriptedPlatform) Platform() string       { return "scripted" }
func (p *scriptedPlatform) Limits() bot.RateLimits { return p.limits }

func (p *scriptedPlatform) Send(_ context.Context, o *bot.Outgoing) (string, error) {
	c := call{key: o.Key, lane: laneOf(o.To), at: p.now(), outcome: "ok"}
	var err error
	if s := p.script[o.Key]; len(s) > 0 {
		err, p.script[o.Key] = s[0], s[1:]
		c.outcome = err.Error()
	}
	p.calls = append(p.calls, c)
	return "r-" + o.Key, err
}

func (p *scriptedPlatform) timeline() string {
	var b strings.Builder
	for _, c := range p.calls {
		fmt.Fprintf(&b, "%s@%v:%s ", c.key, c.at.Sub(t0), c.outcome)
	}
	return strings.TrimSpace(b.String())
}

// Ensure a message that waited for its turn is not dead-lettered for it:
// with MaxAttempts 2, a message deferred once and then failing once (its
// second claim) is retried, not given up.
func TestDeliverDue_DeferralsDoNotCountAsAttempts(t *testing.T) {
	db := openStore(t)
	now := t0
	p := &scriptedPlatform{limits: bot.RateLimits{PerChat: bot.Rate{N: 1, Per: time.Second}}, now: func() time.Time { return now },
		script: map[string][]error{"c": {errors.New("502")}}}
	d := &scheduler.Dispatcher{Store: db, Senders: []bot.Sender{p}, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return now }, MaxAttempts: 2, Rand: rand.New(rand.NewPCG(1, 1))}
	enqueueAll(t, db, []*bot.Outgoing{msgTo("scripted", "a", "C1", ""), msgTo("scripted", "b", "C1", ""), msgTo("scripted", "c", "C1", "")})
	deliver(t, d, p)
	q := rows(t, db, bot.OutboxQueued)
	if len(p.calls) != 1 || len(q) != 2 {
		t.Fatalf("at once: %s; queued %d", p.timeline(), len(q))
	}
	for _, o := range q { // newest first
		want := t0.Add(time.Duration(o.ID-1) * time.Second)
		if !o.NextAttempt.Equal(want) || o.Attempts != 0 {
			t.Fatalf("%s deferred to %v with %d attempts, want %v and 0 (a deferral is not a try)", o.Key, o.NextAttempt.Sub(t0), o.Attempts, want.Sub(t0))
		}
	}
	drain(t, d, p, db, &now)
	if dead := rows(t, db, bot.OutboxDead); len(dead) != 0 {
		t.Fatalf("dead-lettered after waiting its turn: %+v", dead[0])
	}
	// The failed request spent c's token for its second: the retry waits
	// for the next one, at 3 s.
	if got := p.timeline(); got != "a@0s:ok b@1s:ok c@2s:502 c@3s:ok" {
		t.Fatalf("timeline %s", got)
	}
	sent := rows(t, db, bot.OutboxSent)
	// Two real tries; the deferral before the first is not counted.
	if c := sent[0]; c.Key != "c" || c.Attempts != 2 || c.LastError != "502" {
		t.Fatalf("c = %+v", c)
	}
}

// Ensure a Retry-After holds back that chat only, its later messages wait
// behind the throttled one instead of overtaking it, and the chat resumes
// at its steady rate once the time is up; the same with the limits shared
// through the store.
func TestDeliverDue_RetryAfterHoldsOnlyItsChat(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) { testRetryAfterHoldsOnlyItsChat(t, shared) })
	}
}

func testRetryAfterHoldsOnlyItsChat(t *testing.T, shared bool) {
	db := openStore(t)
	now := t0
	p := &scriptedPlatform{limits: bot.RateLimits{PerChat: bot.Rate{N: 5, Per: time.Second}}, now: func() time.Time { return now },
		script: map[string][]error{"a1": {&bot.DeliveryError{Err: errors.New("ratelimited"), RetryAfter: 10 * time.Second}}}}
	d := &scheduler.Dispatcher{Store: db, Senders: []bot.Sender{p}, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return now }, SharedLimits: shared}
	enqueueAll(t, db, []*bot.Outgoing{
		msgTo("scripted", "a1", "A", ""), msgTo("scripted", "b1", "B", ""),
		msgTo("scripted", "a2", "A", ""), msgTo("scripted", "b2", "B", ""),
		msgTo("scripted", "a3", "A", ""),
	})
	drain(t, d, p, db, &now)
	want := "a1@0s:retry after 10s: ratelimited b1@0s:ok b2@0s:ok a1@10s:ok a2@10.2s:ok a3@10.4s:ok"
	if got := p.timeline(); got != want {
		t.Fatalf("timeline\n got %s\nwant %s", got, want)
	}
}

// Ensure a Retry-After still holds the chat back when the throttled message
// is given up for it: the next message waits for the time the platform
// asked for, paced or not.
func TestDeliverDue_RetryAfterOutlivesDeadLetter(t *testing.T) {
	for _, paced := range []bool{true, false} {
		t.Run(fmt.Sprintf("paced=%v", paced), func(t *testing.T) {
			db := openStore(t)
			now := t0
			sp := &scriptedPlatform{now: func() time.Time { return now },
				script: map[string][]error{"a1": {&bot.DeliveryError{Err: errors.New("ratelimited"), RetryAfter: 5 * time.Second}}}}
			var s bot.Sender = &plainPlatform{s: *sp}
			calls := func() []call { return s.(*plainPlatform).s.calls }
			if paced {
				sp.limits = bot.RateLimits{PerChat: bot.Rate{N: 10, Per: time.Second}}
				s, calls = sp, func() []call { return sp.calls }
			}
			d := &scheduler.Dispatcher{Store: db, Senders: []bot.Sender{s}, Log: slog.New(slog.DiscardHandler),
				Now: func() time.Time { return now }, MaxAttempts: 1}
			enqueueAll(t, db, []*bot.Outgoing{msgTo("scripted", "a1", "A", ""), msgTo("scripted", "a2", "A", "")})
			drain(t, d, s, db, &now)
			c := calls()
			if len(c) != 2 || c[1].key != "a2" || c[1].at.Before(t0.Add(5*time.Second)) {
				t.Fatalf("calls %+v", c)
			}
			if dead := rows(t, db, bot.OutboxDead); len(dead) != 1 || dead[0].Key != "a1" {
				t.Fatalf("dead = %+v", dead)
			}
		})
	}
}

// Ensure a sender without declared limits is unpaced, but a failed message
// still holds back the later messages of its chat (in order), not others.
func TestDeliverDue_UnlimitedKeepsOrder(t *testing.T) {
	db := openStore(t)
	now := t0
	p := &plainPlatform{s: scriptedPlatform{now: func() time.Time { return now },
		script: map[string][]error{"a1": {errors.New("503")}}}}
	d := &scheduler.Dispatcher{Store: db, Senders: []bot.Sender{p}, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return now }, Rand: rand.New(rand.NewPCG(3, 3))}
	enqueueAll(t, db, []*bot.Outgoing{
		msgTo("scripted", "a1", "A", ""), msgTo("scripted", "a2", "A", ""),
		msgTo("scripted", "b1", "B", ""), msgTo("scripted", "b2", "B", ""),
	})
	drain(t, d, p, db, &now)
	var keys []string
	calls := p.s.calls
	for _, c := range calls {
		keys = append(keys, c.key+":"+c.outcome)
	}
	if got := strings.Join(keys, " "); got != "a1:503 b1:ok b2:ok a1:ok a2:ok" {
		t.Fatalf("calls %s (%s)", got, p.s.timeline())
	}
	if !calls[1].at.Equal(t0) || !calls[2].at.Equal(t0) || !calls[4].at.Equal(calls[3].at) {
		t.Fatalf("unlimited sender was paced: %s", p.s.timeline())
	}
}

// plainPlatform hides scriptedPlatform's Limits: it declares none.
type plainPlatform struct{ s scriptedPlatform }

func (p *plainPlatform) Platform() string { return p.s.Platform() }
func (p *plainPlatform) Send(ctx context.Context, o *bot.Outgoing) (string, error) {
	return p.s.Send(ctx, o)
}

// pacedSender records when messages arrive, in real time.
type pacedSender struct {
	limits bot.RateLimits
	mu     sync.Mutex
	got    []string
	at     []time.Time
	done   chan struct{}
	want   int
}

func (p *pacedSender) Platform() string       { return "paced" }
func (p *pacedSender) Limits() bot.RateLimits { return p.limits }

func (p *pacedSender) Send(_ context.Context, o *bot.Outgoing) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, o.Key)
	p.at = append(p.at, time.Now())
	if len(p.got) == p.want {
		close(p.done)
	}
	return "", nil
}

// Ensure the running loop keeps to a chat's limit in real time: it sleeps
// until the deferred messages are due rather than spinning or sending early.
func TestDispatcher_LoopPaces(t *testing.T) {
	db := openStore(t)
	const gap = 40 * time.Millisecond
	p := &pacedSender{limits: bot.RateLimits{PerChat: bot.Rate{N: 1, Per: gap}}, done: make(chan struct{}), want: 5}
	d := &scheduler.Dispatcher{Store: db, Senders: []bot.Sender{p}, Log: slog.New(slog.DiscardHandler), Idle: time.Hour}
	var msgs []*bot.Outgoing
	for i := range p.want {
		msgs = append(msgs, msgTo("paced", fmt.Sprint("k", i), "C1", ""))
	}
	enqueueAll(t, db, msgs)
	if err := d.Open(); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		t.Fatal("paced messages not delivered")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if got := strings.Join(p.got, ","); got != "k0,k1,k2,k3,k4" {
		t.Fatalf("order %s", got)
	}
	for i := 1; i < len(p.at); i++ {
		// The token is taken just before Send is called; allow for the
		// difference in how long that took between two sends.
		if g := p.at[i].Sub(p.at[i-1]); g < gap-5*time.Millisecond {
			t.Fatalf("messages %d and %d only %v apart, limit is one per %v", i-1, i, g, gap)
		}
	}
}
