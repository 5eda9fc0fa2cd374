package dingtalk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/dingtalk"
)

const (
	testClientID  = "dingappkey1"
	testSecret    = "test-app-secret"
	testRobotCode = "dingrobot1"
	defaultOAPI   = "https://oapi.dingtalk.com"
)

// testNow is the fixed clock of the tests; callbacks are signed with it and
// the fixtures' session webhooks expire 90 minutes after it.
var testNow = time.UnixMilli(1_700_000_000_000)

// Intake is the shared recording fake of bot.Intake.
type Intake = adaptertest.Intake

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// newClock is a settable clock for token and session expiry, at testNow.
func newClock() *adaptertest.Clock { return adaptertest.NewClock(testNow) }

// MustNewAdapter returns an HTTP-mode adapter with the test credentials and
// clock; edit adjusts the config first.
func MustNewAdapter(tb testing.TB, in bot.Intake, edit func(*dingtalk.Config)) *dingtalk.Adapter {
	tb.Helper()
	cfg := dingtalk.Config{
		ClientID:     testClientID,
		ClientSecret: testSecret,
		RobotCode:    testRobotCode,
		Mode:         dingtalk.ModeHTTP,
		Nonces:       &Nonces{},
		Now:          func() time.Time { return testNow },
		Log:          discardLog(),
	}
	if edit != nil {
		edit(&cfg)
	}
	a, err := dingtalk.New(cfg, in)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// Nonces is an in-memory bot.Nonces that binds keys as storage/sqlite does
// (without expiry: the tests' clock does not outlive a binding).
type Nonces struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (n *Nonces) ClaimNonce(_ context.Context, scope, key string, digest []byte, _, _ time.Time) (bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[string][]byte{}
	}
	if bound, ok := n.m[scope+"\x00"+key]; ok {
		return bytes.Equal(bound, digest), nil
	}
	n.m[scope+"\x00"+key] = digest
	return true, nil
}

// newFake is a fake DingTalk that accepts the test app's credentials.
func newFake(tb testing.TB) *dingtalktest.Server {
	return dingtalktest.New(tb, testClientID, testSecret)
}

// signedRequest builds a callback POST signed with the test secret at ts.
func signedRequest(body []byte, ts time.Time) *http.Request {
	return dingtalktest.SignedRequest(dingtalk.RoutePath, testSecret, body, ts)
}

// serve runs r through the adapter's route for its path (the robot's).
var serve = adaptertest.Serve

// fixture reads a testdata file, with SESSION_HOST standing for the
// classic API host the adapter trusts.
func fixture(tb testing.TB, name, oapi string) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return bytes.ReplaceAll(b, []byte("SESSION_HOST"), []byte(oapi))
}

func readTestdata(name string) ([]byte, error) { return os.ReadFile("testdata/" + name) }

// editJSON decodes raw, lets edit change it, and encodes it again.
func editJSON(tb testing.TB, raw []byte, edit func(m map[string]any)) []byte {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func mentionIDs(ms []bot.Mention) string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	return strings.Join(ids, ",")
}
