package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// rateTests hold a store to bot.RateTx: the GCRA arithmetic of
// scheduler.Limiter kept in rows, all or none, blocks, forgetting full
// buckets, and racing takers never getting more than a bucket holds.
var rateTests = map[string]func(*testing.T, bot.Store){
	"take: a burst, then one per interval":    testRateBurstThenSteady,
	"take: all buckets or none":               testRateAllOrNone,
	"block: nothing before, no burst after":   testRateBlock,
	"forget: only buckets full for a while":   testRateForget,
	"racing takers never exceed the bucket":   testRateRace,
	"keys are independent, each field counts": testRateKeys,
}

var (
	// rateApp holds 3 and refills one a second.
	rateApp = bot.RateBucket{Key: bot.RateKey{Platform: "slack", Workspace: "T1", Scope: "app"}, Rate: bot.Rate{N: 3, Per: 3 * time.Second}}
	// rateChat holds 10 and refills one every 100 ms.
	rateChat = bot.RateBucket{Key: bot.RateKey{Platform: "slack", Workspace: "T1", Scope: "chat", ID: "C1"}, Rate: bot.Rate{N: 10, Per: time.Second}}
)

func takeTokens(t *testing.T, s bot.Store, now time.Time, buckets ...bot.RateBucket) (time.Duration, []time.Time) {
	t.Helper()
	wait, fullAt, err := bot.StoreRates{Store: s}.TakeTokens(context.Background(), buckets, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(fullAt) != len(buckets) {
		t.Fatalf("take returned %d times for %d buckets", len(fullAt), len(buckets))
	}
	return wait, fullAt
}

func wantWait(t *testing.T, what string, got, want time.Duration) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: wait %v, want %v", what, got, want)
	}
}

func testRateBurstThenSteady(t *testing.T, s bot.Store) {
	wait, fullAt := takeTokens(t, s, t0, rateApp)
	wantWait(t, "first take", wait, 0)
	if !fullAt[0].Equal(t0.Add(time.Second)) {
		t.Fatalf("after one take the bucket is full at %v, want t0+1s", fullAt[0].Sub(t0))
	}
	for i := 2; i <= 3; i++ {
		wait, _ = takeTokens(t, s, t0, rateApp)
		wantWait(t, fmt.Sprint("take ", i, " of the burst"), wait, 0)
	}
	wait, fullAt = takeTokens(t, s, t0, rateApp)
	wantWait(t, "fourth take at once", wait, time.Second)
	if !fullAt[0].Equal(t0.Add(3 * time.Second)) {
		t.Fatalf("a refused take moved the bucket to t0+%v, want it left at t0+3s", fullAt[0].Sub(t0))
	}
	wait, _ = takeTokens(t, s, t0.Add(400*time.Millisecond), rateApp)
	wantWait(t, "take 400 ms later", wait, 600*time.Millisecond)
	wait, _ = takeTokens(t, s, t0.Add(time.Second), rateApp)
	wantWait(t, "take a second later", wait, 0)
	wait, _ = takeTokens(t, s, t0.Add(time.Second), rateApp)
	wantWait(t, "a second take a second later", wait, time.Second)
	// Sub-millisecond intervals are kept exactly: 3 a second is 333.33 ms.
	third := bot.RateBucket{Key: bot.RateKey{Platform: "slack", Workspace: "T1", Scope: "user", ID: "U1"}, Rate: bot.Rate{N: 1, Per: time.Second / 3}}
	takeTokens(t, s, t0, third)
	wait, _ = takeTokens(t, s, t0, third)
	wantWait(t, "a third of a second", wait, time.Second/3)
}

func testRateAllOrNone(t *testing.T, s bot.Store) {
	for range 3 {
		if wait, _ := takeTokens(t, s, t0, rateApp, rateChat); wait != 0 {
			t.Fatalf("a take of two fresh buckets waits %v", wait)
		}
	}
	// The app's bucket is empty: the chat's must not lose a token.
	wait, _ := takeTokens(t, s, t0, rateChat, rateApp)
	wantWait(t, "the app's bucket empty", wait, time.Second)
	for i := 4; i <= 10; i++ {
		if wait, _ := takeTokens(t, s, t0, rateChat); wait != 0 {
			t.Fatalf("chat take %d waits %v: a refused take of both took from the chat's bucket", i, wait)
		}
	}
	wait, _ = takeTokens(t, s, t0, rateChat)
	wantWait(t, "eleventh chat take", wait, 100*time.Millisecond)
	// The longest wait is the answer.
	wait, _ = takeTokens(t, s, t0.Add(50*time.Millisecond), rateChat, rateApp)
	wantWait(t, "both empty", wait, 950*time.Millisecond)
}

func testRateBlock(t *testing.T, s bot.Store) {
	ctx := context.Background()
	rates := bot.StoreRates{Store: s}
	if err := rates.BlockBucket(ctx, rateApp, t0.Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	wait, _ := takeTokens(t, s, t0.Add(4*time.Second), rateApp)
	wantWait(t, "blocked", wait, time.Second)
	// A shorter block does not shorten it.
	if err := rates.BlockBucket(ctx, rateApp, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	wait, _ = takeTokens(t, s, t0.Add(4*time.Second), rateApp)
	wantWait(t, "blocked, after a shorter block", wait, time.Second)
	wait, _ = takeTokens(t, s, t0.Add(5*time.Second), rateApp)
	wantWait(t, "the block ended", wait, 0)
	// One token, then the steady rate: no burst of three.
	wait, _ = takeTokens(t, s, t0.Add(5*time.Second), rateApp)
	wantWait(t, "right after the block", wait, time.Second)
}

func testRateForget(t *testing.T, s bot.Store) {
	chat := func(id string) bot.RateBucket {
		b := rateChat
		b.Key.ID = id
		return b
	}
	// Full at t0+100ms, t0+1s (ten taken), t0+1h+100ms.
	takeTokens(t, s, t0, chat("early"))
	for range 10 {
		takeTokens(t, s, t0, chat("busy"))
	}
	takeTokens(t, s, t0.Add(time.Hour), chat("late"))
	forget := func(before time.Time, limit int) int {
		var n int
		update(t, s, func(tx bot.Tx) error {
			r, ok := bot.Contract[bot.RateTx](tx)
			if !ok {
				t.Fatalf("the unit %T does not keep rate buckets", tx)
			}
			var err error
			n, err = r.ForgetFullBuckets(before, limit)
			return err
		})
		return n
	}
	if n := forget(t0.Add(500*time.Millisecond), 10); n != 1 {
		t.Fatalf("forgot %d buckets full before t0+500ms, want 1 (early)", n)
	}
	// "busy" is still empty: forgetting it would hand out a fresh burst.
	wait, _ := takeTokens(t, s, t0, chat("busy"))
	wantWait(t, "busy after the first forget", wait, 100*time.Millisecond)
	if n := forget(t0.Add(time.Minute), 1); n != 1 {
		t.Fatalf("forgot %d buckets with a limit of 1", n)
	}
	if n := forget(t0.Add(time.Minute), 10); n != 0 {
		t.Fatalf("forgot %d more buckets full before t0+1m, want 0 (late is not)", n)
	}
	// Forgotten, "busy" is a fresh bucket: a burst of ten again.
	for i := range 10 {
		if wait, _ := takeTokens(t, s, t0.Add(time.Minute), chat("busy")); wait != 0 {
			t.Fatalf("take %d of a forgotten bucket waits %v", i+1, wait)
		}
	}
	wait, _ = takeTokens(t, s, t0.Add(time.Hour), chat("late"))
	wantWait(t, "late, not forgotten", wait, 0)
}

func testRateKeys(t *testing.T, s bot.Store) {
	one := bot.Rate{N: 1, Per: time.Minute}
	keys := []bot.RateKey{
		{Platform: "slack", Workspace: "T1", Scope: "chat", ID: "C1"},
		{Platform: "feishu", Workspace: "T1", Scope: "chat", ID: "C1"},
		{Platform: "slack", Workspace: "T2", Scope: "chat", ID: "C1"},
		{Platform: "slack", Workspace: "T1", Scope: "user", ID: "C1"},
		{Platform: "slack", Workspace: "T1", Scope: "chat", ID: "C2"},
	}
	for _, k := range keys {
		if wait, _ := takeTokens(t, s, t0, bot.RateBucket{Key: k, Rate: one}); wait != 0 {
			t.Fatalf("%+v shares a bucket with an earlier key: wait %v", k, wait)
		}
	}
}

func testRateRace(t *testing.T, s bot.Store) {
	const takers, tries = 8, 4
	app := bot.RateBucket{Key: rateApp.Key, Rate: bot.Rate{N: 10, Per: time.Hour}}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		taken int
		errs  []error
	)
	for i := range takers {
		chat := rateChat
		chat.Key.ID = fmt.Sprint("C", i%3) // lanes shared by some takers, in both orders
		wg.Go(func() {
			for range tries {
				buckets := []bot.RateBucket{app, chat}
				if i%2 == 1 {
					buckets = []bot.RateBucket{chat, app}
				}
				wait, _, err := bot.StoreRates{Store: s}.TakeTokens(context.Background(), buckets, t0)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else if wait == 0 {
					taken++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	if taken != 10 {
		t.Fatalf("%d of %d racing takes got a token from a bucket of 10, want exactly 10", taken, takers*tries)
	}
}
