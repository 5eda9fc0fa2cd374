package feishu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/feishu"
)

func challenge(token string) map[string]any {
	return map[string]any{"challenge": "ajls384kdjx98XX", "token": token, "type": "url_verification"}
}

// Ensure requests that are not authentic, too large, malformed or sent with
// the wrong method are refused with the right status before reaching Accept.
func TestRoutes_Rejections(t *testing.T) {
	valid := envelope(testKey, mustJSON(message("ev1", "tasks", nil)))
	huge := bytes.Repeat([]byte("a"), 1<<20+1)
	plainMode := func(c *feishu.Config) { c.EncryptKey = "" }

	for name, tc := range map[string]struct {
		req  func() *http.Request
		edit func(*feishu.Config)
		want int
	}{
		"ErrForged": {req: func() *http.Request {
			r := rawRequest(valid)
			r.Header.Set("X-Lark-Signature", strings.Repeat("ab", 32))
			return r
		}, want: http.StatusUnauthorized},
		"ErrBodyChanged": {req: func() *http.Request {
			r := rawRequest(valid)
			r.Body = io.NopCloser(bytes.NewReader(envelope(testKey, mustJSON(message("ev1", "task delete 1", nil)))))
			return r
		}, want: http.StatusUnauthorized},
		"ErrStale": {req: func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/feishu/events", bytes.NewReader(valid))
			for k, v := range signHeader(testKey, testNow.Add(-6*time.Minute), valid) {
				r.Header[k] = v
			}
			return r
		}, want: http.StatusUnauthorized},
		"ErrFuture": {req: func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/feishu/events", bytes.NewReader(valid))
			for k, v := range signHeader(testKey, testNow.Add(10*time.Minute), valid) {
				r.Header[k] = v
			}
			return r
		}, want: http.StatusUnauthorized},
		"ErrUnsigned": {req: func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/feishu/events", bytes.NewReader(valid))
		}, want: http.StatusUnauthorized},
		"ErrUnsignedBadCiphertext": {req: func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/feishu/events", strings.NewReader(`{"encrypt":"AAAA"}`))
		}, want: http.StatusUnauthorized},
		"ErrUnsignedChallengeWrongToken": {req: func() *http.Request {
			return httptest.NewRequest(http.MethodPost, "/feishu/events", bytes.NewReader(envelope(testKey, mustJSON(challenge("nope")))))
		}, want: http.StatusUnauthorized},
		"ErrSignedChallengeWrongToken": {req: func() *http.Request { return signedRequest(challenge("nope")) }, want: http.StatusUnauthorized},
		"ErrWrongToken": {req: func() *http.Request {
			p := message("ev1", "tasks", nil)
			p["header"].(map[string]any)["token"] = "other-app-token"
			return signedRequest(p)
		}, want: http.StatusUnauthorized},
		"ErrNoToken": {req: func() *http.Request {
			p := message("ev1", "tasks", nil)
			delete(p["header"].(map[string]any), "token")
			return signedRequest(p)
		}, want: http.StatusUnauthorized},
		"ErrWrongTokenPlain": {req: func() *http.Request {
			p := message("ev1", "tasks", nil)
			p["header"].(map[string]any)["token"] = "other-app-token"
			return plainRequest(p)
		}, edit: plainMode, want: http.StatusUnauthorized},
		"ErrWrongTokenV1": {req: func() *http.Request {
			return plainRequest(map[string]any{"uuid": "u1", "token": "nope", "ts": "1700000000.1", "type": "event_callback", "event": map[string]any{"type": "message"}})
		}, edit: plainMode, want: http.StatusUnauthorized},
		"ErrOversized":        {req: func() *http.Request { return rawRequest(huge) }, want: http.StatusRequestEntityTooLarge},
		"ErrOversizedChunked": {req: func() *http.Request { r := rawRequest(huge); r.ContentLength = -1; return r }, want: http.StatusRequestEntityTooLarge},
		"ErrMalformedOuter":   {req: func() *http.Request { return rawRequest([]byte(`{"encrypt":`)) }, want: http.StatusBadRequest},
		"ErrEmptyOuter":       {req: func() *http.Request { return rawRequest([]byte(`{}`)) }, want: http.StatusBadRequest},
		"ErrPlaintextWithKey": {req: func() *http.Request { return rawRequest(mustJSON(message("ev1", "tasks", nil))) }, want: http.StatusBadRequest},
		"ErrBadBase64":        {req: func() *http.Request { return rawRequest([]byte(`{"encrypt":"%%%"}`)) }, want: http.StatusBadRequest},
		"ErrShortCiphertext":  {req: func() *http.Request { return rawRequest([]byte(`{"encrypt":"AAAAAAAAAAAAAAAAAAAAAA=="}`)) }, want: http.StatusBadRequest},
		"ErrBadPadding": {req: func() *http.Request {
			b, _ := json.Marshal(map[string]string{"encrypt": encryptRaw(testKey, bytes.Repeat([]byte{0}, 32))})
			return rawRequest(b)
		}, want: http.StatusBadRequest},
		"ErrMalformedInner": {req: func() *http.Request { return rawRequest(envelope(testKey, []byte(`{"schema":"2.0","header":`))) }, want: http.StatusBadRequest},
		"ErrEncryptedWithoutKey": {req: func() *http.Request {
			return plainRequest(envelope(testKey, mustJSON(message("ev1", "tasks", nil))))
		}, edit: plainMode, want: http.StatusBadRequest},
		"ErrMessageWithoutID": {req: func() *http.Request {
			return signedRequest(message("", "tasks", nil))
		}, want: http.StatusBadRequest},
		"ErrBadContent": {req: func() *http.Request {
			return signedRequest(message("ev1", "", func(m, _ map[string]any) { m["content"] = "{not json" }))
		}, want: http.StatusBadRequest},
		"ErrMethod": {req: func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/feishu/events", nil)
		}, want: http.StatusMethodNotAllowed},
	} {
		t.Run(name, func(t *testing.T) {
			in := &Intake{}
			a := MustNewAdapter(t, in, tc.edit)
			w := serve(t, a, tc.req())
			adaptertest.CheckRejected(t, w, in, tc.want, testToken, testKey, "test-app-secret")
		})
	}
}

// Ensure the signed vector from platforms.md passes the signature check
// through the handler, decrypts, and is refused only because "hello world"
// is not a payload.
func TestEvents_SignatureVector(t *testing.T) {
	v := loadVector(t)
	in := &Intake{}
	a := MustNewAdapter(t, in, func(c *feishu.Config) { c.Now = v.at })
	r := httptest.NewRequest(http.MethodPost, "/feishu/events", strings.NewReader(v.Signature.Body))
	r.Header = v.header()
	if w := serve(t, a, r); w.Code != http.StatusBadRequest {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	a = MustNewAdapter(t, in, func(c *feishu.Config) { c.Now = func() time.Time { return v.at().Add(time.Hour) } })
	r = httptest.NewRequest(http.MethodPost, "/feishu/events", strings.NewReader(v.Signature.Body))
	r.Header = v.header()
	if w := serve(t, a, r); w.Code != http.StatusUnauthorized {
		t.Fatalf("an hour later: status %d", w.Code)
	}
}

// Ensure the URL handshake is answered with the challenge: signed and
// encrypted, encrypted but unsigned (as the SDK allows), and in plaintext
// mode.
func TestURLVerification(t *testing.T) {
	for name, tc := range map[string]struct {
		req  *http.Request
		edit func(*feishu.Config)
	}{
		"Signed":   {req: signedRequest(challenge(testToken))},
		"Unsigned": {req: httptest.NewRequest(http.MethodPost, "/feishu/events", bytes.NewReader(envelope(testKey, mustJSON(challenge(testToken)))))},
		"Plain":    {req: plainRequest(challenge(testToken)), edit: func(c *feishu.Config) { c.EncryptKey = "" }},
	} {
		t.Run(name, func(t *testing.T) {
			in := &Intake{}
			w := serve(t, MustNewAdapter(t, in, tc.edit), tc.req)
			if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `{"challenge":"ajls384kdjx98XX"}` {
				t.Fatalf("got %d %s", w.Code, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("content type %q", ct)
			}
			if len(in.Events()) != 0 {
				t.Fatal("challenge reached Accept")
			}
		})
	}
}

// Ensure a group message that mentions the bot becomes an event with the
// bot's mention stripped, the others resolved to <@open_id> with their
// names ("@_user_1" not matching inside "@_user_10"), and the thread and
// reply target kept. The message replies to another, so it quotes it (the
// fake cannot read that one: the quote keeps its id and link, no text).
func TestMessage_Group(t *testing.T) {
	in := &Intake{}
	a, _ := newSender(t, in, nil)
	w := serve(t, a, rawRequest(envelope(testKey, mustReadFile(t, "testdata/message_group.json"))))
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != "{}" {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
	evs := in.Events()
	if len(evs) != 1 {
		t.Fatalf("got %d events", len(evs))
	}
	want := &bot.Event{
		Platform: bot.PlatformFeishu, Workspace: testTenant, DedupKey: "5e3702a84e847582be8db7fb73283c02",
		ChatID: testChat, ChatType: bot.ChatGroup, ThreadID: "om_5ce6d572455d361153b7cb5xxfsdfsdfdsf",
		MessageID: "om_5ce6d572455d361153b7cb51da133945", Sender: bot.Author{UserID: testSender},
		Text:        "assign #3 to <@ou_bob> & <@ou_carol>, thanks @_all",
		Mentions:    []bot.Mention{{UserID: "ou_bob", Name: "Bob"}, {UserID: "ou_carol", Name: "Carol"}},
		ReplyHandle: "om_5ce6d572455d361153b7cb51da133945",
		Quoted: &bot.QuotedMessage{ID: "om_5ce6d572455d361153b7cb5xxfsdfsdfdsf",
			Link: "https://applink.feishu.cn/client/chat/open?openChatId=" + testChat},
	}
	if !reflect.DeepEqual(evs[0], want) {
		t.Fatalf("event\n got %+v\nwant %+v", evs[0], want)
	}
	if w := in.Waits()[0]; w != 0 {
		t.Fatalf("messages must not wait; wait=%s", w)
	}
}

// Ensure a direct message needs no mention and is a direct chat.
func TestMessage_P2P(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	w := serve(t, a, signedRequest(message("ev2", " task list ", nil)))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	want := &bot.Event{
		Platform: bot.PlatformFeishu, Workspace: testTenant, DedupKey: "ev2", ChatID: "oc_dm1", ChatType: bot.ChatDirect,
		MessageID: "om_1", Sender: bot.Author{UserID: testSender}, Text: "task list", ReplyHandle: "om_1",
	}
	if evs := in.Events(); len(evs) != 1 || !reflect.DeepEqual(evs[0], want) {
		t.Fatalf("events %+v", evs)
	}
}

// Ensure "@_user_N" placeholders resolve through mentions[], the bot's own
// mention is dropped wherever it is, and only a leading one is guessed when
// the bot's id is unknown.
func TestMessage_MentionText(t *testing.T) {
	bob := mentionOf("@_user_2", "ou_bob", "Bob")
	for _, tc := range []struct {
		botID, chatType, text string
		mentions              []any
		want                  string
		wantMentions          []bot.Mention
	}{
		{testBotID, "group", "@_user_1 list", []any{mentionOf("@_user_1", testBotID, "Tandem")}, "list", nil},
		{testBotID, "group", "@_user_1: list", []any{mentionOf("@_user_1", testBotID, "Tandem")}, "list", nil},
		{testBotID, "group", "hey @_user_1 list", []any{mentionOf("@_user_1", testBotID, "Tandem")}, "hey list", nil},
		{testBotID, "group", "@_user_2 @_user_1 done", []any{mentionOf("@_user_1", testBotID, "Tandem"), bob}, "<@ou_bob> done", []bot.Mention{{UserID: "ou_bob", Name: "Bob"}}},
		{testBotID, "group", "@_user_1 ping @_user_2 and @_user_2", []any{mentionOf("@_user_1", testBotID, "Tandem"), bob}, "ping <@ou_bob> and <@ou_bob>", []bot.Mention{{UserID: "ou_bob", Name: "Bob"}}},
		{testBotID, "group", "@_user_1 mail a@b.c @_user_3", []any{mentionOf("@_user_1", testBotID, "Tandem"), mentionOf("@_user_3", "", "Guest")}, "mail a@b.c @Guest", nil},
		{"", "group", "@_user_1 @_user_2 done", []any{mentionOf("@_user_1", "ou_x", "Tandem"), bob}, "<@ou_bob> done", []bot.Mention{{UserID: "ou_bob", Name: "Bob"}}},
		{"", "p2p", "@_user_2 is late", []any{bob}, "<@ou_bob> is late", []bot.Mention{{UserID: "ou_bob", Name: "Bob"}}},
		{testBotID, "p2p", "@_user_1 list", []any{mentionOf("@_user_1", testBotID, "Tandem")}, "list", nil},
	} {
		in := &Intake{}
		a := MustNewAdapter(t, in, func(c *feishu.Config) { c.BotOpenID = tc.botID })
		p := message("ev1", tc.text, func(m, _ map[string]any) { m["chat_type"] = tc.chatType; m["mentions"] = tc.mentions })
		serve(t, a, signedRequest(p))
		evs := in.Events()
		if len(evs) != 1 || evs[0].Text != tc.want || !reflect.DeepEqual(evs[0].Mentions, tc.wantMentions) {
			t.Errorf("bot %q %s %q: got %+v, want %q %v", tc.botID, tc.chatType, tc.text, evs, tc.want, tc.wantMentions)
		}
	}
}

// Ensure messages Tandem must not answer never reach Accept, and are
// acknowledged: its own, other bots', non-text ones, group chatter that does
// not mention it, and event types it does not use.
func TestMessage_Ignored(t *testing.T) {
	group := func(ms ...any) func(m, s map[string]any) {
		return func(m, _ map[string]any) { m["chat_type"] = "group"; m["mentions"] = ms }
	}
	for name, p := range map[string]any{
		"OwnMessage": message("ev1", "hi", func(_, s map[string]any) { s["sender_id"] = map[string]any{"open_id": testBotID} }),
		"AppSender":  message("ev1", "hi", func(_, s map[string]any) { s["sender_type"] = "app" }),
		"NoSender":   message("ev1", "hi", func(_, s map[string]any) { s["sender_id"] = map[string]any{} }),
		"Image": message("ev1", "", func(m, _ map[string]any) {
			m["message_type"] = "image"
			m["content"] = `{"image_key":"img_v2_1"}`
		}),
		"Post":           message("ev1", "", func(m, _ map[string]any) { m["message_type"] = "post"; m["content"] = `{"title":"","content":[]}` }),
		"GroupNoMention": message("ev1", "lunch?", group()),
		"GroupOtherBot":  message("ev1", "@_user_1 hi", group(mentionOf("@_user_1", "ou_otherbot", "Other"))),
		"GroupNotLeading": message("ev1", "hi @_user_2", func(m, _ map[string]any) {
			m["chat_type"] = "group"
			m["mentions"] = []any{mentionOf("@_user_2", "ou_bob", "Bob")}
		}),
		"OtherType": map[string]any{"schema": "2.0", "header": map[string]any{"event_id": "ev9", "event_type": "im.message.message_read_v1", "token": testToken}, "event": map[string]any{
			"reader": map[string]any{"reader_id": map[string]any{"open_id": testSender}},
		}},
		"V1Event": map[string]any{"uuid": "u1", "token": testToken, "ts": "1700000000.1", "type": "event_callback", "event": map[string]any{"type": "message"}},
	} {
		t.Run(name, func(t *testing.T) {
			in := &Intake{}
			a := MustNewAdapter(t, in, nil)
			w := serve(t, a, signedRequest(p))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if evs := in.Events(); len(evs) != 0 {
				t.Fatalf("passed %+v", evs[0])
			}
		})
	}
	// Unknown bot id: a group message must start with a mention.
	in := &Intake{}
	a := MustNewAdapter(t, in, func(c *feishu.Config) { c.BotOpenID = "" })
	serve(t, a, signedRequest(message("ev1", "hi @_user_2", group(mentionOf("@_user_2", "ou_bob", "Bob")))))
	if len(in.Events()) != 0 {
		t.Fatal("a group message not starting with a mention passed")
	}
}

// Ensure a redelivered event carries the same dedup key, so the core can
// drop it.
func TestMessage_Redelivery(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	p := message("ev7", "tasks", nil)
	for range 2 {
		if w := serve(t, a, signedRequest(p)); w.Code != http.StatusOK {
			t.Fatalf("status %d", w.Code)
		}
	}
	evs := in.Events()
	if len(evs) != 2 || evs[0].DedupKey != "ev7" || evs[1].DedupKey != "ev7" {
		t.Fatalf("events %+v", evs)
	}
}

// Ensure an event that could not be stored is answered 500, so Feishu
// delivers it again, without leaking the cause.
func TestMessage_AcceptFails(t *testing.T) {
	in := &Intake{AcceptFn: func(context.Context, *bot.Event, time.Duration) (bot.Result, error) {
		return bot.Result{}, errors.New("disk full")
	}}
	a := MustNewAdapter(t, in, nil)
	w := serve(t, a, signedRequest(message("ev1", "tasks", nil)))
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "disk full") {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
}

// Ensure messages work without an Encrypt Key, on the verification token
// alone.
func TestMessage_PlainMode(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, func(c *feishu.Config) { c.EncryptKey = "" })
	if w := serve(t, a, plainRequest(message("ev1", "tasks", nil))); w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if evs := in.Events(); len(evs) != 1 || evs[0].Text != "tasks" {
		t.Fatalf("events %+v", evs)
	}
}

type cardAnswer struct {
	Toast *struct {
		Type    string `json:"type"`
		Content string `json:"content"`
	} `json:"toast"`
	Card *struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	} `json:"card"`
}

// Ensure a button click becomes an Action event, answered inline: the
// reply card replaces the clicked card, a short text becomes the toast.
func TestCardAction_Inline(t *testing.T) {
	in := &Intake{AcceptFn: func(context.Context, *bot.Event, time.Duration) (bot.Result, error) {
		return bot.Result{Done: true, Replies: []bot.Message{taskCard, {Text: "Started #42.", Private: true}}}, nil
	}}
	a := MustNewAdapter(t, in, nil)
	w := serve(t, a, signedRequest(cardAction(t, "evc1", nil)))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var ans cardAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &ans); err != nil {
		t.Fatal(err)
	}
	if ans.Toast == nil || ans.Toast.Content != "Started #42." || ans.Card == nil || ans.Card.Type != "raw" {
		t.Fatalf("answer %s", w.Body)
	}
	if !reflect.DeepEqual(ans.Card.Data, roundTrip(feishu.Card(taskCard))) {
		t.Fatalf("card %v", ans.Card.Data)
	}
	want := &bot.Event{
		Platform: bot.PlatformFeishu, Workspace: testTenant, DedupKey: "evc1", ChatID: testChat, ChatType: bot.ChatGroup,
		MessageID: "om_card1", Sender: bot.Author{UserID: testSender},
		Action:      &bot.Action{ID: "task.start", Value: "12", MessageID: "om_card1"},
		ReplyHandle: "om_card1",
	}
	if evs := in.Events(); len(evs) != 1 || !reflect.DeepEqual(evs[0], want) {
		t.Fatalf("events %+v", evs)
	}
	if wait := in.Waits()[0]; wait <= 0 || wait > feishu.DefaultAckBudget {
		t.Fatalf("wait %s", wait)
	}
}

func roundTrip(v any) map[string]any {
	var m map[string]any
	json.Unmarshal(mustJSON(v), &m)
	return m
}

// Ensure a click's replies that do not fit the answer are sent as messages
// replying to the card, and a private card is never put on the shared one.
func TestCardAction_Rest(t *testing.T) {
	private := taskCard
	private.Private = true
	in := &Intake{AcceptFn: func(context.Context, *bot.Event, time.Duration) (bot.Result, error) {
		return bot.Result{Done: true, Replies: []bot.Message{private, {Text: "line one\nline two"}}}, nil
	}}
	a, f := newSender(t, in, nil)
	w := serve(t, a, signedRequest(cardAction(t, "evc2", nil)))
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != "{}" {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
	s := waitSends(t, f, 2)
	for _, c := range s {
		if c.Path != "/open-apis/im/v1/messages/om_card1/reply" {
			t.Fatalf("send %+v", c)
		}
	}
	if s[0].Body["uuid"] == s[1].Body["uuid"] {
		t.Fatal("two replies share a uuid")
	}
}

func waitSends(t *testing.T, f *FakeFeishu, n int) []apiCall {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if s := f.Sends(); len(s) >= n {
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("got %d sends, want %d", len(f.Sends()), n)
	return nil
}

// Ensure a click that is a duplicate, still pending or has nothing to say is
// acknowledged with {}, one that could not be stored with 500, and a
// malformed one with 400.
func TestCardAction_Outcomes(t *testing.T) {
	for name, tc := range map[string]struct {
		res  bot.Result
		err  error
		body map[string]any
		want int
	}{
		"Pending":       {bot.Result{}, nil, nil, http.StatusOK},
		"Duplicate":     {bot.Result{Duplicate: true}, nil, nil, http.StatusOK},
		"NoReplies":     {bot.Result{Done: true}, nil, nil, http.StatusOK},
		"ErrStore":      {bot.Result{}, errors.New("locked"), nil, http.StatusInternalServerError},
		"ForeignButton": {bot.Result{}, nil, cardAction(t, "evc3", map[string]any{"key": "v"}), http.StatusOK},
		"StringValue":   {bot.Result{}, nil, cardAction(t, "evc3", "task.start"), http.StatusOK},
		"ErrNoOperator": {bot.Result{}, nil, func() map[string]any {
			p := cardAction(t, "evc3", nil)
			delete(p["event"].(map[string]any), "operator")
			return p
		}(), http.StatusBadRequest},
		"ErrNoEventID":   {bot.Result{}, nil, cardAction(t, "", nil), http.StatusBadRequest},
		"NumericValueOK": {bot.Result{}, nil, cardAction(t, "evc4", map[string]any{"action_id": "task.start", "value": 12}), http.StatusOK},
	} {
		t.Run(name, func(t *testing.T) {
			in := &Intake{AcceptFn: func(context.Context, *bot.Event, time.Duration) (bot.Result, error) { return tc.res, tc.err }}
			a := MustNewAdapter(t, in, nil)
			body := tc.body
			if body == nil {
				body = cardAction(t, "evc3", nil)
			}
			w := serve(t, a, signedRequest(body))
			if w.Code != tc.want || (tc.want == http.StatusOK && strings.TrimSpace(w.Body.String()) != "{}") {
				t.Fatalf("got %d %q", w.Code, w.Body)
			}
			if name == "NumericValueOK" {
				if evs := in.Events(); len(evs) != 1 || evs[0].Action.Value != "12" {
					t.Fatalf("events %+v", evs)
				}
			}
			if name == "ForeignButton" || name == "StringValue" {
				if len(in.Events()) != 0 {
					t.Fatal("a button that is not ours reached Accept")
				}
			}
		})
	}
}

// Ensure a click the intake has not stored by the deadline is given up and
// answered 503 within Feishu's 3 s, never 200; and that one already being
// stored then (it cannot be given up) is waited for, answered {}, and what
// it returns is sent as a message, not lost.
func TestCardAction_SlowIntake(t *testing.T) {
	t.Run("GivenUp", func(t *testing.T) {
		in := adaptertest.StuckIntake(t)
		a := MustNewAdapter(t, in, func(c *feishu.Config) { c.AckBudget = 100 * time.Millisecond })
		start := time.Now()
		w := serve(t, a, signedRequest(cardAction(t, "evc5", nil)))
		if elapsed := time.Since(start); elapsed >= 3*time.Second {
			t.Fatalf("answered after %s", elapsed)
		}
		if w.Code != http.StatusServiceUnavailable {
			t.Fatalf("got %d %q, want 503", w.Code, w.Body)
		}
	})
	t.Run("StoredLate", func(t *testing.T) {
		in := adaptertest.LateIntake(bot.Result{Done: true, Replies: []bot.Message{{Text: "late but here"}}}, nil)
		a, f := newSender(t, in, func(c *feishu.Config) { c.AckBudget = 100 * time.Millisecond })
		w := serve(t, a, signedRequest(cardAction(t, "evc5", nil)))
		if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != "{}" {
			t.Fatalf("got %d %q", w.Code, w.Body)
		}
		s := waitSends(t, f, 1)
		if s[0].Path != "/open-apis/im/v1/messages/om_card1/reply" || s[0].Content()["text"] != "late but here" {
			t.Fatalf("late send %+v", s[0])
		}
	})
}

// Ensure bad configurations are refused at New.
func TestNew_Config(t *testing.T) {
	for name, cfg := range map[string]feishu.Config{
		"ErrNoToken":    {AppID: "a", AppSecret: "s"},
		"ErrNoAppID":    {AppSecret: "s", VerificationToken: "t"},
		"ErrNoSecret":   {AppID: "a", VerificationToken: "t"},
		"ErrMode":       {AppID: "a", AppSecret: "s", VerificationToken: "t", Mode: "carrier-pigeon"},
		"ErrHost":       {AppID: "a", AppSecret: "s", VerificationToken: "t", Host: "moon"},
		"ErrLongBudget": {AppID: "a", AppSecret: "s", VerificationToken: "t", AckBudget: 3 * time.Second},
		"ErrWSNoSecret": {AppID: "a", Mode: feishu.ModeWS},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := feishu.New(cfg, &Intake{}); err == nil {
				t.Fatal("no error")
			}
		})
	}
	if _, err := feishu.New(feishu.Config{AppID: "a", AppSecret: "s", Mode: feishu.ModeWS}, &Intake{}); err != nil {
		t.Fatalf("ws mode needs no verification token: %v", err)
	}
	if _, err := feishu.New(feishu.Config{AppID: "a", AppSecret: "s", VerificationToken: "t"}, nil); err == nil {
		t.Fatal("nil intake accepted")
	}
}
