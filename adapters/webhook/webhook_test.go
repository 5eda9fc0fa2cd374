package webhook_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

func TestStatus(t *testing.T) {
	for err, want := range map[error]int{
		nil:                                     200,
		bot.Errorf(bot.EINVALID, "x", "x"):      400,
		bot.Errorf(bot.EUNAUTHORIZED, "x", "x"): 401,
		bot.Errorf(bot.EFORBIDDEN, "x", "x"):    403,
		bot.Errorf(bot.ENOTFOUND, "x", "x"):     404,
		bot.Errorf(bot.ECONFLICT, "x", "x"):     409,
		bot.Errorf(bot.ETOOLARGE, "x", "x"):     413,
		errors.New("disk"):                      500,
	} {
		if got := webhook.Status(err); got != want {
			t.Errorf("StatusCode(%v) = %d, want %d", err, got, want)
		}
	}
}

// Ensure bodies are bounded, whether or not their length is declared.
func TestReadBody(t *testing.T) {
	malformed := bot.Errorf(bot.EINVALID, "bad", "坏")
	r := httptest.NewRequest("POST", "/", strings.NewReader("hello"))
	if b, err := webhook.ReadBody(r, 5, malformed); err != nil || string(b) != "hello" {
		t.Fatalf("at the limit: %q %v", b, err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader("hello!"))
	if _, err := webhook.ReadBody(r, 5, malformed); bot.ErrorCode(err) != bot.ETOOLARGE {
		t.Fatalf("declared over the limit: %v", err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader("hello!"))
	r.ContentLength = -1 // chunked: the length is not known up front
	if _, err := webhook.ReadBody(r, 5, malformed); bot.ErrorCode(err) != bot.ETOOLARGE {
		t.Fatalf("undeclared over the limit: %v", err)
	}
	r = httptest.NewRequest("POST", "/", errReader{})
	r.ContentLength = -1
	if _, err := webhook.ReadBody(r, 5, malformed); err != malformed {
		t.Fatalf("unreadable: %v", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }
