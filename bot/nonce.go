package bot

import (
	"context"
	"time"
)

// NonceTx remembers values that a signed request may carry only once, such
// as DingTalk's (timestamp, sign) pair, whose signature does not cover the
// body: the first delivery that carries a value binds it to a digest of that
// delivery, and any later delivery with the value must carry the same
// digest. Rows outlive a restart, so a captured value cannot be reused by
// restarting the process, and they expire with the signature's window.
type NonceTx interface {
	// ClaimNonce binds key, within scope, to digest until expires. It returns
	// true when the key was free (never seen, or its binding expired by now)
	// or is bound to the same digest (an identical redelivery), and false
	// when it is bound to another digest.
	ClaimNonce(scope, key string, digest []byte, expires, now time.Time) (ok bool, err error)
	// PruneNonces deletes up to limit bindings that expired before before,
	// oldest first, and returns how many it deleted; an index on the expiry
	// makes each batch cost what it deletes.
	PruneNonces(before time.Time, limit int) (deleted int, err error)
}

// Nonces claims nonces outside a unit of work: each claim is a unit of its
// own, committed before it returns, so a claim is durable before the request
// that made it is acted upon. Adapters take it instead of a whole Store.
type Nonces interface {
	ClaimNonce(ctx context.Context, scope, key string, digest []byte, expires, now time.Time) (bool, error)
}

// StoreNonces makes a Store's NonceTx a Nonces.
type StoreNonces struct{ Store Store }

// ClaimNonce implements Nonces in a unit of its own.
func (s StoreNonces) ClaimNonce(ctx context.Context, scope, key string, digest []byte, expires, now time.Time) (bool, error) {
	var ok bool
	err := s.Store.Update(ctx, func(tx Tx) (err error) {
		ok, err = tx.ClaimNonce(scope, key, digest, expires, now)
		return err
	})
	return ok, err
}
