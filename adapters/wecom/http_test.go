package wecom_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/wecom"
)

// vectorAdapter is an adapter whose clock is at the vector's timestamp.
func vectorAdapter(t *testing.T, in *Intake, v *vectors, ts string) *wecom.Adapter {
	return MustNewAdapter(t, in, func(c *wecom.Config) {
		c.Token, c.EncodingAESKey, c.CorpID, c.AgentID = v.Token, v.EncodingAESKey, v.CorpID, v.Post.AgentID
		at := unixOf(t, ts).Add(30 * time.Second)
		c.Now = func() time.Time { return at }
	})
}

// Ensure the official GET vector passes URL verification: the answer is the
// plaintext, as is, also when the "+" of the echostr were not escaped.
func TestVerifyURL_OfficialVector(t *testing.T) {
	v := loadVectors(t)
	in := &Intake{}
	a := vectorAdapter(t, in, v, v.Get.Timestamp)
	q := url.Values{"msg_signature": {v.Get.MsgSignature}, "timestamp": {v.Get.Timestamp}, "nonce": {v.Get.Nonce}, "echostr": {v.Get.Echostr}}
	for name, rawQuery := range map[string]string{
		"Escaped":   q.Encode(),
		"RawPlus":   strings.ReplaceAll(q.Encode(), "%2B", "+"),
		"RawBase64": "msg_signature=" + v.Get.MsgSignature + "&timestamp=" + v.Get.Timestamp + "&nonce=" + v.Get.Nonce + "&echostr=" + v.Get.Echostr,
	} {
		t.Run(name, func(t *testing.T) {
			w := serve(t, a, httptest.NewRequest(http.MethodGet, callbackURL+"?"+rawQuery, nil))
			if w.Code != http.StatusOK || w.Body.String() != v.Get.Plaintext {
				t.Fatalf("got %d %q, want 200 %q", w.Code, w.Body, v.Get.Plaintext)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Fatalf("content type %q", ct)
			}
		})
	}
	if len(in.Events()) != 0 {
		t.Fatal("verification reached Accept")
	}
}

// Ensure the official POST vector is accepted and becomes the documented
// text message from "mycreate".
func TestMessage_OfficialVector(t *testing.T) {
	v := loadVectors(t)
	in := &Intake{}
	a := vectorAdapter(t, in, v, v.Post.Timestamp)
	q := url.Values{"msg_signature": {v.Post.MsgSignature}, "timestamp": {v.Post.Timestamp}, "nonce": {v.Post.Nonce}}
	w := serve(t, a, httptest.NewRequest(http.MethodPost, callbackURL+"?"+q.Encode(), bytes.NewReader(v.postBody(t))))
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
	want := &bot.Event{
		Platform: bot.PlatformWeCom, Workspace: v.CorpID, DedupKey: "msg:4561255354251345929",
		ChatType: bot.ChatDirect, MessageID: "4561255354251345929", Sender: bot.Author{UserID: "mycreate"}, Text: "hello",
	}
	evs := in.Events()
	if len(evs) != 1 || !reflect.DeepEqual(evs[0], want) {
		t.Fatalf("events %+v\nwant %+v", evs, want)
	}
	if w := in.Waits()[0]; w != 0 {
		t.Fatalf("wait %s: replies must go through the outbox", w)
	}
}

// Ensure requests that are not authentic, too large, malformed or sent with
// the wrong method are refused with the right status before reaching Accept.
func TestRoutes_Rejections(t *testing.T) {
	v := loadVectors(t)
	valid := encrypt(t, textXML("1", testUser, "tasks"), testCorp)
	getQuery := func(ts time.Time, echostr string) string {
		q := signedQuery(ts, "n1", echostr)
		q.Set("echostr", echostr)
		return callbackURL + "?" + q.Encode()
	}
	huge := bytes.Repeat([]byte("a"), 1<<20+1)

	for name, tc := range map[string]struct {
		req  func() *http.Request
		want int
	}{
		"ErrGetForged": {func() *http.Request {
			q := url.Values{"msg_signature": {strings.Repeat("ab", 20)}, "timestamp": {"1700000000"}, "nonce": {"n"}, "echostr": {v.Get.Echostr}}
			return httptest.NewRequest(http.MethodGet, callbackURL+"?"+q.Encode(), nil)
		}, http.StatusUnauthorized},
		"ErrGetStale": {func() *http.Request {
			return httptest.NewRequest(http.MethodGet, getQuery(testNow.Add(-6*time.Minute), encrypt(t, "123", testCorp)), nil)
		}, http.StatusUnauthorized},
		"ErrGetVectorNow": {func() *http.Request { // the vector is from 2014
			q := url.Values{"msg_signature": {v.Get.MsgSignature}, "timestamp": {v.Get.Timestamp}, "nonce": {v.Get.Nonce}, "echostr": {v.Get.Echostr}}
			return httptest.NewRequest(http.MethodGet, callbackURL+"?"+q.Encode(), nil)
		}, http.StatusUnauthorized},
		"ErrGetWrongReceiver": {func() *http.Request {
			return httptest.NewRequest(http.MethodGet, getQuery(testNow, encrypt(t, "123", "wwother")), nil)
		}, http.StatusUnauthorized},
		"ErrGetUnsigned": {func() *http.Request {
			return httptest.NewRequest(http.MethodGet, callbackURL+"?echostr=abc", nil)
		}, http.StatusUnauthorized},
		"ErrGetBadBase64": {func() *http.Request {
			return httptest.NewRequest(http.MethodGet, getQuery(testNow, "not*base64"), nil)
		}, http.StatusBadRequest},
		"ErrPostForged": {func() *http.Request {
			r := postCiphertext(valid)
			q := r.URL.Query()
			q.Set("msg_signature", strings.Repeat("cd", 20))
			r.URL.RawQuery = q.Encode()
			return r
		}, http.StatusUnauthorized},
		"ErrPostBodyChanged": {func() *http.Request {
			r := postCiphertext(valid)
			r.Body = io.NopCloser(bytes.NewReader(envelope(encrypt(t, textXML("2", "mallory", "tasks"), testCorp))))
			return r
		}, http.StatusUnauthorized},
		"ErrPostStale": {func() *http.Request {
			q := signedQuery(testNow.Add(6*time.Minute), "n", valid)
			return httptest.NewRequest(http.MethodPost, callbackURL+"?"+q.Encode(), bytes.NewReader(envelope(valid)))
		}, http.StatusUnauthorized},
		"ErrPostUnsigned": {func() *http.Request {
			return httptest.NewRequest(http.MethodPost, callbackURL, bytes.NewReader(envelope(valid)))
		}, http.StatusUnauthorized},
		"ErrPostWrongReceiver": {func() *http.Request {
			return postCiphertext(encrypt(t, textXML("1", testUser, "tasks"), "wwother"))
		}, http.StatusUnauthorized},
		"ErrOversized": {func() *http.Request {
			r := postCiphertext(valid)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(huge)), int64(len(huge))
			return r
		}, http.StatusRequestEntityTooLarge},
		"ErrOversizedChunked": {func() *http.Request {
			r := postCiphertext(valid)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(huge)), -1
			return r
		}, http.StatusRequestEntityTooLarge},
		"ErrMalformedXML": {func() *http.Request {
			r := postCiphertext(valid)
			r.Body = io.NopCloser(strings.NewReader("<xml><Encrypt>"))
			return r
		}, http.StatusBadRequest},
		"ErrNoEncrypt": {func() *http.Request {
			r := postCiphertext(valid)
			r.Body = io.NopCloser(strings.NewReader("<xml><ToUserName>x</ToUserName></xml>"))
			return r
		}, http.StatusBadRequest},
		"ErrBadBase64": {func() *http.Request { return postCiphertext("not*base64") }, http.StatusBadRequest},
		"ErrBadPadding": {func() *http.Request {
			return postCiphertext(encryptRaw(t, bytes.Repeat([]byte{7}, 64)))
		}, http.StatusBadRequest},
		"ErrMalformedInnerXML": {func() *http.Request { return postXML(t, "<xml><MsgType>text") }, http.StatusBadRequest},
		"ErrTextWithoutMsgID": {func() *http.Request {
			return postXML(t, strings.Replace(textXML("1", testUser, "hi"), "<MsgId>1</MsgId>", "", 1))
		}, http.StatusBadRequest},
		"ErrMethod": {func() *http.Request {
			return httptest.NewRequest(http.MethodPut, callbackURL, nil)
		}, http.StatusMethodNotAllowed},
	} {
		t.Run(name, func(t *testing.T) {
			in := &Intake{}
			a := MustNewAdapter(t, in, nil)
			w := serve(t, a, tc.req())
			adaptertest.CheckRejected(t, w, in, tc.want, testToken, testKey)
			if tc.want == http.StatusMethodNotAllowed && w.Header().Get("Allow") != "GET, POST" {
				t.Fatalf("Allow %q", w.Header().Get("Allow"))
			}
		})
	}
}

// Ensure a text message becomes a direct event from its sender, with
// "@name" words kept as typed for the core to resolve.
func TestMessage_Text(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	w := serve(t, a, postXML(t, textXML("7001", testUser, "  assign #3 to @lisi 明天  ")))
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
	want := &bot.Event{
		Platform: bot.PlatformWeCom, Workspace: testCorp, DedupKey: "msg:7001", ChatType: bot.ChatDirect,
		MessageID: "7001", Sender: bot.Author{UserID: testUser}, Text: "assign #3 to @lisi 明天",
	}
	evs := in.Events()
	if len(evs) != 1 || !reflect.DeepEqual(evs[0], want) {
		t.Fatalf("events %+v", evs)
	}
	if d := evs[0].ReplyDestination(); d.ChatID != "" || d.UserID != testUser {
		t.Fatalf("reply destination %+v: replies must go to the user", d)
	}
}

// Ensure a redelivered message or click carries the same dedup key (with a
// new timestamp, nonce and signature), so the core can drop it.
func TestRedelivery(t *testing.T) {
	for name, inner := range map[string]string{
		"Text": textXML("7002", testUser, "tasks"),
		"Card": cardEventXML(testUser, "1700000001", "task.start|12", "tandem-abc", "RC1"),
	} {
		t.Run(name, func(t *testing.T) {
			in := &Intake{}
			a := MustNewAdapter(t, in, nil)
			serve(t, a, postXML(t, inner))
			ct := encrypt(t, inner, testCorp)
			q := signedQuery(testNow.Add(5*time.Second), "other-nonce", ct)
			r := httptest.NewRequest(http.MethodPost, callbackURL+"?"+q.Encode(), bytes.NewReader(envelope(ct)))
			if w := serve(t, a, r); w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			evs := in.Events()
			if len(evs) != 2 || evs[0].DedupKey == "" || evs[0].DedupKey != evs[1].DedupKey {
				t.Fatalf("events %+v", evs)
			}
		})
	}
}

// Ensure a template card click becomes an Action from the button key, with
// the response_code kept for a card update.
func TestCardEvent(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	w := serve(t, a, postXML(t, cardEventXML(testUser, "1700000001", "task.start|12", "tandem-0011", "RC-abc")))
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
	want := &bot.Event{
		Platform: bot.PlatformWeCom, Workspace: testCorp,
		ChatType: bot.ChatDirect, MessageID: "tandem-0011", Sender: bot.Author{UserID: testUser},
		Action: &bot.Action{ID: "task.start", Value: "12", MessageID: "tandem-0011", EditCode: "RC-abc"},
	}
	evs := in.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	// The dedup key is the sender, the time, the card and a digest of the
	// button (TestCardDedupKeyHidesTheButton).
	if !strings.HasPrefix(evs[0].DedupKey, "card:zhangsan:1700000001:tandem-0011:") {
		t.Fatalf("dedup key %q", evs[0].DedupKey)
	}
	want.DedupKey = evs[0].DedupKey
	if !reflect.DeepEqual(evs[0], want) {
		t.Fatalf("events %+v\nwant %+v", evs[0], want)
	}

	// A value may contain "|"; a key from elsewhere has no value. Two
	// clicks in one second on different buttons are two events.
	serve(t, a, postXML(t, cardEventXML(testUser, "1700000001", "remind.snooze|5 1h|x", "tandem-0011", "")))
	serve(t, a, postXML(t, cardEventXML(testUser, "1700000001", "legacy", "t2", "")))
	evs = in.Events()
	if len(evs) != 3 {
		t.Fatalf("%d events", len(evs))
	}
	if *evs[1].Action != (bot.Action{ID: "remind.snooze", Value: "5 1h|x", MessageID: "tandem-0011"}) || evs[1].ReplyHandle != "" {
		t.Fatalf("event %+v", evs[1])
	}
	if *evs[2].Action != (bot.Action{ID: "legacy", MessageID: "t2"}) || evs[2].DedupKey == evs[1].DedupKey {
		t.Fatalf("event %+v", evs[2])
	}
}

// Ensure a click's dedup key does not carry the button it names: the key
// stays in the inbox after the click's payload is cleared, and next to the
// sender the button's key (vote.cast|A-1 3) would say how they voted. A
// redelivery still has the same key, another button in the same second
// another one, and a plain hash of the button key (which anyone could
// compute for each of a card's buttons) is not it either.
func TestCardDedupKeyHidesTheButton(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	for _, key := range []string{"vote.cast|A-1 3", "vote.cast|A-1 3", "vote.cast|A-1 2"} {
		serve(t, a, postXML(t, cardEventXML(testUser, "1700000001", key, "tandem-0042", "")))
	}
	evs := in.Events()
	if len(evs) != 3 {
		t.Fatalf("%d events", len(evs))
	}
	for _, ev := range evs {
		for _, leak := range []string{"vote.cast", "A-1", "|", fmt.Sprintf("%x", sha256.Sum256([]byte(ev.Action.ID+"|"+ev.Action.Value)))[:24]} {
			if strings.Contains(ev.DedupKey, leak) {
				t.Errorf("dedup key %q holds %q", ev.DedupKey, leak)
			}
		}
	}
	if evs[0].DedupKey != evs[1].DedupKey || evs[1].DedupKey == evs[2].DedupKey {
		t.Errorf("redelivery %q / %q, other button %q", evs[0].DedupKey, evs[1].DedupKey, evs[2].DedupKey)
	}
}

// Ensure what Tandem does not act on is acknowledged and never stored.
func TestIgnored(t *testing.T) {
	event := func(name string) string {
		return "<xml><ToUserName><![CDATA[" + testCorp + "]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>" +
			"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[" + name +
			"]]></Event><EventKey><![CDATA[]]></EventKey><AgentID>218</AgentID></xml>"
	}
	for name, inner := range map[string]string{
		"Image":           strings.Replace(textXML("9", testUser, ""), "[text]", "[image]", 1),
		"EnterAgent":      event("enter_agent"),
		"MenuClick":       event("click"),
		"CardMenu":        strings.Replace(cardEventXML(testUser, "1", "k|v", "t", "rc"), "template_card_event", "template_card_menu_event", 1),
		"OtherAgent":      strings.Replace(textXML("9", testUser, "tasks"), "<AgentID>218</AgentID>", "<AgentID>1000002</AgentID>", 1),
		"UnknownMsgType":  strings.Replace(textXML("9", testUser, "x"), "[text]", "[brand_new]", 1),
		"ChangeContact":   event("change_contact"),
		"EventNoEventKey": event("template_card_menu_event"),
	} {
		t.Run(name, func(t *testing.T) {
			in := &Intake{}
			a := MustNewAdapter(t, in, nil)
			w := serve(t, a, postXML(t, inner))
			if w.Code != http.StatusOK || w.Body.Len() != 0 {
				t.Fatalf("got %d %q", w.Code, w.Body)
			}
			if evs := in.Events(); len(evs) != 0 {
				t.Fatalf("passed %+v", evs[0])
			}
		})
	}
}

// Ensure an event that could not be stored is answered 500 without details,
// and duplicates or failed processing (stored) are acknowledged.
func TestAcceptOutcomes(t *testing.T) {
	for name, tc := range map[string]struct {
		res  bot.Result
		err  error
		want int
	}{
		"Done":      {bot.Result{Done: true}, nil, http.StatusOK},
		"Duplicate": {bot.Result{Duplicate: true}, nil, http.StatusOK},
		"Pending":   {bot.Result{}, nil, http.StatusOK},
		"ErrStore":  {bot.Result{}, errors.New("disk full"), http.StatusInternalServerError},
	} {
		t.Run(name, func(t *testing.T) {
			in := &Intake{AcceptFn: func(context.Context, *bot.Event, time.Duration) (bot.Result, error) { return tc.res, tc.err }}
			a := MustNewAdapter(t, in, nil)
			w := serve(t, a, postXML(t, textXML("1", testUser, "tasks")))
			if w.Code != tc.want || strings.Contains(w.Body.String(), "disk full") {
				t.Fatalf("got %d %q", w.Code, w.Body)
			}
		})
	}
}

// Ensure a callback the intake has not stored by the deadline is given up
// and answered 503 within WeCom's 5 s, never 200, so that WeCom delivers it
// again. This is a deadline check, not a benchmark.
func TestSlowIntakeRefusedInTime(t *testing.T) {
	in := adaptertest.StuckIntake(t)
	a := MustNewAdapter(t, in, nil) // the default 3 s budget
	for name, inner := range map[string]string{
		"Text": textXML("1", testUser, "tasks"),
		"Card": cardEventXML(testUser, "1700000001", "task.start|12", "t1", "rc"),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			w := serve(t, a, postXML(t, inner))
			if elapsed := time.Since(start); elapsed >= 5*time.Second {
				t.Fatalf("answered after %s", elapsed)
			}
			if w.Code != http.StatusServiceUnavailable {
				t.Fatalf("got %d %q, want 503", w.Code, w.Body)
			}
		})
	}
}

// Ensure a callback already being stored at the deadline (it cannot be
// given up) is waited for: answered 200 once stored, and 500 if storing it
// fails, never 200 for an event that is not stored.
func TestStoredLate(t *testing.T) {
	for name, tc := range map[string]struct {
		err  error
		want int
	}{
		"OK":       {nil, http.StatusOK},
		"ErrStore": {errors.New("database is locked"), http.StatusInternalServerError},
	} {
		t.Run(name, func(t *testing.T) {
			in := adaptertest.LateIntake(bot.Result{Done: tc.err == nil}, tc.err)
			a := MustNewAdapter(t, in, func(c *wecom.Config) { c.AckBudget = 50 * time.Millisecond })
			if w := serve(t, a, postXML(t, textXML("1", testUser, "任务列表"))); w.Code != tc.want {
				t.Fatalf("got %d %q, want %d", w.Code, w.Body, tc.want)
			}
		})
	}
}

// Ensure bad configurations are refused at New.
func TestNew_Config(t *testing.T) {
	ok := wecom.Config{CorpID: testCorp, AgentID: testAgent, Secret: testSecret, Token: testToken, EncodingAESKey: testKey}
	for name, edit := range map[string]func(*wecom.Config){
		"ErrNoCorp":       func(c *wecom.Config) { c.CorpID = "" },
		"ErrNoAgent":      func(c *wecom.Config) { c.AgentID = 0 },
		"ErrNoSecret":     func(c *wecom.Config) { c.Secret = "" },
		"ErrNoToken":      func(c *wecom.Config) { c.Token = "" },
		"ErrShortKey":     func(c *wecom.Config) { c.EncodingAESKey = testKey[:42] },
		"ErrKeyNotBase64": func(c *wecom.Config) { c.EncodingAESKey = "*" + testKey[1:] },
		"ErrLongBudget":   func(c *wecom.Config) { c.AckBudget = 5 * time.Second },
		"ErrRobotURL": func(c *wecom.Config) {
			c.Robots = map[string]string{"ops": "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := ok
			edit(&cfg)
			if _, err := wecom.New(cfg, &Intake{}); err == nil {
				t.Fatal("no error")
			}
		})
	}
	if _, err := wecom.New(ok, nil); err == nil {
		t.Fatal("nil intake accepted")
	}
	a, err := wecom.New(ok, &Intake{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Routes()["/wecom/callback"]; !ok || len(a.Routes()) != 1 || a.Platform() != bot.PlatformWeCom {
		t.Fatalf("routes %v", a.Routes())
	}
}
