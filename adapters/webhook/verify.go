package webhook

import (
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// The errors every platform's signature check returns for the same three
// faults. They carry bot.EUNAUTHORIZED so the edge answers 401; they are
// distinct values so tests and logs can tell why. Each adapter exports them
// under its own name as well (slack.ErrUnsigned is webhook.ErrUnsigned).
var (
	ErrUnsigned     = bot.Errorf(bot.EUNAUTHORIZED, "The request is not signed.", "请求没有签名。")
	ErrStaleRequest = bot.Errorf(bot.EUNAUTHORIZED, "The request timestamp is outside the allowed window.", "请求时间戳超出允许范围。")
	ErrBadSignature = bot.Errorf(bot.EUNAUTHORIZED, "The request signature does not match.", "请求签名不匹配。")
)

// CheckTimestamp refuses a signed request whose timestamp ts, a whole
// number of units (time.Second or time.Millisecond) since the Unix epoch,
// is further than window from now, so that a captured request cannot be
// replayed later. A timestamp that is not a number is ErrBadSignature (the
// platform signs it, so it is a forgery), one outside the window
// ErrStaleRequest.
func CheckTimestamp(ts string, unit, window time.Duration, now time.Time) error {
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	var at time.Time
	if unit == time.Millisecond {
		at = time.UnixMilli(n)
	} else {
		at = time.Unix(n, 0)
	}
	if now.Sub(at).Abs() > window {
		return ErrStaleRequest
	}
	return nil
}
