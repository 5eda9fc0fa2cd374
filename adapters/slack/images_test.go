package slack_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
	"github.com/tandemhq/tandem/bot"
)

func picture() *bot.Image {
	return bot.NewImage("burndown.png", "Burndown chart", adaptertest.TinyPNG)
}

func sendPicture(a interface {
	Send(context.Context, *bot.Outgoing) (string, error)
}, to bot.Destination, m bot.Message, attempts int) (string, error) {
	to.Platform, to.Workspace = bot.PlatformSlack, "T1"
	return a.Send(context.Background(), &bot.Outgoing{ID: 1, Key: "k", To: to, Msg: m, Attempts: attempts})
}

// Ensure UploadImage is steps 1 and 2 of the external upload: Slack has the
// bytes, under a file id kept for this message only, and nothing is posted.
func TestUploadImage(t *testing.T) {
	a, f := newSender(t)
	key, reuse, err := a.UploadImage(context.Background(), bot.Destination{ChatID: "C1"}, picture())
	if err != nil || key == "" || reuse != 0 {
		t.Fatalf("key %q reuse %s err %v", key, reuse, err)
	}
	files := f.Files()
	if len(files) != 1 || files[0].ID != key || !bytes.Equal(files[0].Data, adaptertest.TinyPNG) ||
		files[0].Name != "burndown.png" || files[0].AltText != "Burndown chart" || len(files[0].Shares) != 0 {
		t.Fatalf("files %+v", files)
	}
	if n := len(f.Messages("")); n != 0 {
		t.Fatalf("%d messages posted by an upload", n)
	}
	if _, _, err := a.UploadImage(context.Background(), bot.Destination{}, &bot.Image{Name: "x.png"}); err == nil {
		t.Fatal("uploaded an empty picture")
	}
}

// Ensure Send completes the upload into the destination as one message:
// the text as its comment, or the card as its blocks; in the thread; a
// private picture goes to the reader's DM (a file cannot be ephemeral).
func TestSend_Picture(t *testing.T) {
	for name, tc := range map[string]struct {
		to         bot.Destination
		msg        bot.Message
		channel    string
		comment    string
		blocksHave string
		threadTS   string
	}{
		"Text":    {bot.Destination{ChatID: "C1", ThreadID: "9.9"}, bot.Message{Text: "Burndown of Q3"}, "C1", "Burndown of Q3", "", "9.9"},
		"Card":    {bot.Destination{ChatID: "C1"}, taskCard, "C1", "", "task.start", ""},
		"DM":      {bot.Destination{UserID: "U7"}, bot.Message{Text: "yours"}, "DU7", "yours", "", ""},
		"Private": {bot.Destination{ChatID: "C1", UserID: "U7"}, bot.Message{Text: "yours", Private: true}, "DU7", "yours", "", ""},
	} {
		t.Run(name, func(t *testing.T) {
			a, f := newSender(t)
			img := picture()
			key, _, err := a.UploadImage(context.Background(), tc.to, img)
			if err != nil {
				t.Fatal(err)
			}
			img.Key = key
			tc.msg.Image = img
			id, err := sendPicture(a, tc.to, tc.msg, 1)
			if err != nil {
				t.Fatal(err)
			}
			done := f.Calls("files.completeUploadExternal")
			if len(done) != 1 {
				t.Fatalf("completions %+v", done)
			}
			form := done[0].Form
			if form.Get("channel_id") != tc.channel || form.Get("initial_comment") != tc.comment || form.Get("thread_ts") != tc.threadTS ||
				!strings.Contains(form.Get("files"), key) || !strings.Contains(form.Get("blocks"), tc.blocksHave) {
				t.Fatalf("completion form %v", form)
			}
			file := f.Files()[0]
			if len(file.Shares) != 1 || id != file.Shares[0].Channel+"/"+file.Shares[0].TS {
				t.Fatalf("shares %+v, remote id %q", file.Shares, id)
			}
			if n := len(f.Calls("chat.postMessage", "chat.postEphemeral")); n != 0 {
				t.Fatalf("%d other posts: the picture and its words are one message", n)
			}
		})
	}
}

// Ensure a retry does not post a picture twice: when the first try shared
// it (a crash before the outbox recorded that, or a lost answer), the retry
// finds the share with files.info and succeeds without completing again;
// when it did not, the retry completes it.
func TestSend_PictureRetry(t *testing.T) {
	a, f := newSender(t)
	to := bot.Destination{ChatID: "C1"}
	img := picture()
	img.Key, _, _ = a.UploadImage(context.Background(), to, img)
	m := bot.Message{Text: "Burndown", Image: img}

	// First try: Slack shares it but the answer is lost.
	first, err := sendPicture(a, to, m, 1)
	if err != nil {
		t.Fatal(err)
	}
	again, err := sendPicture(a, to, m, 2)
	if err != nil || again != first {
		t.Fatalf("retry: %q, %v; first %q", again, err, first)
	}
	if n := len(f.Files()[0].Shares); n != 1 {
		t.Fatalf("shared %d times", n)
	}
	if n := len(f.Calls("files.completeUploadExternal")); n != 1 {
		t.Fatalf("%d completions", n)
	}

	// A retry of a message whose completion never reached Slack posts it.
	img2 := picture()
	img2.Key, _, _ = a.UploadImage(context.Background(), to, img2)
	if _, err := sendPicture(a, to, bot.Message{Text: "again", Image: img2}, 3); err != nil {
		t.Fatal(err)
	}
	if shares := f.Files()[1].Shares; len(shares) != 1 {
		t.Fatalf("second picture shared %d times", len(shares))
	}
	if n := len(f.Calls("files.info")); n < 2 {
		t.Fatalf("%d files.info calls: the retries did not ask", n)
	}
}

// Ensure Send uploads a picture itself when it comes without a key (a
// caller other than the dispatcher).
func TestSend_PictureWithoutKey(t *testing.T) {
	a, f := newSender(t)
	if _, err := sendPicture(a, bot.Destination{ChatID: "C1"}, bot.Message{Image: picture()}, 1); err != nil {
		t.Fatal(err)
	}
	files := f.Files()
	if len(files) != 1 || len(files[0].Shares) != 1 || !bytes.Equal(files[0].Data, adaptertest.TinyPNG) {
		t.Fatalf("files %+v", files)
	}
	var _ slacktest.File = files[0]
}
