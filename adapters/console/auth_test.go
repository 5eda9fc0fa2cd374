package console_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/console"
	"github.com/tandemhq/tandem/bot"
)

const secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// countingStore is a bot.Store that counts units and runs none: a mailbox
// read is a unit, so a refused request must leave the count at zero.
type countingStore struct{ units atomic.Int64 }

func (s *countingStore) Update(context.Context, func(bot.Tx) error) error { s.units.Add(1); return nil }
func (s *countingStore) View(context.Context, func(bot.Tx) error) error   { s.units.Add(1); return nil }
func (s *countingStore) Close() error                                     { return nil }

func newGuarded(t *testing.T) (*console.Adapter, *adaptertest.Intake, *countingStore, *bytes.Buffer) {
	in, store, logs := &adaptertest.Intake{}, &countingStore{}, &bytes.Buffer{}
	a := console.New(in, store)
	a.Secret = secret
	a.Hosts = []string{"tandem.internal"}
	a.Log = slog.New(slog.NewTextHandler(logs, nil))
	return a, in, store, logs
}

// Ensure what a web page can send, a request without the secret or with
// another, a foreign Host (DNS rebinding) and a proxied request are refused
// before anything is said or any mailbox is read, and each is logged once.
func TestGuard_Refusals(t *testing.T) {
	line := `{"user":"admin","id":"1","text":"task cancel 1"}`
	for name, tc := range map[string]struct {
		method, path, body string
		header             map[string]string
		want               int
	}{
		"ErrWebPageTextPlain": {"POST", "/console/messages", line,
			map[string]string{"Content-Type": "text/plain", "Origin": "http://evil.example"}, 403},
		"ErrWebPageWithSecret": {"POST", "/console/messages", line,
			map[string]string{"Content-Type": "application/json", "Origin": "http://evil.example", "Authorization": "Bearer " + secret}, 403},
		"ErrSecFetchSite": {"GET", "/console/inbox?user=admin", "",
			map[string]string{"Sec-Fetch-Site": "cross-site", "Authorization": "Bearer " + secret}, 403},
		"ErrNullOrigin": {"GET", "/console/inbox?user=admin", "",
			map[string]string{"Origin": "null", "Authorization": "Bearer " + secret}, 403},
		"ErrRebindingHost": {"POST", "/console/messages", line,
			map[string]string{"Host": "evil.example:8080", "Content-Type": "application/json", "Authorization": "Bearer " + secret}, 403},
		"ErrProxied": {"POST", "/console/messages", line,
			map[string]string{"X-Forwarded-For": "198.51.100.7", "Content-Type": "application/json", "Authorization": "Bearer " + secret}, 403},
		"ErrNoSecret": {"POST", "/console/messages", line,
			map[string]string{"Content-Type": "application/json"}, 401},
		"ErrWrongSecret": {"POST", "/console/messages", line,
			map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + strings.Repeat("0", 64)}, 401},
		"ErrSecretNotBearer": {"POST", "/console/messages", line,
			map[string]string{"Content-Type": "application/json", "Authorization": secret}, 401},
		"ErrInboxNoSecret": {"GET", "/console/inbox?user=admin", "", nil, 401},
		"ErrInboxWrongSecret": {"GET", "/console/inbox?user=admin", "",
			map[string]string{"Authorization": "Bearer x" + secret}, 401},
		"ErrFormPost": {"POST", "/console/messages", "user=admin&text=help",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Authorization": "Bearer " + secret}, 415},
		"ErrTextPlain": {"POST", "/console/messages", line,
			map[string]string{"Content-Type": "text/plain", "Authorization": "Bearer " + secret}, 415},
		"ErrMethod": {"GET", "/console/messages", "", map[string]string{"Authorization": "Bearer " + secret}, 405},
	} {
		t.Run(name, func(t *testing.T) {
			a, in, store, logs := newGuarded(t)
			r := httptest.NewRequest(tc.method, "http://127.0.0.1:8080"+tc.path, strings.NewReader(tc.body))
			for k, v := range tc.header {
				if k == "Host" {
					r.Host = v
				} else {
					r.Header.Set(k, v)
				}
			}
			w := httptest.NewRecorder()
			path, _, _ := strings.Cut(tc.path, "?")
			a.Routes()[path].ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d (%s)", w.Code, tc.want, w.Body)
			}
			if n := len(in.Events()); n != 0 {
				t.Fatalf("the refused line reached the bot (%d events)", n)
			}
			if n := store.units.Load(); n != 0 {
				t.Fatalf("the refused request read a mailbox (%d units)", n)
			}
			if n := strings.Count(logs.String(), "console: rejected request"); n != 1 {
				t.Fatalf("%d log lines for the refusal, want 1:\n%s", n, logs)
			}
			if strings.Contains(logs.String(), secret) {
				t.Fatalf("the log holds the secret:\n%s", logs)
			}
		})
	}
}

// Ensure a request from a program with the secret, on a loopback or
// configured host, gets through.
func TestGuard_Admits(t *testing.T) {
	for _, host := range []string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080", "tandem.internal:8080", "LOCALHOST"} {
		a, in, _, _ := newGuarded(t)
		r := httptest.NewRequest("POST", "/console/messages", strings.NewReader(`{"user":"alice","id":"1","text":"help"}`))
		r.Host = host
		r.Header.Set("Content-Type", "application/json; charset=utf-8")
		r.Header.Set("Authorization", "Bearer "+secret)
		r.Header.Set("Sec-Fetch-Site", "none") // typed by a person, not sent by a page
		w := httptest.NewRecorder()
		a.Routes()["/console/messages"].ServeHTTP(w, r)
		if w.Code != http.StatusOK || len(in.Events()) != 1 {
			t.Fatalf("Host %s: status %d (%s), %d events", host, w.Code, w.Body, len(in.Events()))
		}
	}
}

// Ensure the secret is made once, readable by its owner only, and kept; and
// that a secret others can read is refused.
func TestSecretFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s1, err := console.EnsureSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, console.SecretFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %#o, want 0600", st.Mode().Perm())
	}
	if len(s1) != 64 {
		t.Fatalf("secret %q is not 32 bytes in hex", s1)
	}
	if s2, err := console.EnsureSecret(dir); err != nil || s2 != s1 {
		t.Fatalf("second start: %q, %v; want the same secret", s2, err)
	}
	os.Chmod(filepath.Join(dir, console.SecretFile), 0o644)
	if _, err := console.ReadSecret(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a secret others can read: %v", err)
	}
}
