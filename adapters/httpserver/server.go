// Package httpserver is the one HTTP server every webhook adapter is mounted
// on, with health endpoints. It knows no adapter: cmd/tandem passes the
// handlers in.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"time"
)

// Server serves webhooks and health checks.
type Server struct {
	Addr string
	// Routes maps paths to handlers (from the adapters).
	Routes map[string]http.Handler
	// Ready reports whether the process can take traffic; /readyz answers 503
	// while it returns an error.
	Ready func(ctx context.Context) error
	Log   *slog.Logger
	// ShutdownTimeout bounds how long Close waits for requests in flight.
	ShutdownTimeout time.Duration

	ln     net.Listener
	server *http.Server
	done   chan struct{}
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
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if s.Ready != nil {
			if err := s.Ready(r.Context()); err != nil {
				http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ready")
	})
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

// URL is the server's base URL, useful with Addr "127.0.0.1:0" in tests.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops taking requests and waits for those in flight.
func (s *Server) Close() error {
	if s.server == nil {
		return nil
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
