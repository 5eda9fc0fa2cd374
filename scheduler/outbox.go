// Package scheduler runs Tandem's background work from rows in the database:
// the outbox senders now, and the durable jobs (reminders, digests, SLA
// clocks) that build on the same claim-with-a-lease pattern.
package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Dispatcher delivers the outbox: one loop per platform claims due messages
// with a lease, hands them to that platform's Sender, and records the
// outcome. A crash mid-send leaves the lease to expire, after which the
// message is tried again; a message the platform accepted is never claimed
// again.
type Dispatcher struct {
	Store   bot.Store
	Senders []bot.Sender
	Log     *slog.Logger
	Now     func() time.Time
	// Lease is how long a claimed message is reserved for this process.
	Lease time.Duration
	// MaxAttempts is how many tries a message gets before it is dead-lettered.
	MaxAttempts int
	// SendTimeout bounds one delivery attempt.
	SendTimeout time.Duration
	// Owner names this process in leases.
	Owner string
	// Idle is the longest a loop sleeps without being triggered, a safety net
	// for messages enqueued by another process.
	Idle time.Duration

	wake   map[string]chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Open starts one delivery loop per sender.
func (d *Dispatcher) Open() error {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Lease <= 0 {
		d.Lease = time.Minute
	}
	if d.MaxAttempts <= 0 {
		d.MaxAttempts = 10
	}
	if d.SendTimeout <= 0 {
		d.SendTimeout = 20 * time.Second
	}
	if d.Idle <= 0 {
		d.Idle = 5 * time.Second
	}
	if d.Owner == "" {
		host, _ := os.Hostname()
		d.Owner = fmt.Sprintf("%s/%d", host, os.Getpid())
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.wake = make(map[string]chan struct{}, len(d.Senders))
	for _, s := range d.Senders {
		ch := make(chan struct{}, 1)
		d.wake[s.Platform()] = ch
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.loop(s, ch)
		}()
	}
	return nil
}

// Close stops the loops after their current attempt.
func (d *Dispatcher) Close() error {
	if d.cancel != nil {
		d.cancel()
	}
	d.wg.Wait()
	return nil
}

// Trigger wakes every loop to look for new messages now.
func (d *Dispatcher) Trigger() {
	for _, ch := range d.wake {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (d *Dispatcher) loop(s bot.Sender, wake chan struct{}) {
	platform := s.Platform()
	failures := 0
	for {
		if d.ctx.Err() != nil {
			return
		}
		n, err := d.DeliverDue(d.ctx, s)
		var sleep time.Duration
		switch {
		case err != nil:
			failures++
			sleep = Backoff(failures, time.Second, time.Minute)
			if d.ctx.Err() == nil {
				d.Log.Error("outbox delivery", "platform", platform, "err", err)
			}
		case n > 0:
			failures = 0
			continue // there may be more due right now
		default:
			failures = 0
			sleep = d.untilNext(platform)
		}
		t := time.NewTimer(sleep)
		select {
		case <-d.ctx.Done():
			t.Stop()
			return
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}

func (d *Dispatcher) untilNext(platform string) time.Duration {
	var next time.Time
	err := d.Store.View(d.ctx, func(tx bot.Tx) (err error) {
		next, err = tx.NextOutgoingAt(platform)
		return err
	})
	if err != nil || next.IsZero() {
		return d.Idle
	}
	return min(max(next.Sub(d.Now()), 0), d.Idle)
}

// DeliverDue claims and sends the messages due now for s's platform and
// returns how many it handled.
func (d *Dispatcher) DeliverDue(ctx context.Context, s bot.Sender) (int, error) {
	var claimed []*bot.Outgoing
	err := d.Store.Update(ctx, func(tx bot.Tx) (err error) {
		claimed, err = tx.ClaimOutgoing(s.Platform(), d.Now(), d.Lease, d.Owner, 32)
		return err
	})
	if err != nil {
		return 0, err
	}
	for _, o := range claimed {
		if err := d.deliver(ctx, s, o); err != nil {
			return 0, err
		}
	}
	return len(claimed), nil
}

func (d *Dispatcher) deliver(ctx context.Context, s bot.Sender, o *bot.Outgoing) error {
	sendCtx, cancel := context.WithTimeout(ctx, d.SendTimeout)
	remoteID, sendErr := safeSend(sendCtx, s, o)
	cancel()
	now := d.Now()
	// Record the outcome even if we are shutting down: the platform has
	// already answered, and forgetting a success would send it twice.
	recordCtx, cancelRecord := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelRecord()
	return d.Store.Update(recordCtx, func(tx bot.Tx) error {
		if sendErr == nil {
			return tx.MarkSent(o.ID, remoteID, now)
		}
		de, _ := bot.AsDeliveryError(sendErr)
		switch {
		case de != nil && de.Permanent, o.Attempts >= d.MaxAttempts:
			d.Log.Warn("outgoing message dead-lettered", "id", o.ID, "platform", s.Platform(), "attempts", o.Attempts, "err", sendErr)
			return tx.MarkDead(o.ID, sendErr.Error(), now)
		case de != nil && de.RetryAfter > 0:
			return tx.MarkRetry(o.ID, now.Add(de.RetryAfter), sendErr.Error())
		}
		return tx.MarkRetry(o.ID, now.Add(Backoff(o.Attempts, time.Second, 10*time.Minute)), sendErr.Error())
	})
}

// safeSend keeps a panicking sender from killing the loop.
func safeSend(ctx context.Context, s bot.Sender, o *bot.Outgoing) (id string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sender panicked: %v", p)
		}
	}()
	return s.Send(ctx, o)
}

// Backoff is exponential with full jitter: attempt 1 waits up to base,
// each further attempt doubles the ceiling up to max. Jitter spreads retries
// of many messages that failed together.
func Backoff(attempt int, base, max time.Duration) time.Duration {
	ceil := base
	for i := 1; i < attempt && ceil < max; i++ {
		ceil *= 2
	}
	ceil = min(ceil, max)
	return ceil/2 + rand.N(ceil/2+1)
}
