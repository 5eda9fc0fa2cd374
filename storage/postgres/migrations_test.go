package postgres_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/storage/postgres"
)

// Every SQLite migration has its PostgreSQL twin, under the same name, and
// no other: a feature's new table that exists only in SQLite fails here
// rather than at a replica's first query.
func TestMigrations_TwinOfEachSQLiteMigration(t *testing.T) {
	entries, err := os.ReadDir("../sqlite/migrations")
	if err != nil {
		t.Fatal(err)
	}
	var sqlite []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			sqlite = append(sqlite, strings.TrimSuffix(e.Name(), ".sql"))
		}
	}
	if pg := postgres.Migrations(); !slices.Equal(pg, sqlite) {
		t.Fatalf("PostgreSQL's migrations differ from SQLite's:\npostgres %v\nsqlite   %v", pg, sqlite)
	}
}
