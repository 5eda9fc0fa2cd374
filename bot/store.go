package bot

import (
	"context"
	"time"
)

// Store is Tandem's persistence. Work happens in units: Update runs fn in a
// read-write transaction and commits when fn returns nil; View runs fn on a
// read-only snapshot. Implementations may group several concurrent Update
// units into one database commit (each unit still commits or rolls back on
// its own), so fn must not keep Tx after it returns, and fn may be run more
// than once before it commits: it must only read and write through Tx and
// assign its results, never act on the world.
//
// Update and View return fn's error unchanged, or an EINTERNAL error when the
// database fails.
type Store interface {
	Update(ctx context.Context, fn func(Tx) error) error
	View(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Queuer is a Store whose writes go through a queue to one writer
// (storage/sqlite). With it AcceptAsync needs no goroutine of its own, and a
// unit that has waited too long can be given up with the certainty that it
// will never commit.
type Queuer interface {
	// Queue queues fn as Update would run it and returns without waiting.
	// then is called exactly once with what Update would have returned:
	// before Queue returns when fn could not be queued, and otherwise on
	// the writer's goroutine once the unit committed or failed, so then
	// must be quick and must not block or use the store.
	//
	// abandon gives the unit up if it can. It returns true when the unit
	// is certain never to commit: it had not yet been taken into a commit,
	// or it could not be queued; then receives an error (ErrUnavailable if
	// abandon stopped it). It returns false when the unit is already part
	// of a commit under way: then receives its outcome within that commit.
	// abandon may be called any number of times, from any goroutine.
	Queue(ctx context.Context, fn func(Tx) error, then func(error)) (abandon func() bool)
}

// Tx is one unit of work. Its methods return *Error with ENOTFOUND when a
// looked-up row does not exist and ECONFLICT on uniqueness clashes.
//
// Tx holds what the core needs. A feature's own tables are behind a narrow
// contract in its package (task.Store in bot/task), which the same unit also
// implements; the feature reaches it with a typed accessor (task.From(tx)).
type Tx interface {
	InboxTx
	PeopleTx
	TrustTx
	OutboxTx
	CardTx
	MediaTx
	JobTx
	NonceTx
	PruneTx
	// Nested runs fn so that, if fn returns an error, only fn's writes are
	// undone and the rest of the unit stands.
	Nested(fn func() error) error
}

// InboxTx stores inbound events before they are acknowledged.
type InboxTx interface {
	// InsertInbound stores ev in state and sets ev.ID. A caller that processes
	// the event in the same unit stores it as done directly (nothing is
	// visible before the commit). If an event with the same platform,
	// workspace and DedupKey is already stored it returns dup=true and sets
	// ev.ID to the stored row.
	InsertInbound(ev *Event, state InboxState, now time.Time) (dup bool, err error)
	// PendingInbound returns the stored event if it is still pending, or
	// ok=false if it was handled already.
	PendingInbound(id int64) (ev *Event, ok bool, err error)
	// FinishInbound records the final state of a pending event. It returns
	// ErrAlreadyHandled if the event is no longer pending, so that a unit
	// racing another processor rolls back instead of acting twice.
	FinishInbound(id int64, state InboxState, note string, now time.Time) error
	// RecordInboundFailure counts a failed processing attempt, leaves the
	// event (stored in full) pending for a retry, and returns the number of
	// attempts so far.
	RecordInboundFailure(ev *Event, errText string, now time.Time) (attempts int, err error)
	// PendingInboundIDs lists pending events received before `before`, oldest first.
	PendingInboundIDs(before time.Time, limit int) ([]int64, error)
}

// PeopleTx stores people, their platform accounts and departments.
type PeopleTx interface {
	// FindPersonByAccount returns ENOTFOUND if the account is not linked.
	FindPersonByAccount(a Account) (*Person, error)
	FindPersonByID(id int64) (*Person, error)
	// FindPeopleByName matches handle or display name, case-insensitively.
	FindPeopleByName(name string) ([]*Person, error)
	// FindPeopleByContact returns the people with this email or mobile
	// (normalized before comparing; "" matches nobody), oldest first.
	FindPeopleByContact(email, mobile string) ([]*Person, error)
	// FindPeopleByRole returns up to limit people with the role, oldest
	// first (to name who could act, e.g. the admins).
	FindPeopleByRole(role Role, limit int) ([]*Person, error)
	// CreatePerson sets p.ID; it makes p.Handle unique by adding a number.
	CreatePerson(p *Person, now time.Time) error
	UpdatePerson(p *Person) error
	// LinkAccount binds a to the person; ECONFLICT if a is bound to another.
	LinkAccount(personID int64, a Account, name string, now time.Time) error
	// AccountsOf lists the person's accounts, oldest first.
	AccountsOf(personID int64) ([]LinkedAccount, error)
	// HandlesNear returns up to limit handles on each side of name in
	// handle order, read from the handle index: the candidates for "did
	// you mean" without reading everyone.
	HandlesNear(name string, limit int) ([]string, error)
	// MergePeople moves everything of person from (accounts, tasks, history,
	// jobs, department headship) to person into, and deletes from.
	MergePeople(from, into int64) error
	// PeopleAwaitingManager returns up to limit people whose PendingManager
	// is a, oldest first, read from an index.
	PeopleAwaitingManager(a Account, limit int) ([]*Person, error)
	FindDepartmentByID(id int64) (*Department, error)
	// FindDepartmentByName matches case-insensitively.
	FindDepartmentByName(name string) (*Department, error)
	CreateDepartment(d *Department) error
	UpdateDepartment(d *Department) error
	ListDepartments() ([]*Department, error)
}

// OutboxTx stores outgoing messages until a platform accepts them.
type OutboxTx interface {
	// Enqueue stores o as queued and sets o.ID. The bytes of o.Msg.Image
	// or o.Msg.File are stored by digest (MediaTx), and a card with a Subject is recorded
	// as a copy to edit later (CardTx); MarkSent gives the copy its remote id. A second Enqueue with the same
	// Key stores nothing and returns dup=true. When o.Coalesce is set and a
	// queued message with the same Coalesce has never been claimed and is
	// not due yet (its next attempt is after now), o is merged into that
	// message instead (MergeMessages; it keeps its key and due time) and
	// o.ID is set to it. A message a sender has claimed is never changed.
	Enqueue(o *Outgoing, now time.Time) (dup bool, err error)
	// ClaimOutgoing leases up to limit queued messages for platform that are
	// due at now, so that no other sender takes them until the lease expires.
	ClaimOutgoing(platform string, now time.Time, lease time.Duration, owner string, limit int) ([]*Outgoing, error)
	// TakeOutgoing marks up to limit queued messages to recipient (a user id
	// on platform) that are due at now as sent and returns them, oldest
	// first. It serves adapters whose users fetch their messages, such as the
	// console.
	TakeOutgoing(platform, recipient string, now time.Time, limit int) ([]*Outgoing, error)
	MarkSent(id int64, remoteID string, now time.Time) error
	// MarkRetry records a failed attempt and when to try again.
	MarkRetry(id int64, next time.Time, errText string) error
	// MarkDeferred hands a claimed message back, due at next, without
	// counting the claim as an attempt: it was not tried (a rate limit said
	// wait), so waiting must not bring it closer to the dead letters.
	MarkDeferred(id int64, next time.Time) error
	MarkDead(id int64, errText string, now time.Time) error
	// RetryOutgoing queues a dead message again now, attempts reset;
	// ENOTFOUND unless it is dead.
	RetryOutgoing(id int64, now time.Time) error
	// NextOutgoingAt returns when the earliest queued message becomes due, or
	// the zero time if none is queued.
	NextOutgoingAt(platform string) (time.Time, error)
	// NextOutgoingFor is NextOutgoingAt for the direct messages to one
	// recipient (a user id on platform), for adapters whose users fetch
	// their messages: a notification held back to gather later changes
	// (Outgoing.Coalesce) is due later than it was queued.
	NextOutgoingFor(platform, recipient string) (time.Time, error)
	// FindOutgoing lists messages in a state, newest first.
	FindOutgoing(state OutboxState, limit int) ([]*Outgoing, error)
	// ListOutgoing is FindOutgoing from offset on, for pages; dead messages
	// (the admins' list) are read from an index.
	ListOutgoing(state OutboxState, offset, limit int) ([]*Outgoing, error)
}

// PruneTx deletes rows that are no longer needed, up to limit at a time so
// that a unit stays small, oldest first, each from an index; each method
// returns how many rows it deleted. The newest row of a table is always kept:
// SQLite gives a new row the largest id plus one, and ids must not come back
// (outbox keys are made of inbox and job ids).
type PruneTx interface {
	// PruneInbox deletes handled inbound events received before before;
	// pending ones stay. Deduplication needs them only as long as a platform
	// may redeliver.
	PruneInbox(before time.Time, limit int) (int, error)
	// PruneOutbox deletes messages in state (sent or dead) created before
	// before; queued ones are never pruned.
	PruneOutbox(state OutboxState, before time.Time, limit int) (int, error)
	// PruneJobs deletes jobs in a finished state (done, cancelled or dead)
	// that finished before before.
	PruneJobs(state JobState, before time.Time, limit int) (int, error)
	// PruneCardCopies forgets where live cards posted before before are;
	// they are no longer edited.
	PruneCardCopies(before time.Time, limit int) (int, error)
	// PruneMedia deletes pictures stored before before, and uploads whose
	// reuse ended by then.
	PruneMedia(before time.Time, limit int) (int, error)
	// PruneLinkCodes deletes link codes that expired at or before now.
	PruneLinkCodes(now time.Time, limit int) (int, error)
}

// Contract returns the feature contract T (for example task.Store) of a unit:
// the storage that hands out Tx implements every feature's contract on the
// same transaction, and a Tx that wraps another (a hooked unit, see Hooked)
// says so with Unwrap, so the contract is looked for underneath. A feature's
// contract must therefore not queue messages or schedule jobs itself: those
// go through Tx, whose wrapper notes them for the commit hooks.
func Contract[T any](tx Tx) (T, bool) {
	for tx != nil {
		if s, ok := tx.(T); ok {
			return s, true
		}
		w, ok := tx.(interface{ Unwrap() Tx })
		if !ok {
			break
		}
		tx = w.Unwrap()
	}
	var none T
	return none, false
}
