package webhook_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// logLines decodes the JSON log lines in b.
func logLines(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// Ensure every rejection is logged once at warn with the platform (in the
// message; cmd/tandem's loggers add the attribute), path, remote address,
// status and reason, as docs/operations.md says, and an internal failure
// once at error.
func TestFail_LogsOnce(t *testing.T) {
	for name, tc := range map[string]struct {
		answer func(w http.ResponseWriter, r *http.Request, log *slog.Logger)
		status int
		level  string
		reason string
	}{
		"ErrMethod": {func(w http.ResponseWriter, r *http.Request, log *slog.Logger) {
			webhook.RejectMethod(w, r, log, "wecom", http.MethodGet, http.MethodPost)
		}, 405, "WARN", "method PUT is not allowed"},
		"ErrTooLarge": {func(w http.ResponseWriter, r *http.Request, log *slog.Logger) {
			webhook.Fail(w, r, log, "wecom", webhook.ErrTooLarge)
		}, 413, "WARN", "The request body is too large."},
		"ErrMalformed": {func(w http.ResponseWriter, r *http.Request, log *slog.Logger) {
			webhook.Fail(w, r, log, "wecom", bot.Errorf(bot.EINVALID, "The WeCom payload is malformed.", "格式不正确。"))
		}, 400, "WARN", "The WeCom payload is malformed."},
		"ErrUnsigned": {func(w http.ResponseWriter, r *http.Request, log *slog.Logger) {
			webhook.Fail(w, r, log, "wecom", bot.Errorf(bot.EUNAUTHORIZED, "The request is not signed.", "请求没有签名。"))
		}, 401, "WARN", "The request is not signed."},
		"Internal": {func(w http.ResponseWriter, r *http.Request, log *slog.Logger) {
			webhook.Fail(w, r, log, "wecom", errors.New("disk full"))
		}, 500, "ERROR", ""},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, nil))
			r := httptest.NewRequest(http.MethodPut, "/wecom/callback?msg_signature=x", nil)
			r.RemoteAddr = "203.0.113.9:4711"
			w := httptest.NewRecorder()
			tc.answer(w, r, log)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			lines := logLines(t, &buf)
			if len(lines) != 1 {
				t.Fatalf("%d log lines, want 1:\n%s", len(lines), buf.String())
			}
			l := lines[0]
			if l["level"] != tc.level || !strings.HasPrefix(l["msg"].(string), "wecom: ") || l["path"] != "/wecom/callback" {
				t.Fatalf("log line %v", l)
			}
			if tc.level == "WARN" {
				if l["remote"] != "203.0.113.9:4711" || l["status"] != float64(tc.status) || !strings.Contains(l["reason"].(string), tc.reason) {
					t.Fatalf("log line %v, want remote, status %d and reason %q", l, tc.status, tc.reason)
				}
			}
		})
	}
}
