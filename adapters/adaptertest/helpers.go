package adaptertest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
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

// CheckDeliveryError fails the test unless err is a failed send classified
// as the outbox needs it: with retryAfter > 0, a DeliveryError asking to
// wait exactly that long (and not permanent); with permanent, a permanent
// DeliveryError; otherwise a transient error, one the outbox retries on its
// own schedule (a plain error, or a DeliveryError that is neither).
func CheckDeliveryError(tb testing.TB, err error, retryAfter time.Duration, permanent bool) {
	tb.Helper()
	if err == nil {
		tb.Fatal("no error")
	}
	d, ok := bot.AsDeliveryError(err)
	switch {
	case retryAfter > 0:
		if !ok || d.RetryAfter != retryAfter || d.Permanent {
			tb.Fatalf("got %v, want RetryAfter %s", err, retryAfter)
		}
	case permanent:
		if !ok || !d.Permanent || d.RetryAfter != 0 {
			tb.Fatalf("got %v, want permanent", err)
		}
	default:
		if ok && (d.Permanent || d.RetryAfter > 0) {
			tb.Fatalf("got %v, want transient", err)
		}
	}
}

// CheckRejected fails the test unless the adapter answered a request it
// must refuse (forged, stale, malformed, the wrong method) with status want,
// handed nothing to the intake, and quoted none of the secrets.
func CheckRejected(tb testing.TB, w *httptest.ResponseRecorder, in *Intake, want int, secrets ...string) {
	tb.Helper()
	if w.Code != want {
		tb.Fatalf("status %d, want %d (%s)", w.Code, want, w.Body)
	}
	if n := len(in.Events()); n != 0 {
		tb.Fatalf("Accept called %d times", n)
	}
	for _, secret := range secrets {
		if strings.Contains(w.Body.String(), secret) {
			tb.Fatalf("response leaks a secret: %s", w.Body)
		}
	}
}
