package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// slackLiveConfig is a configuration with Slack alone, its Web API at api.
func slackLiveConfig(dbPath, api string) string {
	return fmt.Sprintf(`
http: {addr: "127.0.0.1:0"}
storage: {path: %q}
bot: {notify_window: 0s}  # each notification at once: the test reads them straight away
console: {enabled: false}
slack:
  signing_secret: %s
  bot_token: xoxb-e2e
  bot_user_id: UBOT
  api_url: %s
`, dbPath, slackSecret, api)
}

// slackCardDone says whether a message shows task #1's card done, with
// none of the buttons of an open task left (a done card offers Reopen).
func slackCardDone(m slacktest.Message) bool {
	if !strings.Contains(m.Blocks, "#1 Poster") || !strings.Contains(m.Blocks, `*Status*\ndone`) {
		return false
	}
	for _, gone := range []string{"task.start", "task.done", "task.cancel"} {
		if strings.Contains(m.Blocks, `"action_id":"`+gone+`"`) {
			return false
		}
	}
	return true
}

// Ensure live cards on Slack through the whole program: ann, in channel
// C9, gives bob a task by @-mention; the answer (in C9, through the outbox)
// and bob's DM notification each carry the task's card. bob clicks Start,
// then Done, on his DM card through the signed interactions route: every
// posted copy is changed in place with chat.update and shows the task done
// without its Start, Done and Cancel buttons, and neither chat gets a
// second card.
func TestSlackLiveCards(t *testing.T) {
	fake := slacktest.NewServer(t)
	logs := &dirLogs{}
	m := startDirMain(t, slackLiveConfig(filepath.Join(t.TempDir(), "tandem.db"), fake.APIURL()), logs)
	defer func() {
		if t.Failed() {
			t.Logf("logs:\n%s\nslack calls:\n%s", logs, fake.Dump())
		}
	}()
	base := m.Server.URL()
	mention := slacktest.Event("T1", "EvLive1", map[string]any{"type": "app_mention", "user": "U1", "channel": "C9",
		"text": `<@UBOT> task new "Poster for the Q3 launch" <@U2>`, "ts": "1700000001.000100"})
	if code, resp := post(t, base+"/slack/events", slacktest.JSONType, string(mention), sign(string(mention), time.Now().Unix())); code != 200 {
		t.Fatalf("mention: %d %s", code, resp)
	}
	inC9 := fake.WaitMessages("C9", 1, 5*time.Second)
	dm := fake.WaitMessages("DU2", 1, 5*time.Second)
	if len(inC9) != 1 || len(dm) != 1 || !strings.Contains(inC9[0].Blocks, "#1 Poster") || !strings.Contains(dm[0].Blocks, `"action_id":"task.start"`) {
		t.Fatalf("cards posted: in C9 %+v, to bob %+v", inC9, dm)
	}
	for i, action := range []string{"task.start", "task.done"} {
		click := string(slacktest.Click{User: "U2", UserName: "bob", Channel: "DU2", MessageTS: dm[0].TS, ActionID: action, Value: "1",
			Trigger: fmt.Sprintf("live-%d", i), ResponseURL: fake.URL + "/response/live"}.Body())
		if code, resp := post(t, base+"/slack/interactions", slacktest.FormType, click, sign(click, time.Now().Unix())); code != 200 {
			t.Fatalf("%s click: %d %s", action, code, resp)
		}
		if i == 0 { // Done appears once the task is in progress
			fake.WaitCalls("chat.update", 2, 5*time.Second)
			if dm := fake.Messages("DU2"); len(dm) != 1 || !strings.Contains(dm[0].Blocks, `"action_id":"task.done"`) {
				t.Fatalf("bob's card after Start: %+v", dm)
			}
		}
	}
	// Every message about the task shows it done: the two cards, edited
	// twice each, and ann's notifications (the first, "in progress", is a
	// live card itself, edited to done; the second is new and says done).
	var msgs []slacktest.Message
	dirEventually(t, "every copy shows done", func() (bool, string) {
		msgs = fake.Messages("")
		for _, m := range msgs {
			if !slackCardDone(m) {
				return false, fmt.Sprintf("%s/%s: %s", m.Channel, m.TS, m.Blocks)
			}
		}
		return true, ""
	})
	time.Sleep(100 * time.Millisecond)
	for _, ch := range []string{"C9", "DU2"} {
		got := fake.Messages(ch)
		if len(got) != 1 || got[0].Edits != 2 {
			t.Errorf("messages in %s: %+v, want the one card, edited twice (in progress, done)", ch, got)
		}
	}
}

// Ensure a picture enqueued in the running program arrives at Slack once:
// uploaded (steps 1-2), then shared into bob's DM with its text (step 3),
// and nothing else posted.
func TestSlackPicture(t *testing.T) {
	fake := slacktest.NewServer(t)
	logs := &dirLogs{}
	m := startDirMain(t, slackLiveConfig(filepath.Join(t.TempDir(), "tandem.db"), fake.APIURL()), logs)
	slackEnqueuePicture(t, m.DB, "pic-1")
	m.Dispatcher.Trigger()
	if got := fake.WaitMessages("DU2", 1, 5*time.Second); len(got) != 1 || got[0].Text != "Burndown of Q3" || len(got[0].FileIDs) != 1 {
		t.Fatalf("messages to bob: %+v\n%s", got, logs)
	}
	time.Sleep(200 * time.Millisecond)
	slackPictureOnce(t, fake)
}

// Ensure a picture arrives once across a kill (SIGKILL) in the middle of
// its delivery, the process restarted on the same data:
//   - in the upload: Slack's upload URL holds the bytes without answering
//     until the process is killed; nothing was posted, and the restart
//     uploads again and posts;
//   - after Slack shared it, before the outbox recorded that: files.info,
//     which Send asks for the new message's id, does not answer; the
//     restart's retry finds the share with files.info and posts nothing.
func TestSlackPictureKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary through a SIGKILL")
	}
	for _, tc := range []struct{ name, hang string }{{"InUpload", slacktest.Upload}, {"AfterShare", "files.info"}} {
		t.Run(tc.name, func(t *testing.T) { slackPictureKilled(t, tc.hang) })
	}
}

func slackPictureKilled(t *testing.T, hang string) {
	fake := slacktest.NewServer(t)
	hanging := make(chan struct{}, 1)
	fake.Reply(hang, func(w http.ResponseWriter, c slacktest.Call) {
		select {
		case hanging <- struct{}{}:
		default:
		}
		slacktest.Hang(w, c)
	})
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "tandem.db")
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "tandem.yaml")
	yaml := strings.Replace(slackLiveConfig(dbPath, fake.APIURL()), "127.0.0.1:0", addr, 1)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	db := sqlite.NewDB(dbPath)
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	slackEnqueuePicture(t, db, "pic-kill")
	db.Close()

	srv := startCrashServer(t, cfg, addr)
	select {
	case <-hanging:
	case <-time.After(10 * time.Second):
		t.Fatalf("delivery never reached %s:\n%s\n%s", hang, srv.logs, fake.Dump())
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.cmd.Wait()
	sharedBefore := len(fake.Calls("files.completeUploadExternal"))
	// The killed process's lease would end in a minute; end it now, as the
	// passing minute would (see TestCrashRestart).
	slackExpireLeases(t, dbPath)
	fake.Reply(hang, nil)
	srv = startCrashServer(t, cfg, addr)
	dirEventually(t, "the message is recorded as sent", func() (bool, string) {
		state := slackOutboxState(t, dbPath, "pic-kill")
		return state == "sent", state
	})
	srv.stop(t)
	slackPictureOnce(t, fake)
	if hang == "files.info" && (sharedBefore != 1 || len(fake.Calls("files.completeUploadExternal")) != 1) {
		t.Errorf("completions: %d before the kill, %d in all; want 1 and 1", sharedBefore, len(fake.Calls("files.completeUploadExternal")))
	}
}

// slackEnqueuePicture queues a PNG for bob's Slack DM under key.
func slackEnqueuePicture(t *testing.T, store bot.Store, key string) {
	t.Helper()
	err := store.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.Enqueue(&bot.Outgoing{Key: key,
			To:  bot.Destination{Platform: bot.PlatformSlack, Workspace: "T1", UserID: "U2"},
			Msg: bot.Message{Text: "Burndown of Q3", Image: bot.NewImage("burndown.png", "Burndown chart", adaptertest.TinyPNG)},
		}, time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// slackPictureOnce checks that Slack shows the picture exactly once: one
// file shared once, with the bytes, and one message in bob's DM.
func slackPictureOnce(t *testing.T, fake *slacktest.Server) {
	t.Helper()
	var shared []slacktest.File
	for _, f := range fake.Files() {
		if len(f.Shares) > 0 {
			shared = append(shared, f)
		}
	}
	if len(shared) != 1 || len(shared[0].Shares) != 1 || !bytes.Equal(shared[0].Data, adaptertest.TinyPNG) || shared[0].Shares[0].Channel != "DU2" {
		t.Fatalf("files shared: %+v", shared)
	}
	if msgs := fake.Messages(""); len(msgs) != 1 {
		t.Fatalf("messages: %+v", msgs)
	}
}

// slackExpireLeases ends the leases a killed process held on outgoing
// messages, in the file, while no process runs.
func slackExpireLeases(t *testing.T, dbPath string) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE outbox SET lease_owner = '', lease_until = 0 WHERE state = 'queued' AND lease_until > 0`); err != nil {
		t.Fatal(err)
	}
}

// slackOutboxState is the state of the outgoing message with key.
func slackOutboxState(t *testing.T, dbPath, key string) string {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var state string
	if err := raw.QueryRow(`SELECT state FROM outbox WHERE key = ?`, key).Scan(&state); err != nil {
		t.Fatal(err)
	}
	return state
}
