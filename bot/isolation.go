package bot

import "context"

type snapshotKey struct{}

// SnapshotUnit marks the units run with ctx as ones that need only a
// snapshot and protection from lost updates, not full serializability: a
// store that offers both (PostgreSQL's REPEATABLE READ beside SERIALIZABLE)
// may run them at the cheaper level. A unit qualifies when every row it
// reads and then relies on is a row it also writes (a concurrent write to
// that row makes it fail and run again), or when acting on a read that a
// concurrent unit makes stale is as good as having run just before it.
//
// The job scheduler marks its job units: each reads and writes its own job
// row, and a handler acts on the state of the moment (a reminder sent, an
// escalation queued, as if it had fired an instant earlier). Under
// SERIALIZABLE, concurrent job units on neighbouring rows were refused more
// than once per job (predicate locks are taken per index page), which cost
// more than the work. A store with one isolation ignores the mark.
func SnapshotUnit(ctx context.Context) context.Context {
	return context.WithValue(ctx, snapshotKey{}, true)
}

// IsSnapshotUnit reports whether ctx was marked by SnapshotUnit.
func IsSnapshotUnit(ctx context.Context) bool {
	v, _ := ctx.Value(snapshotKey{}).(bool)
	return v
}
