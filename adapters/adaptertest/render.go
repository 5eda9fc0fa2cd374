package adaptertest

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/tandemhq/tandem/bot"
)

// update rewrites golden files instead of comparing with them:
// go test ./adapters/... -run Render -update
var update = flag.Bool("update", false, "rewrite the golden files of rendering tests")

// RenderFixture is one message every adapter must render; the rendering
// contract is that each adapter renders every fixture, and its output is
// kept in one golden file per adapter (testdata/render.golden), so a change
// to how any platform shows a message is seen in review.
type RenderFixture struct {
	Name string
	Msg  bot.Message
}

// RenderFixtures are the messages of the rendering contract: plain text in
// both languages, a task card with every kind of button, a card without
// buttons (a done task), an edit of a card, a meeting's invitation (a field
// of several lines), a picture, and text that needs
// escaping on some platform.
func RenderFixtures() []RenderFixture {
	taskCard := func(status string, buttons ...bot.Button) *bot.Card {
		return &bot.Card{
			Title: "#12 Fix the 3F printer",
			Fields: []bot.Field{
				{Label: "Owner", Value: "@bob"}, {Label: "Status", Value: status},
				{Label: "Due", Value: "Fri 4 Dec 18:00"}, {Label: "Priority", Value: "high"},
			},
			Buttons: buttons,
			Footer:  "Created by @alice",
			Subject: "task/12",
		}
	}
	start := bot.Button{ActionID: "task.start", Value: "12", Label: "Start", Style: "primary", Typed: "task start 12"}
	done := bot.Button{ActionID: "task.done", Value: "12", Label: "Done", Typed: "task done 12"}
	cancel := bot.Button{ActionID: "task.cancel", Value: "12", Label: "Cancel", Style: "danger", Typed: "task cancel 12"}
	return []RenderFixture{
		{"text", bot.Message{Text: "Created #12 for @bob."}},
		{"text zh", bot.Message{Text: "已创建任务 #12，负责人 @bob。\n截止：12月4日周五 18:00"}},
		{"escaping", bot.Message{Text: "a < b & c > d *not bold* _x_ `code` <@U123> [link](https://example.com)"}},
		{"task card", bot.Message{Text: "@alice gave you a task: #12 Fix the 3F printer", Card: taskCard("to do", start, done, cancel)}},
		{"card zh", bot.Message{Card: &bot.Card{
			Title:   "#12 修理三楼打印机",
			Fields:  []bot.Field{{Label: "负责人", Value: "@bob"}, {Label: "状态", Value: "进行中"}},
			Buttons: []bot.Button{{ActionID: "task.done", Value: "12", Label: "完成", Typed: "任务 完成 12"}},
			Subject: "task/12", Lang: bot.LangZH,
		}}},
		{"done card edit", bot.Message{Text: "@bob marked #12 Fix the 3F printer done.", Card: taskCard("done"),
			Edit: &bot.Edit{CopyID: 7, RemoteID: "REMOTE-ID"}}},
		// A meeting's invitation: a field of several lines (the agenda) and
		// an answer's two buttons.
		{"meeting card", bot.Message{Text: "@dora invites you to M-3 Q3 marketing plan, Mon 23 Nov 14:00, 1h30m.", Card: &bot.Card{
			Title: "M-3 Q3 marketing plan",
			Fields: []bot.Field{{Label: "When", Value: "Mon 23 Nov 14:00, 1h30m"}, {Label: "Room", Value: "3F-A"},
				{Label: "Accepted", Value: "@dora, @alice"}, {Label: "No answer yet", Value: "@bob"},
				{Label: "Agenda", Value: "1. Budget — @bob, 10m, https://docs.example.com/budget\n2. Launch date — 15m"}},
			Buttons: []bot.Button{{ActionID: "meeting.accept", Value: "3", Label: "Accept", Style: "primary", Typed: "meeting accept 3"},
				{ActionID: "meeting.decline", Value: "3", Label: "Decline", Style: "danger", Typed: "meeting decline 3"}},
			Subject: "meeting/3",
		}}},
		{"picture", bot.Message{Text: "Burndown of Q3 launch", Image: &bot.Image{Name: "burndown.png", Alt: "Burndown chart",
			SHA256: bot.Digest(TinyPNG), PNG: TinyPNG, Key: "UPLOAD-KEY"}}},
	}
}

// TinyPNG is a valid 2×2 PNG for tests of pictures.
var TinyPNG = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}()

// Updating says whether the tests run with -update, for golden files an
// adapter writes itself. The flag is defined here, once for every adapter's
// tests, since a test binary may define a flag only once.
func Updating() bool { return *update }

// Golden compares got with the file at path, or rewrites the file when the
// tests run with -update.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("rendering differs from %s (run with -update if the change is meant):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
