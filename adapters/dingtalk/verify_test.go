package dingtalk_test

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/dingtalk"
)

// vector is self-computed (DingTalk publishes none), with the secret
// placeholder of DingTalk's own signing sample; see shared/platforms.md §4.2.
var vector = struct{ secret, timestamp, sign string }{
	secret:    "this is secret",
	timestamp: "1700000000000",
	sign:      "sSFWELbV2YwjdDQhWZwTcWlX5BWUx5J6TPpsZmuPii0=",
}

var vectorTime = time.UnixMilli(1_700_000_000_000)

// Ensure the vector verifies within an hour of its timestamp, in plain and
// URL-encoded spelling, and fails when stale, forged or unsigned.
func TestVerifySign(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, now := range []time.Time{vectorTime, vectorTime.Add(59 * time.Minute), vectorTime.Add(-59 * time.Minute)} {
			if err := dingtalk.VerifySign(vector.secret, vector.timestamp, vector.sign, now); err != nil {
				t.Fatalf("now=%s: %v", now, err)
			}
		}
		if err := dingtalk.VerifySign(vector.secret, vector.timestamp, url.QueryEscape(vector.sign), vectorTime); err != nil {
			t.Fatalf("URL-encoded: %v", err)
		}
	})
	for name, tc := range map[string]struct {
		secret, ts, sign string
		now              time.Time
		want             error
	}{
		"ErrStaleLate":      {vector.secret, vector.timestamp, vector.sign, vectorTime.Add(61 * time.Minute), dingtalk.ErrStaleRequest},
		"ErrStaleEarly":     {vector.secret, vector.timestamp, vector.sign, vectorTime.Add(-61 * time.Minute), dingtalk.ErrStaleRequest},
		"ErrForged":         {vector.secret, vector.timestamp, "tSFWELbV2YwjdDQhWZwTcWlX5BWUx5J6TPpsZmuPii0=", vectorTime, dingtalk.ErrBadSignature},
		"ErrWrongSecret":    {vector.secret + "x", vector.timestamp, vector.sign, vectorTime, dingtalk.ErrBadSignature},
		"ErrOtherTimestamp": {vector.secret, "1700000000001", vector.sign, vectorTime, dingtalk.ErrBadSignature},
		"ErrSecondsNotMS":   {vector.secret, "1700000000", vector.sign, vectorTime, dingtalk.ErrStaleRequest},
		"ErrBadTimestamp":   {vector.secret, "yesterday", vector.sign, vectorTime, dingtalk.ErrBadSignature},
		"ErrNotBase64":      {vector.secret, vector.timestamp, "%%%not base64", vectorTime, dingtalk.ErrBadSignature},
		"ErrShort":          {vector.secret, vector.timestamp, vector.sign[:20], vectorTime, dingtalk.ErrBadSignature},
		"ErrNoSign":         {vector.secret, vector.timestamp, "", vectorTime, dingtalk.ErrUnsigned},
		"ErrNoTimestamp":    {vector.secret, "", vector.sign, vectorTime, dingtalk.ErrUnsigned},
		"ErrNoSecret":       {"", vector.timestamp, vector.sign, vectorTime, dingtalk.ErrUnsigned},
	} {
		t.Run(name, func(t *testing.T) {
			err := dingtalk.VerifySign(tc.secret, tc.ts, tc.sign, tc.now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if bot.ErrorCode(err) != bot.EUNAUTHORIZED {
				t.Fatalf("code %q, want %q", bot.ErrorCode(err), bot.EUNAUTHORIZED)
			}
		})
	}
}
