package bot

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Hooks are the effects that follow commits: what must wake when a unit that
// stored outgoing messages, or stored or moved jobs, has committed. There is
// one Hooks per process, registered once by whoever wires the parts together
// (cmd/tandem: the senders and the console on Queued, the scheduler on
// Scheduled), and one store that runs them, Hooked. Commands and job
// handlers just write (Enqueue, ScheduleJob, …): the wake-up follows the
// commit by itself, and never a unit that rolled back or was run again.
type Hooks struct {
	mu        sync.Mutex
	queued    []func()
	scheduled []func()
}

// OnQueued registers f to run after every unit that queued outgoing
// messages (Enqueue, RetryOutgoing) commits.
func (h *Hooks) OnQueued(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.queued = append(h.queued, f)
}

// OnScheduled registers f to run after every unit that stored, moved or
// revived a job (ScheduleJob, RescheduleJob, RetryJob) commits.
func (h *Hooks) OnScheduled(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.scheduled = append(h.scheduled, f)
}

func (h *Hooks) funcs(queued, scheduled bool) []func() {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var fs []func()
	if queued {
		fs = append(fs, h.queued...)
	}
	if scheduled {
		fs = append(fs, h.scheduled...)
	}
	return fs
}

// Hooked returns store with hooks: each unit of its Update (and Queue) sees a
// Tx that notes what the unit queued and scheduled and collects AfterCommit
// effects, and those run once the unit has committed, never when it rolled
// back. A unit that the store runs again before it commits starts with
// nothing noted: only the attempt that committed counts. A store that is
// hooked already is returned as it is.
//
// The effects run on the goroutine that learns of the commit: the caller of
// Update, or a Queuer's writer, before then. They must be quick, must not
// block and must not use the store (a goroutine of their own if they must);
// waking a loop is the intended use.
func Hooked(store Store, hooks *Hooks) Store {
	if IsHooked(store) {
		return store
	}
	hs := &hookedStore{store: store, hooks: hooks}
	if q, ok := store.(Queuer); ok {
		return &hookedQueuer{hs, q}
	}
	return hs
}

// IsHooked reports whether store runs after-commit effects (Hooked).
func IsHooked(store Store) bool {
	switch store.(type) {
	case *hookedStore, *hookedQueuer:
		return true
	}
	return false
}

type hookedStore struct {
	store Store
	hooks *Hooks
}

// wrap returns the unit to hand to the inner store and the effects of the
// attempt that ran last, to run once it committed.
func (s *hookedStore) wrap(fn func(Tx) error) (unit func(Tx) error, effects func() []func()) {
	var last *unitTx
	unit = func(tx Tx) error {
		last = &unitTx{Tx: tx} // a fresh attempt: nothing noted yet
		return fn(last)
	}
	effects = func() []func() {
		if last == nil {
			return nil
		}
		return append(slices.Clone(last.after), s.hooks.funcs(last.queued, last.scheduled)...)
	}
	return unit, effects
}

func (s *hookedStore) Update(ctx context.Context, fn func(Tx) error) error {
	unit, effects := s.wrap(fn)
	err := s.store.Update(ctx, unit)
	if err == nil {
		for _, f := range effects() {
			f()
		}
	}
	return err
}

func (s *hookedStore) View(ctx context.Context, fn func(Tx) error) error {
	return s.store.View(ctx, fn)
}

func (s *hookedStore) Close() error { return s.store.Close() }

type hookedQueuer struct {
	*hookedStore
	q Queuer
}

func (s *hookedQueuer) Queue(ctx context.Context, fn func(Tx) error, then func(error)) (abandon func() bool) {
	unit, effects := s.wrap(fn)
	return s.q.Queue(ctx, unit, func(err error) {
		if err == nil {
			for _, f := range effects() {
				f()
			}
		}
		then(err)
	})
}

// unitTx is the Tx of one attempt of a hooked unit: it notes what the unit
// queued and scheduled, and collects its AfterCommit effects.
type unitTx struct {
	Tx
	queued, scheduled bool
	after             []func()
}

// Unwrap returns the unit underneath, where feature contracts are found
// (Contract).
func (u *unitTx) Unwrap() Tx { return u.Tx }

// AfterCommit registers f to run after the unit of tx has committed; it is
// dropped if the unit rolls back, if the Nested part that registered it is
// undone, or if the unit is run again. tx must be the Tx of a Hooked store's
// Update or Queue (Bot and Scheduler make their stores hooked): anything else
// panics, since an effect that silently never runs is a bug that hides.
// f must be quick and must not use the store (see Hooked).
func AfterCommit(tx Tx, f func()) {
	u, ok := tx.(*unitTx)
	if !ok {
		panic(fmt.Sprintf("bot.AfterCommit: %T is not the Tx of a hooked unit", tx))
	}
	u.after = append(u.after, f)
}

// Nested undoes what fn noted along with its writes when fn fails.
func (u *unitTx) Nested(fn func() error) error {
	queued, scheduled, n := u.queued, u.scheduled, len(u.after)
	err := u.Tx.Nested(fn)
	if err != nil {
		u.queued, u.scheduled, u.after = queued, scheduled, u.after[:n]
	}
	return err
}

func (u *unitTx) Enqueue(o *Outgoing, now time.Time) (bool, error) {
	dup, err := u.Tx.Enqueue(o, now)
	u.queued = u.queued || (err == nil && !dup)
	return dup, err
}

func (u *unitTx) RetryOutgoing(id int64, now time.Time) error {
	err := u.Tx.RetryOutgoing(id, now)
	u.queued = u.queued || err == nil
	return err
}

func (u *unitTx) ScheduleJob(j *Job, now time.Time) (bool, error) {
	dup, err := u.Tx.ScheduleJob(j, now)
	u.scheduled = u.scheduled || (err == nil && !dup)
	return dup, err
}

func (u *unitTx) RescheduleJob(id int64, runAt time.Time) error {
	err := u.Tx.RescheduleJob(id, runAt)
	u.scheduled = u.scheduled || err == nil
	return err
}

func (u *unitTx) RetryJob(id int64, now time.Time) error {
	err := u.Tx.RetryJob(id, now)
	u.scheduled = u.scheduled || err == nil
	return err
}
