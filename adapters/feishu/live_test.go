package feishu_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/bot"
)

// doneCard is taskCard once the task is done: no buttons left.
var doneCard = bot.Message{Text: "<@ou_u2> marked #42 done.", Card: &bot.Card{Title: "#42 Fix login",
	Fields: []bot.Field{{Label: "Status", Value: "done"}}}}

func editOf(m bot.Message, remoteID string) bot.Message {
	m.Edit = &bot.Edit{CopyID: 1, RemoteID: remoteID}
	return m
}

// Ensure an edit patches the posted card in place (PATCH
// /open-apis/im/v1/messages/:message_id with the new card, still shared),
// posts nothing, and answers the same message id.
func TestSend_EditPatchesTheCard(t *testing.T) {
	a, f := newSender(t, nil, nil)
	id, err := send(a, "post", bot.Destination{UserID: "ou_u2"}, taskCard)
	if err != nil {
		t.Fatal(err)
	}
	got, err := send(a, "edit", bot.Destination{UserID: "ou_u2"}, editOf(doneCard, id))
	if err != nil || got != id {
		t.Fatalf("edit answered %q, %v; want %q", got, err, id)
	}
	ms := f.Messages()
	if len(ms) != 1 || ms[0].Patches != 1 {
		t.Fatalf("messages %+v, want the one card patched once", ms)
	}
	patch := f.Sends()[1]
	if patch.Method != http.MethodPatch || patch.Path != "/open-apis/im/v1/messages/"+id || patch.Auth != "Bearer t-1" {
		t.Fatalf("patch call %s %s %s", patch.Method, patch.Path, patch.Auth)
	}
	card, _ := json.Marshal(ms[0].Card())
	if !strings.Contains(string(card), `"update_multi":true`) || !strings.Contains(string(card), "done") ||
		strings.Contains(string(card), `"tag":"button"`) {
		t.Errorf("patched card %s, want the shared done card without buttons", card)
	}
}

// Ensure a card Feishu will not patch (older than 14 days, recalled, …:
// any refusal of the request) gets the edit's line as a follow-up instead,
// once across retries, while a server error or a rate limit is retried
// and posts nothing.
func TestSend_EditFallsBackToFollowUp(t *testing.T) {
	a, f := newSender(t, nil, nil)
	id, err := send(a, "post", bot.Destination{ChatID: "oc_1"}, taskCard)
	if err != nil {
		t.Fatal(err)
	}
	patchPath := "/open-apis/im/v1/messages/" + id

	f.Reply(patchPath, feishutest.Error(http.StatusInternalServerError, 1, nil))
	if _, err := send(a, "edit", bot.Destination{ChatID: "oc_1"}, editOf(doneCard, id)); err == nil || isPermanentErr(err) {
		t.Fatalf("server error: %v, want a retryable error", err)
	}
	f.Reply(patchPath, feishutest.Error(http.StatusBadRequest, 230020, map[string]string{"X-Ogw-Ratelimit-Reset": "3"}))
	_, err = send(a, "edit", bot.Destination{ChatID: "oc_1"}, editOf(doneCard, id))
	if d, ok := bot.AsDeliveryError(err); !ok || d.RetryAfter == 0 {
		t.Fatalf("rate limit: %v, want a retry after", err)
	}
	if n := len(f.Messages()); n != 1 {
		t.Fatalf("%d messages after failed patches, want only the card", n)
	}

	f.Reply(patchPath, feishutest.Error(http.StatusBadRequest, 230031, nil)) // a code we do not list
	for range 2 {
		got, err := send(a, "edit", bot.Destination{ChatID: "oc_1"}, editOf(doneCard, id))
		if err != nil || got == id || got == "" {
			t.Fatalf("follow-up answered %q, %v", got, err)
		}
	}
	ms := f.Messages()
	if len(ms) != 2 || ms[1].MsgType != "text" || ms[1].ReceiveID != "oc_1" || !strings.Contains(ms[1].Content, "marked #42 done") {
		t.Fatalf("messages %+v, want the card and one follow-up line", ms)
	}
	if f.Repeats() != 1 {
		t.Errorf("repeats %d, want the retried follow-up deduplicated by its uuid", f.Repeats())
	}
	if ms[0].Patches != 0 {
		t.Errorf("the card was patched %d times", ms[0].Patches)
	}
}

func isPermanentErr(err error) bool {
	d, ok := bot.AsDeliveryError(err)
	return ok && d.Permanent
}

// Ensure UploadImage posts the PNG as a multipart form with
// image_type=message, and answers the image_key with a reuse time.
func TestUploadImage(t *testing.T) {
	a, f := newSender(t, nil, nil)
	img := bot.NewImage("burndown.png", "Burndown", adaptertest.TinyPNG)
	key, reuse, err := a.UploadImage(context.Background(), bot.Destination{UserID: "ou_u2"}, img)
	if err != nil || key != "img_v2_1" || reuse <= 0 {
		t.Fatalf("upload: %q, %v, %v", key, reuse, err)
	}
	up := f.Matching(func(c feishutest.Call) bool { return c.Path == feishutest.PathImages })
	if len(up) != 1 || up[0].Form["image_type"] != "message" || string(up[0].File) != string(adaptertest.TinyPNG) || up[0].Auth != "Bearer t-1" {
		t.Fatalf("upload calls %+v", up)
	}
	if len(f.Messages()) != 0 {
		t.Error("an upload posted a message")
	}
	if _, _, err := a.UploadImage(context.Background(), bot.Destination{}, &bot.Image{Name: "x.png"}); !isPermanentErr(err) {
		t.Errorf("upload without bytes: %v, want a permanent error", err)
	}
}

// Ensure text with a picture is two messages, the text then the image,
// with distinct uuids stable across retries: a retry (say after a crash
// once the picture was posted) shows nothing twice.
func TestSend_TextAndPicture(t *testing.T) {
	a, f := newSender(t, nil, nil)
	img := bot.NewImage("burndown.png", "Burndown", adaptertest.TinyPNG)
	key, _, err := a.UploadImage(context.Background(), bot.Destination{}, img)
	if err != nil {
		t.Fatal(err)
	}
	img.Key = key
	m := bot.Message{Text: "Burndown of <@ou_u2>'s project", Image: img}
	for range 2 {
		if id, err := send(a, "pic", bot.Destination{UserID: "ou_u2"}, m); err != nil || id != "om_sent1" {
			t.Fatalf("send: %q, %v", id, err)
		}
	}
	ms := f.Messages()
	if len(ms) != 2 || ms[0].MsgType != "text" || ms[1].MsgType != "image" || ms[1].Content != `{"image_key":"img_v2_1"}` {
		t.Fatalf("messages %+v, want the text, then the picture", ms)
	}
	if ms[0].UUID == ms[1].UUID || ms[0].UUID == "" || ms[1].UUID == "" {
		t.Errorf("uuids %q and %q, want two distinct ones", ms[0].UUID, ms[1].UUID)
	}
	if f.Repeats() != 2 {
		t.Errorf("repeats %d, want both messages of the retry deduplicated", f.Repeats())
	}
	if n := len(f.Uploads()); n != 1 {
		t.Errorf("%d uploads, want 1", n)
	}
}

// Ensure a card with a picture is one message, the picture an img element
// of the card, and that a picture Send gets without a key is uploaded first.
func TestSend_CardWithPicture(t *testing.T) {
	a, f := newSender(t, nil, nil)
	m := taskCard
	m.Image = bot.NewImage("burndown.png", "Burndown", adaptertest.TinyPNG)
	if _, err := send(a, "k", bot.Destination{ChatID: "oc_1"}, m); err != nil {
		t.Fatal(err)
	}
	ms := f.Messages()
	if len(ms) != 1 || ms[0].MsgType != "interactive" {
		t.Fatalf("messages %+v, want one card", ms)
	}
	if !strings.Contains(ms[0].Content, `"img_key":"img_v2_1"`) || !strings.Contains(ms[0].Content, "Burndown") {
		t.Errorf("card %s, want the uploaded picture in it", ms[0].Content)
	}
	if n := len(f.Uploads()); n != 1 {
		t.Errorf("%d uploads, want 1", n)
	}
}

// Ensure a picture message refused because its key is unknown fails
// permanently rather than looping.
func TestSend_PictureRefused(t *testing.T) {
	a, _ := newSender(t, nil, nil)
	_, err := send(a, "k", bot.Destination{UserID: "ou_u2"}, bot.Message{Image: &bot.Image{Name: "x.png", Key: "img_v2_forged"}})
	if !isPermanentErr(err) || !errors.As(err, new(*bot.DeliveryError)) {
		t.Fatalf("send with a forged image key: %v, want a permanent error", err)
	}
}
