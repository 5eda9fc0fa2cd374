package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// The DingTalk app of the end-to-end tests.
const (
	dingE2ECorp     = "dingcorpE2E"
	dingE2EClient   = "ding-e2e"
	dingE2ESecret   = "ding-e2e-secret"
	dingE2ETemplate = "tpl-e2e.schema"
)

// dingE2EConfig runs Tandem with one DingTalk app against the kit's fake
// api, in stream mode with a card template (so cards with buttons are
// interactive cards and their clicks come over Stream), alice (staff1) and
// bob (staff2) on DingTalk.
func dingE2EConfig(api, dbPath, addr string) string {
	return fmt.Sprintf(`
http: {addr: %q}
storage: {path: %q}
bot: {notify_window: 0s}
dingtalk:
  - {client_id: %s, client_secret: %s, robot_code: %s, workspace: %s, card_template_id: %s, api_url: %q, oapi_url: %q}
people:
  - {name: Alice, handle: alice, role: admin, accounts: ["dingtalk:%s:staff1"]}
  - {name: Bob, handle: bob, accounts: ["dingtalk:%s:staff2"]}
`, addr, dbPath, dingE2EClient, dingE2ESecret, dingE2EClient, dingE2ECorp, dingE2ETemplate, api, api, dingE2ECorp, dingE2ECorp)
}

// Ensure live cards on DingTalk through the real wiring: alice, in her
// chat with the bot, gives bob a task; both get the task's card as an
// interactive card (bob's notification, alice's reply); bob clicks Done on
// his card, over Stream; then EVERY posted copy is updated in place with
// PUT /v1.0/card/instances to show the task done, with none of its old
// buttons, and nothing new is posted in their place.
func TestDingTalkLiveCards(t *testing.T) {
	api := dingtalktest.New(t, dingE2EClient, dingE2ESecret)
	dir := t.TempDir()
	runMain(t, dingE2EConfig(api.URL, filepath.Join(dir, "t.db"), "127.0.0.1:0"), filepath.Join(dir, "t.db"), slog.New(slog.DiscardHandler))
	defer func() {
		if t.Failed() {
			t.Logf("DingTalk calls:\n%s", api.Dump())
		}
	}()
	g := api.NextConn(t)

	msg := dingtalktest.BotMessage{MsgID: "msgE2E1", ConversationID: "cidAlice==", SenderStaffID: "staff1", CorpID: dingE2ECorp,
		Text: `task new "Quarterly report" @bob`, SessionWebhook: api.URL + "/robot/sendBySession?session=alice", Expires: time.Now().Add(time.Hour)}
	g.Send(t, "CALLBACK", dingtalktest.TopicBotMessage, "frame-1", msg.Data())
	if ack := g.NextAck(t, 5*time.Second); ack == nil || ack.Code != 200 {
		t.Fatalf("ack of alice's message: %+v", ack)
	}
	created := api.WaitCalls(t, "createAndDeliver", 2)
	cards := map[string]string{} // space → outTrackId
	for _, c := range created {
		cards[c.JSON["openSpaceId"].(string)], _ = c.JSON["outTrackId"].(string)
	}
	bobCard, aliceCard := cards["dtv1.card//IM_ROBOT.staff2"], cards["dtv1.card//IM_ROBOT.staff1"]
	if bobCard == "" || aliceCard == "" {
		t.Fatalf("cards to bob and alice: %v", cards)
	}
	for _, id := range []string{bobCard, aliceCard} {
		c, _ := api.Card(id)
		mustContain(t, c.Params["title"], "#1 Quarterly report")
		mustContain(t, c.Params["buttons"], `"action":"task.start","value":"1"`)
	}

	// bob starts the task, then finishes it, each from his card, which the
	// first click updated.
	for i, action := range []string{"task.start", "task.done"} {
		click := dingtalktest.Click{OutTrackID: bobCard, UserID: "staff2", CorpID: dingE2ECorp, SpaceID: "cidBob==",
			Params: map[string]any{"action": action, "value": "1"}}
		frame := fmt.Sprintf("frame-click-%d", i)
		g.Send(t, "CALLBACK", dingtalktest.TopicCardCallback, frame, click.Data())
		if ack := g.NextAck(t, 5*time.Second); ack == nil || ack.Code != 200 || ack.Headers["messageId"] != frame {
			t.Fatalf("ack of bob's %s click: %+v", action, ack)
		}
		api.WaitCalls(t, "updateCard", 2*(i+1))
		if i == 0 {
			c, _ := api.Card(bobCard)
			mustContain(t, c.Params["markdown"], "in progress")
			mustContain(t, c.Params["buttons"], `"action":"task.done"`)
		}
	}

	// Every card posted about the task (the two first ones, and alice's
	// notification that bob started it) ends up showing it done, without
	// the buttons it had; nothing else is posted as a card.
	notDone := func() []string {
		var bad []string
		for _, c := range api.Cards() {
			old := strings.Contains(c.Params["buttons"], "task.start") || strings.Contains(c.Params["buttons"], "task.done") ||
				strings.Contains(c.Params["buttons"], "task.cancel") || c.Params["button2_action"] != ""
			if c.Updates == 0 || !strings.Contains(c.Params["markdown"], "**Status:** done") || old {
				bad = append(bad, fmt.Sprintf("%s in %s (%d updates): %s %s", c.OutTrackID, c.Space, c.Updates, c.Params["markdown"], c.Params["buttons"]))
			}
		}
		return bad
	}
	for deadline := time.Now().Add(5 * time.Second); len(notDone()) > 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if bad := notDone(); len(bad) > 0 {
		t.Errorf("cards not showing the task done:\n%s", strings.Join(bad, "\n"))
	}
	if n := len(api.Cards()); n != 3 {
		t.Errorf("%d cards, want 3 (bob's, alice's, alice's news that bob started)", n)
	}
	for _, id := range []string{bobCard, aliceCard} {
		if c, _ := api.Card(id); c.Updates != 2 {
			t.Errorf("card %s updated %d times, want 2 (start, done)", id, c.Updates)
		}
	}
}

// dingE2EPicture enqueues a message to bob with a picture, as a feature
// would, and returns the picture's bytes.
func dingE2EPicture(t *testing.T, db interface {
	Update(context.Context, func(bot.Tx) error) error
}, key string) []byte {
	t.Helper()
	png := adaptertest.TinyPNG
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.Enqueue(&bot.Outgoing{Key: key,
			To:  bot.Destination{Platform: bot.PlatformDingTalk, Workspace: dingE2ECorp, UserID: "staff2"},
			Msg: bot.Message{Image: bot.NewImage("burndown.png", "Burndown", png)}}, time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return png
}

// Ensure a picture enqueued in the process is uploaded once and arrives at
// DingTalk once, as sampleImageMsg with the uploaded media_id; and that a
// second message with the same picture reuses the upload.
func TestDingTalkPicture(t *testing.T) {
	api := dingtalktest.New(t, dingE2EClient, dingE2ESecret)
	dir := t.TempDir()
	m := runMain(t, dingE2EConfig(api.URL, filepath.Join(dir, "t.db"), "127.0.0.1:0"), filepath.Join(dir, "t.db"), slog.New(slog.DiscardHandler))
	png := dingE2EPicture(t, m.DB, "e2e/picture/1")
	m.Dispatcher.Trigger()
	api.WaitCalls(t, "batchSend", 1)
	dingE2EPicture(t, m.DB, "e2e/picture/2")
	m.Dispatcher.Trigger()
	api.WaitCalls(t, "batchSend", 2)

	imgs := api.Images()
	if len(imgs) != 2 || imgs[0].To != "staff2" || !bytes.Equal(imgs[0].PNG, png) || imgs[1].MediaID != imgs[0].MediaID {
		t.Fatalf("pictures %+v\n%s", imgs, api.Dump())
	}
	if n := len(api.Calls("mediaUpload")); n != 1 {
		t.Errorf("%d uploads, want 1 (the second message reuses the first's)", n)
	}
}

// Ensure a picture arrives exactly once across a kill during its upload:
// the fake's media/upload holds the request until the process is killed
// (SIGKILL); nothing was posted, so after the restart (same data) the
// picture is uploaded again and posted once. (A kill after DingTalk
// accepted the picture message but before the outbox recorded it would
// post it twice: DingTalk's robot API takes no idempotency key.)
func TestDingTalkPictureKillDuringUpload(t *testing.T) {
	api := dingtalktest.New(t, dingE2EClient, dingE2ESecret)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "t.db")
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "tandem.yaml")
	if err := os.WriteFile(cfg, []byte(dingE2EConfig(api.URL, dbPath, addr)), 0o644); err != nil {
		t.Fatal(err)
	}

	// The picture is queued before Tandem starts (the binary has no way in
	// for one); the first process takes it at once.
	db := sqlite.NewDB(dbPath)
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	png := dingE2EPicture(t, db, "e2e/kill/1")
	db.Close()
	hung := api.Hang("mediaUpload")

	srv := startServer(t, cfg, addr)
	select {
	case <-hung:
	case <-time.After(10 * time.Second):
		t.Fatalf("no upload began; logs:\n%s\ncalls:\n%s", srv.logs, api.Dump())
	}
	srv.cmd.Process.Kill()
	srv.cmd.Wait()
	if n := len(api.Images()); n != 0 {
		t.Fatalf("a picture was posted before the upload finished: %s", api.Dump())
	}
	// The killed process held the row's lease, which would keep it for a
	// minute; the passing minute is played by expiring it in the file (the
	// only writer is gone), as TestCrashRestart does.
	raw, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	res, err := raw.Exec(`UPDATE outbox SET lease_owner = '', lease_until = 0
		WHERE key = 'e2e/kill/1' AND state = 'queued' AND lease_until > 0 AND image_key = ''`)
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("the killed process's row (leased, queued, no upload recorded): %d rows, %v", n, err)
	}
	raw.Close()

	srv = startServer(t, cfg, addr)
	api.WaitCalls(t, "batchSend", 1)
	srv.stop(t) // whatever it was to post, it has
	imgs := api.Images()
	if len(imgs) != 1 || !bytes.Equal(imgs[0].PNG, png) {
		t.Fatalf("pictures after the restart: %+v\n%s", imgs, api.Dump())
	}
	if n := len(api.Calls("mediaUpload")); n != 2 {
		t.Errorf("%d uploads, want 2 (the one killed, the one after the restart)", n)
	}
}
