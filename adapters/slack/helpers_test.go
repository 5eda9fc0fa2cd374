package slack_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"

	"github.com/tandemhq/tandem/bot"

	tslack "github.com/tandemhq/tandem/adapters/slack"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
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

// signedRequest builds a POST to path signed with the test secret at testNow.
func signedRequest(path, contentType string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	for k, v := range slacktest.Sign(testSecret, testNow, body) {
		r.Header[k] = v
	}
	r.Header.Set("Content-Type", contentType)
	return r
}

// serve runs r through the adapter's route for its path.
var serve = adaptertest.Serve

var mustReadFile = adaptertest.MustReadFile
