// Package webhook is what every platform's webhook handler does the same
// way: read a bounded body before anything is verified, answer a domain
// error with its HTTP status, and log every rejected request once; and what
// every adapter's configuration defaults the same way (config.go).
package webhook

import (
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/tandemhq/tandem/bot"
)

// ErrTooLarge answers a body over the limit.
var ErrTooLarge = bot.Errorf(bot.ETOOLARGE, "The request body is too large.", "请求内容过大。")

// ReadBody reads at most limit bytes of the request body. Past the limit it
// returns ErrTooLarge; a body that cannot be read returns malformed (the
// adapter's own EINVALID error, which names the platform).
func ReadBody(r *http.Request, limit int64, malformed error) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, ErrTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, malformed
	}
	if int64(len(body)) > limit {
		return nil, ErrTooLarge
	}
	return body, nil
}

// Status maps a domain error to the HTTP status a webhook answers with.
func Status(err error) int {
	switch bot.ErrorCode(err) {
	case "":
		return http.StatusOK
	case bot.EINVALID:
		return http.StatusBadRequest
	case bot.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case bot.EFORBIDDEN:
		return http.StatusForbidden
	case bot.ENOTFOUND:
		return http.StatusNotFound
	case bot.ECONFLICT:
		return http.StatusConflict
	case bot.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case bot.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Fail answers err with its status and its English text. A rejection (a
// 4xx: forged, stale, unsigned, malformed or oversized) is logged at warn by
// Reject; an internal error or EUNAVAILABLE (the event was not stored, so
// the platform must deliver it again) at error. Adapters answer every
// failure through here, so each is logged once and the same way.
func Fail(w http.ResponseWriter, r *http.Request, log *slog.Logger, platform string, err error) {
	status := Status(err)
	if status >= http.StatusInternalServerError {
		log.Error(platform+": request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	} else {
		logRejected(r, log, platform, status, err.Error())
	}
	http.Error(w, bot.ErrorText(err).EN, status)
}

// RejectMethod answers 405 to a method other than allow, and logs it as Fail
// logs a rejection.
func RejectMethod(w http.ResponseWriter, r *http.Request, log *slog.Logger, platform string, allow ...string) {
	w.Header().Set("Allow", strings.Join(allow, ", "))
	Reject(w, r, log, platform, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed")
}

// Reject answers a rejection that has no domain error (a wrong method or
// content type, a request from a browser) with status and reason, and logs
// it as Fail logs a rejection. The reason is also the answer's text.
func Reject(w http.ResponseWriter, r *http.Request, log *slog.Logger, platform string, status int, reason string) {
	logRejected(r, log, platform, status, reason)
	http.Error(w, reason, status)
}

// logRejected writes the one line docs/operations.md promises for a rejected
// webhook. The message names the platform; the platform attribute comes with
// log, which cmd/tandem gives each adapter (With("platform", …)), so that the
// adapters' other lines, and their SDKs', carry it too. The reason is an
// error's text, which never holds a secret or the request's body; the remote
// address is the peer's (behind a proxy, the proxy's).
func logRejected(r *http.Request, log *slog.Logger, platform string, status int, reason string) {
	log.Warn(platform+": rejected request", "method", r.Method, "path", r.URL.Path,
		"remote", r.RemoteAddr, "status", status, "reason", reason)
}
