package scheduler_test

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
)

func chatLimit(chat string, r bot.Rate) scheduler.Limit {
	return scheduler.Limit{Key: scheduler.Key{Platform: "p", Workspace: "W", Scope: scheduler.ScopeChat, ID: chat}, Rate: r}
}

func appLimit(r bot.Rate) scheduler.Limit {
	return scheduler.Limit{Key: scheduler.Key{Platform: "p", Workspace: "W", Scope: scheduler.ScopeApp}, Rate: r}
}

// Ensure a bucket of Rate{N, Per} lets a burst of N through, then one every
// Per/N, and refills while unused.
func TestLimiter_BucketMaths(t *testing.T) {
	var lm scheduler.Limiter
	c := chatLimit("C1", bot.Rate{N: 3, Per: 3 * time.Second}) // burst 3, then 1/s
	for i := range 3 {
		if ok, wait := lm.Allow(t0, c); !ok || wait != 0 {
			t.Fatalf("burst message %d: ok=%v wait=%v", i, ok, wait)
		}
	}
	if ok, wait := lm.Allow(t0, c); ok || wait != time.Second {
		t.Fatalf("after the burst: ok=%v wait=%v, want a 1s wait", ok, wait)
	}
	if ok, wait := lm.Allow(t0.Add(400*time.Millisecond), c); ok || wait != 600*time.Millisecond {
		t.Fatalf("0.4s later: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := lm.Allow(t0.Add(time.Second), c); !ok {
		t.Fatal("a token should be back after 1s")
	}
	if ok, _ := lm.Allow(t0.Add(1500*time.Millisecond), c); ok {
		t.Fatal("only one token comes back per second")
	}
	// Idle for the whole period: the burst is available again, not more.
	later := t0.Add(time.Minute)
	for i := range 3 {
		if ok, _ := lm.Allow(later, c); !ok {
			t.Fatalf("refilled burst message %d refused", i)
		}
	}
	if ok, _ := lm.Allow(later, c); ok {
		t.Fatal("an idle bucket refilled beyond its size")
	}
	// A limit in a larger unit: 30 a minute is one every 2 s once the burst is used.
	w := chatLimit("C2", bot.Rate{N: 30, Per: time.Minute})
	for range 30 {
		lm.Allow(t0, w)
	}
	if _, wait := lm.Allow(t0, w); wait != 2*time.Second {
		t.Fatalf("30/min after its burst waits %v, want 2s", wait)
	}
}

// Ensure a refusal takes nothing from any bucket, and one message takes a
// token from its app's bucket and its chat's together.
func TestLimiter_AllOrNothing(t *testing.T) {
	var lm scheduler.Limiter
	app := appLimit(bot.Rate{N: 2, Per: time.Second})
	c1 := chatLimit("C1", bot.Rate{N: 1, Per: time.Second})
	c2 := chatLimit("C2", bot.Rate{N: 1, Per: time.Second})
	c3 := chatLimit("C3", bot.Rate{N: 1, Per: time.Second})
	if ok, _ := lm.Allow(t0, app, c1); !ok {
		t.Fatal("first message refused")
	}
	if ok, wait := lm.Allow(t0, app, c1); ok || wait != time.Second {
		t.Fatalf("C1 is at its limit: ok=%v wait=%v", ok, wait)
	}
	// The refusal above did not spend the app's second token.
	if ok, _ := lm.Allow(t0, app, c2); !ok {
		t.Fatal("C2 refused: a refused message took an app token")
	}
	// Now the app is empty, though C3 has never been used.
	if ok, wait := lm.Allow(t0, app, c3); ok || wait != 500*time.Millisecond {
		t.Fatalf("app limit: ok=%v wait=%v, want 500ms", ok, wait)
	}
	if wait := lm.Wait(t0, c3); wait != 0 {
		t.Fatalf("C3's own bucket was charged for a refusal: wait %v", wait)
	}
}

// Ensure chats are isolated: one chat at its limit, or blocked by a
// Retry-After, holds up no other chat, and a direct message is keyed by its
// user, not by an empty chat.
func TestLimiter_PerChatIsolation(t *testing.T) {
	var lm scheduler.Limiter
	r := bot.RateLimits{PerChat: bot.Rate{N: 1, Per: time.Second}, PerUser: bot.Rate{N: 1, Per: time.Second}}
	to := func(chat, user string) scheduler.Limit {
		_, lane := scheduler.LimitsFor(bot.Destination{Platform: "p", Workspace: "W", ChatID: chat, UserID: user}, r)
		return lane
	}
	if ok, _ := lm.Allow(t0, to("C1", "")); !ok {
		t.Fatal("C1 refused")
	}
	if ok, _ := lm.Allow(t0, to("C1", "U9")); ok {
		t.Fatal("a message into C1 addressed to a user must still count against C1")
	}
	for _, l := range []scheduler.Limit{to("C2", ""), to("", "U1"), to("", "U2")} {
		if ok, _ := lm.Allow(t0, l); !ok {
			t.Fatalf("%+v held up by C1", l.Key)
		}
	}
	if ok, _ := lm.Allow(t0, to("", "U1")); ok {
		t.Fatal("second DM to U1 at once allowed")
	}
	if k := to("", "U1").Key; k.Scope != scheduler.ScopeUser || k.ID != "U1" {
		t.Fatalf("DM key = %+v", k)
	}

	// A Retry-After on C3 blocks C3 alone, and C3 then resumes without a burst.
	c3 := chatLimit("C3", bot.Rate{N: 5, Per: 5 * time.Second})
	c4 := chatLimit("C4", bot.Rate{N: 5, Per: 5 * time.Second})
	lm.Block(t0, c3, t0.Add(30*time.Second))
	if ok, wait := lm.Allow(t0.Add(29*time.Second), c3); ok || wait != time.Second {
		t.Fatalf("blocked chat: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := lm.Allow(t0.Add(29*time.Second), c4); !ok {
		t.Fatal("C4 held up by C3's Retry-After")
	}
	at := t0.Add(30 * time.Second)
	if ok, _ := lm.Allow(at, c3); !ok {
		t.Fatal("C3 still blocked after its Retry-After")
	}
	if ok, wait := lm.Allow(at, c3); ok || wait != time.Second {
		t.Fatalf("C3 burst right after a Retry-After: ok=%v wait=%v", ok, wait)
	}
	// An unlimited chat can be blocked too (senders without declared limits).
	free := chatLimit("C5", bot.Rate{})
	if ok, _ := lm.Allow(t0, free); !ok {
		t.Fatal("unlimited chat refused")
	}
	lm.Block(t0, free, t0.Add(7*time.Second))
	if ok, wait := lm.Allow(t0, free); ok || wait != 7*time.Second {
		t.Fatalf("blocked unlimited chat: ok=%v wait=%v", ok, wait)
	}
}

// Ensure Reserve spreads the messages waiting on one bucket over the times
// it will allow, one interval apart, and each finds its token on time.
func TestLimiter_Reserve(t *testing.T) {
	var lm scheduler.Limiter
	app := appLimit(bot.Rate{N: 2, Per: time.Second}) // 1 every 500ms after a burst of 2
	lm.Allow(t0, app)
	lm.Allow(t0, app)
	if b := lm.Backlog(t0, app); b != 0 {
		t.Fatalf("backlog %v before any reservation", b)
	}
	var slots []time.Duration
	for range 4 {
		slots = append(slots, lm.Reserve(t0, app))
	}
	want := []time.Duration{500 * time.Millisecond, time.Second, 1500 * time.Millisecond, 2 * time.Second}
	for i := range want {
		if slots[i] != want[i] {
			t.Fatalf("slots = %v, want %v", slots, want)
		}
	}
	if b := lm.Backlog(t0, app); b != 2500*time.Millisecond {
		t.Fatalf("backlog = %v", b)
	}
	for i, s := range slots {
		if ok, wait := lm.Allow(t0.Add(s), app); !ok {
			t.Fatalf("slot %d at %v found no token (wait %v)", i, s, wait)
		}
	}
	// Reserving on an unlimited bucket is free.
	if d := lm.Reserve(t0, chatLimit("C9", bot.Rate{})); d != 0 {
		t.Fatalf("unlimited reservation waits %v", d)
	}
}

// Ensure idle buckets are forgotten, which bounds memory, and that
// forgetting never loosens a limit: only full buckets with no queue and no
// block are dropped, and those behave exactly like new ones.
func TestLimiter_Evicts(t *testing.T) {
	lm := scheduler.Limiter{Idle: 10 * time.Minute}
	r := bot.Rate{N: 1, Per: time.Second}
	for i := range 1000 {
		lm.Allow(t0, chatLimit("C"+string(rune('A'+i%26))+string(rune('0'+i/26)), r))
	}
	lm.Block(t0, chatLimit("slow", r), t0.Add(time.Hour))
	lm.Reserve(t0, chatLimit("queued", r))
	lm.Reserve(t0, chatLimit("queued", r))
	if n := lm.Len(); n != 1002 {
		t.Fatalf("%d buckets, want 1002", n)
	}
	if lm.Allow(t0.Add(5*time.Minute), chatLimit("hot", r)); lm.Len() != 1003 {
		t.Fatalf("buckets dropped too early: %d", lm.Len())
	}
	// 11 minutes on, the 1000 are idle; "hot" (used at 5 min) and the
	// blocked one stay. The queue's slots are long past, so it goes too.
	if lm.Allow(t0.Add(11*time.Minute), chatLimit("new", r)); lm.Len() != 3 {
		t.Fatalf("after 11 min: %d buckets, want hot, slow and new", lm.Len())
	}
	if ok, wait := lm.Allow(t0.Add(11*time.Minute), chatLimit("slow", r)); ok || wait != 49*time.Minute {
		t.Fatalf("eviction lifted a block: ok=%v wait=%v", ok, wait)
	}
	lm.Allow(t0.Add(2*time.Hour), chatLimit("x", r))
	if n := lm.Len(); n != 1 {
		t.Fatalf("after 2 h: %d buckets, want 1", n)
	}
}
