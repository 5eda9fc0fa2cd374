package wecom_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/wecom/wecomtest"
	"github.com/tandemhq/tandem/bot"
)

// Ensure UploadImage uploads the PNG as media/upload's multipart "media"
// field with type=image and the access token, and that the media_id may be
// reused for 60 hours (WeCom keeps it three days).
func TestUploadImage(t *testing.T) {
	a, f := newSender(t, nil)
	img := bot.NewImage("burndown.png", "Burndown", adaptertest.TinyPNG)
	key, reuse, err := a.UploadImage(context.Background(), bot.Destination{UserID: testUser}, img)
	if err != nil || key != "media-1" || reuse != 60*time.Hour {
		t.Fatalf("key %q reuse %v err %v", key, reuse, err)
	}
	up := f.CallsTo(wecomtest.PathMediaUpload)
	if len(up) != 1 || up[0].Query.Get("type") != "image" || up[0].Query.Get("access_token") != "tok1" ||
		!bytes.Equal(up[0].File, adaptertest.TinyPNG) || up[0].FileName != "burndown.png" {
		t.Fatalf("upload %s", f.Dump())
	}
	// A robot takes the bytes itself: nothing is uploaded for it.
	if key, _, err := a.UploadImage(context.Background(), bot.Destination{ChatID: "robot:ops"}, img); err != nil || key == "" {
		t.Fatalf("robot key %q %v", key, err)
	}
	if n := len(f.CallsTo(wecomtest.PathMediaUpload)); n != 1 {
		t.Fatalf("%d uploads", n)
	}
}

// Ensure a message with text and a picture is the text, then an image
// message with the uploaded media_id, both under WeCom's duplicate check,
// the picture's for four hours so that a retry after a crash (which comes
// after the outbox's one-minute lease) does not show it twice.
func TestSend_Image(t *testing.T) {
	a, f := newSender(t, nil)
	img := bot.NewImage("burndown.png", "Burndown", adaptertest.TinyPNG)
	img.Key = "media-9"
	id, err := send(a, bot.Destination{UserID: testUser}, bot.Message{Text: "Burndown", Image: img})
	if err != nil || id != "msg1" {
		t.Fatalf("id %q err %v", id, err)
	}
	sends := f.CallsTo(wecomtest.PathSend)
	if len(sends) != 2 || wecomtest.Shown(sends[0]) != "Burndown" || wecomtest.Shown(sends[1]) != "image media-9" {
		t.Fatalf("sends %s", f.Dump())
	}
	if sends[1].JSON["msgtype"] != "image" || sends[1].JSON["enable_duplicate_check"] != float64(1) ||
		sends[1].JSON["duplicate_check_interval"] != float64(4*3600) {
		t.Fatalf("image body %s", sends[1].Raw)
	}
	// A picture alone, without a key (not through the outbox), is uploaded
	// first.
	if _, err := send(a, bot.Destination{UserID: testUser}, bot.Message{Image: bot.NewImage("x.png", "", adaptertest.TinyPNG)}); err != nil {
		t.Fatal(err)
	}
	if p := f.Paths(); !strings.HasSuffix(p, "media/upload,message/send") {
		t.Fatalf("calls %s", p)
	}
}

// Ensure a robot posts the text as markdown, then the picture as base64
// with the MD5 of its bytes, and refuses a picture over 2 MB for good.
func TestSend_RobotImage(t *testing.T) {
	a, f := newSender(t, nil)
	img := bot.NewImage("burndown.png", "Burndown", adaptertest.TinyPNG)
	if _, err := send(a, bot.Destination{ChatID: "robot:ops"}, bot.Message{Text: "Burndown", Image: img}); err != nil {
		t.Fatal(err)
	}
	calls := f.CallsTo("/robot/ops")
	if len(calls) != 2 || calls[0].JSON["msgtype"] != "markdown" {
		t.Fatalf("calls %s", f.Dump())
	}
	sum := md5.Sum(adaptertest.TinyPNG)
	want := fmt.Sprintf(`{"base64":%q,"md5":%q}`, base64.StdEncoding.EncodeToString(adaptertest.TinyPNG), hex.EncodeToString(sum[:]))
	if calls[1].JSON["msgtype"] != "image" || asJSON(t, calls[1].JSON["image"]) != want {
		t.Fatalf("image %s", calls[1].Raw)
	}
	big := bot.NewImage("big.png", "", bytes.Repeat([]byte{1}, 2<<20+1))
	_, err := send(a, bot.Destination{ChatID: "robot:ops"}, bot.Message{Image: big})
	if d, ok := bot.AsDeliveryError(err); !ok || !d.Permanent {
		t.Fatalf("big picture: %v", err)
	}
}

// TestRender writes what Send sends for every fixture of the rendering
// contract to testdata/render.golden: the request bodies, in order, to a
// member (and, for the edit, the update of a card WeCom accepts).
func TestRender(t *testing.T) {
	var out bytes.Buffer
	for _, fx := range adaptertest.RenderFixtures() {
		a, f := newSender(t, nil)
		f.Reply(wecomtest.PathUpdateCard, func(w http.ResponseWriter, _ int) { fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`) })
		if _, err := send(a, bot.Destination{UserID: testUser}, fx.Msg); err != nil {
			t.Fatalf("%s: %v", fx.Name, err)
		}
		fmt.Fprintf(&out, "== %s\n", fx.Name)
		for _, c := range f.Calls() {
			if c.Path == wecomtest.PathToken {
				continue
			}
			body, _ := json.MarshalIndent(c.JSON, "", "  ")
			fmt.Fprintf(&out, "POST %s\n%s\n", c.Path, body)
		}
	}
	adaptertest.Golden(t, "testdata/render.golden", out.Bytes())
}
