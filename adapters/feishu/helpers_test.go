package feishu_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/feishu"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
)

const (
	testToken  = "test-verification-token"
	testKey    = "test key"
	testBotID  = "ou_bot"
	testSender = "ou_84aad35d084aa403a838cf73ee18467"
	testChat   = "oc_5ce6d572455d361153b7xx51da133945"
	testTenant = "2ca1d211f64f6438"
)

// testNow is the fixed clock of the handler tests; requests are signed with it.
var testNow = time.Unix(1_700_000_000, 0)

// Intake is the shared recording fake of bot.Intake.
type Intake = adaptertest.Intake

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// MustNewAdapter returns an HTTP-mode adapter with the test token, encrypt
// key, bot id and clock; edit adjusts the config first.
func MustNewAdapter(tb testing.TB, in bot.Intake, edit func(*feishu.Config)) *feishu.Adapter {
	tb.Helper()
	cfg := feishu.Config{
		AppID:             "cli_test",
		AppSecret:         "test-app-secret",
		VerificationToken: testToken,
		EncryptKey:        testKey,
		BotOpenID:         testBotID,
		Now:               func() time.Time { return testNow },
		Log:               discardLog(),
	}
	if edit != nil {
		edit(&cfg)
	}
	a, err := feishu.New(cfg, in)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// Feishu's side of the crypto is the test kit's.
var (
	encrypt    = feishutest.Encrypt
	encryptRaw = feishutest.EncryptBlocks
	envelope   = func(key string, inner []byte) []byte { return feishutest.Envelope(key, inner) }
	signHeader = feishutest.SignHeader
)

// rawRequest builds a POST of body signed with the test key at testNow.
func rawRequest(body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/feishu/events", bytes.NewReader(body))
	for k, v := range signHeader(testKey, testNow, body) {
		r.Header[k] = v
	}
	r.Header.Set("Content-Type", "application/json")
	return r
}

// signedRequest encrypts and signs a payload as Feishu does with the test key.
func signedRequest(p any) *http.Request { return rawRequest(envelope(testKey, mustJSON(p))) }

// plainRequest posts a payload unencrypted and unsigned, as Feishu does
// when no Encrypt Key is configured.
func plainRequest(p any) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/feishu/events", bytes.NewReader(mustJSON(p)))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func mustJSON(v any) []byte {
	if b, ok := v.([]byte); ok {
		return b
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// serve runs r through the adapter's route for its path.
var serve = adaptertest.Serve

var mustReadFile = adaptertest.MustReadFile

// fixture reads a JSON payload from testdata as a map, for tests to edit.
func fixture(tb testing.TB, name string) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(mustReadFile(tb, "testdata/"+name), &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// message returns an im.message.receive_v1 payload: a direct message from
// testSender saying text, which edit may change.
func message(eventID, text string, edit func(msg, sender map[string]any)) map[string]any {
	msg := map[string]any{
		"message_id": "om_1", "root_id": "", "parent_id": "", "chat_id": "oc_dm1", "chat_type": "p2p",
		"message_type": "text", "content": string(mustJSON(map[string]string{"text": text})),
		"create_time": "1700000000000",
	}
	sender := map[string]any{
		"sender_id":   map[string]any{"open_id": testSender, "union_id": "on_1", "user_id": "u1"},
		"sender_type": "user", "tenant_key": testTenant,
	}
	if edit != nil {
		edit(msg, sender)
	}
	return map[string]any{
		"schema": "2.0",
		"header": map[string]any{
			"event_id": eventID, "event_type": "im.message.receive_v1", "create_time": "1700000000000",
			"token": testToken, "app_id": "cli_test", "tenant_key": testTenant,
		},
		"event": map[string]any{"sender": sender, "message": msg},
	}
}

func mentionOf(key, openID, name string) map[string]any {
	return map[string]any{"key": key, "id": map[string]any{"open_id": openID, "union_id": "on_" + name}, "name": name, "tenant_key": testTenant}
}

// cardAction returns the card.action.trigger fixture with its button value
// replaced when value is not nil.
func cardAction(tb testing.TB, eventID string, value any) map[string]any {
	p := fixture(tb, "card_action.json")
	p["header"].(map[string]any)["event_id"] = eventID
	if value != nil {
		p["event"].(map[string]any)["action"].(map[string]any)["value"] = value
	}
	return p
}
