package dingtalk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/bot"
)

// doneCard is taskCard after Done: no Start or Cancel left, a Reopen.
var doneCard = bot.Message{
	Text: "@staff2 marked #42 done.",
	Card: &bot.Card{
		Title:   "#42 Fix login",
		Fields:  []bot.Field{{Label: "Owner", Value: "<@staff2>"}, {Label: "Status", Value: "done"}},
		Buttons: []bot.Button{{ActionID: "task.reopen", Value: "42", Label: "Reopen"}},
		Subject: "task/42",
	},
}

func edit(m bot.Message, remoteID string) bot.Message {
	m.Edit = &bot.Edit{CopyID: 1, RemoteID: remoteID}
	return m
}

// Ensure an edit of an interactive card updates that card in place with
// PUT /v1.0/card/instances: the new state's variables (the card alone, not
// the follow-up line), every button variable rewritten so that the buttons
// it lost are gone, and nothing posted. A repeated edit (a retry) is
// harmless.
func TestSend_EditCard(t *testing.T) {
	s := newCardSender(t)
	to := bot.Destination{UserID: "staff2"}
	id, err := s.sendRow(3, "notify:1", to, taskCard)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		got, err := s.sendRow(4, "edit:1", to, edit(doneCard, id))
		if err != nil || got != id {
			t.Fatalf("edit: id %q, err %v", got, err)
		}
	}
	ups := s.f.Calls("updateCard")
	if len(ups) != 2 || ups[0].Method != "PUT" || ups[0].JSON["outTrackId"] != id || ups[0].Token != "tok-1" {
		t.Fatalf("updates %+v", ups)
	}
	if got := dingtalktest.MustJSON(ups[0].JSON["cardUpdateOptions"]); got != `{"updateCardDataByKey":true}` {
		t.Fatalf("cardUpdateOptions %s", got)
	}
	card, _ := s.f.Card(id)
	p := card.Params
	if p["title"] != "#42 Fix login" || p["markdown"] != "**Owner:** @staff2\n\n**Status:** done" {
		t.Fatalf("card after the edit: title %q, markdown %q", p["title"], p["markdown"])
	}
	if p["buttons"] != `[{"text":"Reopen","action":"task.reopen","value":"42","color":"gray"}]` ||
		p["button1_action"] != "task.reopen" || p["button2_action"] != "" || p["button2_text"] != "" {
		t.Fatalf("buttons after the edit: %q, 1 %q, 2 %q", p["buttons"], p["button1_action"], p["button2_action"])
	}
	if n := len(s.f.Calls("batchSend")) + len(s.f.Calls("createAndDeliver")); n != 1 {
		t.Fatalf("posts besides the first card: %s", s.f.Dump())
	}
}

// Ensure what DingTalk cannot edit gets the follow-up line instead: a
// robot message (its processQueryKey), a session webhook reply (no id),
// and a card DingTalk refuses to update for good; while a card update that
// failed for the time being is retried, not followed up.
func TestSend_EditFollowUp(t *testing.T) {
	for _, tc := range []struct{ name, remoteID string }{
		{"robot message", "pqk-3"},
		{"session reply", ""},
		{"card gone", "tandem-00000000000000000000000000000000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newCardSender(t)
			id, err := s.sendRow(4, "edit:1", bot.Destination{UserID: "staff2"}, edit(doneCard, tc.remoteID))
			if err != nil || id == "" {
				t.Fatalf("id %q, err %v", id, err)
			}
			sends := s.f.Calls("batchSend")
			if len(sends) != 1 || sends[0].JSON["msgKey"] != "sampleText" || sends[0].Param["content"] != "@staff2 marked #42 done." {
				t.Fatalf("follow-up %s", s.f.Dump())
			}
			if n := len(s.f.Calls("createAndDeliver")); n != 0 {
				t.Fatalf("a new card was posted: %s", s.f.Dump())
			}
		})
	}

	s := newCardSender(t)
	s.f.Reply("updateCard", dingtalktest.JSONReply(500, `{"code":"ServiceUnavailable","message":"busy"}`))
	_, err := s.sendRow(4, "edit:1", bot.Destination{UserID: "staff2"}, edit(doneCard, "tandem-00000000000000000000000000000001"))
	adaptertest.CheckDeliveryError(t, err, 0, false)
	if n := len(s.f.Calls("batchSend")); n != 0 {
		t.Fatalf("a transient failure was followed up: %s", s.f.Dump())
	}
}

// Ensure a picture is uploaded to media/upload (type image, the PNG in the
// multipart field "media", the access token, which is renewed once when
// refused), and its media_id is reusable for 60 hours, under DingTalk's
// three days.
func TestUploadImage(t *testing.T) {
	s := newSender(t)
	img := bot.NewImage("chart.png", "a chart", adaptertest.TinyPNG)
	s.f.Reply("mediaUpload", dingtalktest.JSONReply(200, `{"errcode":40014,"errmsg":"不合法的access_token"}`))
	key, reuse, err := s.UploadImage(context.Background(), bot.Destination{UserID: "staff2"}, img)
	if err != nil || !strings.HasPrefix(key, "@") || reuse != 60*time.Hour {
		t.Fatalf("key %q, reuse %s, err %v", key, reuse, err)
	}
	ups := s.f.Calls("mediaUpload")
	if len(ups) != 2 || ups[1].Query.Get("type") != "image" || ups[1].Query.Get("access_token") != "tok-2" ||
		!bytes.Equal(ups[1].Media, adaptertest.TinyPNG) || ups[1].MediaName != "chart.png" {
		t.Fatalf("uploads %s", s.f.Dump())
	}

	s.f.Reply("mediaUpload", dingtalktest.JSONReply(200, `{"errcode":90018,"errmsg":"too fast"}`))
	_, _, err = s.UploadImage(context.Background(), bot.Destination{UserID: "staff2"}, img)
	adaptertest.CheckDeliveryError(t, err, 2*time.Second, false)
	if _, _, err := s.UploadImage(context.Background(), bot.Destination{}, &bot.Image{Name: "empty.png"}); err == nil {
		t.Fatal("a picture without bytes was uploaded")
	}
}

// Ensure a message with a picture posts its text first, then the picture
// as sampleImageMsg with the uploaded key, to the same chat: a group, a
// person's chat for a private one, never a session webhook (which takes no
// pictures); and that a picture whose key is missing is uploaded first.
func TestSend_Image(t *testing.T) {
	s := newSender(t)
	img := bot.NewImage("chart.png", "a chart", adaptertest.TinyPNG)
	img.Key = "@lADPuploaded"
	to := bot.Destination{ChatID: "cidGroup1==", UserID: "staff1", ReplyHandle: s.handle("g1", testNow.Add(time.Hour))}
	if _, err := s.send(to, bot.Message{Text: "Burndown", Image: img}); err != nil {
		t.Fatal(err)
	}
	calls := s.f.Calls("")
	var keys []string
	for _, c := range calls {
		if c.Key != "token" {
			keys = append(keys, c.Key)
		}
	}
	if strings.Join(keys, ",") != "session,groupSend" {
		t.Fatalf("calls %s", s.f.Dump())
	}
	pic := s.f.Calls("groupSend")[0]
	if pic.JSON["msgKey"] != "sampleImageMsg" || pic.Param["photoURL"] != "@lADPuploaded" || pic.JSON["openConversationId"] != "cidGroup1==" {
		t.Fatalf("picture %s", pic.Body)
	}

	s = newSender(t)
	img.Key = ""
	if _, err := s.send(bot.Destination{ChatID: "cidGroup1==", UserID: "staff1"}, bot.Message{Image: img, Private: true}); err != nil {
		t.Fatal(err)
	}
	got := s.f.Images()
	if len(got) != 1 || got[0].To != "staff1" || !bytes.Equal(got[0].PNG, adaptertest.TinyPNG) || len(s.f.Calls("batchSend")) != 1 {
		t.Fatalf("private picture %+v\n%s", got, s.f.Dump())
	}
}

// Ensure every fixture of the rendering contract renders to the requests
// in testdata/render.golden, with a card template in stream mode (so cards
// with buttons are interactive cards), to a person. An edit is rendered
// twice: of the card the "task card" fixture posted (an update) and of the
// fixture's own id, a robot message (a follow-up).
func TestRender(t *testing.T) {
	s := newCardSender(t)
	var out bytes.Buffer
	seen := 0
	section := func(name string) {
		fmt.Fprintf(&out, "## %s\n", name)
		calls := s.f.Calls("")
		for _, c := range calls[seen:] {
			if c.Key == "token" {
				continue
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, c.Body, "", "  "); err != nil {
				t.Fatalf("%s: body %q: %v", name, c.Body, err)
			}
			fmt.Fprintf(&out, "%s %s\n%s\n", c.Method, c.Key, pretty.Bytes())
		}
		seen = len(calls)
		out.WriteString("\n")
	}
	cardID := ""
	for i, f := range adaptertest.RenderFixtures() {
		send := func(m bot.Message) string {
			id, err := s.sendRow(int64(i+1), "render:"+f.Name, bot.Destination{UserID: "staff2"}, m)
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			return id
		}
		if f.Msg.Edit != nil {
			send(edit(f.Msg, cardID))
			section(f.Name + " (of a card)")
		}
		if id := send(f.Msg); f.Name == "task card" {
			cardID = id
		}
		section(f.Name)
	}
	adaptertest.Golden(t, "testdata/render.golden", out.Bytes())
}

// Ensure a card with a picture posts the card first, so that a retry of
// the row never shows either twice: when the card's creation fails nothing
// was posted yet; when the picture's post fails the retry repeats only the
// picture, the card's second creation being refused as existing (which
// counts as delivered).
func TestSend_CardThenImageRetry(t *testing.T) {
	for _, failing := range []string{"createAndDeliver", "batchSend"} {
		t.Run(failing, func(t *testing.T) {
			s := newCardSender(t)
			img := bot.NewImage("chart.png", "a chart", adaptertest.TinyPNG)
			img.Key = "@lADPuploaded"
			m := taskCard
			m.Image = img
			s.f.Reply(failing, dingtalktest.JSONReply(500, `{"code":"ServiceUnavailable","message":"busy"}`))
			to := bot.Destination{UserID: "staff2"}
			if _, err := s.sendRow(5, "notify:5", to, m); err == nil {
				t.Fatal("the failed post was not reported")
			}
			id, err := s.sendRow(5, "notify:5", to, m)
			if err != nil || !strings.HasPrefix(id, "tandem-") {
				t.Fatalf("retry: id %q, err %v", id, err)
			}
			if cards, imgs := s.f.Cards(), s.f.Images(); len(cards) != 1 || len(imgs) != 1 {
				t.Fatalf("cards %d, pictures %d\n%s", len(cards), len(imgs), s.f.Dump())
			}
		})
	}
}
