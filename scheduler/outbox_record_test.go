package scheduler_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// outage is a store that fails the next units it is given with err, as a
// database that went away does.
type outage struct {
	bot.Store
	err     error
	fail    atomic.Int32
	updates atomic.Int32
}

func (o *outage) Update(ctx context.Context, fn func(bot.Tx) error) error {
	o.updates.Add(1)
	if o.fail.Add(-1) >= 0 {
		return o.err
	}
	return o.Store.Update(ctx, fn)
}

// failAfterSend is a sender after whose first send the store fails n
// units: the platform has the message, its outcome cannot be stored at once.
type failAfterSend struct {
	fakeSender
	store *outage
	n     int32
}

func (s *failAfterSend) Send(ctx context.Context, o *bot.Outgoing) (string, error) {
	if s.calls == 0 {
		s.store.fail.Store(s.n)
	}
	return s.fakeSender.Send(ctx, o)
}

func setupOutage(t *testing.T, err error, n int32) (*failAfterSend, *outage, func() int, func(time.Duration) error) {
	s := &failAfterSend{n: n}
	db, d, now := setup(t, &s.fakeSender)
	s.store = &outage{Store: db, err: err}
	d.Store = s.store
	enqueue(t, db, "k1", "hello")
	sentRows := func() int { return len(state(t, db, bot.OutboxSent)) }
	deliverAt := func(after time.Duration) error {
		*now = now.Add(after)
		_, err := d.DeliverDue(t.Context(), s)
		return err
	}
	return s, s.store, sentRows, deliverAt
}

// Ensure a message sent while the database goes away is recorded as sent
// once the database is back, and not sent again when its lease ends: the
// dispatcher keeps trying to store the outcome (with backoff, in real
// time: synctest's) instead of leaving the message leased and unsent.
func TestDeliverDue_SentWhileTheDatabaseRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _, sentRows, deliverAt := setupOutage(t, errors.New("connect: connection refused"), 4)
		if err := deliverAt(0); err != nil {
			t.Errorf("a send recorded after the outage: %v", err)
		}
		// Past the claim's lease, once the database answers again.
		for i := 0; deliverAt(2*time.Minute) != nil; i++ {
			if i > 5 {
				t.Fatal("the store stays down")
			}
		}
		if len(s.sent) != 1 || sentRows() != 1 {
			t.Fatalf("sent %q, %d recorded as sent; want once, recorded", s.sent, sentRows())
		}
	})
}

// Ensure an outcome the store answers with a domain error (not_found: the
// message is gone) is not tried again: only the store's failures are.
func TestDeliverDue_OutcomeRefusedIsNotRetried(t *testing.T) {
	_, store, _, deliverAt := setupOutage(t, bot.Errorf(bot.ENOTFOUND, "gone", "没了。"), 1)
	if err := deliverAt(0); bot.ErrorCode(err) != bot.ENOTFOUND || store.updates.Load() != 2 {
		t.Fatalf("DeliverDue: %v after %d units; want not_found after the claim and one try", err, store.updates.Load())
	}
}
