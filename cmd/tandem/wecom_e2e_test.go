package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/wecom/wecomtest"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// The WeCom end-to-end tests run Tandem (in-process, or the binary when it
// is killed) against the test kit's fake WeCom API, with callbacks signed
// and encrypted as WeCom sends them.

// wecomE2EConfig is a config with one WeCom app whose API is fake, and
// carol and dave on it.
func wecomE2EConfig(addr, dbPath, api string) string {
	return fmt.Sprintf(`
http: {addr: %q}
storage: {path: %q}
bot: {notify_window: 0s}
log: {level: debug}
console: {enabled: false}
%s
people:
  - {name: Carol, handle: carol, accounts: ["wecom:%s:carol"]}
  - {name: Dave, handle: dave, accounts: ["wecom:%s:dave"]}
`, addr, dbPath, xpWeComYAML(api), xpWeComCorp, xpWeComCorp)
}

// wecomCard matches message/send calls of a template card to user.
func wecomCard(user string) func(wecomtest.Call) bool {
	return func(c wecomtest.Call) bool { return wecomtest.SendTo(user)(c) && c.JSON["msgtype"] == "template_card" }
}

// wecomUpdate matches update_template_card calls with a response_code.
func wecomUpdate(code string) func(wecomtest.Call) bool {
	return func(c wecomtest.Call) bool {
		return c.Path == wecomtest.PathUpdateCard && c.JSON["response_code"] == code
	}
}

// responseCode is the response_code the fake answered a card send with.
func responseCode(t *testing.T, c wecomtest.Call) string {
	t.Helper()
	_, rest, _ := strings.Cut(c.Answer, `"response_code":"`)
	code, _, ok := strings.Cut(rest, `"`)
	if !ok {
		t.Fatalf("no response_code in %s", c.Answer)
	}
	return code
}

// Ensure a task card lives on WeCom: carol gives dave a task; dave's
// notification and carol's reply are template cards; dave's clicks (signed,
// encrypted callbacks with a fresh response_code each) update every copy
// through update_template_card: the clicked one with the click's code,
// carol's with the code its send returned; once that code is spent, her
// notification of the change says it, and no follow-up line repeats it. The done card shows
// done and has no Start or Done button left.
func TestWeComLiveCards(t *testing.T) {
	api := wecomtest.New(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	logs := &dirLogs{}
	m := startDirMain(t, wecomE2EConfig(addr, filepath.Join(dir, "tandem.db"), api.URL), logs)
	base := "http://" + addr
	defer func() {
		if t.Failed() {
			t.Logf("logs:\n%s\nwecom calls:\n%s", logs, api.Dump())
		}
	}()
	_ = m

	create := wecomCallback(t, wecomText("carol", `task new "Quarterly report" @dave`, 7400000000000000001))
	if code, resp := postWeCom(t, base, create); code != 200 {
		t.Fatalf("carol's message: %d %s", code, resp)
	}
	toDave := api.WaitFor(1, 5*time.Second, wecomCard("dave"))
	toCarol := api.WaitFor(1, 5*time.Second, wecomCard("carol"))
	if len(toDave) != 1 || len(toCarol) != 1 {
		t.Fatalf("cards: %d to dave, %d to carol; want 1 each", len(toDave), len(toCarol))
	}
	mustContain(t, wecomtest.Shown(toDave[0]), "#1 Quarterly report")
	daveTask := toDave[0].JSON["template_card"].(map[string]any)["task_id"].(string)
	carolCode := responseCode(t, toCarol[0])
	if !slices.Contains(wecomtest.Buttons(toDave[0]), "task.start|1") {
		t.Fatalf("dave's card buttons %v", wecomtest.Buttons(toDave[0]))
	}

	// dave clicks Start: his card is updated with the click's code, and
	// carol's with the code that came with it.
	click := func(key, code string, at time.Time) {
		t.Helper()
		cb := xpWeComApp.Callback(t, xpWeComApp.CardClickXML("dave", key, daveTask, code, at), time.Now())
		if status, resp := postWeCom(t, base, cb); status != 200 {
			t.Fatalf("click %s: %d %s", key, status, resp)
		}
	}
	start := api.IssueResponseCode()
	click("task.start|1", start, time.Now())
	for who, code := range map[string]string{"dave": start, "carol": carolCode} {
		up := api.WaitFor(1, 5*time.Second, wecomUpdate(code))
		if len(up) != 1 || !strings.Contains(string(up[0].Raw), `"value":"in progress"`) ||
			!slices.Contains(wecomtest.Buttons(up[0]), "task.done|1") || up[0].Answer != `{"errcode":0,"errmsg":"ok","invaliduser":[]}` {
			t.Fatalf("%s's card after Start: %d updates %+v", who, len(up), up)
		}
	}

	// dave clicks Done on the updated card (a new code): his card shows
	// done without Start or Done; carol's code is spent, and she is told of
	// the change by her notification, so no follow-up line says it twice.
	done := api.IssueResponseCode()
	click("task.done|1", done, time.Now().Add(time.Second))
	up := api.WaitFor(1, 5*time.Second, wecomUpdate(done))
	if len(up) != 1 || !strings.Contains(string(up[0].Raw), `"value":"done"`) {
		t.Fatalf("dave's card after Done: %+v", up)
	}
	if keys := wecomtest.Buttons(up[0]); slices.Contains(keys, "task.done|1") || slices.Contains(keys, "task.start|1") {
		t.Fatalf("the done card still offers %v", keys)
	}
	spent := api.WaitFor(2, 5*time.Second, wecomUpdate(carolCode))
	if len(spent) != 2 || !strings.Contains(spent[1].Answer, fmt.Sprint(wecomtest.ErrCodeResponseCode)) {
		t.Fatalf("carol's second update: %+v", spent)
	}
	toldDone := func(c wecomtest.Call) bool {
		return wecomtest.SendTo("carol")(c) && strings.Contains(wecomtest.Shown(c), "@dave moved #1 Quarterly report to done")
	}
	api.WaitFor(1, 5*time.Second, toldDone)
	time.Sleep(200 * time.Millisecond) // a second message would be sent by now
	if n := len(api.Matching(toldDone)); n != 1 {
		t.Errorf("carol was told of Done %d times, want once", n)
	}

	// Nothing was posted as a second card: every change went to the copies.
	if n := len(api.Matching(wecomCard("dave"))); n != 1 {
		t.Errorf("%d cards sent to dave, want 1", n)
	}
}

// wecomPNG is a small PNG whose pixel depends on n, so that each test has
// a picture of its own (no upload reused).
func wecomPNG(t *testing.T, n uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3, 3))
	img.Set(1, 1, color.RGBA{R: n, G: 99, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func wecomPicture(pic []byte, key string) *bot.Outgoing {
	return &bot.Outgoing{Key: key,
		To:  bot.Destination{Platform: bot.PlatformWeCom, Workspace: xpWeComCorp, UserID: "dave"},
		Msg: bot.Message{Text: "Burndown", Image: bot.NewImage("burndown.png", "Burndown chart", pic)}}
}

// imagesOf matches the image messages that show media.
func imagesOf(media string) func(wecomtest.Call) bool {
	return func(c wecomtest.Call) bool {
		return c.Path == wecomtest.PathSend && c.JSON["msgtype"] == "image" && wecomtest.Shown(c) == "image "+media
	}
}

// Ensure a PNG enqueued in-process is uploaded once and arrives once: the
// text, then an image message with the uploaded media_id.
func TestWeComPicture(t *testing.T) {
	api := wecomtest.New(t)
	logs := &dirLogs{}
	m := startDirMain(t, wecomE2EConfig("127.0.0.1:0", filepath.Join(t.TempDir(), "tandem.db"), api.URL), logs)
	pic := wecomPNG(t, 1)
	if err := m.DB.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.Enqueue(wecomPicture(pic, "e2e/picture"), time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	m.Dispatcher.Trigger()
	if got := api.WaitFor(1, 5*time.Second, imagesOf("media-1")); len(got) != 1 {
		t.Fatalf("image messages: %d\n%s", len(got), api.Dump())
	}
	m.Close()
	ups := api.CallsTo(wecomtest.PathMediaUpload)
	if len(ups) != 1 || !bytes.Equal(ups[0].File, pic) {
		t.Fatalf("uploads: %d\n%s", len(ups), api.Dump())
	}
	if n := len(api.Matching(imagesOf("media-1"))); n != 1 {
		t.Fatalf("the picture arrived %d times", n)
	}
}

// Ensure a picture arrives once across a kill in the middle of its upload:
// the process is killed (SIGKILL) while media/upload hangs, restarted on
// the same data directory, uploads again (the first upload's media_id was
// never recorded, and showed nobody anything) and posts the picture once.
func TestWeComPictureAcrossKill(t *testing.T) {
	api := wecomtest.New(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "tandem.db")
	pic := wecomPNG(t, 2)

	// Enqueue before the process starts (it holds the database's lock).
	db := sqlite.NewDB(dbPath)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.Enqueue(wecomPicture(pic, "e2e/picture-kill"), time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	hold := api.Hold(wecomtest.PathMediaUpload)
	cfg := filepath.Join(dir, "tandem.yaml")
	addr := freeAddr(t)
	if err := os.WriteFile(cfg, []byte(wecomE2EConfig(addr, dbPath, api.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	first := startServer(t, cfg, addr)
	select {
	case <-hold.Entered:
	case <-time.After(10 * time.Second):
		t.Fatalf("no upload started:\n%s\n%s", first.logs, api.Dump())
	}
	first.cmd.Process.Signal(syscall.SIGKILL)
	first.cmd.Wait()
	hold.Release()
	if n := len(api.Matching(func(c wecomtest.Call) bool { return c.Path == wecomtest.PathSend })); n != 0 {
		t.Fatalf("%d messages sent before the upload finished", n)
	}

	// The killed process's claim would hold the message for the lease (a
	// minute); expire it as the passing minute would (see crash_test.go).
	// Nothing of the upload was recorded.
	raw, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	var imageKey string
	if err := raw.QueryRow(`SELECT image_key FROM outbox WHERE key = 'e2e/picture-kill'`).Scan(&imageKey); err != nil || imageKey != "" {
		t.Fatalf("image_key %q after the kill (%v), want none", imageKey, err)
	}
	if _, err := raw.Exec(`UPDATE outbox SET lease_owner = '', lease_until = 0 WHERE state = 'queued'`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	second := startServer(t, cfg, addr)
	defer func() {
		if t.Failed() {
			t.Logf("logs after restart:\n%s\nwecom calls:\n%s", second.logs, api.Dump())
		}
	}()
	images := api.WaitFor(1, 10*time.Second, func(c wecomtest.Call) bool {
		return c.Path == wecomtest.PathSend && c.JSON["msgtype"] == "image"
	})
	second.stop(t)
	if len(images) != 1 {
		t.Fatalf("image messages: %d, want 1", len(images))
	}
	ups := api.CallsTo(wecomtest.PathMediaUpload)
	if len(ups) != 2 || !bytes.Equal(ups[1].File, pic) || wecomtest.Shown(images[0]) != "image media-2" {
		t.Fatalf("uploads %d, image %q", len(ups), wecomtest.Shown(images[0]))
	}
	texts := api.Matching(func(c wecomtest.Call) bool { return wecomtest.SendTo("dave")(c) && c.JSON["msgtype"] == "text" })
	if len(texts) != 1 {
		t.Fatalf("texts to dave: %d, want 1", len(texts))
	}
}
