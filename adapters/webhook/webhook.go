// Package webhook is what every platform's webhook handler does the same
// way: read a bounded body before anything is verified, and answer a domain
// error with its HTTP status.
package webhook

import (
	"io"
	"log/slog"
	"net/http"

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

// Fail answers err with its status and its English text. Internal errors
// and EUNAVAILABLE (the event was not stored, so the platform must deliver
// it again) are logged; rejections were logged where they were decided.
func Fail(w http.ResponseWriter, r *http.Request, log *slog.Logger, platform string, err error) {
	status := Status(err)
	if status >= http.StatusInternalServerError {
		log.Error(platform+": request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	http.Error(w, bot.ErrorText(err).EN, status)
}
