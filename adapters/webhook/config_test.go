package webhook_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/webhook"
)

// Ensure unset fields get their defaults, a client that times out after
// APITimeout among them, and set ones are kept.
func TestDefaults(t *testing.T) {
	now, log, client := webhook.Defaults(nil, nil, nil)
	if now == nil || log != slog.Default() || client == nil || client.Timeout != webhook.APITimeout {
		t.Fatalf("got now %v, log %v, client %+v", now != nil, log, client)
	}
	fixed := time.Unix(1_700_000_000, 0)
	mine, myClient := slog.New(slog.DiscardHandler), &http.Client{}
	now, log, client = webhook.Defaults(func() time.Time { return fixed }, mine, myClient)
	if !now().Equal(fixed) || log != mine || client != myClient {
		t.Fatal("a configured field was replaced")
	}
}

// Ensure an unset budget takes the default and one that reaches the
// platform's deadline is refused with the platform's name.
func TestAckBudget(t *testing.T) {
	if got, err := webhook.AckBudget("Slack", 0, 2*time.Second, 3*time.Second); err != nil || got != 2*time.Second {
		t.Fatalf("got %s, %v", got, err)
	}
	if got, err := webhook.AckBudget("Slack", time.Second, 2*time.Second, 3*time.Second); err != nil || got != time.Second {
		t.Fatalf("got %s, %v", got, err)
	}
	_, err := webhook.AckBudget("WeCom", 5*time.Second, 3*time.Second, 5*time.Second)
	if err == nil || !strings.HasPrefix(err.Error(), "wecom: AckBudget 5s must be below WeCom's 5s deadline") {
		t.Fatalf("got %v", err)
	}
}
