package slack_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
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

// Intake is a bot.Intake whose behaviour is a function field; it records
// every event it is given.
type Intake struct {
	AcceptFn func(ctx context.Context, ev *bot.Event, wait time.Duration) (bot.Result, error)

	mu     sync.Mutex
	events []*bot.Event
	waits  []time.Duration
}

var _ bot.Intake = (*Intake)(nil)

func (in *Intake) Accept(ctx context.Context, ev *bot.Event, wait time.Duration) (bot.Result, error) {
	in.mu.Lock()
	in.events = append(in.events, ev)
	in.waits = append(in.waits, wait)
	in.mu.Unlock()
	if in.AcceptFn == nil {
		return bot.Result{}, nil
	}
	return in.AcceptFn(ctx, ev, wait)
}

// Events returns the events accepted so far.
func (in *Intake) Events() []*bot.Event {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]*bot.Event(nil), in.events...)
}

func (in *Intake) Waits() []time.Duration {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]time.Duration(nil), in.waits...)
}

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
