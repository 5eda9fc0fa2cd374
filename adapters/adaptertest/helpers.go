package adaptertest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"
)

// Router is an adapter that serves HTTP: every platform adapter's Routes
// maps a path to its handler.
type Router interface {
	Routes() map[string]http.Handler
}

// Serve runs r through the adapter's route for r's path and returns what
// the handler wrote; the test fails when the adapter has no such route.
func Serve(tb testing.TB, a Router, r *http.Request) *httptest.ResponseRecorder {
	tb.Helper()
	h, ok := a.Routes()[r.URL.Path]
	if !ok {
		tb.Fatalf("no route %s", r.URL.Path)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// MustReadFile returns the file's contents, or fails the test.
func MustReadFile(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Clock is a settable clock for what an adapter times itself (token expiry,
// session webhooks, pacing): its Now is given as the adapter's Config.Now,
// and the test moves it on with Add. It is safe for use by the adapter's
// goroutines.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock that reads now until it is moved on.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
