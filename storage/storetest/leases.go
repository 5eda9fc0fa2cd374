package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// leaseTests hold a store to bot.LeaseTx: one holder at a time, renewed by
// its holder, taken by another only once it has ended or been released.
var leaseTests = map[string]func(*testing.T, bot.Store){
	"take, renew, refuse others until it ends": testLeaseTakeRenew,
	"release: another takes it at once":        testLeaseRelease,
	"names are independent":                    testLeaseNames,
	"racing holders: exactly one takes it":     testLeaseRace,
}

const leaseTTL = 30 * time.Second

func tryLease(t *testing.T, s bot.Store, name, holder string, now time.Time) bool {
	t.Helper()
	held, err := bot.StoreLeases{Store: s}.TryLease(context.Background(), name, holder, leaseTTL, now)
	if err != nil {
		t.Fatal(err)
	}
	return held
}

func testLeaseTakeRenew(t *testing.T, s bot.Store) {
	const name = "conn/slack/T1"
	steps := []struct {
		holder string
		at     time.Duration
		want   bool
	}{
		{"a", 0, true},                         // free: a takes it until 30 s
		{"b", 10 * time.Second, false},         // a has it
		{"a", 10 * time.Second, true},          // a renews until 40 s
		{"b", 39999 * time.Millisecond, false}, // a refused take changed nothing: still a's
		{"b", 40 * time.Second, true},          // ended: b takes it until 70 s
		{"a", 41 * time.Second, false},         // a, late, has lost it
		{"b", 60 * time.Second, true},          // b renews
	}
	for i, st := range steps {
		if got := tryLease(t, s, name, st.holder, t0.Add(st.at)); got != st.want {
			t.Fatalf("step %d: %s at +%v: held = %v, want %v", i, st.holder, st.at, got, st.want)
		}
	}
}

func testLeaseRelease(t *testing.T, s bot.Store) {
	const name = "conn/feishu/W"
	leases := bot.StoreLeases{Store: s}
	ctx := context.Background()
	if !tryLease(t, s, name, "a", t0) {
		t.Fatal("a could not take a free lease")
	}
	// Releasing a lease one does not hold leaves it with its holder.
	if err := leases.ReleaseLease(ctx, name, "b"); err != nil {
		t.Fatal(err)
	}
	if tryLease(t, s, name, "c", t0.Add(time.Second)) {
		t.Fatal("c took a's lease after b released it")
	}
	if err := leases.ReleaseLease(ctx, name, "a"); err != nil {
		t.Fatal(err)
	}
	if !tryLease(t, s, name, "b", t0.Add(time.Second)) {
		t.Fatal("b could not take the lease a released")
	}
}

func testLeaseNames(t *testing.T, s bot.Store) {
	if !tryLease(t, s, "conn/slack/T1", "a", t0) || !tryLease(t, s, "conn/slack/T2", "b", t0) {
		t.Fatal("two holders could not each take a lease of its own name")
	}
	if tryLease(t, s, "conn/slack/T2", "a", t0) {
		t.Fatal("a took b's lease of another name")
	}
}

func testLeaseRace(t *testing.T, s bot.Store) {
	const holders = 8
	var wg sync.WaitGroup
	held := make([]bool, holders)
	errs := make([]error, holders)
	for i := range holders {
		wg.Go(func() {
			held[i], errs[i] = bot.StoreLeases{Store: s}.TryLease(context.Background(), "singleton", fmt.Sprint("h", i), leaseTTL, t0)
		})
	}
	wg.Wait()
	n := 0
	for i := range holders {
		if errs[i] != nil {
			t.Fatalf("holder %d: %v", i, errs[i])
		}
		if held[i] {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d of %d racing holders took the lease, want exactly 1", n, holders)
	}
}
