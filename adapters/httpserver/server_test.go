package httpserver_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/httpserver"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Ensure health, readiness, routes and panic recovery.
func TestServer(t *testing.T) {
	var notReady error
	s := &httpserver.Server{
		Addr: "127.0.0.1:0",
		Log:  slog.New(slog.DiscardHandler),
		Routes: map[string]http.Handler{
			"/hello": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") }),
			"/boom":  http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("handler bug") }),
		},
		Checks: []httpserver.Check{
			{Name: "store", Run: func(ctx context.Context) error { return notReady }},
			{Name: "scheduler", Run: func(ctx context.Context) error { return nil }},
		},
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if code, body := get(t, s.URL()+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz = %d %q", code, body)
	}
	if code, body := get(t, s.URL()+"/readyz"); code != 200 ||
		body != `{"ready":true,"checks":[{"name":"store","ok":true},{"name":"scheduler","ok":true}]}`+"\n" {
		t.Fatalf("readyz = %d %s", code, body)
	}
	notReady = errors.New("database locked")
	if code, body := get(t, s.URL()+"/readyz"); code != 503 ||
		body != `{"ready":false,"checks":[{"name":"store","ok":false,"error":"database locked"},{"name":"scheduler","ok":true}],"failing":["store"]}`+"\n" {
		t.Fatalf("readyz when not ready = %d %s", code, body)
	}
	if code, body := get(t, s.URL()+"/hello"); code != 200 || body != "hi" {
		t.Fatalf("route = %d %q", code, body)
	}
	if code, _ := get(t, s.URL()+"/boom"); code != 500 {
		t.Fatalf("panicking handler = %d", code)
	}
	if code, _ := get(t, s.URL()+"/healthz"); code != 200 {
		t.Fatal("server died after a panic")
	}
	if code, _ := get(t, s.URL()+"/nowhere"); code != 404 {
		t.Fatalf("unknown path = %d", code)
	}
}

// Ensure a port clash is reported by Open, not later.
func TestServer_PortInUse(t *testing.T) {
	a := &httpserver.Server{Addr: "127.0.0.1:0", Log: slog.New(slog.DiscardHandler)}
	if err := a.Open(); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b := &httpserver.Server{Addr: a.URL()[len("http://"):], Log: slog.New(slog.DiscardHandler)}
	if err := b.Open(); err == nil {
		b.Close()
		t.Fatal("second server on the same port opened")
	}
}

// Ensure Close with a Drain fails /readyz while it still serves requests,
// and only then stops listening.
func TestServer_DrainFailsReadinessWhileServing(t *testing.T) {
	s := &httpserver.Server{
		Addr:   "127.0.0.1:0",
		Log:    slog.New(slog.DiscardHandler),
		Drain:  2 * time.Second,
		Routes: map[string]http.Handler{"/hello": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") })},
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	base := s.URL()
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	deadline := time.Now().Add(time.Second)
	for {
		code, body := get(t, base+"/readyz")
		if code == 503 && strings.Contains(body, `"failing":["draining"]`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz did not fail while draining: %d %s", code, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) before the drain ended", err)
	default:
	}
	if code, body := get(t, base+"/hello"); code != 200 || body != "hi" {
		t.Fatalf("a request while draining: %d %q", code, body)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base + "/hello"); err == nil {
		t.Fatal("still serving after Close")
	}
}
