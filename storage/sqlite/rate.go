package sqlite

import (
	"cmp"
	"slices"
	"time"

	"github.com/tandemhq/tandem/bot"
)

var _ bot.RateTx = (*tx)(nil)

// lockRateBucket makes sure a bucket's row exists (new, it is full: 0) and
// returns its fullAt. On PostgreSQL the upsert's DO UPDATE, a write that
// changes nothing, locks the row until the unit ends, and it reads the
// latest committed version even at READ COMMITTED: two replicas taking from
// one bucket are serialized here, the second reading what the first wrote.
// SQLite has one writer and needs no lock.
const lockRateBucket = `INSERT INTO rate_buckets (platform, workspace, scope, id, full_at_ns) VALUES (?, ?, ?, ?, 0)
	ON CONFLICT (platform, workspace, scope, id) DO UPDATE SET full_at_ns = rate_buckets.full_at_ns
	RETURNING full_at_ns`

// LockRateBucketQuery is the first statement of a unit that takes tokens
// (TakeTokens). Such a unit writes only the rows this statement has locked,
// so a store that runs units SERIALIZABLE may begin it at READ COMMITTED
// instead, where replicas taking from one bucket wait for each other's row
// lock rather than fail and run again (storage/postgres).
const LockRateBucketQuery = lockRateBucket

// TakeTokens implements bot.RateTx: it locks the buckets' rows in the order
// of their keys (so two takes of the same buckets cannot deadlock), does the
// arithmetic in Go (bot.TakeTokens, scheduler.Limiter's), and writes the
// new times only when every bucket had a token.
func (t *tx) TakeTokens(buckets []bot.RateBucket, now time.Time) (time.Duration, []time.Time, error) {
	order := make([]int, len(buckets))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return compareRateKeys(buckets[a].Key, buckets[b].Key) })
	fullAt := make([]time.Time, len(buckets))
	rates := make([]bot.Rate, len(buckets))
	for _, i := range order {
		k := buckets[i].Key
		var ns int64
		if _, err := t.queryRow(lockRateBucket, []any{k.Platform, k.Workspace, k.Scope, k.ID}, &ns); err != nil {
			return 0, nil, internal(err, "lock rate bucket")
		}
		fullAt[i], rates[i] = time.Unix(0, ns), buckets[i].Rate
	}
	if wait := bot.TakeTokens(fullAt, rates, now); wait > 0 {
		return wait, fullAt, nil
	}
	for _, i := range order {
		k := buckets[i].Key
		if _, err := t.exec(`UPDATE rate_buckets SET full_at_ns = ?
			WHERE platform = ? AND workspace = ? AND scope = ? AND id = ?`,
			fullAt[i].UnixNano(), k.Platform, k.Workspace, k.Scope, k.ID); err != nil {
			return 0, nil, internal(err, "take rate token")
		}
	}
	return 0, fullAt, nil
}

func compareRateKeys(a, b bot.RateKey) int {
	return cmp.Or(cmp.Compare(a.Platform, b.Platform), cmp.Compare(a.Workspace, b.Workspace),
		cmp.Compare(a.Scope, b.Scope), cmp.Compare(a.ID, b.ID))
}

// BlockBucket implements bot.RateTx in one upsert, which keeps the later of
// the stored time and the blocked one (BlockedFullAt's max, in SQL).
func (t *tx) BlockBucket(b bot.RateBucket, until time.Time) error {
	k := b.Key
	_, err := t.exec(`INSERT INTO rate_buckets (platform, workspace, scope, id, full_at_ns) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (platform, workspace, scope, id) DO UPDATE SET full_at_ns = max(rate_buckets.full_at_ns, excluded.full_at_ns)`,
		k.Platform, k.Workspace, k.Scope, k.ID, bot.BlockedFullAt(time.Time{}, b.Rate, until).UnixNano())
	return internal(err, "block rate bucket")
}

// ForgetFullBuckets implements bot.RateTx, reading the oldest from the
// index rate_buckets_full.
func (t *tx) ForgetFullBuckets(before time.Time, limit int) (int, error) {
	res, err := t.exec(`DELETE FROM rate_buckets WHERE (platform, workspace, scope, id) IN
		(SELECT platform, workspace, scope, id FROM rate_buckets WHERE full_at_ns < ? ORDER BY full_at_ns LIMIT ?)`,
		before.UnixNano(), limit)
	if err != nil {
		return 0, internal(err, "forget full rate buckets")
	}
	n, err := res.RowsAffected()
	return int(n), internal(err, "forget full rate buckets")
}
