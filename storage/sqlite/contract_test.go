package sqlite_test

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/sqlite"
	"github.com/tandemhq/tandem/storage/storetest"
)

// Ensure SQLite keeps the whole store contract.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) bot.Store {
		db := sqlite.NewDB(filepath.Join(t.TempDir(), "contract.db"))
		db.Log = slog.New(slog.DiscardHandler)
		if err := db.Open(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}
