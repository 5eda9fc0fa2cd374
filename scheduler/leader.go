package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Leader runs a piece of work on one replica at a time: the replica that
// holds the lease Name (bot.Leases). Run tries to take the lease every TTL/3
// and, while it holds it, runs the work and renews the lease every TTL/3.
// When a renewal is refused, or renewals fail until too little of the lease
// is left to try again, the work's context is cancelled and Run waits for
// the work to return before it tries for the lease again; so a replica
// that cannot reach the database stops before its lease ends, and another
// takes over once it has ended, never while it runs. A replica stopped on
// purpose releases the lease, so another takes over within TTL/3.
//
// The lease is read against each replica's own clock, and a replica
// frozen longer than TTL/3 (a paused VM) cannot notice in time; TTL must
// be much longer than both the clocks' skew and any such pause.
type Leader struct {
	Leases bot.Leases
	// Name is the lease, such as "conn/slack/T0123".
	Name string
	// Holder names this replica; two replicas must never share it.
	Holder string
	// TTL is how long one taking or renewal holds the lease: the longest
	// the work is left undone after its replica dies.
	TTL time.Duration
	// Now is the lease's clock; real time, whatever the bot's clock.
	Now func() time.Time
	Log *slog.Logger
	// OnChange, when set, is told each time the lease is taken (true) and
	// lost or given up (false), on Run's goroutine.
	OnChange func(held bool)

	held, standby atomic.Bool
}

// Held reports whether this replica holds the lease (and runs the work).
func (l *Leader) Held() bool { return l.held.Load() }

// Standby reports whether another replica held the lease at the last
// attempt that reached the store: this one is ready without doing the work.
func (l *Leader) Standby() bool { return l.standby.Load() }

// Run runs work while this replica holds the lease, as many times as it
// takes the lease, until ctx ends; then it stops the work, releases the
// lease and returns nil. work must return soon after its context ends. When
// work returns on its own, the lease is released (another replica may do
// better) and tried for again a period later.
func (l *Leader) Run(ctx context.Context, work func(context.Context) error) error {
	if l.Now == nil {
		l.Now = time.Now
	}
	if l.Log == nil {
		l.Log = slog.Default()
	}
	if l.TTL <= 0 {
		return errors.New("leader: TTL must be positive")
	}
	period := l.TTL / 3
	var (
		heldUntil time.Time
		stopWork  func() // cancels the work and waits for it; nil while not running
		workDone  <-chan struct{}
	)
	stop := func(why string) {
		if stopWork == nil {
			return
		}
		stopWork()
		stopWork, workDone = nil, nil
		l.held.Store(false)
		l.Log.Info("lease: given up; work stopped", "lease", l.Name, "holder", l.Holder, "why", why)
		if l.OnChange != nil {
			l.OnChange(false)
		}
	}
	release := func() {
		// The run's context has ended: a context of its own, bounded,
		// so that a database that does not answer does not hold up close.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), period)
		defer cancel()
		if err := l.Leases.ReleaseLease(rctx, l.Name, l.Holder); err != nil {
			l.Log.Warn("lease: release failed; it ends on its own", "lease", l.Name, "err", err)
		}
	}
	for {
		// An attempt gives up after half a period, so that a renewal
		// that hangs cannot outlast the lease it renews.
		now := l.Now()
		actx, cancel := context.WithTimeout(ctx, period/2)
		held, err := l.Leases.TryLease(actx, l.Name, l.Holder, l.TTL, now)
		cancel()
		switch {
		case ctx.Err() != nil:
			stop("closing")
			release()
			return nil
		case err != nil:
			// Keep running only if the next attempt, a period from now
			// and lasting up to half of one, still ends within the lease.
			held = stopWork != nil && l.Now().Add(period+period/2).Before(heldUntil)
			l.Log.Warn("lease: could not take or renew", "lease", l.Name, "err", err, "still_held", held)
		case held:
			heldUntil = now.Add(l.TTL)
			l.standby.Store(false)
		default:
			l.standby.Store(true)
		}
		if !held {
			stop("lease lost")
		} else if stopWork == nil {
			stopWork, workDone = l.start(ctx, work)
			l.held.Store(true)
			l.Log.Info("lease: taken; work started", "lease", l.Name, "holder", l.Holder)
			if l.OnChange != nil {
				l.OnChange(true)
			}
		}
		select {
		case <-ctx.Done():
			stop("closing")
			release()
			return nil
		case <-workDone:
			stop("work returned")
			release()
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(period):
			}
		case <-time.After(period):
		}
	}
}

// start runs work on a goroutine of its own, returning how to stop it (and
// wait for it) and a channel closed when it returns.
func (l *Leader) start(ctx context.Context, work func(context.Context) error) (stop func(), done <-chan struct{}) {
	wctx, cancel := context.WithCancel(ctx)
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		if err := work(wctx); err != nil && wctx.Err() == nil {
			l.Log.Error("lease: work stopped", "lease", l.Name, "err", err)
		}
	}()
	return func() { cancel(); <-ch }, ch
}
