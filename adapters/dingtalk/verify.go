package dingtalk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"time"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// maxSignAge is DingTalk's window for the robot callback's timestamp: a
// signed request older (or newer) than this is refused.
const maxSignAge = time.Hour

// Errors returned by VerifySign. They carry bot.EUNAUTHORIZED so the edge
// answers 401; they are distinct values so tests and logs can tell why.
var (
	ErrUnsigned     = webhook.ErrUnsigned
	ErrStaleRequest = webhook.ErrStaleRequest
	ErrBadSignature = webhook.ErrBadSignature
	// ErrReusedSign refuses a signature that came with another body before.
	ErrReusedSign = bot.Errorf(bot.EUNAUTHORIZED, "The request signature was already used with another body.",
		"请求签名已用于另一条消息。")
)

// VerifySign checks the headers DingTalk puts on a robot HTTP callback:
// sign = Base64(HMAC-SHA256(key = AppSecret, timestamp + "\n" + AppSecret)),
// timestamp in milliseconds and within an hour of now. It is a pure function
// of its arguments so that it can be tested with a fixed clock; the
// comparison uses hmac.Equal so its timing reveals nothing.
//
// The signature does not cover the body: a captured (timestamp, sign) pair
// verifies with any body for up to an hour. The HTTP handler therefore also
// binds each pair to a digest of the first body it carried, durably (see
// claimSign), so the pair verifies again only with that very body, which the
// intake then deduplicates on its message id. Stream mode has no such
// weakness and is the default.
func VerifySign(secret, timestamp, sign string, now time.Time) error {
	if secret == "" || timestamp == "" || sign == "" {
		return ErrUnsigned
	}
	if err := webhook.CheckTimestamp(timestamp, time.Millisecond, maxSignAge, now); err != nil {
		return err
	}
	got, err := base64.StdEncoding.DecodeString(sign)
	if err != nil && strings.Contains(sign, "%") {
		// The same signature is URL-encoded when a custom robot puts it in
		// a query string; accept that spelling too.
		if unescaped, uerr := url.QueryUnescape(sign); uerr == nil {
			got, err = base64.StdEncoding.DecodeString(unescaped)
		}
	}
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	if !hmac.Equal(got, computeSign(secret, timestamp)) {
		return ErrBadSignature
	}
	return nil
}

func computeSign(secret, timestamp string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "\n" + secret))
	return mac.Sum(nil)
}
