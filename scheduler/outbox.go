// Package scheduler runs Tandem's background work from rows in the database:
// the outbox senders now, and the durable jobs (reminders, digests, SLA
// clocks) that build on the same claim-with-a-lease pattern.
package scheduler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Dispatcher delivers the outbox: one loop per platform claims due messages
// with a lease, hands them to that platform's Sender, and records the
// outcome. A crash mid-send leaves the lease to expire, after which the
// message is tried again; a message the platform accepted is never claimed
// again.
//
// Pacing. A Sender that implements bot.RateLimited is kept to its declared
// limits, so that the outbox does not learn them from 429s: each message
// draws a token from its app's bucket and its lane's (its chat's, or its
// user's for a direct message), taken at the moment it is sent. A message
// that finds a bucket empty is not sent but deferred, with MarkDeferred, to
// the time a token will be free for it. Messages waiting on the same app bucket
// are given consecutive slots (Limiter.Reserve) so that they do not all come
// back at once. A platform's Retry-After blocks only the lane it was
// answered for: that chat waits, the others keep flowing.
//
// Order. Messages of one lane are sent in the order they were enqueued: a
// message is not sent while an older message of its lane is waiting in this
// process (deferred, or retrying after a failure), but deferred to after it.
// Deferral times are chosen after the older messages' times, so the stored
// next-attempt times mostly keep the order across a restart, which forgets
// the in-memory state; but a message enqueued after the restart, or deferred
// before an older one failed again, may then overtake it. Several processes
// sending for one platform order only their own sends here (the store's
// claim keeps each destination's order across them: docs/postgres.md), and
// pace only their own unless SharedLimits is set.
//
// Shared limits. With SharedLimits, the buckets are rows in the store
// (bot.RateTx), so replicas sending for one platform keep its limits
// together: a message the in-memory Limiter would let through takes its
// tokens from the store in a unit of its own (only for limited buckets), and
// a Retry-After blocks the shared lane too, in the unit that records the
// failure. The in-memory Limiter is kept, brought up to the shared buckets'
// state at each take (Limiter.Observe), for what is this process's own: the
// queue slots that space its waiting messages (Reserve, Backlog), and a
// refusal without asking the store when it already knows a bucket is empty.
//
// Attempts. ClaimOutgoing counts every claim as an attempt; a deferral is
// not one, so MarkDeferred gives it back: a message is dead-lettered after
// MaxAttempts real tries, however long it waited for its turn.
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
	// Limiter holds the rate-limit buckets; one is made if nil.
	Limiter *Limiter
	// Rand is the source of backoff jitter; the global one if nil. Tests set
	// it to make a run repeatable.
	Rand *rand.Rand
	// Metrics counts messages held back by rate limits; nil counts nothing.
	Metrics bot.Metrics
	// SharedLimits keeps the rate limits in the Store, whose units must
	// implement bot.RateTx, for several processes sending together
	// (storage.driver: postgres). Without it each process paces only its
	// own sends, which is all there is with SQLite's one process.
	SharedLimits bool

	once sync.Once
	// mu guards lanes, slots, nextSweep and Rand.
	mu sync.Mutex
	// lanes holds, per lane, the messages this process knows are waiting:
	// deferred, retrying or being sent, each with the time it may go next.
	lanes map[Key]map[int64]time.Time
	// slots holds the app-bucket slots given to messages by Reserve, so that
	// such a message, when it comes due, takes a token instead of queueing
	// again behind newer ones.
	slots     map[int64]time.Time
	nextSweep time.Time

	wake   map[string]chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// minHold is how long a message waits behind an older message of its lane
// that is overdue but was not claimed with it (another process may hold it,
// or it missed the batch).
const minHold = time.Second

// maxLoopBackoff bounds how long the job loop and the dispatcher's loops
// wait after a failed cycle (a store that cannot be reached: a database
// restarting or failing over). What fell due meanwhile goes out within it
// of the store's return; a minute's cap made a reminder due during a long
// outage a minute late. A failed attempt every few seconds per loop costs
// the database nothing.
const maxLoopBackoff = 10 * time.Second

// heldBack is how long a loop that found messages due but claimed none
// waits before it looks again, rather than spin. With several replicas the
// store's claim holds a chat's messages behind an older one that is being
// sent, retried or deferred (docs/postgres.md), and this process is not told
// when that one goes. A message enqueued meanwhile wakes the loop at once
// (Trigger).
const heldBack = 100 * time.Millisecond

// setDefaults fills in the zero fields. It runs once, from Open or from the
// first DeliverDue, whichever comes first.
func (d *Dispatcher) setDefaults() {
	d.once.Do(func() {
		if d.Log == nil {
			d.Log = slog.Default()
		}
		d.Metrics = bot.MetricsOr(d.Metrics)
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
			d.Owner = ProcessName()
		}
		if d.Limiter == nil {
			d.Limiter = &Limiter{}
		}
		d.lanes = make(map[Key]map[int64]time.Time)
		d.slots = make(map[int64]time.Time)
	})
}

// Open starts one delivery loop per sender.
func (d *Dispatcher) Open() error {
	d.setDefaults()
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
			sleep = Backoff(failures, time.Second, maxLoopBackoff)
			if d.ctx.Err() == nil {
				d.Log.Error("outbox delivery", "platform", platform, "err", err)
			}
		case n > 0:
			failures = 0
			continue // there may be more due right now
		default:
			failures = 0
			if sleep = d.untilNext(platform); sleep <= 0 {
				// Due, yet nothing was claimed: held back behind an older
				// message of its chat (see heldBack).
				sleep = heldBack
			}
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
// returns how many it handled (sent, failed or deferred).
func (d *Dispatcher) DeliverDue(ctx context.Context, s bot.Sender) (int, error) {
	d.setDefaults()
	claimedAt := d.Now()
	var claimed []*bot.Outgoing
	err := d.Store.Update(ctx, func(tx bot.Tx) (err error) {
		claimed, err = tx.ClaimOutgoing(s.Platform(), claimedAt, d.Lease, d.Owner, 32)
		return err
	})
	if err != nil {
		return 0, err
	}
	// The claim is ordered by due time; within a lane, the oldest message
	// must be looked at first.
	slices.SortFunc(claimed, func(a, b *bot.Outgoing) int { return cmp.Compare(a.ID, b.ID) })
	var limits bot.RateLimits
	if rl, ok := s.(bot.RateLimited); ok {
		limits = rl.Limits()
	}
	leaseEnd := claimedAt.Add(d.Lease)
	// Deferrals are stored together, in one unit before the next send and
	// one at the end, rather than one unit each.
	var deferred []deferral
	flush := func() error {
		if len(deferred) == 0 {
			return nil
		}
		batch := deferred
		deferred = nil
		return d.record(func(tx bot.Tx) error {
			for _, df := range batch {
				if err := tx.MarkDeferred(df.id, df.at); err != nil {
					return err
				}
			}
			return nil
		})
	}
	for i, o := range claimed {
		now := d.Now()
		if i > 0 && now.Add(d.SendTimeout).After(leaseEnd) {
			// Slow sends have used up the lease: a send started now could
			// outlive it and race another process that claims the message.
			// Hand the rest back, due now, rather than risk a duplicate.
			for _, o := range claimed[i:] {
				deferred = append(deferred, d.postpone(o, now))
			}
			break
		}
		app, lane := LimitsFor(o.To, limits)
		at, verdict := d.admit(o, app, lane, now)
		if verdict == askStore {
			var err error
			if at, verdict, err = d.takeShared(ctx, o, app, lane, now); err != nil {
				return 0, errors.Join(err, flush())
			}
		}
		if verdict == wait {
			d.Metrics.RateLimitDeferred(o.To.Platform)
			deferred = append(deferred, d.postpone(o, at))
			continue
		}
		if at, waits := d.awaitOriginal(ctx, o, now); waits {
			d.settle(o, lane, at)
			deferred = append(deferred, d.postpone(o, at))
			continue
		}
		if err := flush(); err != nil {
			return 0, err
		}
		if err := d.deliver(ctx, s, o, lane); err != nil {
			return 0, err
		}
	}
	if err := flush(); err != nil {
		return 0, err
	}
	return len(claimed), nil
}

// admission is what admit decides for a message.
type admission int

const (
	send     admission = iota // its tokens are taken: send it
	wait                      // not before the time returned
	askStore                  // in order, and this process knows of no empty bucket: take from the shared ones (takeShared)
)

// admit decides whether o may be sent at now, and if not, until when it
// waits. It keeps the lane's order first, then the rate limits.
func (d *Dispatcher) admit(o *bot.Outgoing, app, lane Limit, now time.Time) (time.Time, admission) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sweep(now)
	waiting := d.lanes[lane.Key]
	if waiting == nil {
		waiting = make(map[int64]time.Time)
		d.lanes[lane.Key] = waiting
	}
	interval := lane.Rate.Interval()
	// Order: behind the last of the older messages still waiting, one lane
	// interval after it, so that it finds a token when it comes due.
	slot, entitled := d.slots[o.ID]
	if last, ok := d.lastOlder(waiting, o.ID, now); ok {
		at := last.Add(interval)
		if !at.After(now) {
			at = now.Add(max(interval, minHold))
		}
		// When the app's bucket, not the lane's, is what holds messages
		// back, space the lane's messages by the app's queue instead, so
		// that they do not come due again and again before their turn.
		if entitled && !slot.Before(at) {
			at = slot
		} else if b := d.Limiter.Backlog(now, app); b > 0 && !now.Add(b).Before(at) {
			at = now.Add(d.Limiter.Reserve(now, app))
			d.slots[o.ID] = at
		}
		at = ceilMilli(at)
		waiting[o.ID] = at
		return at, wait
	}
	// Rate: a message that has not been given a slot queues behind those
	// that have, rather than take the token one of them is waiting for.
	if !entitled && app.Limited() && d.Limiter.Backlog(now, app) > 0 {
		mine := now.Add(d.Limiter.Reserve(now, app))
		d.slots[o.ID] = mine
		at := ceilMilli(maxTime(mine, now.Add(d.Limiter.Wait(now, lane))))
		waiting[o.ID] = at
		return at, wait
	}
	if d.SharedLimits {
		if d.Limiter.Wait(now, app) == 0 && d.Limiter.Wait(now, lane) == 0 {
			return time.Time{}, askStore
		}
	} else if ok, _ := d.Limiter.Allow(now, app, lane); ok {
		delete(d.slots, o.ID)
		waiting[o.ID] = now // being sent: younger messages wait for the outcome
		return time.Time{}, send
	}
	return d.refuse(o, app, lane, now, waiting, entitled), wait
}

// takeShared takes o's tokens from the store's buckets (SharedLimits), in a
// unit of its own, and brings the in-memory buckets up to theirs.
func (d *Dispatcher) takeShared(ctx context.Context, o *bot.Outgoing, app, lane Limit, now time.Time) (time.Time, admission, error) {
	var limited []Limit
	var buckets []bot.RateBucket
	for _, l := range []Limit{app, lane} {
		if l.Limited() {
			limited = append(limited, l)
			buckets = append(buckets, bot.RateBucket{Key: l.Key, Rate: l.Rate})
		}
	}
	var (
		short  time.Duration
		fullAt []time.Time
	)
	if len(buckets) > 0 {
		var err error
		if short, fullAt, err = (bot.StoreRates{Store: d.Store}).TakeTokens(ctx, buckets, now); err != nil {
			return time.Time{}, wait, err
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, l := range limited {
		d.Limiter.Observe(now, l, fullAt[i])
	}
	waiting := d.lanes[lane.Key]
	if waiting == nil { // swept since admit
		waiting = make(map[int64]time.Time)
		d.lanes[lane.Key] = waiting
	}
	_, entitled := d.slots[o.ID]
	if short == 0 {
		delete(d.slots, o.ID)
		waiting[o.ID] = now // being sent: younger messages wait for the outcome
		return time.Time{}, send, nil
	}
	return d.refuse(o, app, lane, now, waiting, entitled), wait, nil
}

// refuse returns when o, which found a bucket empty at now, goes next: when
// its lane has a token and, if the app's bucket is what is short, at its
// slot in the app's queue. Called with d.mu held.
func (d *Dispatcher) refuse(o *bot.Outgoing, app, lane Limit, now time.Time, waiting map[int64]time.Time, entitled bool) time.Time {
	at := now.Add(d.Limiter.Wait(now, lane))
	if appWait := d.Limiter.Wait(now, app); appWait > 0 {
		if entitled {
			// Its slot came but the token is not free yet (a send before it
			// ran late): it keeps its place and goes as soon as it can.
			at = maxTime(at, now.Add(appWait))
		} else {
			mine := now.Add(d.Limiter.Reserve(now, app))
			d.slots[o.ID] = mine
			at = maxTime(at, mine)
		}
	}
	at = ceilMilli(at)
	waiting[o.ID] = at
	return at
}

// lastOlder returns the latest time at which a message older than id is
// waiting in the lane. Entries overdue by more than a lease are dropped:
// this process did not claim them when due, so another one did.
func (d *Dispatcher) lastOlder(waiting map[int64]time.Time, id int64, now time.Time) (last time.Time, ok bool) {
	for other, t := range waiting {
		if other >= id {
			continue
		}
		if t.Add(d.Lease).Before(now) {
			delete(waiting, other)
			continue
		}
		if !ok || t.After(last) {
			last, ok = t, true
		}
	}
	return last, ok
}

// sweep bounds the in-memory state: entries for messages another process
// took, or that were lost in some other way, are dropped a lease after they
// were due. Called with d.mu held.
func (d *Dispatcher) sweep(now time.Time) {
	if now.Before(d.nextSweep) {
		return
	}
	d.nextSweep = now.Add(time.Minute)
	for key, waiting := range d.lanes {
		for id, t := range waiting {
			if t.Add(d.Lease).Before(now) {
				delete(waiting, id)
			}
		}
		if len(waiting) == 0 {
			delete(d.lanes, key)
		}
	}
	for id, t := range d.slots {
		if t.Add(d.Lease).Before(now) {
			delete(d.slots, id)
		}
	}
}

// settle records in memory what became of a message that was sent: gone
// from its lane when sent or dead, still waiting until next otherwise.
func (d *Dispatcher) settle(o *bot.Outgoing, lane Limit, next time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.slots, o.ID)
	waiting := d.lanes[lane.Key]
	if waiting == nil {
		return
	}
	if next.IsZero() {
		delete(waiting, o.ID)
	} else {
		waiting[o.ID] = next
	}
}

// deferral is a message put off without counting the claim as an attempt.
type deferral struct {
	id int64
	at time.Time
}

// postpone defers o to at.
func (d *Dispatcher) postpone(o *bot.Outgoing, at time.Time) deferral {
	d.Log.Debug("outgoing message deferred", "id", o.ID, "platform", o.To.Platform, "until", at)
	return deferral{o.ID, at}
}

func (d *Dispatcher) deliver(ctx context.Context, s bot.Sender, o *bot.Outgoing, lane Limit) error {
	sendCtx, cancel := context.WithTimeout(ctx, d.SendTimeout)
	remoteID, sendErr := d.withAttachment(sendCtx, s, o)
	if sendErr == nil {
		remoteID, sendErr = safeSend(sendCtx, s, o)
	}
	cancel()
	now := d.Now()
	if sendErr == nil {
		d.settle(o, lane, time.Time{})
		return d.record(func(tx bot.Tx) error { return tx.MarkSent(o.ID, remoteID, now) })
	}
	attempts, text := o.Attempts, sendErr.Error()
	de, _ := bot.AsDeliveryError(sendErr)
	var blocked time.Time
	if de != nil && de.RetryAfter > 0 {
		// The platform is throttling this chat: nothing more goes into it
		// before then, even if this message is given up; the other chats
		// are not held up.
		blocked = ceilMilli(now.Add(de.RetryAfter))
		d.Limiter.Block(now, lane, blocked)
		d.Metrics.RateLimitDeferred(o.To.Platform)
	}
	if de != nil && de.Permanent || attempts >= d.MaxAttempts {
		d.settle(o, lane, time.Time{})
		d.Log.Warn("outgoing message dead-lettered", "id", o.ID, "platform", s.Platform(), "attempts", attempts, "err", sendErr)
		return d.record(func(tx bot.Tx) error {
			if err := d.blockShared(tx, lane, blocked); err != nil {
				return err
			}
			return tx.MarkDead(o.ID, text, now)
		})
	}
	var next time.Time
	if de != nil && de.RetryAfter > 0 {
		next = ceilMilli(now.Add(de.RetryAfter))
	} else {
		d.mu.Lock()
		next = ceilMilli(now.Add(backoff(d.Rand, attempts, time.Second, 10*time.Minute)))
		d.mu.Unlock()
	}
	d.settle(o, lane, next)
	return d.record(func(tx bot.Tx) error {
		if err := d.blockShared(tx, lane, blocked); err != nil {
			return err
		}
		return tx.MarkRetry(o.ID, next, text)
	})
}

// blockShared keeps a Retry-After in the store's bucket of the lane, in the
// unit that records the failed attempt, so that the other replicas hold the
// chat too (SharedLimits). A lane without a declared limit has no shared
// bucket (takes skip it, to cost nothing): its Retry-After holds this
// process only.
func (d *Dispatcher) blockShared(tx bot.Tx, lane Limit, until time.Time) error {
	if !d.SharedLimits || until.IsZero() || !lane.Limited() {
		return nil
	}
	r, ok := bot.Contract[bot.RateTx](tx)
	if !ok {
		return fmt.Errorf("shared rate limits: the unit %T does not keep rate buckets", tx)
	}
	return r.BlockBucket(bot.RateBucket{Key: lane.Key, Rate: lane.Rate}, until)
}

// record stores an outcome even if we are shutting down: the platform has
// already answered, and forgetting a success would send it twice. fn may
// run more than once, so it only writes. A database restarting meanwhile
// must not make a message that was sent look unsent, to be sent again when
// its lease ends: the unit is tried again for up to recordWindow
// (updateThrough).
func (d *Dispatcher) record(fn func(bot.Tx) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), recordWindow)
	defer cancel()
	return updateThrough(ctx, time.Now().Add(recordWindow), d.Store, d.Log, fn)
}

// recordWindow is how long record keeps trying to store an outcome: longer
// than a database's restart or a managed failover usually takes, shorter
// than a message's lease (a minute), after which another replica may send
// it again anyway.
const recordWindow = 30 * time.Second

// ceilMilli rounds t up to the millisecond, the precision the outbox stores
// times at: a message deferred to a moment must not become due, and find
// the bucket still empty, a fraction of a millisecond before it.
func ceilMilli(t time.Time) time.Time {
	r := t.Truncate(time.Millisecond)
	if r.Before(t) {
		r = r.Add(time.Millisecond)
	}
	return r
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
	return backoff(nil, attempt, base, max)
}

func backoff(r *rand.Rand, attempt int, base, max time.Duration) time.Duration {
	ceil := base
	for i := 1; i < attempt && ceil < max; i++ {
		ceil *= 2
	}
	ceil = min(ceil, max)
	if r != nil {
		return ceil/2 + time.Duration(r.Int64N(int64(ceil/2+1)))
	}
	return ceil/2 + rand.N(ceil/2+1)
}

// originalWait is how long an edit waits for the card it edits to be posted.
const originalWait = 2 * time.Second

// awaitOriginal fills in the platform's id of the card an edit replaces
// (bot.Edit). The card may not have been posted yet when the edit was
// queued: while its message is still queued, the edit waits (without using
// up an attempt) and is tried again at the returned time. A card whose
// message never went out, or that is gone, is posted anew instead: the
// reader then sees the current state once.
func (d *Dispatcher) awaitOriginal(ctx context.Context, o *bot.Outgoing, now time.Time) (at time.Time, wait bool) {
	e := o.Msg.Edit
	if e == nil || e.RemoteID != "" {
		return time.Time{}, false
	}
	var c *bot.CardCopy
	err := d.Store.View(ctx, func(tx bot.Tx) (err error) {
		c, err = tx.FindCardCopy(e.CopyID)
		return err
	})
	switch {
	case err != nil && bot.ErrorCode(err) != bot.ENOTFOUND:
		// The store could not say: try again shortly rather than post a
		// second card.
		return ceilMilli(now.Add(originalWait)), true
	case err == nil && c.RemoteID != "":
		e.RemoteID = c.RemoteID
	case err == nil && c.Posted == bot.OutboxQueued:
		// Its message may wait for a while (notifications gather changes
		// for a minute): come back just after it is due.
		return ceilMilli(maxTime(c.PostAt, now).Add(originalWait)), true
	default:
		o.Msg.Edit = nil
	}
	return time.Time{}, false
}

// withAttachment prepares o's picture or file (bot.Attachment) for Send: it
// reads the stored bytes and, when the platform needs an upload first,
// finds one the app made of the same content or uploads it and records the
// key before anything is posted. So a retry after a crash at any point
// reuses or repeats only the upload, which shows nobody anything; the
// attachment is posted by Send alone.
func (d *Dispatcher) withAttachment(ctx context.Context, s bot.Sender, o *bot.Outgoing) (string, error) {
	a := o.Msg.Attachment()
	if a == nil {
		return "", nil
	}
	now := d.Now()
	err := d.Store.View(ctx, func(tx bot.Tx) error {
		data, err := tx.MediaPNG(a.Stored())
		if err != nil {
			return err
		}
		a.SetBytes(data)
		if a.UploadKey() == "" {
			key, _, err := tx.CachedUpload(a.Stored(), o.To.Platform, o.To.Workspace, now)
			a.SetUploadKey(key)
			return err
		}
		return nil
	})
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		// Pruned (a dead message retried long after): the rest of the
		// message still goes, the attachment named in words.
		o.Msg.Image, o.Msg.File = nil, nil
		if o.Msg.Text == "" && o.Msg.Card == nil {
			o.Msg.Text = a.InWords()
		}
		return "", nil
	}
	if err != nil || a.UploadKey() != "" {
		return "", err
	}
	key, reuse, err := safeUpload(ctx, s, o, a)
	if err != nil || key == "" {
		return "", err // a sender that needs no upload gives no key
	}
	var until time.Time
	if reuse > 0 {
		until = now.Add(reuse)
	}
	if err := d.record(func(tx bot.Tx) error {
		return tx.RecordUpload(o.ID, a.Stored(), o.To.Platform, o.To.Workspace, key, until)
	}); err != nil {
		return "", err
	}
	a.SetUploadKey(key)
	return "", nil
}

// safeUpload keeps a panicking uploader from killing the loop.
func safeUpload(ctx context.Context, s bot.Sender, o *bot.Outgoing, a bot.Attachment) (key string, reuse time.Duration, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("upload panicked: %v", p)
		}
	}()
	key, reuse, _, err = a.UploadThrough(ctx, s, o.To)
	return key, reuse, err
}
