package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// Ensure a nonce is bound to the first digest until it expires, across a
// reopen of the database, and that other scopes are independent.
func TestNonces_Claim(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tandem.db")
	db := MustOpenDB(t, path)
	claim := func(db *sqlite.DB, scope, key, digest string, now time.Time) bool {
		t.Helper()
		ok, err := bot.StoreNonces{Store: db}.ClaimNonce(context.Background(), scope, key, []byte(digest), t0.Add(time.Hour), now)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !claim(db, "dingtalk/a", "1700000000000", "body-1", t0) {
		t.Fatal("first claim refused")
	}
	if !claim(db, "dingtalk/a", "1700000000000", "body-1", t0.Add(time.Minute)) {
		t.Fatal("identical redelivery refused")
	}
	if claim(db, "dingtalk/a", "1700000000000", "forged", t0.Add(time.Minute)) {
		t.Fatal("another body accepted with a used key")
	}
	if !claim(db, "dingtalk/b", "1700000000000", "forged", t0.Add(time.Minute)) {
		t.Fatal("another scope's key refused")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = MustOpenDB(t, path)
	if claim(db, "dingtalk/a", "1700000000000", "forged", t0.Add(2*time.Minute)) {
		t.Fatal("another body accepted after a restart")
	}
	if !claim(db, "dingtalk/a", "1700000000000", "body-1", t0.Add(2*time.Minute)) {
		t.Fatal("identical redelivery refused after a restart")
	}
	// Once expired, the key is free again (the signature's own window has
	// ended by then, so nothing old verifies anyway).
	if !claim(db, "dingtalk/a", "1700000000000", "later", t0.Add(time.Hour)) {
		t.Fatal("expired key still bound")
	}
}

// Ensure pruning deletes expired bindings only, in batches of at most limit.
func TestNonces_Prune(t *testing.T) {
	db := MustOpenDB(t, "")
	for i, exp := range []time.Duration{-3 * time.Hour, -2 * time.Hour, -time.Hour, time.Hour} {
		mustUpdate(t, db, func(tx bot.Tx) error {
			_, err := tx.ClaimNonce("s", string(rune('a'+i)), []byte("d"), t0.Add(exp), t0.Add(-4*time.Hour))
			return err
		})
	}
	var batches []int
	for {
		var n int
		mustUpdate(t, db, func(tx bot.Tx) (err error) {
			n, err = tx.PruneNonces(t0, 2)
			return err
		})
		if n == 0 {
			break
		}
		batches = append(batches, n)
	}
	if len(batches) != 2 || batches[0] != 2 || batches[1] != 1 {
		t.Fatalf("pruned in batches %v, want [2 1]", batches)
	}
	mustUpdate(t, db, func(tx bot.Tx) error {
		if ok, err := tx.ClaimNonce("s", "d", []byte("other"), t0.Add(2*time.Hour), t0); err != nil || ok {
			t.Errorf("the live binding was pruned: ok=%v err=%v", ok, err)
		}
		return nil
	})
}
