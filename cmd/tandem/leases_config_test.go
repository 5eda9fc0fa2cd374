package main

import (
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/scheduler"
)

// Ensure storage.leases sets the leases the binary claims with: the job
// scheduler's and the outbox dispatcher's (whose sends are cut off at half
// the lease, at most 20 s, and which poll the store at least once a lease,
// as nothing wakes them for another replica's claims), and the long
// connections'; that the defaults
// are a minute and 30 s; that values outside 1s..1h are refused; and that
// the holder of a long connection's lease is "sqlite" on SQLite and the
// process's own name on PostgreSQL.
func TestStorageLeases(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("storage: {leases: {work: 4s}}"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if l := cfg.Storage.Leases; l.Work != 4*time.Second || l.Connection != 30*time.Second {
		t.Fatalf("leases = %+v, want work as set and connection by default (30s)", l)
	}
	def, _ := ParseConfig(strings.NewReader(""), env(nil))
	if l := def.Storage.Leases; l.Work != time.Minute || l.Connection != 30*time.Second {
		t.Errorf("default leases = %+v, want 1m and 30s", l)
	}
	_, err = ParseConfig(strings.NewReader("storage: {leases: {work: 500ms, connection: 2h}}"), env(nil))
	for _, want := range []string{"storage.leases.work: must be between 1s and 1h, not 500ms",
		"storage.leases.connection: must be between 1s and 1h, not 2h0m0s"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("out-of-range leases: %v, want %q", err, want)
		}
	}

	dir := t.TempDir()
	cfg, err = ParseConfig(strings.NewReader("storage: {path: "+filepath.Join(dir, "t.db")+", leases: {work: 4s, connection: 3s}}\nconsole: {enabled: false}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: cfg, NoHTTP: true, Log: slog.New(slog.DiscardHandler)}
	if err := m.Run(); err != nil {
		m.Close()
		t.Fatal(err)
	}
	defer m.Close()
	if m.Scheduler.Lease != 4*time.Second || m.Dispatcher.Lease != 4*time.Second || m.Dispatcher.SendTimeout != 2*time.Second {
		t.Errorf("scheduler lease %s, dispatcher lease %s and send timeout %s; want 4s, 4s, 2s",
			m.Scheduler.Lease, m.Dispatcher.Lease, m.Dispatcher.SendTimeout)
	}
	if m.Scheduler.Idle != 4*time.Second || m.Dispatcher.Idle != 4*time.Second {
		t.Errorf("scheduler polls every %s, dispatcher every %s; want at least once a lease (4s)", m.Scheduler.Idle, m.Dispatcher.Idle)
	}
	if got := sendTimeout(time.Minute); got != 20*time.Second {
		t.Errorf("send timeout under the default lease: %s, want 20s", got)
	}
	if l := m.connLeader("dingtalk", "app"); l.TTL != 3*time.Second || l.Holder != sqliteLeaseHolder {
		t.Errorf("connection lease %s held as %q, want 3s as %q", l.TTL, l.Holder, sqliteLeaseHolder)
	}
	m.ConnLease = time.Second
	if l := m.connLeader("dingtalk", "app"); l.TTL != time.Second {
		t.Errorf("Main.ConnLease 1s: the lease is %s", l.TTL)
	}
	m.Config.Storage.Driver = "postgres"
	if h := m.connLeader("dingtalk", "app").Holder; h != scheduler.ProcessName() {
		t.Errorf("on postgres the connection lease is held as %q, want the process's name %q", h, scheduler.ProcessName())
	}
}

// Ensure http.drain reaches the server and is kept within 0s..1m.
func TestHTTPDrain(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("http: {addr: \"127.0.0.1:0\", drain: 50ms}\nconsole: {enabled: false}\nstorage: {path: "+
		strconv.Quote(filepath.Join(t.TempDir(), "t.db"))+"}"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: cfg, Log: slog.New(slog.DiscardHandler)}
	if err := m.Run(); err != nil {
		m.Close()
		t.Fatal(err)
	}
	defer m.Close()
	if m.Server.Drain != 50*time.Millisecond {
		t.Errorf("the server drains for %s, want http.drain's 50ms", m.Server.Drain)
	}
	if _, err := ParseConfig(strings.NewReader("http: {drain: 2m}"), env(nil)); err == nil ||
		!strings.Contains(err.Error(), "http.drain: must be between 0s and 1m, not 2m0s") {
		t.Errorf("http.drain 2m: %v, want refused", err)
	}
}
