package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// openWALVFS opens path as DB.Open opens its connections, through the
// tandem-wal VFS, with the given synchronous mode.
func openWALVFS(tb testing.TB, path, synchronous string) *sql.DB {
	tb.Helper()
	if err := registerWALVFS(); err != nil {
		tb.Fatal(err)
	}
	db, err := sql.Open("sqlite", dataSourceName(path, synchronous))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// mustPassIntegrityCheck fails the test unless SQLite finds the file sound.
func mustPassIntegrityCheck(tb testing.TB, db *sql.DB) {
	tb.Helper()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		tb.Fatalf("integrity check: %q, %v", check, err)
	}
}

// blob is the content of row id: size bytes that depend on both.
func blob(id, size int) []byte {
	b := make([]byte, size)
	for i := 0; i < size; i += sha256.Size {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%d/%d", id, i)))
		copy(b[i:], sum[:])
	}
	return b
}

// Ensure a commit reaches the WAL in one write however many frames it has,
// where SQLite asks for two per frame.
func TestWALVFS_OneWritePerCommit(t *testing.T) {
	db := openWALVFS(t, filepath.Join(t.TempDir(), "w.db"), "FULL")
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE r (id INTEGER PRIMARY KEY, b BLOB)"); err != nil {
		t.Fatal(err)
	}
	asked, made := walWritesAsked.Load(), walWritesMade.Load()
	const commits = 20
	for c := range commits {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		// About 5 pages of table each.
		for i := range 5 {
			if _, err := tx.Exec("INSERT INTO r VALUES (?, ?)", c*10+i, blob(c*10+i, 3000)); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	asked, made = walWritesAsked.Load()-asked, walWritesMade.Load()-made
	if made != commits {
		t.Errorf("%d commits made %d writes to the WAL, want one each", commits, made)
	}
	if asked < 8*commits {
		t.Errorf("SQLite asked for only %d writes in %d commits of several frames each: is the VFS in the path?", asked, commits)
	}
}

// Ensure every commit is in the WAL file before other connections learn of
// it, with an fsync after it (FULL) or without (NORMAL), for commits of every
// size: small ones, ones past the 128 KiB that SQLite's unix VFS writes at
// once, and ones larger than the buffer and than SQLite's page cache, which
// spill frames before the commit and write some of them again in place.
// The file then passes SQLite's integrity check and reopens with every row.
func TestWALVFS_ReadersSeeEveryCommit(t *testing.T) {
	sizes := []int{100, 5000, 60_000, 131_072 - 4096, 131_072, 200_000, 1_100_000, 3_500_000}
	for _, synchronous := range []string{"FULL", "NORMAL"} {
		t.Run(synchronous, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "w.db")
			w := openWALVFS(t, path, synchronous)
			w.SetMaxOpenConns(1)
			r := openWALVFS(t, path, synchronous)
			if _, err := w.Exec("CREATE TABLE r (id INTEGER PRIMARY KEY, b BLOB)"); err != nil {
				t.Fatal(err)
			}
			var total int
			for id := range 3 * len(sizes) {
				size := sizes[id%len(sizes)]
				tx, err := w.Begin()
				if err != nil {
					t.Fatal(err)
				}
				// Spread over several rows, so that the commit touches
				// interior pages as well as new leaves.
				const parts = 4
				for p := range parts {
					if _, err := tx.Exec("INSERT INTO r VALUES (?, ?)", id*parts+p, blob(id*parts+p, size/parts)); err != nil {
						t.Fatal(err)
					}
				}
				if err := tx.Commit(); err != nil {
					t.Fatalf("commit of %d bytes: %v", size, err)
				}
				total += parts * (size / parts)
				var n, sum int
				if err := r.QueryRow("SELECT count(*), coalesce(sum(length(b)), 0) FROM r").Scan(&n, &sum); err != nil {
					t.Fatal(err)
				}
				if n != (id+1)*parts || sum != total {
					t.Fatalf("after commit %d a reader sees %d rows of %d bytes, want %d of %d", id, n, sum, (id+1)*parts, total)
				}
				var b []byte
				if err := r.QueryRow("SELECT b FROM r WHERE id = ?", id*parts+parts-1).Scan(&b); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b, blob(id*parts+parts-1, size/parts)) {
					t.Fatalf("after commit %d a reader reads other bytes than were written", id)
				}
				if id%5 == 0 {
					if _, err := w.Exec("PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
						t.Fatal(err)
					}
				}
			}
			mustPassIntegrityCheck(t, r)
			w.Close()
			r.Close()
			again := openWALVFS(t, path, synchronous)
			var n, sum int
			if err := again.QueryRow("SELECT count(*), sum(length(b)) FROM r").Scan(&n, &sum); err != nil {
				t.Fatal(err)
			}
			if n != 3*len(sizes)*4 || sum != total {
				t.Fatalf("reopened: %d rows of %d bytes, want %d of %d", n, sum, 3*len(sizes)*4, total)
			}
		})
	}
}

// Ensure a process killed while it commits leaves every commit that returned
// in the file, and a WAL SQLite recovers from: nothing is held back in memory
// once a commit has returned. A child process (this test binary again)
// commits rows and reports each after its commit returns; it is killed with
// SIGKILL in the middle.
func TestWALVFS_KilledWriterLosesNothingCommitted(t *testing.T) {
	if child := os.Getenv("TANDEM_WALVFS_CHILD"); child != "" {
		path, synchronous, _ := strings.Cut(child, ",")
		walvfsChild(t, path, synchronous)
		return
	}
	for _, synchronous := range []string{"FULL", "NORMAL"} {
		t.Run(synchronous, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "w.db")
			cmd := exec.Command(os.Args[0], "-test.run=^TestWALVFS_KilledWriterLosesNothingCommitted$")
			cmd.Env = append(os.Environ(), "TANDEM_WALVFS_CHILD="+path+","+synchronous)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			committed := -1
			lines := bufio.NewScanner(out)
			for lines.Scan() {
				id, err := strconv.Atoi(strings.TrimPrefix(lines.Text(), "committed "))
				if err != nil {
					continue // go test's own output
				}
				if committed = id; committed == 300 {
					cmd.Process.Signal(syscall.SIGKILL)
					break
				}
			}
			cmd.Wait()
			if committed != 300 {
				t.Fatalf("the child stopped after commit %d", committed)
			}
			db := openWALVFS(t, path, synchronous)
			var n, maxID int
			if err := db.QueryRow("SELECT count(*), max(id) FROM r").Scan(&n, &maxID); err != nil {
				t.Fatal(err)
			}
			if maxID < committed || n != maxID+1 {
				t.Fatalf("after the kill the file has %d rows up to id %d; commits up to %d had returned", n, maxID, committed)
			}
			mustPassIntegrityCheck(t, db)
		})
	}
}

func walvfsChild(t *testing.T, path, synchronous string) {
	db := openWALVFS(t, path, synchronous)
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE r (id INTEGER PRIMARY KEY, b BLOB)"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for id := 0; id < 100_000; id++ { // the parent kills it long before
		// Some commits span several buffers' worth of writes.
		size := 2000
		if id%7 == 0 {
			size = 300_000
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO r VALUES (?, ?)", id, blob(id, size)); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("committed %d\n", id)
	}
}

// Ensure a transaction too big for its page cache reads back the pages it
// spilled into the WAL, some of which are still gathered in the buffer when
// SQLite reads them.
func TestWALVFS_SpilledPagesReadBack(t *testing.T) {
	db := openWALVFS(t, filepath.Join(t.TempDir(), "w.db"), "FULL")
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		"PRAGMA cache_size=8",
		"CREATE TABLE r (id INTEGER PRIMARY KEY, n INTEGER, pad BLOB)",
		"WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM s WHERE i < 1999) INSERT INTO r SELECT i, 0, zeroblob(500) FROM s",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	// Each row is bumped several times, in an order that leaves the cache
	// between visits: every visit reads a page that was spilled before.
	want := 0
	for round := range 5 {
		for i := range 2000 {
			id := (i*7919 + round*104729) % 2000
			if _, err := tx.Exec("UPDATE r SET n = n + 1 WHERE id = ?", id); err != nil {
				t.Fatal(err)
			}
			want++
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var sum int
	if err := db.QueryRow("SELECT sum(n) FROM r").Scan(&sum); err != nil {
		t.Fatal(err)
	}
	mustPassIntegrityCheck(t, db)
	if sum != want {
		t.Fatalf("sum of the counters is %d, want %d", sum, want)
	}
}
