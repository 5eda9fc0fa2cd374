package scheduler

import (
	"sync"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// This file is a hand-written limiter rather than golang.org/x/time/rate:
// that module is not in go.mod (the module keeps to the standard library
// where it can), and its rate.Limiter is a single bucket, while the outbox
// needs thousands of buckets keyed by (platform, workspace, chat or user),
// forgotten when idle, blocked until a time when a platform answers 429, a
// queue of future slots for messages waiting on a shared bucket, and every
// decision taken at a time the caller passes in, so that tests drive it with
// a fake clock.

// DefaultLimiterIdle is how long a bucket must have been full before the
// limiter forgets it.
const DefaultLimiterIdle = 10 * time.Minute

// Bucket scopes.
const (
	ScopeApp  = "app"  // every message of one app in one workspace (tenant)
	ScopeChat = "chat" // messages into one chat or channel
	ScopeUser = "user" // direct messages to one user
)

// Key names one bucket. ID is the chat or user id; it is empty for ScopeApp.
// It is bot.RateKey, the same name the store gives a shared bucket.
type Key = bot.RateKey

// Limit is a bucket and the rate it refills at. A zero Rate (N or Per not
// positive) does not limit, but the bucket can still be blocked.
type Limit struct {
	Key  Key
	Rate bot.Rate
}

// Limited reports whether l paces anything.
func (l Limit) Limited() bool { return l.Rate.N > 0 && l.Rate.Per > 0 }

// LimitsFor returns the two buckets a message to `to` draws on: the app's,
// shared by the whole workspace, and its lane's: the chat's, or the user's
// for a direct message (a destination with a UserID and no ChatID). The lane
// is also the unit in which the outbox keeps messages in order.
func LimitsFor(to bot.Destination, r bot.RateLimits) (app, lane Limit) {
	app = Limit{Key{Platform: to.Platform, Workspace: to.Workspace, Scope: ScopeApp}, r.PerApp}
	if to.ChatID == "" && to.UserID != "" {
		return app, Limit{Key{Platform: to.Platform, Workspace: to.Workspace, Scope: ScopeUser, ID: to.UserID}, r.PerUser}
	}
	return app, Limit{Key{Platform: to.Platform, Workspace: to.Workspace, Scope: ScopeChat, ID: to.ChatID}, r.PerChat}
}

// Limiter keeps token buckets for many keys. A Rate{N, Per} is a bucket of
// N tokens refilled one every Per/N: a burst of N, then a steady N per Per.
// (Over any window of length Per that lets up to 2N-1 through; a platform
// that counts fixed windows and must never see more than N in one should be
// declared as Rate{1, Per/N}, which never bursts.)
//
// Buckets are kept in the GCRA form: one "theoretical arrival time" per key
// instead of a token count, so that a bucket costs a few words and "when
// will a token be free" is a subtraction. Allow takes a token at the time it
// is given; Reserve hands out queue slots at future times without taking
// tokens, so that many messages waiting on one bucket are spread over the
// times it will allow instead of all retrying at the same instant.
//
// The zero Limiter is ready to use and safe for concurrent use. It never
// reads the clock: every method takes now.
type Limiter struct {
	// Idle is how long a bucket must have been full and without a queue
	// before it is forgotten (DefaultLimiterIdle if zero). A full bucket
	// behaves exactly like one never used, so forgetting it never loosens a
	// limit; it only bounds memory to the keys used in the last Idle, plus
	// those still blocked. The delay after the bucket fills up merely saves
	// re-creating the buckets of busy chats over and over.
	Idle time.Duration

	mu        sync.Mutex
	buckets   map[Key]*bucket
	nextSweep time.Time
}

type bucket struct {
	interval  time.Duration // Per/N: one token is refilled every interval; 0 if unlimited
	tolerance time.Duration // (N-1)*interval: how far ahead of tat a burst may run
	// tat is when the bucket would be full again; a token is free from
	// tat-tolerance on, and the bucket is as good as new once tat <= now.
	tat time.Time
	// tail is the first slot Reserve has not handed out yet.
	tail time.Time
}

// setRate keeps the GCRA arithmetic of bot.Rate, the one the store's shared
// buckets use (bot.RateTx), so that both mean the same.
func (b *bucket) setRate(r bot.Rate) {
	b.interval, b.tolerance = r.Interval(), r.Tolerance()
}

// earliest is when the bucket next has a token, at or after now.
func (b *bucket) earliest(now time.Time) time.Time {
	if t := b.tat.Add(-b.tolerance); t.After(now) {
		return t
	}
	return now
}

// get returns l's bucket, creating it if create is set or l is limited; it
// returns nil for an unlimited key that is not blocked.
func (lm *Limiter) get(now time.Time, l Limit, create bool) *bucket {
	lm.sweep(now)
	b := lm.buckets[l.Key]
	if b == nil {
		if !create && !l.Limited() {
			return nil
		}
		if lm.buckets == nil {
			lm.buckets = make(map[Key]*bucket)
		}
		b = &bucket{}
		lm.buckets[l.Key] = b
	}
	b.setRate(l.Rate) // a sender may change its declared limits
	return b
}

// Allow takes a token from every given bucket if each has one at now, and
// otherwise takes none and says how long until all of them will.
func (lm *Limiter) Allow(now time.Time, limits ...Limit) (ok bool, wait time.Duration) {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	bs := make([]*bucket, 0, len(limits))
	at := now
	for _, l := range limits {
		if b := lm.get(now, l, false); b != nil {
			bs = append(bs, b)
			at = maxTime(at, b.earliest(now))
		}
	}
	if at.After(now) {
		return false, at.Sub(now)
	}
	for _, b := range bs {
		b.tat = maxTime(b.tat, now).Add(b.interval)
	}
	return true, 0
}

// Wait says how long until l has a token, without taking it.
func (lm *Limiter) Wait(now time.Time, l Limit) time.Duration {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	if b := lm.get(now, l, false); b != nil {
		return b.earliest(now).Sub(now)
	}
	return 0
}

// Reserve hands out the next free queue slot of l, at or after now and no
// earlier than l has a token, and returns how long until it. Slots are one
// interval apart, so the messages given them find a token when they come
// due, if those before them took theirs on time. A slot is a promise of
// order, not a token: the holder still calls Allow when it comes due.
func (lm *Limiter) Reserve(now time.Time, l Limit) time.Duration {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	b := lm.get(now, l, false)
	if b == nil {
		return 0
	}
	slot := maxTime(b.earliest(now), b.tail)
	b.tail = slot.Add(b.interval)
	return slot.Sub(now)
}

// Backlog says how far ahead of now l has handed out queue slots: while it
// is positive, messages are waiting for l, and a newcomer should queue
// behind them rather than take the next token.
func (lm *Limiter) Backlog(now time.Time, l Limit) time.Duration {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	if b := lm.get(now, l, false); b != nil && b.tail.After(now) {
		return b.tail.Sub(now)
	}
	return 0
}

// Block empties l's bucket until `until`: no token before then, and no
// burst right after it. It is how a platform's Retry-After is kept: the
// platform has told us it counts differently from what was declared, so we
// resume at the steady rate rather than with a burst.
func (lm *Limiter) Block(now time.Time, l Limit, until time.Time) {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	b := lm.get(now, l, true)
	b.tat = maxTime(b.tat, until.Add(b.tolerance))
}

// Observe brings l's bucket up to fullAt, the time the store's shared copy
// of it (bot.RateTx) will be full again: the takes of other replicas, which
// this process learns of when it takes from the shared bucket itself. It
// never loosens the bucket, so the in-memory answers (Wait, Reserve,
// Backlog) are at least as strict as the shared ones.
func (lm *Limiter) Observe(now time.Time, l Limit, fullAt time.Time) {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	if b := lm.get(now, l, false); b != nil {
		b.tat = maxTime(b.tat, fullAt)
	}
}

// Len returns the number of buckets held.
func (lm *Limiter) Len() int {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	return len(lm.buckets)
}

// sweep forgets buckets that have been full, with no queue, for Idle. It
// runs at most every Idle/2, so its cost is spread thinly over the calls.
func (lm *Limiter) sweep(now time.Time) {
	idle := lm.Idle
	if idle <= 0 {
		idle = DefaultLimiterIdle
	}
	if now.Before(lm.nextSweep) {
		return
	}
	lm.nextSweep = now.Add(idle / 2)
	for k, b := range lm.buckets {
		if !b.tat.Add(idle).After(now) && !b.tail.Add(idle).After(now) {
			delete(lm.buckets, k)
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
