package bot

import (
	"context"
	"time"
)

// RateKey names one token bucket of the outbox's pacing: the app's (Scope
// "app", ID empty), a chat's or a user's, on one platform's workspace.
type RateKey struct {
	Platform  string
	Workspace string
	Scope     string
	ID        string
}

// RateBucket is a bucket to take a token from, with the rate it refills at.
type RateBucket struct {
	Key  RateKey
	Rate Rate
}

// The buckets are kept in the GCRA form, both in a process's memory
// (scheduler.Limiter) and in the database (RateTx), by the functions below,
// so that the two mean the same: a bucket is one time, fullAt, when it will
// be full again. A Rate{N, Per} refills one token every Interval = Per/N and
// holds N, so a token is free from fullAt - Tolerance on, Tolerance being
// (N-1)*Interval; taking one moves fullAt to max(fullAt, now) + Interval. A
// bucket whose fullAt is at or before now is as good as new.

// Interval is how often r refills one token; 0 when r does not limit.
func (r Rate) Interval() time.Duration {
	if r.N <= 0 || r.Per <= 0 {
		return 0
	}
	return max(r.Per/time.Duration(r.N), 1)
}

// Tolerance is how far ahead of a bucket's fullAt a burst may run.
func (r Rate) Tolerance() time.Duration {
	if r.N <= 0 || r.Per <= 0 {
		return 0
	}
	return time.Duration(r.N-1) * r.Interval()
}

// TokenFreeAt is when a bucket at fullAt next has a token, at or after now.
func TokenFreeAt(fullAt time.Time, r Rate, now time.Time) time.Time {
	if t := fullAt.Add(-r.Tolerance()); t.After(now) {
		return t
	}
	return now
}

// TakeTokens takes a token at now from every bucket (fullAt[i] with
// rates[i]) if each has one, updating fullAt, and returns 0; otherwise it
// changes nothing and returns how long until all of them will have one.
func TakeTokens(fullAt []time.Time, rates []Rate, now time.Time) (wait time.Duration) {
	at := now
	for i := range fullAt {
		if t := TokenFreeAt(fullAt[i], rates[i], now); t.After(at) {
			at = t
		}
	}
	if at.After(now) {
		return at.Sub(now)
	}
	for i := range fullAt {
		if fullAt[i].Before(now) {
			fullAt[i] = now
		}
		fullAt[i] = fullAt[i].Add(rates[i].Interval())
	}
	return 0
}

// BlockedFullAt is a bucket's fullAt once it is emptied until `until`: no
// token before then and no burst right after (a platform's Retry-After
// says it counts differently from what was declared, so sending resumes at
// the steady rate).
func BlockedFullAt(fullAt time.Time, r Rate, until time.Time) time.Time {
	if t := until.Add(r.Tolerance()); t.After(fullAt) {
		return t
	}
	return fullAt
}

// RateTx keeps token buckets in the database, so that several replicas
// sending for one platform keep its limits together rather than each at the
// declared rate. The arithmetic is the functions above; each bucket is a
// row, locked while a unit takes from it, so two replicas' takes of one
// bucket are serialized.
//
// A unit implements it beside Tx; reach it with Contract[RateTx]. A take is
// best a unit of its own (the store may run it at a lighter isolation, its
// rows being locked).
type RateTx interface {
	// TakeTokens takes one token at now from every bucket, or, if one of
	// them has none, from none; wait is then how long until all will. It
	// returns each bucket's fullAt after the call, in the order given, so
	// that a process can keep its own copy of the buckets in step.
	TakeTokens(buckets []RateBucket, now time.Time) (wait time.Duration, fullAt []time.Time, err error)
	// BlockBucket empties b until `until` (BlockedFullAt).
	BlockBucket(b RateBucket, until time.Time) error
	// ForgetFullBuckets deletes up to limit buckets that have been full
	// since before `before` and returns how many it deleted. A full bucket
	// behaves exactly like one never used, so forgetting it never loosens
	// a limit.
	ForgetFullBuckets(before time.Time, limit int) (int, error)
}

// StoreRates takes tokens and blocks buckets outside a unit of work, each
// call a unit of its own: what the outbox's dispatcher does per message.
type StoreRates struct{ Store Store }

// TakeTokens is RateTx.TakeTokens in a unit of its own.
func (s StoreRates) TakeTokens(ctx context.Context, buckets []RateBucket, now time.Time) (wait time.Duration, fullAt []time.Time, err error) {
	err = s.Store.Update(ctx, func(tx Tx) error {
		r, err := rateTx(tx)
		if err != nil {
			return err
		}
		wait, fullAt, err = r.TakeTokens(buckets, now)
		return err
	})
	return wait, fullAt, err
}

// BlockBucket is RateTx.BlockBucket in a unit of its own.
func (s StoreRates) BlockBucket(ctx context.Context, b RateBucket, until time.Time) error {
	return s.Store.Update(ctx, func(tx Tx) error {
		r, err := rateTx(tx)
		if err != nil {
			return err
		}
		return r.BlockBucket(b, until)
	})
}

// rateTx is the unit's RateTx; a store without one is a wiring mistake
// (shared limits asked of a store that cannot keep them), reported as an
// internal error rather than a panic.
func rateTx(tx Tx) (RateTx, error) {
	if r, ok := Contract[RateTx](tx); ok {
		return r, nil
	}
	return nil, Errorf(EINTERNAL, "the unit %T does not keep rate buckets", "单元 %T 不支持共享的限速桶。", tx)
}
