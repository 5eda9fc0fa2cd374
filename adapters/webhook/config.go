package webhook

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// APITimeout bounds each call to a platform's API when an adapter's
// configuration gives no HTTP client of its own: a platform that stops
// answering then fails the call, which the outbox retries, instead of
// holding a delivery worker forever.
const APITimeout = 10 * time.Second

// Defaults returns now, log and client with each one that is unset replaced
// by its default: time.Now, slog.Default() and a client whose calls time
// out after APITimeout. Every adapter's configuration has these three
// fields and fills them in the same way.
func Defaults(now func() time.Time, log *slog.Logger, client *http.Client) (func() time.Time, *slog.Logger, *http.Client) {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	if client == nil {
		client = &http.Client{Timeout: APITimeout}
	}
	return now, log, client
}

// AckBudget returns budget, or def when it is unset (zero or less), and
// fails when it does not leave time before the platform's deadline for its
// webhook's answer (the answer must still travel back, and a late one makes
// the platform deliver the event again). platform is the name shown in the
// error ("Slack").
func AckBudget(platform string, budget, def, deadline time.Duration) (time.Duration, error) {
	if budget <= 0 {
		budget = def
	}
	if budget >= deadline {
		return 0, fmt.Errorf("%s: AckBudget %s must be below %s's %s deadline", strings.ToLower(platform), budget, platform, deadline)
	}
	return budget, nil
}
