package main

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// Ensure a long connection is opened only by the replica holding its
// lease, through the real wiring with a DingTalk app on Stream: while
// another replica holds "conn/dingtalk/<client id>", Tandem opens no stream
// and /readyz is 200 (a standby); when the other releases the lease, Tandem
// takes it and opens the stream; when another replica takes it over (by
// that replica's clock Tandem's lease has ended), Tandem closes the stream
// and is a ready standby again.
func TestLongConnection_OnlyOnTheLeaseHolder(t *testing.T) {
	ctx := context.Background()
	api := dingtalktest.New(t, dingE2EClient, dingE2ESecret)
	dbPath := filepath.Join(t.TempDir(), "t.db")
	lease := "conn/dingtalk/" + dingE2EClient

	// Another replica holds the lease for an hour.
	db := sqlite.NewDB(dbPath)
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	if held, err := (bot.StoreLeases{Store: db}).TryLease(ctx, lease, "other", time.Hour, time.Now()); err != nil || !held {
		t.Fatalf("the other replica's lease: held %v, %v", held, err)
	}
	db.Close()

	cfg, err := ParseConfig(strings.NewReader(dingE2EConfig(api.URL, dbPath, "127.0.0.1:0")+"\nconsole: {enabled: false}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: cfg, Log: slog.New(slog.DiscardHandler), ConnLease: 600 * time.Millisecond}
	if err := m.Run(); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	base := m.Server.URL()
	leases := bot.StoreLeases{Store: m.DB}

	// /readyz passes the stream's check only once the leader was refused.
	waitFor(t, "/readyz ready as a standby", func() bool { code, _ := readiness(t, base); return code == http.StatusOK })
	if n := len(api.Calls("open")); n != 0 {
		t.Fatalf("a standby opened the stream %d times", n)
	}

	// The other replica stops and releases its lease.
	if err := leases.ReleaseLease(ctx, lease, "other"); err != nil {
		t.Fatal(err)
	}
	g := api.NextConn(t)
	waitFor(t, "/readyz ready as the holder", func() bool { code, _ := readiness(t, base); return code == http.StatusOK })

	// Another replica takes the lease a minute on, by its clock, when
	// Tandem's has ended; Tandem's next renewal is refused.
	if held, err := leases.TryLease(ctx, lease, "other", time.Hour, time.Now().Add(time.Minute)); err != nil || !held {
		t.Fatalf("the other replica's takeover: held %v, %v", held, err)
	}
	if !g.Closed(10 * time.Second) {
		t.Fatal("the stream stayed open after the lease was lost")
	}
	waitFor(t, "/readyz ready as a standby again", func() bool { code, _ := readiness(t, base); return code == http.StatusOK })
}
