package sqlite

import (
	"bytes"
	"time"
)

// ClaimNonce implements bot.NonceTx.
func (t *tx) ClaimNonce(scope, key string, digest []byte, expires, now time.Time) (bool, error) {
	var bound []byte
	var boundUntil int64
	found, err := t.queryRow(`SELECT digest, expires_at FROM nonces WHERE scope = ? AND key = ?`,
		[]any{scope, key}, &bound, &boundUntil)
	if err != nil {
		return false, internal(err, "read nonce")
	}
	if found && boundUntil > now.UnixMilli() {
		return bytes.Equal(bound, digest), nil
	}
	_, err = t.exec(`INSERT INTO nonces (scope, key, digest, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (scope, key) DO UPDATE SET digest = excluded.digest, expires_at = excluded.expires_at`,
		scope, key, digest, expires.UnixMilli())
	return err == nil, internal(err, "claim nonce")
}

// expiredNonces selects one batch of expired nonces from the expiry index.
const expiredNonces = `SELECT scope, key FROM nonces WHERE expires_at < ? ORDER BY expires_at LIMIT ?`

// PruneNonces implements bot.NonceTx.
func (t *tx) PruneNonces(before time.Time, limit int) (int, error) {
	res, err := t.exec(`DELETE FROM nonces WHERE (scope, key) IN (`+expiredNonces+`)`, before.UnixMilli(), limit)
	if err != nil {
		return 0, internal(err, "prune nonces")
	}
	n, err := res.RowsAffected()
	return int(n), internal(err, "prune nonces")
}
