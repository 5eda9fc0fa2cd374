package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// The Feishu app of the end-to-end tests below.
var liveFeishu = feishutest.App{AppID: "cli_live", Tenant: "tk-live", Token: xpFeishuToken}

// liveFeishuYAML configures Tandem with one Feishu app calling api, and
// alice and bob at home on Feishu.
func liveFeishuYAML(addr, dbPath, api string) string {
	return fmt.Sprintf(`
http: {addr: %q}
storage: {path: %q}
bot: {notify_window: 0s}  # each notification at once: the test reads them straight away
console: {enabled: false}
feishu:
  - app_id: %s
    app_secret: live-feishu-secret
    verification_token: %s
    encrypt_key: %s
    workspace: %s
    host: %s
people:
  - {name: Alice, handle: alice, accounts: ["feishu:%[6]s:ou_alice"]}
  - {name: Bob, handle: bob, accounts: ["feishu:%[6]s:ou_bob"]}
`, addr, dbPath, liveFeishu.AppID, liveFeishu.Token, xpFeishuKey, liveFeishu.Tenant, api)
}

// postFeishuEvent delivers payload to Tandem's Feishu webhook at base,
// encrypted and signed as Feishu does, and returns the answer.
func postFeishuEvent(t *testing.T, base string, payload any) (int, string) {
	t.Helper()
	body, h := feishutest.Signed(xpFeishuKey, time.Now(), payload)
	return post(t, base+"/feishu/events", "application/json", string(body), h)
}

// feishuCards returns the cards posted so far about task #1, by message id.
func feishuCards(api *feishutest.Server) map[string]feishutest.Message {
	out := map[string]feishutest.Message{}
	for _, m := range api.Messages() {
		if m.MsgType == "interactive" && strings.Contains(m.Content, "#1 Poster") {
			out[m.ID] = m
		}
	}
	return out
}

// Ensure a task card clicked Done on Feishu changes everywhere it was
// posted: alice creates a task for bob in her direct chat (the answer, a
// card, is a reply there) and bob is told with a card in his; bob clicks
// Start, then Done, on his card through the signed callback; every card
// posted about the task is then patched in place (PATCH
// /open-apis/im/v1/messages/:id) to show it done without buttons, and no
// second copy of it is posted.
func TestFeishuLiveCardsEndToEnd(t *testing.T) {
	api := feishutest.NewServer(t)
	dbPath := filepath.Join(t.TempDir(), "tandem.db")
	logs := &dirLogs{}
	m := runMain(t, liveFeishuYAML("127.0.0.1:0", dbPath, api.URL), dbPath, slog.New(slog.NewTextHandler(logs, nil)))
	defer func() {
		if t.Failed() {
			t.Logf("tandem logs:\n%s\nfeishu calls:\n%s", logs.take(), api.Dump())
		}
	}()
	base := m.Server.URL()

	now := time.Now()
	if code, resp := postFeishuEvent(t, base, liveFeishu.DirectMessage("ev-live-1", "ou_alice", "om_alice_1", `task new "Poster" @bob`, now)); code != 200 {
		t.Fatalf("alice's message: %d %s", code, resp)
	}
	if !feishutest.WaitFor(5*time.Second, func() bool { return len(feishuCards(api)) == 2 }) {
		t.Fatalf("cards posted: %+v, want alice's answer and bob's notification", api.Messages())
	}
	var bobCard, aliceCard feishutest.Message
	for _, c := range feishuCards(api) {
		switch {
		case c.ReceiveID == "ou_bob":
			bobCard = c
		case c.ReplyTo == "om_alice_1":
			aliceCard = c
		}
	}
	if bobCard.ID == "" || aliceCard.ID == "" {
		t.Fatalf("cards %+v, want one to bob and one in reply to alice", feishuCards(api))
	}

	for _, step := range []struct{ action, status string }{{"task.start", "in progress"}, {"task.done", "done"}} {
		click := liveFeishu.Click("ev-live-"+step.action, "ou_bob", "oc_ou_bob", bobCard.ID, step.action, "1", time.Now())
		code, resp := postFeishuEvent(t, base, click)
		if code != 200 || !strings.Contains(resp, "#1 is now "+step.status) {
			t.Fatalf("bob's %s click: %d %s", step.action, code, resp)
		}
		if strings.Contains(resp, `"card"`) && !strings.Contains(resp, step.status) {
			t.Errorf("the answer to the %s click shows a stale card: %s", step.action, resp)
		}
	}

	// Every posted copy shows the task done and offers none of the buttons
	// of an open task (Reopen is all a done task has); the two cards posted
	// before the clicks were patched, not posted again.
	showsDone := func(c feishutest.Message) bool {
		return strings.Contains(c.Content, `**Status**\ndone`) && !strings.Contains(c.Content, `"action_id":"task.start"`) &&
			!strings.Contains(c.Content, `"action_id":"task.done"`) && !strings.Contains(c.Content, `"action_id":"task.cancel"`)
	}
	settled := feishutest.WaitFor(5*time.Second, func() bool {
		for _, c := range feishuCards(api) {
			if !showsDone(c) {
				return false
			}
		}
		return true
	})
	cards := feishuCards(api)
	if !settled {
		for _, c := range cards {
			if !showsDone(c) {
				t.Errorf("card %s (to %s%s) does not show done, or still offers an open task's buttons: %s", c.ID, c.ReceiveID, c.ReplyTo, c.Content)
			}
		}
	}
	for _, c := range cards {
		t.Logf("card %s to %s%s: patched %d times", c.ID, c.ReceiveID, c.ReplyTo, c.Patches)
	}
	for _, id := range []string{bobCard.ID, aliceCard.ID} {
		if cards[id].Patches < 2 {
			t.Errorf("card %s patched %d times, want once per change (2)", id, cards[id].Patches)
		}
	}
	for _, c := range api.Matching(func(c feishutest.Call) bool { return c.Method == "PATCH" }) {
		if !strings.Contains(c.Body["content"].(string), `"update_multi":true`) {
			t.Errorf("a patch without update_multi: %s", c.Raw)
		}
	}
}

// enqueuePicture queues, in its own unit, a message with text and tinyPNG
// to bob on Feishu.
func enqueuePicture(t *testing.T, db interface {
	Update(context.Context, func(bot.Tx) error) error
}, key string) {
	t.Helper()
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.Enqueue(&bot.Outgoing{Key: key,
			To:  bot.Destination{Platform: bot.PlatformFeishu, Workspace: liveFeishu.Tenant, UserID: "ou_bob"},
			Msg: bot.Message{Text: "Burndown of the poster", Image: bot.NewImage("burndown.png", "Burndown", adaptertest.TinyPNG)},
		}, time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// pictureShown counts the image messages bob has and the uploads they
// name.
func picturesTo(api *feishutest.Server, openID string) (texts, images int) {
	for _, m := range api.Messages() {
		if m.ReceiveID != openID {
			continue
		}
		switch m.MsgType {
		case "text":
			texts++
		case "image":
			images++
		}
	}
	return texts, images
}

// Ensure a PNG queued in the outbox arrives on Feishu once: uploaded to
// im/v1/images, then the text and the picture (an image message naming the
// uploaded key) posted once each.
func TestFeishuPictureEndToEnd(t *testing.T) {
	api := feishutest.NewServer(t)
	dbPath := filepath.Join(t.TempDir(), "tandem.db")
	m := runMain(t, liveFeishuYAML("127.0.0.1:0", dbPath, api.URL), dbPath, slog.New(slog.DiscardHandler))
	enqueuePicture(t, m.DB, "pic-e2e")
	m.Dispatcher.Trigger()
	if !feishutest.WaitFor(5*time.Second, func() bool { _, n := picturesTo(api, "ou_bob"); return n > 0 }) {
		t.Fatalf("no picture arrived:\n%s", api.Dump())
	}
	time.Sleep(100 * time.Millisecond) // room for a second delivery, were there one
	texts, images := picturesTo(api, "ou_bob")
	ups := api.Uploads()
	if texts != 1 || images != 1 || len(ups) != 1 || string(ups[0].Bytes) != string(adaptertest.TinyPNG) {
		t.Fatalf("bob has %d texts and %d pictures from %d uploads, want one each:\n%s", texts, images, len(ups), api.Dump())
	}
	// The dispatcher uploaded (through the Feishu apps' sender) and
	// recorded the key before Send, rather than Send uploading on its own.
	var sent []*bot.Outgoing
	if err := m.DB.View(context.Background(), func(tx bot.Tx) (err error) { sent, err = tx.FindOutgoing(bot.OutboxSent, 10); return }); err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || sent[0].Msg.Image == nil || sent[0].Msg.Image.Key != ups[0].Key {
		t.Errorf("sent rows %+v, want the picture's row with its upload key %s", sent, ups[0].Key)
	}
}

// Ensure a picture still arrives exactly once across kills: first in the
// middle of its upload (the fake holds the upload until the process is
// dead; the restarted process, on the same data directory, uploads again:
// the upload is not the post, so the lost one shows nobody anything), then
// after the text and the picture were posted but before Tandem learnt that
// the picture was (the fake holds that answer until the kill): the next
// process posts both again with the same uuids, and Feishu shows nothing
// new.
func TestFeishuPictureAcrossKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the binary")
	}
	api := feishutest.NewServer(t)
	release := api.Hold(feishutest.PathImages)
	defer release()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "tandem.db")
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "tandem.yaml")
	if err := os.WriteFile(cfg, []byte(liveFeishuYAML(addr, dbPath, api.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	db := sqlite.NewDB(dbPath)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	enqueuePicture(t, db, "pic-kill")
	db.Close()

	var recorded string // the upload's key in the outbox row after the last kill
	// kill stops srv at once and expires what it had claimed: the dead
	// process's lease would keep the message for a minute, so it is
	// expired, as TestCrashRestart does, to keep the test short.
	kill := func(srv *server) {
		t.Helper()
		srv.cmd.Process.Signal(syscall.SIGKILL)
		srv.cmd.Wait()
		raw, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(5000)")
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.Exec(`UPDATE outbox SET lease_owner = '', lease_until = 0 WHERE state = 'queued'`); err != nil {
			t.Fatal(err)
		}
		raw.QueryRow(`SELECT image_key FROM outbox WHERE key = 'pic-kill'`).Scan(&recorded)
	}

	srv := startServer(t, cfg, addr)
	if !feishutest.WaitFor(10*time.Second, func() bool { return len(api.Matching(isUpload)) > 0 }) {
		t.Fatalf("no upload began:\n%s\n%s", api.Dump(), srv.logs)
	}
	kill(srv)
	release()
	if texts, images := picturesTo(api, "ou_bob"); texts+images != 0 {
		t.Fatalf("posted before the upload finished: %d texts, %d pictures", texts, images)
	}

	api.SetLatency(time.Hour, "image") // the picture's post is answered only to a dead caller
	srv = startServer(t, cfg, addr)
	if !feishutest.WaitFor(10*time.Second, func() bool { _, n := picturesTo(api, "ou_bob"); return n > 0 }) {
		t.Fatalf("no picture after the first restart:\n%s\n%s", api.Dump(), srv.logs)
	}
	kill(srv)
	api.SetLatency(0)
	repeats := api.Repeats()
	if recorded != "img_v2_1" {
		t.Errorf("the outbox row names upload %q after the kill, want img_v2_1, recorded before anything was posted", recorded)
	}

	srv = startServer(t, cfg, addr)
	if !feishutest.WaitFor(10*time.Second, func() bool { return api.Repeats() >= repeats+2 }) {
		t.Fatalf("the second restart did not send the message again:\n%s\n%s", api.Dump(), srv.logs)
	}
	time.Sleep(100 * time.Millisecond)
	if texts, images := picturesTo(api, "ou_bob"); texts != 1 || images != 1 {
		t.Errorf("bob has %d texts and %d pictures, want one each:\n%s", texts, images, api.Dump())
	}
	if n := len(api.Matching(isUpload)); n != 2 {
		t.Errorf("%d upload requests, want 2 (the one cut by the kill, and the one after; its key is reused):\n%s", n, api.Dump())
	}
	srv.stop(t)
}

func isUpload(c feishutest.Call) bool { return c.Path == feishutest.PathImages }
