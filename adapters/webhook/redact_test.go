package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/adapters/webhook"
)

// Ensure a transport error keeps its cause and host but loses the path and
// query, where the callers' credentials are.
func TestRedactURL(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://hooks.example.com/actions/T1/s3cr3t?access_token=t0k3n", nil)
	_, err := http.DefaultClient.Do(req)
	if err == nil {
		t.Fatal("a cancelled request succeeded")
	}
	got := webhook.RedactURL(err)
	if s := got.Error(); strings.Contains(s, "s3cr3t") || strings.Contains(s, "t0k3n") || !strings.Contains(s, "https://hooks.example.com/") {
		t.Errorf("redacted error = %q", s)
	}
	if !errors.Is(got, context.Canceled) {
		t.Errorf("the cause is lost: %v", got)
	}
	plain := errors.New("no URL here")
	if webhook.RedactURL(plain) != plain {
		t.Error("an error without a URL changed")
	}
}
