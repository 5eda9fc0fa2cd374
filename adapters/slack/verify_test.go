package slack_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"

	tslack "github.com/tandemhq/tandem/adapters/slack"
)

// vector is a published signing example: Slack's documentation walkthrough
// and slack-go's own security_test.go.
type vector struct {
	secret, file, sig string
	ts                int64
}

var (
	docVector = vector{
		secret: "8f742231b10e8888abcd99yyyzzz85a5",
		file:   "testdata/doc_vector_body.txt",
		ts:     1531420618,
		sig:    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
	}
	sdkVector = vector{
		secret: "e6b19c573432dcc6b075501d51b51bb8",
		file:   "testdata/sdk_vector_body.json",
		ts:     1531431954,
		sig:    "v0=adada4ed31709aef585c2580ca3267678c6a8eaeb7e0c1aca3ee57b656886b2c",
	}
)

func (v vector) header() http.Header {
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(v.ts, 10))
	h.Set("X-Slack-Signature", v.sig)
	return h
}

// Ensure the published vectors verify with the clock set near their
// timestamps, and fail when stale or altered.
func TestVerifySignature(t *testing.T) {
	for name, v := range map[string]vector{"Doc": docVector, "SDK": sdkVector} {
		t.Run(name, func(t *testing.T) {
			body := mustReadFile(t, v.file)
			at := time.Unix(v.ts, 0)

			t.Run("OK", func(t *testing.T) {
				for _, now := range []time.Time{at, at.Add(4 * time.Minute), at.Add(-4 * time.Minute)} {
					if err := tslack.VerifySignature(v.secret, v.header(), body, now); err != nil {
						t.Fatalf("now=%s: %v", now, err)
					}
				}
			})
			t.Run("ErrStale", func(t *testing.T) {
				for _, now := range []time.Time{at.Add(6 * time.Minute), at.Add(-6 * time.Minute)} {
					err := tslack.VerifySignature(v.secret, v.header(), body, now)
					if !errors.Is(err, tslack.ErrStaleRequest) {
						t.Fatalf("now=%s: got %v, want ErrStaleRequest", now, err)
					}
				}
			})
			t.Run("ErrOneByteChanged", func(t *testing.T) {
				forged := append([]byte(nil), body...)
				forged[len(forged)/2] ^= 1
				err := tslack.VerifySignature(v.secret, v.header(), forged, at)
				if !errors.Is(err, tslack.ErrBadSignature) {
					t.Fatalf("got %v, want ErrBadSignature", err)
				}
			})
			t.Run("ErrWrongSecret", func(t *testing.T) {
				err := tslack.VerifySignature(v.secret+"x", v.header(), body, at)
				if !errors.Is(err, tslack.ErrBadSignature) {
					t.Fatalf("got %v, want ErrBadSignature", err)
				}
			})
		})
	}
}

// Ensure malformed or missing headers are refused as unauthorized.
func TestVerifySignature_Headers(t *testing.T) {
	body := mustReadFile(t, docVector.file)
	at := time.Unix(docVector.ts, 0)
	for name, tc := range map[string]struct {
		ts, sig string
		want    error
	}{
		"ErrNoHeaders":      {"", "", tslack.ErrUnsigned},
		"ErrNoSignature":    {"1531420618", "", tslack.ErrUnsigned},
		"ErrNoTimestamp":    {"", docVector.sig, tslack.ErrUnsigned},
		"ErrBadTimestamp":   {"yesterday", docVector.sig, tslack.ErrBadSignature},
		"ErrNoVersion":      {"1531420618", docVector.sig[3:], tslack.ErrBadSignature},
		"ErrNotHex":         {"1531420618", "v0=zz", tslack.ErrBadSignature},
		"ErrShortSignature": {"1531420618", docVector.sig[:20], tslack.ErrBadSignature},
	} {
		t.Run(name, func(t *testing.T) {
			h := http.Header{}
			if tc.ts != "" {
				h.Set("X-Slack-Request-Timestamp", tc.ts)
			}
			if tc.sig != "" {
				h.Set("X-Slack-Signature", tc.sig)
			}
			err := tslack.VerifySignature(docVector.secret, h, body, at)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if bot.ErrorCode(err) != bot.EUNAUTHORIZED {
				t.Fatalf("code %q, want %q", bot.ErrorCode(err), bot.EUNAUTHORIZED)
			}
		})
	}
	if err := tslack.VerifySignature("", docVector.header(), body, at); !errors.Is(err, tslack.ErrUnsigned) {
		t.Fatalf("empty secret: got %v", err)
	}
}
