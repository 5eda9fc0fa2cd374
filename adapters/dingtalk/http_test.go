package dingtalk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/dingtalk"
	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
)

// Ensure requests that are not authentic, too large, malformed or sent with
// the wrong method are refused with the right status before reaching Accept.
func TestRobot_Rejections(t *testing.T) {
	valid := fixture(t, "direct.json", defaultOAPI)
	huge := bytes.Repeat([]byte("a"), 1<<20+1)

	for name, tc := range map[string]struct {
		req  func() *http.Request
		want int
	}{
		"ErrForged": {func() *http.Request {
			r := signedRequest(valid, testNow)
			r.Header.Set("sign", "sSFWELbV2YwjdDQhWZwTcWlX5BWUx5J6TPpsZmuPii0=")
			return r
		}, http.StatusUnauthorized},
		"ErrWrongSecret": {func() *http.Request {
			r := signedRequest(valid, testNow)
			ts, s := dingtalktest.Sign(testSecret+"x", testNow)
			r.Header.Set("timestamp", ts)
			r.Header.Set("sign", s)
			return r
		}, http.StatusUnauthorized},
		"ErrStale": {func() *http.Request {
			return signedRequest(valid, testNow.Add(-61*time.Minute))
		}, http.StatusUnauthorized},
		"ErrFuture": {func() *http.Request {
			return signedRequest(valid, testNow.Add(61*time.Minute))
		}, http.StatusUnauthorized},
		"ErrUnsigned": {func() *http.Request {
			return httptest.NewRequest(http.MethodPost, dingtalk.RoutePath, bytes.NewReader(valid))
		}, http.StatusUnauthorized},
		"ErrSignWithoutTimestamp": {func() *http.Request {
			r := signedRequest(valid, testNow)
			r.Header.Del("timestamp")
			return r
		}, http.StatusUnauthorized},
		"ErrOversized": {func() *http.Request {
			return signedRequest(huge, testNow)
		}, http.StatusRequestEntityTooLarge},
		"ErrOversizedChunked": {func() *http.Request {
			r := signedRequest(huge, testNow)
			r.ContentLength = -1
			return r
		}, http.StatusRequestEntityTooLarge},
		"ErrMalformedJSON": {func() *http.Request {
			return signedRequest([]byte(`{"msgId":`), testNow)
		}, http.StatusBadRequest},
		"ErrNotAnObject": {func() *http.Request {
			return signedRequest([]byte(`[1,2]`), testNow)
		}, http.StatusBadRequest},
		"ErrNoMsgID": {func() *http.Request {
			return signedRequest(editJSON(t, valid, func(m map[string]any) { delete(m, "msgId") }), testNow)
		}, http.StatusBadRequest},
		"ErrNoSender": {func() *http.Request {
			return signedRequest(editJSON(t, valid, func(m map[string]any) {
				delete(m, "senderStaffId")
				delete(m, "senderId")
			}), testNow)
		}, http.StatusBadRequest},
		"ErrNoConversation": {func() *http.Request {
			return signedRequest(editJSON(t, valid, func(m map[string]any) { delete(m, "conversationId") }), testNow)
		}, http.StatusBadRequest},
		"ErrMethod": {func() *http.Request {
			return httptest.NewRequest(http.MethodGet, dingtalk.RoutePath, nil)
		}, http.StatusMethodNotAllowed},
	} {
		t.Run(name, func(t *testing.T) {
			in := &Intake{}
			a := MustNewAdapter(t, in, nil)
			w := serve(t, a, tc.req())
			adaptertest.CheckRejected(t, w, in, tc.want, testSecret)
			if tc.want == http.StatusMethodNotAllowed && w.Header().Get("Allow") != http.MethodPost {
				t.Fatalf("Allow %q", w.Header().Get("Allow"))
			}
		})
	}
}

// Ensure a one-to-one message becomes a direct event from the sender's
// staff id, stored without waiting, with the session webhook and its expiry
// as the reply handle, and is answered with an empty 200.
func TestRobot_DirectMessage(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	w := serve(t, a, signedRequest(fixture(t, "direct.json", defaultOAPI), testNow))
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
	evs := in.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	ev := evs[0]
	want := bot.Event{
		Platform:    bot.PlatformDingTalk,
		Workspace:   "dingcorp1",
		DedupKey:    "msgDirect1==",
		ChatID:      "cidDirect1==",
		ChatType:    bot.ChatDirect,
		MessageID:   "msgDirect1==",
		Sender:      bot.Author{UserID: "staff1", Name: "张三"},
		Text:        "tasks",
		ReplyHandle: defaultOAPI + "/robot/sendBySession?session=direct1|1700005400000",
	}
	if ev.Platform != want.Platform || ev.Workspace != want.Workspace || ev.DedupKey != want.DedupKey ||
		ev.ChatID != want.ChatID || ev.ChatType != want.ChatType || ev.MessageID != want.MessageID ||
		ev.Sender != want.Sender || ev.Text != want.Text || ev.ReplyHandle != want.ReplyHandle ||
		len(ev.Mentions) != 0 || ev.Action != nil {
		t.Fatalf("event\n got %+v\nwant %+v", *ev, want)
	}
	if w := in.Waits()[0]; w != 0 {
		t.Fatalf("Accept waited %v; replies go through the outbox", w)
	}
}

// Ensure a group message that @-mentions the bot and others becomes a group
// event whose mentioned members (with a staff id) are in Mentions and, since
// DingTalk deleted their names from the text, at its end; the sender's
// isAdmin (true in this fixture, false in direct.json) is kept as ChatAdmin.
func TestRobot_GroupMention(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	w := serve(t, a, signedRequest(fixture(t, "group_at.json", defaultOAPI), testNow))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	ev := in.Events()[0]
	if ev.ChatType != bot.ChatGroup || ev.ChatID != "cidGroup1==" || ev.Sender.UserID != "staff1" || ev.Sender.Name != "Alice" || !ev.Sender.ChatAdmin {
		t.Fatalf("event %+v", ev)
	}
	if ev.Text != "task assign #3 to <@staff2>" {
		t.Fatalf("text %q", ev.Text)
	}
	if len(ev.Mentions) != 1 || ev.Mentions[0] != (bot.Mention{UserID: "staff2"}) {
		t.Fatalf("mentions %+v", ev.Mentions)
	}
}

// Ensure the text normalization rules: the bot's own leading mention is
// dropped, written-out ids become canonical mentions, names DingTalk kept are
// left for the command layer, and rich text and voice transcripts are read.
func TestRobot_Normalization(t *testing.T) {
	group := fixture(t, "group_at.json", defaultOAPI)
	bobOnly := []any{
		map[string]any{"dingtalkId": "$:LWCP_v1:$bot"},
		map[string]any{"dingtalkId": "$:LWCP_v1:$u2", "staffId": "staff2"},
	}
	for name, tc := range map[string]struct {
		edit     func(m map[string]any)
		text     string
		mentions string
	}{
		"BotNameKept": {func(m map[string]any) {
			m["atUsers"] = []any{map[string]any{"dingtalkId": "$:LWCP_v1:$bot"}}
			m["text"] = map[string]any{"content": "@Tandem 帮助"}
		}, "帮助", ""},
		"BotAndOtherNamesKept": {func(m map[string]any) {
			m["atUsers"] = bobOnly
			m["text"] = map[string]any{"content": "@Tandem: assign #3 to @Bob"}
		}, "assign #3 to @Bob", "staff2"},
		"NamesDeleted": {func(m map[string]any) {
			m["atUsers"] = bobOnly
			m["text"] = map[string]any{"content": "  remind  tomorrow 9am"}
		}, "remind  tomorrow 9am <@staff2>", "staff2"},
		"StaffIDWrittenOut": {func(m map[string]any) {
			m["atUsers"] = bobOnly
			m["text"] = map[string]any{"content": " assign #3 to @staff2, thanks"}
		}, "assign #3 to <@staff2>, thanks", "staff2"},
		"EmailIsNoMention": {func(m map[string]any) {
			m["atUsers"] = []any{map[string]any{"dingtalkId": "$:LWCP_v1:$bot"}}
			m["text"] = map[string]any{"content": " mail bob@example.com"}
		}, "mail bob@example.com", ""},
		"DuplicateAtUsers": {func(m map[string]any) {
			m["atUsers"] = append(bobOnly, map[string]any{"dingtalkId": "$:LWCP_v1:$u2", "staffId": "staff2"})
			m["text"] = map[string]any{"content": " ping"}
		}, "ping <@staff2>", "staff2"},
		"RichText": {func(m map[string]any) {
			m["msgtype"] = "richText"
			m["atUsers"] = []any{}
			delete(m, "text")
			m["content"] = map[string]any{"richText": []any{
				map[string]any{"text": "task new "}, map[string]any{"pictureDownloadCode": "x"}, map[string]any{"text": "fix login"},
			}}
		}, "task new fix login", ""},
		"Voice": {func(m map[string]any) {
			m["msgtype"] = "audio"
			m["atUsers"] = []any{}
			delete(m, "text")
			m["content"] = map[string]any{"duration": 3000, "downloadCode": "x", "recognition": "提醒我明天开会"}
		}, "提醒我明天开会", ""},
	} {
		t.Run(name, func(t *testing.T) {
			in := &Intake{}
			a := MustNewAdapter(t, in, nil)
			w := serve(t, a, signedRequest(editJSON(t, group, tc.edit), testNow))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			ev := in.Events()[0]
			if ev.Text != tc.text {
				t.Fatalf("text %q, want %q", ev.Text, tc.text)
			}
			if got := mentionIDs(ev.Mentions); got != tc.mentions {
				t.Fatalf("mentions %q, want %q", got, tc.mentions)
			}
		})
	}
}

// Ensure messages without words (pictures, files) are acknowledged and not
// stored.
func TestRobot_Ignored(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	body := editJSON(t, fixture(t, "direct.json", defaultOAPI), func(m map[string]any) {
		m["msgtype"] = "picture"
		delete(m, "text")
		m["content"] = map[string]any{"downloadCode": "x"}
	})
	if w := serve(t, a, signedRequest(body, testNow)); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if len(in.Events()) != 0 {
		t.Fatal("a picture reached Accept")
	}
}

// Ensure a replayed callback (the same message with a fresh valid
// signature) reaches the intake with the same dedup key, so that it is
// stored once; the signature does not cover the body, so the message id is
// what identifies it.
func TestRobot_Replay(t *testing.T) {
	in := &Intake{AcceptFn: func() func(context.Context, *bot.Event, time.Duration) (bot.Result, error) {
		seen := map[string]bool{}
		return func(_ context.Context, ev *bot.Event, _ time.Duration) (bot.Result, error) {
			dup := seen[ev.DedupKey]
			seen[ev.DedupKey] = true
			return bot.Result{Duplicate: dup, Done: !dup}, nil
		}
	}()}
	a := MustNewAdapter(t, in, nil)
	body := fixture(t, "group_at.json", defaultOAPI)
	for i, at := range []time.Time{testNow, testNow.Add(-30 * time.Minute)} {
		if w := serve(t, a, signedRequest(body, at)); w.Code != http.StatusOK {
			t.Fatalf("delivery %d: status %d", i, w.Code)
		}
	}
	evs := in.Events()
	if len(evs) != 2 || evs[0].DedupKey != "msgGroup1==" || evs[1].DedupKey != evs[0].DedupKey {
		t.Fatalf("events %+v", evs)
	}
}

// Ensure a captured (timestamp, sign) pair cannot carry another body: the
// same pair with a forged sender, or with another message id, is refused
// with 401 and never reaches the intake, while the identical body with the
// same pair (a redelivery) is still accepted under its own message id.
func TestRobot_ReusedSignature(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	body := fixture(t, "direct.json", defaultOAPI)
	captured := signedRequest(body, testNow)
	if w := serve(t, a, captured); w.Code != http.StatusOK {
		t.Fatalf("first delivery: status %d", w.Code)
	}
	forgeries := map[string][]byte{
		"forged sender": editJSON(t, body, func(m map[string]any) {
			m["senderStaffId"], m["senderNick"] = "manager01", "Boss"
		}),
		"other message id": editJSON(t, body, func(m map[string]any) { m["msgId"] = "msgForged==" }),
		"other text": editJSON(t, body, func(m map[string]any) {
			m["text"] = map[string]any{"content": "admin outbox retry 1"}
		}),
	}
	for name, forged := range forgeries {
		r := signedRequest(forged, testNow)
		r.Header.Set("timestamp", captured.Header.Get("timestamp"))
		r.Header.Set("sign", captured.Header.Get("sign"))
		if w := serve(t, a, r); w.Code != http.StatusUnauthorized {
			t.Errorf("%s with the captured pair: status %d, want 401", name, w.Code)
		}
	}
	if w := serve(t, a, signedRequest(body, testNow)); w.Code != http.StatusOK {
		t.Fatalf("identical redelivery: status %d, want 200", w.Code)
	}
	evs := in.Events()
	if len(evs) != 2 || evs[0].DedupKey != evs[1].DedupKey || evs[0].Sender.UserID == "manager01" {
		t.Fatalf("intake got %d events: %+v", len(evs), evs)
	}
}

// Ensure a session webhook on another host than DingTalk's is not kept as
// the reply handle: the body is unsigned, and replies must not go wherever
// a forged body says.
func TestRobot_UntrustedWebhook(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	body := fixture(t, "direct.json", "https://evil.example")
	if w := serve(t, a, signedRequest(body, testNow)); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if h := in.Events()[0].ReplyHandle; h != "" {
		t.Fatalf("reply handle %q", h)
	}
}

// Ensure an event that could not be stored is not acknowledged (500), and
// the sender is told through the session webhook, since DingTalk does not
// deliver bot messages again.
func TestRobot_AcceptFails(t *testing.T) {
	f := newFake(t)
	in := &Intake{AcceptFn: func(context.Context, *bot.Event, time.Duration) (bot.Result, error) {
		return bot.Result{}, errors.New("disk full")
	}}
	a := MustNewAdapter(t, in, func(c *dingtalk.Config) {
		c.APIURL, c.OAPIURL, c.HTTPClient = f.URL, f.URL, f.Client()
	})
	w := serve(t, a, signedRequest(fixture(t, "direct.json", f.URL), testNow))
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", w.Code)
	}
	if strings.Contains(w.Body.String(), "disk full") {
		t.Fatal("internal error leaked")
	}
	c := f.WaitCall(t, "session")
	if c.Query.Get("session") != "direct1" || c.JSON["msgtype"] != "text" ||
		!strings.Contains(c.JSON["text"].(map[string]any)["content"].(string), "请稍后再发") &&
			!strings.Contains(c.JSON["text"].(map[string]any)["content"].(string), "send it again") {
		t.Fatalf("apology %+v", c)
	}
}

// FuzzRobot feeds arbitrary bodies, validly signed, to the callback: it must
// answer 200 or 400 and never panic, and whatever it stores must carry the
// ids every event needs.
func FuzzRobot(f *testing.F) {
	for _, name := range []string{"direct.json", "group_at.json", "card_callback.json"} {
		b, err := readTestdata(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"msgId":"m","conversationId":"c","senderId":"s","msgtype":"text","text":{"content":"@@ @ <@ <@x> @"},"atUsers":[{"staffId":"x"},{"dingtalkId":"","staffId":""}],"isInAtList":true,"conversationType":"2"}`))
	f.Add([]byte(`{"msgId":"m","conversationId":"c","senderId":"s","msgtype":"richText","content":"nope"}`))
	f.Add([]byte(`{"msgId":"m","conversationId":"c","senderId":"s","sessionWebhook":"::","sessionWebhookExpiredTime":-1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in := &Intake{}
		a := MustNewAdapter(t, in, nil)
		w := serve(t, a, signedRequest(body, testNow))
		if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
			t.Fatalf("status %d for %q", w.Code, body)
		}
		for _, ev := range in.Events() {
			if ev.DedupKey == "" || ev.ChatID == "" || ev.Sender.UserID == "" || ev.Platform != bot.PlatformDingTalk {
				t.Fatalf("incomplete event %+v", ev)
			}
		}
	})
}

// BenchmarkRobot measures one verified, normalized and accepted callback.
func BenchmarkRobot(b *testing.B) {
	a := MustNewAdapter(b, &Intake{AcceptFn: func(context.Context, *bot.Event, time.Duration) (bot.Result, error) {
		return bot.Result{}, nil
	}}, nil)
	h := a.Routes()[dingtalk.RoutePath]
	body := fixture(b, "group_at.json", defaultOAPI)
	ts, s := dingtalktest.Sign(testSecret, testNow)
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, dingtalk.RoutePath, bytes.NewReader(body))
		r.Header.Set("timestamp", ts)
		r.Header.Set("sign", s)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

// FuzzNormalize feeds arbitrary text and mention ids through a well-formed
// group message: normalization must not panic, must keep the message, and
// must list a mentioned member with a staff id.
func FuzzNormalize(f *testing.F) {
	f.Add(" task assign #3 to  ", "staff2", false)
	f.Add("@Tandem @staff2, hi @staff2", "staff2", true)
	f.Add("@@ @ <@ <@x> @", "x", true)
	f.Add("@机器人 帮助", "", true)
	group := fixture(f, "group_at.json", defaultOAPI)
	f.Fuzz(func(t *testing.T, content, staffID string, botListed bool) {
		if raw, err := json.Marshal(staffID); err == nil {
			json.Unmarshal(raw, &staffID) // as JSON carries it: invalid UTF-8 replaced
		}
		body := editJSON(t, group, func(m map[string]any) {
			users := []any{map[string]any{"dingtalkId": "$:LWCP_v1:$u2", "staffId": staffID}}
			if botListed {
				users = append(users, map[string]any{"dingtalkId": "$:LWCP_v1:$bot"})
			}
			m["atUsers"] = users
			m["text"] = map[string]any{"content": content}
		})
		in := &Intake{}
		a := MustNewAdapter(t, in, nil)
		if w := serve(t, a, signedRequest(body, testNow)); w.Code != http.StatusOK {
			t.Fatalf("status %d", w.Code)
		}
		ev := in.Events()[0]
		if staffID != "" && (len(ev.Mentions) != 1 || ev.Mentions[0].UserID != staffID) {
			t.Fatalf("mentions %+v for %q", ev.Mentions, staffID)
		}
	})
}
