// Package httpserver is the one HTTP server every webhook adapter is mounted
// on, with health endpoints. It knows no adapter: cmd/tandem passes the
// handlers in.
package httpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync/atomic"
	"time"
)

// Server serves webhooks and health checks.
type Server struct {
	Addr string
	// Routes maps paths to handlers (from the adapters).
	Routes map[string]http.Handler
	// Checks are what /readyz runs, in order: it answers 200 when every one
	// passes and 503 when any fails, with a JSON body naming each check and
	// its error.
	Checks []Check
	Log    *slog.Logger
	// ShutdownTimeout bounds how long Close waits for requests in flight.
	ShutdownTimeout time.Duration
	// Drain is how long Close keeps serving, with /readyz failing, before it
	// stops listening: a load balancer that probes /readyz every few seconds
	// stops sending here first, instead of finding the port closed under a
	// request (which Caddy, for one, retried on another replica without its
	// body). Zero for one server with nothing in front.
	Drain time.Duration

	draining atomic.Bool
	ln       net.Listener
	server   *http.Server
	done     chan struct{}
}

// Open listens synchronously, so a port clash is reported at start, and then
// serves in the background.
func (s *Server) Open() error {
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.ShutdownTimeout == 0 {
		s.ShutdownTimeout = 10 * time.Second
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", s.ready)
	paths := make([]string, 0, len(s.Routes))
	for p := range s.Routes {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		mux.Handle(p, s.Routes[p])
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.Addr, err)
	}
	s.ln = ln
	s.server = &http.Server{
		Handler:           recoverer(s.Log, mux),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Log.Error("http server stopped", "err", err)
		}
	}()
	s.Log.Info("http server listening", "addr", ln.Addr().String())
	return nil
}

// Check is one readiness check.
type Check struct {
	Name string
	// Run returns why the check fails, nil when it passes. It must be quick
	// (probes come every few seconds): an atomic load, a one-row read.
	Run func(ctx context.Context) error
}

// CheckResult is one check in /readyz's answer.
type CheckResult struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// Readiness is /readyz's answer.
type Readiness struct {
	Ready  bool          `json:"ready"`
	Checks []CheckResult `json:"checks"`
	// Failing names the checks that failed.
	Failing []string `json:"failing,omitempty"`
}

// ready is /readyz: every check, 200 when all pass, 503 otherwise.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	out := Readiness{Ready: true, Checks: []CheckResult{}}
	if s.draining.Load() {
		out.Ready = false
		out.Checks = append(out.Checks, CheckResult{Name: "draining", Error: "shutting down: finishing requests in flight"})
		out.Failing = append(out.Failing, "draining")
	}
	for _, c := range s.Checks {
		res := CheckResult{Name: c.Name, OK: true}
		if err := c.Run(ctx); err != nil {
			res.OK, res.Error = false, err.Error()
			out.Ready = false
			out.Failing = append(out.Failing, c.Name)
		}
		out.Checks = append(out.Checks, res)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !out.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	json.NewEncoder(w).Encode(out)
}

// URL is the server's base URL, useful with Addr "127.0.0.1:0" in tests.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close fails /readyz and keeps serving for Drain, then stops taking
// requests and waits for those in flight.
func (s *Server) Close() error {
	if s.server == nil {
		return nil
	}
	if s.Drain > 0 {
		s.draining.Store(true)
		s.Log.Info("draining: /readyz fails while the load balancer notices", "for", s.Drain)
		time.Sleep(s.Drain)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.ShutdownTimeout)
	defer cancel()
	err := s.server.Shutdown(ctx)
	<-s.done
	return err
}

// recoverer answers 500 instead of dropping the connection when a handler
// panics, and logs it: a malformed payload must never take the process down.
func recoverer(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic in http handler", "path", r.URL.Path, "panic", p)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
