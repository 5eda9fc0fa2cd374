package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

var (
	crashSeed   = flag.Uint64("crash.seed", 0, "seed of TestDB_KilledWriter (0: a new one, printed)")
	crashRounds = flag.Int("crash.rounds", 3, "kills per synchronous mode in TestDB_KilledWriter")
)

// crashEnv hands the child its job: path, synchronous mode, seed and round.
const crashEnv = "TANDEM_STORE_CRASH_CHILD"

// Ensure a process killed (SIGKILL) while the store commits loses no commit
// that returned, leaves a file that passes SQLite's integrity check, and that
// the store opens again, in both synchronous modes. A child process (this
// test binary again) runs the real store, with its committer, its group
// commits and its checkpointer (every 2 ms, so that checkpoints and WAL
// restarts happen all the time), and commits from several goroutines units
// of every size: small ones, units of hundreds of KB, and units of several
// MB, which spill SQLite's page cache (2 MB by default) into the WAL before
// their commit and make commits of thousands of WAL frames. Some units
// rewrite rows committed earlier, so pages are written again in place. The
// child prints each unit once Update has returned; the parent kills it at a
// random moment, opens the store as tandem would, checks the file and every
// row, and starts the next child on the same file.
//
// The seed picks the units' sizes and the kill moments (the interleavings
// still vary); it is printed, and -crash.seed replays it. -crash.rounds
// runs more kills.
func TestDB_KilledWriter(t *testing.T) {
	if job := os.Getenv(crashEnv); job != "" {
		crashChild(t, job)
		return
	}
	seed := *crashSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (go test ./storage/sqlite -run TestDB_KilledWriter -crash.seed %d replays it)", seed, seed)
	for _, synchronous := range []string{"FULL", "NORMAL"} {
		t.Run(synchronous, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "crash.db")
			rng := rand.New(rand.NewPCG(seed, uint64(len(synchronous))))
			// unit id → the last version of its row reported committed (0:
			// a bump unit)
			committed := map[int64]int64{}
			for round := range *crashRounds {
				crashRound(t, path, synchronous, seed, round, rng, committed)
				crashVerify(t, path, synchronous, committed, round)
			}
		})
	}
}

// crashRound runs one child and kills it between 150 and 700 ms after its
// first commit; committed collects what it reported.
func crashRound(t *testing.T, path, synchronous string, seed uint64, round int, rng *rand.Rand, committed map[int64]int64) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDB_KilledWriter$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%s,%d,%d", crashEnv, path, synchronous, seed, round))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		s := bufio.NewScanner(out)
		for s.Scan() {
			lines <- s.Text()
		}
	}()
	wait := 150*time.Millisecond + time.Duration(rng.Int64N(int64(550*time.Millisecond)))
	var kill <-chan time.Time
	units := 0
read:
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				break read
			}
			var id, version int64
			if _, err := fmt.Sscanf(line, "committed %d %d", &id, &version); err != nil {
				continue // go test's own output
			}
			committed[id] = max(committed[id], version)
			units++
			if kill == nil {
				kill = time.After(wait)
			}
		case <-kill:
			cmd.Process.Signal(syscall.SIGKILL)
			kill = nil
			for line := range lines { // what it printed before it died
				var id, version int64
				if _, err := fmt.Sscanf(line, "committed %d %d", &id, &version); err == nil {
					committed[id] = max(committed[id], version)
					units++
				}
			}
			break read
		}
	}
	err = cmd.Wait()
	if status, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !status.Signaled() {
		t.Fatalf("round %d: the child ended by itself (%v) after %d units:\n%s", round, err, units, stderr.String())
	}
	t.Logf("round %d: killed %s after the first of %d units it reported", round, wait.Round(time.Millisecond), units)
}

// crashVerify opens the store on the file as tandem does after a crash and
// checks it: SQLite's integrity check, every row committed is there at its
// last reported version or a later one, and every row holds the bytes of
// its version.
func crashVerify(t *testing.T, path, synchronous string, committed map[int64]int64, round int) {
	t.Helper()
	db := &DB{Path: path, Synchronous: synchronous, Log: slog.New(slog.DiscardHandler)}
	if err := db.Open(); err != nil {
		t.Fatalf("round %d: open after the kill: %v", round, err)
	}
	defer db.Close()
	if err := db.IntegrityCheck(context.Background()); err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	found := map[int64]int64{}
	bad := 0
	var counted, bumped int64
	bumps := map[int64]bool{}
	err := db.View(context.Background(), func(btx bot.Tx) error {
		q := btx.(*tx).query
		rows, err := q("SELECT id, part, version, b FROM crash_rows ORDER BY id, part")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, part, version int64
			var b []byte
			if err := rows.Scan(&id, &part, &version, &b); err != nil {
				return err
			}
			if !bytes.Equal(b, crashBytes(id, part, version, len(b))) {
				bad++
				t.Errorf("round %d: row %d part %d version %d does not hold its bytes", round, id, part, version)
			}
			found[id] = version
		}
		if err := rows.Err(); err != nil {
			return err
		}
		counters, err := q("SELECT k, n, pad FROM crash_counters")
		if err != nil {
			return err
		}
		defer counters.Close()
		for counters.Next() {
			var k, n int64
			var pad []byte
			if err := counters.Scan(&k, &n, &pad); err != nil {
				return err
			}
			if !bytes.Equal(pad, crashBytes(-k, 0, n, len(pad))) {
				bad++
				t.Errorf("round %d: counter %d at %d does not hold its bytes", round, k, n)
			}
			counted += n
		}
		if err := counters.Err(); err != nil {
			return err
		}
		units, err := q("SELECT id, rows FROM crash_bumps")
		if err != nil {
			return err
		}
		defer units.Close()
		for units.Next() {
			var id, n int64
			if err := units.Scan(&id, &n); err != nil {
				return err
			}
			bumps[id] = true
			bumped += n
		}
		return units.Err()
	})
	if err != nil {
		t.Fatalf("round %d: read rows: %v", round, err)
	}
	lost := 0
	for id, version := range committed {
		if version == 0 {
			if !bumps[id] {
				lost++
				t.Errorf("round %d: bump unit %d returned committed, the file does not have it", round, id)
			}
			continue
		}
		if v, ok := found[id]; !ok || v < version {
			lost++
			if lost <= 5 {
				t.Errorf("round %d: unit %d version %d returned committed, the file has %v (present %v)", round, id, version, v, ok)
			}
		}
	}
	if counted != bumped {
		t.Errorf("round %d: the counters add up to %d, the bump units that committed to %d", round, counted, bumped)
	}
	if lost > 0 || bad > 0 || counted != bumped {
		t.Fatalf("round %d: %d of %d committed units lost, %d rows with wrong bytes", round, lost, len(committed), bad)
	}
}

// crashChild is the killed process: writers that commit units until it
// dies, printing each once Update has returned.
func crashChild(t *testing.T, job string) {
	f := strings.Split(job, ",")
	seed, _ := strconv.ParseUint(f[2], 10, 64)
	round, _ := strconv.Atoi(f[3])
	db := &DB{Path: f[0], Synchronous: f[1], CheckpointInterval: 2 * time.Millisecond, Log: slog.New(slog.DiscardHandler)}
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err := db.Update(ctx, func(btx bot.Tx) error {
		exec := btx.(*tx).exec
		for _, q := range []string{
			`CREATE TABLE IF NOT EXISTS crash_rows (id INTEGER NOT NULL, part INTEGER NOT NULL,
				version INTEGER NOT NULL, b BLOB NOT NULL, PRIMARY KEY (id, part))`,
			`CREATE TABLE IF NOT EXISTS crash_counters (k INTEGER PRIMARY KEY, n INTEGER NOT NULL, pad BLOB NOT NULL)`,
			`CREATE TABLE IF NOT EXISTS crash_bumps (id INTEGER PRIMARY KEY, rows INTEGER NOT NULL)`,
		} {
			if _, err := exec(q); err != nil {
				return err
			}
		}
		var n int
		if _, err := btx.(*tx).queryRow("SELECT count(*) FROM crash_counters", nil, &n); err != nil || n > 0 {
			return err
		}
		for k := range int64(crashCounters) {
			if _, err := exec("INSERT INTO crash_counters VALUES (?, 0, ?)", k, crashBytes(-k, 0, 0, crashPad)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex // one line at a time on stdout
	var next atomic.Int64
	next.Store(int64(round) << 32)
	const writers = 4
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(round)<<8|uint64(w)))
			var mine []int64 // this writer's rows, the only ones it rewrites
			versions := map[int64]int64{}
			for {
				id := next.Add(1)
				if rng.IntN(12) == 0 {
					crashBump(ctx, db, rng, id)
					mu.Lock()
					fmt.Printf("committed %d 0\n", id)
					mu.Unlock()
					continue
				}
				if len(mine) > 0 && rng.IntN(4) == 0 {
					id = mine[rng.IntN(len(mine))]
				}
				version := versions[id] + 1
				size := crashUnitSize(rng)
				parts := 1 + rng.IntN(8)
				err := db.Update(ctx, func(btx bot.Tx) error {
					for part := range parts {
						n := size / parts
						_, err := btx.(*tx).exec(`INSERT INTO crash_rows (id, part, version, b) VALUES (?, ?, ?, ?)
							ON CONFLICT (id, part) DO UPDATE SET version = excluded.version, b = excluded.b`,
							id, part, version, crashBytes(id, int64(part), version, n))
						if err != nil {
							return err
						}
					}
					// A rewrite with fewer parts leaves no part of the old version.
					_, err := btx.(*tx).exec(`DELETE FROM crash_rows WHERE id = ? AND part >= ?`, id, parts)
					return err
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, "unit:", err)
					os.Exit(3)
				}
				if versions[id] == 0 {
					mine = append(mine, id)
				}
				versions[id] = version
				mu.Lock()
				fmt.Printf("committed %d %d\n", id, version)
				mu.Unlock()
			}
		})
	}
	wg.Wait() // never: the parent kills the process
}

// The counters: a table larger than SQLite's page cache (2 MB by default),
// which bump units update all over.
const (
	crashCounters = 3000
	crashPad      = 1000
)

// crashBump is a unit that adds one to 1,500 counters picked at random, each
// with its padding rewritten, and records how many it added. Its pages are
// spilled into the WAL and then written again before the commit. The sum of
// the counters must always equal the sum of the recorded bumps.
func crashBump(ctx context.Context, db *DB, rng *rand.Rand, id int64) {
	const rows = 1500
	ks := make([]int64, rows)
	for i := range ks {
		ks[i] = rng.Int64N(crashCounters)
	}
	err := db.Update(ctx, func(btx bot.Tx) error {
		t := btx.(*tx)
		for _, k := range ks {
			var n int64
			if _, err := t.queryRow("SELECT n FROM crash_counters WHERE k = ?", []any{k}, &n); err != nil {
				return err
			}
			if _, err := t.exec("UPDATE crash_counters SET n = ?, pad = ? WHERE k = ?", n+1, crashBytes(-k, 0, n+1, crashPad), k); err != nil {
				return err
			}
		}
		_, err := t.exec("INSERT INTO crash_bumps VALUES (?, ?)", id, rows)
		return err
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bump unit:", err)
		os.Exit(3)
	}
}

// crashUnitSize picks how many bytes a unit writes: mostly small, one in six
// hundreds of KB, one in twelve several MB.
func crashUnitSize(rng *rand.Rand) int {
	switch n := rng.IntN(12); {
	case n == 0:
		return 1<<20 + rng.IntN(5<<20)
	case n <= 2:
		return 100<<10 + rng.IntN(600<<10)
	default:
		return 200 + rng.IntN(8<<10)
	}
}

// crashBytes is the content of one part of a row at one version.
func crashBytes(id, part, version int64, n int) []byte {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[0:], uint64(id))
	binary.LittleEndian.PutUint64(key[8:], uint64(part))
	binary.LittleEndian.PutUint64(key[16:], uint64(version))
	b := make([]byte, n)
	io.ReadFull(rand.NewChaCha8(key), b)
	return b
}

// Ensure commits of every size from 1 to 300 WAL frames are whole, in both
// synchronous modes, while the checkpointer copies the WAL into the database
// every millisecond: after each commit a reader on another connection reads
// back the bytes just written, and the file passes SQLite's integrity check
// at the end. No process dies here; a store that published a commit before
// all of its frames were in the WAL (the VFS removed in issue 12 did, for
// commits of 255 frames with synchronous NORMAL) fails it.
func TestDB_CommitsOfEverySize(t *testing.T) {
	for _, synchronous := range []string{"FULL", "NORMAL"} {
		t.Run(synchronous, func(t *testing.T) {
			db := &DB{Path: filepath.Join(t.TempDir(), "sizes.db"), Synchronous: synchronous,
				CheckpointInterval: time.Millisecond, Log: slog.New(slog.DiscardHandler)}
			if err := db.Open(); err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			if err := db.Update(ctx, func(btx bot.Tx) error {
				_, err := btx.(*tx).exec("CREATE TABLE sizes (id INTEGER PRIMARY KEY, b BLOB NOT NULL)")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			// A row of n overflow pages (4,092 bytes of blob each) rewritten
			// in place makes a commit of about n+1 frames.
			for frames := 1; frames <= 300; frames++ {
				want := crashBytes(int64(frames), 0, 1, (frames-1)*4092+100)
				if err := db.Update(ctx, func(btx bot.Tx) error {
					_, err := btx.(*tx).exec("INSERT OR REPLACE INTO sizes VALUES (1, ?)", want)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				var got []byte
				if err := db.View(ctx, func(btx bot.Tx) error {
					_, err := btx.(*tx).queryRow("SELECT b FROM sizes WHERE id = 1", nil, &got)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("a commit of about %d frames: a reader reads other bytes than were committed", frames)
				}
			}
			if err := db.IntegrityCheck(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
