package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/slack/slacktest"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// stallReq is one signed Slack request of the stalled-writer test, and how
// it was answered.
type stallReq struct {
	path, body, key, title string // key: the inbox dedup key; title: the task a command makes
	code                   int    // 0: no answer (the process was killed)
	answer                 string
}

// Ensure an acknowledgement never comes before the inbox row, when the
// writer is held for seconds and when the process is then killed. The real
// binary runs; another connection holds SQLite's write lock on its file (as
// an operator's open transaction, a backup or a stalled disk would), so its
// committer cannot begin.
//
//   - Slash commands and a click that arrive while the lock is held are
//     answered 503 (not 200, and without X-Slack-No-Retry) by Slack's
//     deadline: they were given up and never stored.
//   - /readyz answers 503 while the writer has been stuck for over 2 s, and
//     200 again once it writes.
//   - Commands that arrive shortly before the lock is released are stored
//     then, and answered 200.
//   - The lock is taken again, commands arrive, and the process is SIGKILLed
//     after their deadline, with the lock still held. After a restart,
//     every request ever answered 200 has its inbox row (and each command
//     its one task); none answered otherwise has one; the file passes
//     integrity_check. Sent again, the refused ones run, once each.
func TestWriterHeld(t *testing.T) {
	if testing.Short() {
		t.Skip("holds the writer for seconds")
	}
	fake := newFakeSlack(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	dbPath := filepath.Join(dir, "tandem.db")
	cfg := filepath.Join(dir, "tandem.yaml")
	if err := os.WriteFile(cfg, crashConfig(addr, dbPath, "full", fake.URL, ""), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("E2E_SLACK_SECRET", slackSecret)
	srv := startCrashServer(t, cfg, addr)

	seq := 0
	command := func(tag string) *stallReq {
		seq++
		title := fmt.Sprintf("held-%s-%d", tag, seq)
		trigger := fmt.Sprintf("held.%s.%d", tag, seq)
		return &stallReq{path: "/slack/commands", body: slash(fmt.Sprintf(`task new "%s"`, title), trigger, "U1", "ann"),
			key: "cmd:" + trigger, title: title}
	}
	var all []*stallReq
	sendAll := func(base string, reqs ...*stallReq) {
		var wg sync.WaitGroup
		for _, r := range reqs {
			all = append(all, r)
			wg.Go(func() { r.code, r.answer = stallSend(t, base, r) })
		}
		wg.Wait()
	}

	warm := command("warm")
	if sendAll(srv.url, warm); warm.code != 200 || !strings.Contains(warm.answer, "Created #1") {
		t.Fatalf("before the hold: %d %q", warm.code, warm.answer)
	}

	// 1. The lock held: early requests, /readyz, late requests.
	unlock := stallLock(t, dbPath)
	held := time.Now()
	var early []*stallReq
	for range 8 {
		early = append(early, command("early"))
	}
	click := &stallReq{path: "/slack/interactions", key: "act:held-click", body: string(slacktest.Click{
		User: "U1", UserName: "ann", Channel: "C1", MessageTS: "1700000000.000001", ActionID: "task.start", Value: "1",
		Trigger: "held-click", ResponseURL: fake.URL + "/response/1"}.Body())}
	early = append(early, click)
	probed := make(chan string, 1)
	go func() {
		time.Sleep(time.Until(held.Add(sqlite.WriteStall + 300*time.Millisecond)))
		probed <- stallReady(srv.url)
	}()
	sendAll(srv.url, early...)
	for _, r := range early {
		if r.code < 300 {
			t.Errorf("%s %s arrived while the writer was held and was answered %d %q; want a refusal", r.path, r.key, r.code, r.answer)
		}
	}
	if got := <-probed; !strings.HasPrefix(got, "503") {
		t.Errorf("/readyz with the writer held for over %s: %s, want 503", sqlite.WriteStall, got)
	}
	time.Sleep(time.Until(held.Add(4 * time.Second)))
	var late []*stallReq
	for range 4 {
		late = append(late, command("late"))
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		unlock()
	}()
	sendAll(srv.url, late...)
	for _, r := range late {
		if r.code != 200 || !strings.Contains(r.answer, "Created") {
			t.Errorf("%s arrived 0.3 s before the writer was released: %d %q, want 200 Created", r.key, r.code, r.answer)
		}
	}
	if !stallEventually(func() bool { return strings.HasPrefix(stallReady(srv.url), "200") }) {
		t.Errorf("/readyz after the writer was released: %s, want 200", stallReady(srv.url))
	}

	// 2. The lock held again, commands past their deadline, and a kill.
	unlock = stallLock(t, dbPath)
	held = time.Now()
	var killed []*stallReq
	for range 6 {
		killed = append(killed, command("killed"))
	}
	sendAll(srv.url, killed...)
	time.Sleep(time.Until(held.Add(3500 * time.Millisecond)))
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.cmd.Wait()
	unlock()
	srv = startCrashServer(t, cfg, addr)
	crashIntegrity(t, dbPath, 2)

	raw, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	count := func(q, arg string) int {
		var n int
		if err := raw.QueryRow(q, arg).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var acked, refused, ackedStored, refusedStored int
	for _, r := range all {
		rows := count(`SELECT COUNT(*) FROM inbox WHERE platform = 'slack' AND dedup_key = ?`, r.key)
		switch {
		case r.code == 200:
			acked++
			ackedStored += rows
			if rows != 1 {
				t.Errorf("%s was answered 200; after the kill its inbox rows: %d", r.key, rows)
			}
			if r.title != "" && count(`SELECT COUNT(*) FROM tasks WHERE title = ?`, r.title) != 1 {
				t.Errorf("%s was answered 200 and did not make its one task", r.key)
			}
		default:
			refused++
			refusedStored += rows
			if rows != 0 {
				t.Errorf("%s was answered %d, not 200, yet it is in the inbox", r.key, r.code)
			}
		}
	}
	t.Logf("after the kill: %d requests answered 200, %d of them stored; %d refused or cut off, %d of them stored",
		acked, ackedStored, refused, refusedStored)

	// Sent again, as the user (or Slack) would, the refused ones run once.
	for _, r := range append(early, killed...) {
		r.code, r.answer = stallSend(t, srv.url, r)
		if r.code != 200 {
			t.Errorf("%s sent again: %d %q", r.key, r.code, r.answer)
		}
		if r.title != "" && count(`SELECT COUNT(*) FROM tasks WHERE title = ?`, r.title) != 1 {
			t.Errorf("%s sent again did not make exactly one task", r.key)
		}
	}
	srv.stop(t)
}

// stallSend posts one signed request and returns its status and body; 0
// when there was no answer.
func stallSend(t *testing.T, base string, r *stallReq) (int, string) {
	req, _ := http.NewRequest(http.MethodPost, base+r.path, strings.NewReader(r.body))
	for k, v := range sign(r.body, time.Now().Unix()) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 && resp.Header.Get("X-Slack-No-Retry") != "" {
		t.Errorf("%s answered %d with X-Slack-No-Retry", r.key, resp.StatusCode)
	}
	return resp.StatusCode, string(b)
}

// stallLock takes SQLite's write lock on the file from a connection of the
// test's own, and returns what releases it.
func stallLock(t *testing.T, path string) (unlock func()) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	unlock = func() {
		once.Do(func() {
			conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
			db.Close()
		})
	}
	t.Cleanup(unlock)
	return unlock
}

// stallReady is /readyz's status line.
func stallReady(base string) string {
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(base + "/readyz")
	if err != nil {
		return err.Error()
	}
	resp.Body.Close()
	return resp.Status
}

func stallEventually(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return false
}
