package pgtest_test

import (
	"database/sql"
	"testing"

	"github.com/tandemhq/tandem/storage/postgres/pgtest"
)

// TestCluster_RestartBreaksConnectionsAndComesBack proves what the restart
// tests rely on: Stop breaks an open connection, and after Start a new
// one works on the same database with its data kept.
func TestCluster_RestartBreaksConnectionsAndComesBack(t *testing.T) {
	c := pgtest.StartCluster(t)
	dsn := c.FreshDatabase()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE kept (n INT); INSERT INTO kept VALUES (7)`); err != nil {
		t.Fatal(err)
	}
	c.Stop()
	if err := db.Ping(); err == nil {
		t.Fatal("a ping succeeded while the server was stopped")
	}
	c.Start()
	var n int
	if err := db.QueryRow(`SELECT n FROM kept`).Scan(&n); err != nil || n != 7 {
		t.Fatalf("after restart: n=%d err=%v", n, err)
	}
}
