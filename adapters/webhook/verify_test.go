package webhook_test

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/webhook"
)

// Ensure a timestamp is read in its unit and refused outside the window on
// either side, and that one that is not a number counts as a forgery.
func TestCheckTimestamp(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	for name, tc := range map[string]struct {
		ts   string
		unit time.Duration
		want error
	}{
		"Seconds":        {"1700000299", time.Second, nil},
		"SecondsLate":    {"1699999699", time.Second, webhook.ErrStaleRequest},
		"SecondsEarly":   {"1700000301", time.Second, webhook.ErrStaleRequest},
		"Millis":         {"1699999700000", time.Millisecond, nil},
		"MillisAsSecond": {"1700000000000", time.Second, webhook.ErrStaleRequest},
		"SecondsAsMilli": {"1700000000", time.Millisecond, webhook.ErrStaleRequest},
		"NotANumber":     {"yesterday", time.Second, webhook.ErrBadSignature},
	} {
		if got := webhook.CheckTimestamp(tc.ts, tc.unit, 5*time.Minute, now); got != tc.want {
			t.Errorf("%s: got %v, want %v", name, got, tc.want)
		}
	}
}
