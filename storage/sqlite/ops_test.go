package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/sqlite"
)

func TestDB_OutboxQueues(t *testing.T) {
	db := MustOpenDB(t, "")
	enqueue := func(key, platform string, at time.Time) int64 {
		o := &bot.Outgoing{Key: key, To: bot.Destination{Platform: platform, Workspace: "w", UserID: "u"},
			Msg: bot.Message{Text: key}}
		mustUpdate(t, db, func(tx bot.Tx) error { _, err := tx.Enqueue(o, at); return err })
		return o.ID
	}
	sent := enqueue("s1", "slack", t0) // oldest, but sent: not in the queue
	enqueue("s2", "slack", t0.Add(time.Minute))
	enqueue("s3", "slack", t0.Add(2*time.Minute))
	enqueue("f1", "feishu", t0.Add(3*time.Minute))
	mustUpdate(t, db, func(tx bot.Tx) error { return tx.MarkSent(sent, "r", t0.Add(time.Hour)) })

	qs, err := db.OutboxQueues(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]sqlite.QueueDepth{}
	for _, q := range qs {
		got[q.Platform] = q
	}
	if q := got["slack"]; q.Depth != 2 || !q.Oldest.Equal(t0.Add(time.Minute)) {
		t.Errorf("slack queue = %d, oldest %v; want 2, oldest %v", q.Depth, q.Oldest, t0.Add(time.Minute))
	}
	if q := got["feishu"]; q.Depth != 1 || !q.Oldest.Equal(t0.Add(3*time.Minute)) {
		t.Errorf("feishu queue = %+v", q)
	}
	if len(got) != 2 {
		t.Errorf("queues = %+v; want slack and feishu only", qs)
	}
}

// TestBackup_UnderWrites copies a database while a writer keeps committing
// to it, and opens the copy: it must be a whole database (integrity_check
// ok) holding at least what was committed before the backup began.
func TestBackup_UnderWrites(t *testing.T) {
	dir := t.TempDir()
	db := MustOpenDB(t, filepath.Join(dir, "tandem.db"))
	write := func(i int) error {
		o := &bot.Outgoing{Key: fmt.Sprintf("m%d", i), To: bot.Destination{Platform: "console", Workspace: "local", UserID: "bob"},
			Msg: bot.Message{Text: "hello"}}
		return db.Update(context.Background(), func(tx bot.Tx) error { _, err := tx.Enqueue(o, t0); return err })
	}
	for i := range 200 {
		if err := write(i); err != nil {
			t.Fatal(err)
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	var wrote atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 200; ctx.Err() == nil; i++ {
			if err := write(i); err != nil {
				t.Error(err)
				return
			}
			wrote.Add(1)
		}
	}()
	// Wait until the writer is committing, so the backup runs under writes.
	for wrote.Load() < 20 {
		time.Sleep(time.Millisecond)
	}
	dest := filepath.Join(dir, "backup.db")
	err := sqlite.Backup(context.Background(), db.Path, dest)
	stop()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if during := wrote.Load(); during < 21 {
		t.Logf("only %d writes went on during the backup", during)
	}
	if err := sqlite.Backup(context.Background(), db.Path, dest); err == nil {
		t.Error("a second backup over the first succeeded; want it refused")
	}

	copyDB, err := sql.Open("sqlite", "file:"+dest+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	var check string
	if err := copyDB.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	var n int
	if err := copyDB.QueryRow(`SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < 220 {
		t.Errorf("the copy holds %d messages; want at least the 220 committed before it began", n)
	}
	// The copy is a database Tandem opens (migrations recorded, nothing to do).
	restored := sqlite.NewDB(dest)
	if err := restored.Open(); err != nil {
		t.Fatalf("open the copy: %v", err)
	}
	restored.Close()
}
