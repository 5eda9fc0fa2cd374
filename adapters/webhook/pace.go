package webhook

import (
	"context"
	"sync"
	"time"
)

// Pacer spaces calls to one platform API at least Every apart, across
// every goroutine that shares it. The read-receipt polls use it: they ask
// about one message per call, so a poll of a large announcement would
// otherwise run into the API's per-second limit, and the outbox's limiter,
// which paces sends, does not see these calls.
//
// It waits on the wall clock, not the adapter's Config.Now: it paces real
// HTTP calls, and a test's virtual clock, which moves only when told, would
// hold them forever. A bucket library (golang.org/x/time/rate) is not in
// go.mod; a minimum spacing is all this needs.
type Pacer struct {
	Every time.Duration

	mu   sync.Mutex
	next time.Time // the earliest the next call may start
}

// Wait blocks until the caller's turn, or ctx ends.
func (p *Pacer) Wait(ctx context.Context) error {
	p.mu.Lock()
	now := time.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.Every)
	p.mu.Unlock()
	if d := time.Until(at); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
