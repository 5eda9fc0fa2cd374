package slack_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"github.com/tandemhq/tandem/adapters/adaptertest"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"

	tslack "github.com/tandemhq/tandem/adapters/slack"
)

const (
	testSecret = "test-signing-secret"
	testBotID  = "UBOT"
)

// testNow is the fixed clock of the handler tests; requests are signed with it.
var testNow = time.Unix(1_700_000_000, 0)

// Intake is the shared recording fake of bot.Intake.
type Intake = adaptertest.Intake

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// MustNewAdapter returns an HTTP-mode adapter with the test secret, bot id
// and clock; edit adjusts the config first.
func MustNewAdapter(tb testing.TB, in bot.Intake, edit func(*tslack.Config)) *tslack.Adapter {
	tb.Helper()
	cfg := tslack.Config{
		SigningSecret: testSecret,
		BotToken:      "xoxb-test",
		BotUserID:     testBotID,
		Now:           func() time.Time { return testNow },
		Log:           discardLog(),
	}
	if edit != nil {
		edit(&cfg)
	}
	a, err := tslack.New(cfg, in)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// signHeader returns Slack's signature headers for body at ts.
func signHeader(secret string, ts time.Time, body []byte) http.Header {
	sec := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	io.WriteString(mac, "v0:"+sec+":")
	mac.Write(body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", sec)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

// signedRequest builds a POST to path signed with the test secret at testNow.
func signedRequest(path, contentType string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	for k, v := range signHeader(testSecret, testNow, body) {
		r.Header[k] = v
	}
	r.Header.Set("Content-Type", contentType)
	return r
}

// serve runs r through the adapter's route for its path.
func serve(tb testing.TB, a *tslack.Adapter, r *http.Request) *httptest.ResponseRecorder {
	tb.Helper()
	h, ok := a.Routes()[r.URL.Path]
	if !ok {
		tb.Fatalf("no route %s", r.URL.Path)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func mustReadFile(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
