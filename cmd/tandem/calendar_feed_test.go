package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/adapters/icsfeed"
	"github.com/tandemhq/tandem/bot"
)

// feedServer runs Tandem with one person, alice, and returns it with
// alice's id.
func feedServer(t *testing.T) (*Main, int64) {
	t.Helper()
	dir := t.TempDir()
	m := runMain(t, `
http: {addr: "127.0.0.1:0"}
people:
  - {name: Alice, handle: alice, email: alice@example.com, accounts: ["console:alice"]}
`, filepath.Join(dir, "tandem.db"), slog.New(slog.DiscardHandler))
	var id int64
	err := m.DB.View(context.Background(), func(tx bot.Tx) error {
		p, err := tx.FindPersonByAccount(bot.Account{Platform: bot.PlatformConsole, Workspace: "local", UserID: "alice"})
		if err == nil {
			id = p.ID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m, id
}

func feedGet(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// Ensure the server mounts the calendar feed with a key of its own in the
// data directory (made once, mode 0600), links under its address, and a
// 404 for a link it did not give out.
func TestCalendarFeed_Mounted(t *testing.T) {
	m, alice := feedServer(t)
	keyPath := filepath.Join(dataDir(m.Config), icsfeed.KeyFile)
	st, err := os.Stat(keyPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("feed key: %v, mode %v; want 0600", err, st.Mode())
	}
	var url string
	if err := m.DB.View(context.Background(), func(tx bot.Tx) (err error) { url, err = m.CalendarFeed.URL(tx, alice); return err }); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, m.Server.URL()+"/calendar/") {
		t.Fatalf("link %q is not under the server's address %s", url, m.Server.URL())
	}
	forged := icsfeed.FeedURL(m.Server.URL(), []byte("not this server's key............"), alice, 0)
	if res, _ := feedGet(t, forged); res.StatusCode != http.StatusNotFound {
		t.Errorf("forged link: status %d, want 404", res.StatusCode)
	}
}

// Ensure event UIDs are stable for one key and differ between installations.
func TestUIDDomain(t *testing.T) {
	a, b := []byte("key one, thirty-two bytes long.."), []byte("key two, thirty-two bytes long..")
	if uidDomain(a) != uidDomain(a) || uidDomain(a) == uidDomain(b) || !strings.HasSuffix(uidDomain(a), ".tandem.invalid") {
		t.Errorf("uidDomain: %q %q", uidDomain(a), uidDomain(b))
	}
}
