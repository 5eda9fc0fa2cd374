package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// fakeLeases keeps leases in memory by the rule of bot.LeaseTx (the stores
// are held to it by storetest's leases part); a replica's view of it can
// be cut, as when that replica loses the database.
type fakeLeases struct {
	mu     sync.Mutex
	holder map[string]string
	until  map[string]time.Time
}

func newFakeLeases() *fakeLeases {
	return &fakeLeases{holder: map[string]string{}, until: map[string]time.Time{}}
}

func (f *fakeLeases) TryLease(_ context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if h, ok := f.holder[name]; ok && h != holder && now.Before(f.until[name]) {
		return false, nil
	}
	f.holder[name], f.until[name] = holder, now.Add(ttl)
	return true, nil
}

func (f *fakeLeases) ReleaseLease(_ context.Context, name, holder string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.holder[name] == holder {
		delete(f.holder, name)
	}
	return nil
}

func (f *fakeLeases) endsAt(name string) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.until[name]
}

// replicaLeases is one replica's way to the leases, failing while cut.
type replicaLeases struct {
	*fakeLeases
	mu  sync.Mutex
	cut bool
}

var errCut = errors.New("database unreachable")

func (r *replicaLeases) setCut(cut bool) { r.mu.Lock(); r.cut = cut; r.mu.Unlock() }

func (r *replicaLeases) TryLease(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error) {
	r.mu.Lock()
	cut := r.cut
	r.mu.Unlock()
	if cut {
		return false, errCut
	}
	return r.fakeLeases.TryLease(ctx, name, holder, ttl, now)
}

func (r *replicaLeases) ReleaseLease(ctx context.Context, name, holder string) error {
	r.mu.Lock()
	cut := r.cut
	r.mu.Unlock()
	if cut {
		return errCut
	}
	return r.fakeLeases.ReleaseLease(ctx, name, holder)
}

var _ bot.Leases = (*replicaLeases)(nil)

const testTTL = 30 * time.Second

// world is a lease and the replicas competing for it; each replica's work
// records when it runs and fails the test if it starts while another's
// runs.
type world struct {
	t       *testing.T
	leases  *fakeLeases
	mu      sync.Mutex
	running map[string]bool
	started map[string][]time.Time
	stopped map[string][]time.Time
}

func newWorld(t *testing.T) *world {
	return &world{t: t, leases: newFakeLeases(), running: map[string]bool{},
		started: map[string][]time.Time{}, stopped: map[string][]time.Time{}}
}

// replica starts a leader named holder; the returned stop ends it as a
// close would (cancel, then wait for Run).
func (w *world) replica(holder string, work func(ctx context.Context) error) (*replicaLeases, *Leader, func()) {
	rl := &replicaLeases{fakeLeases: w.leases}
	l := &Leader{Leases: rl, Name: "conn/slack/T1", Holder: holder, TTL: testTTL, Log: slog.New(slog.DiscardHandler)}
	if work == nil {
		work = func(ctx context.Context) error { <-ctx.Done(); return nil }
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Run(ctx, func(ctx context.Context) error {
			w.mu.Lock()
			for other, on := range w.running {
				if on {
					w.t.Errorf("%s started at %v while %s runs", holder, time.Now(), other)
				}
			}
			w.running[holder] = true
			w.started[holder] = append(w.started[holder], time.Now())
			w.mu.Unlock()
			err := work(ctx)
			w.mu.Lock()
			w.running[holder] = false
			w.stopped[holder] = append(w.stopped[holder], time.Now())
			w.mu.Unlock()
			return err
		})
	}()
	return rl, l, func() { cancel(); <-done }
}

// holderAndStandby starts replica a, which takes the free lease, then
// replica b, and lets a minute of renewals pass.
func (w *world) holderAndStandby() (a *replicaLeases, la, lb *Leader, stopA, stopB func()) {
	a, la, stopA = w.replica("a", nil)
	synctest.Wait()
	if !la.Held() {
		w.t.Fatal("a did not take a free lease")
	}
	_, lb, stopB = w.replica("b", nil)
	time.Sleep(time.Minute)
	return a, la, lb, stopA, stopB
}

// A holder that loses the database stops its work before its lease ends;
// the other replica takes over after the lease has ended, within one
// period of it, and never while the first still runs.
func TestLeader_TakeoverWhenTheHolderStopsRenewing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		a, la, lb, stopA, stopB := w.holderAndStandby()
		time.Sleep(4 * time.Minute) // many renewals
		if !la.Held() || lb.Held() || la.Standby() || !lb.Standby() {
			t.Fatalf("after renewals: a held %v, b held %v, b standby %v; want a alone, b standing by", la.Held(), lb.Held(), lb.Standby())
		}
		ends := w.leases.endsAt("conn/slack/T1")
		a.setCut(true)
		time.Sleep(2 * testTTL)
		synctest.Wait()
		if la.Held() || !lb.Held() || lb.Standby() {
			t.Fatalf("after a lost the database: a held %v, b held %v, b standby %v; want b alone", la.Held(), lb.Held(), lb.Standby())
		}
		w.mu.Lock()
		aStopped, bStarted := w.stopped["a"][0], w.started["b"][0]
		w.mu.Unlock()
		if !aStopped.Before(ends) {
			t.Errorf("a stopped at %v, not before its lease ended at %v", aStopped, ends)
		}
		if bStarted.Before(ends) || bStarted.After(ends.Add(testTTL/3)) {
			t.Errorf("b started at %v; want within a period after the lease ended at %v", bStarted, ends)
		}
		stopA()
		stopB()
	})
}

// One failed renewal, with most of the lease left, does not stop the work.
func TestLeader_ARenewalFailingOnceKeepsTheWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		a, la, lb, stopA, stopB := w.holderAndStandby()
		time.Sleep(testTTL / 6) // between two attempts
		a.setCut(true)
		time.Sleep(testTTL / 3) // exactly one attempt fails
		a.setCut(false)
		time.Sleep(time.Minute)
		w.mu.Lock()
		starts := len(w.started["a"])
		w.mu.Unlock()
		if !la.Held() || lb.Held() || starts != 1 {
			t.Fatalf("a held %v (started %d times), b held %v; want a throughout", la.Held(), starts, lb.Held())
		}
		stopA()
		stopB()
	})
}

// A replica closed on purpose releases the lease: the other takes over
// within one period, not one lease.
func TestLeader_CloseReleases(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		_, la, lb, stopA, stopB := w.holderAndStandby()
		closed := time.Now()
		stopA()
		if la.Held() {
			t.Fatal("a still says it holds the lease after closing")
		}
		time.Sleep(testTTL / 3)
		synctest.Wait()
		if !lb.Held() {
			t.Fatalf("b did not take the released lease within a period of %v", closed)
		}
		stopB()
	})
}

// Work that returns on its own gives the lease up and is started again (by
// whichever replica takes it) a period later.
func TestLeader_WorkReturningReleasesAndRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t)
		runs := 0
		_, _, stopA := w.replica("a", func(ctx context.Context) error {
			runs++
			if runs == 1 {
				return errors.New("connection refused for good")
			}
			<-ctx.Done()
			return nil
		})
		time.Sleep(testTTL / 2)
		synctest.Wait()
		if runs != 2 {
			t.Fatalf("work ran %d times; want it restarted once", runs)
		}
		stopA()
	})
}
