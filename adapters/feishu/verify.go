package feishu

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// maxClockSkew is the replay window: a signed request whose timestamp is
// further than this from now is refused, so a captured request cannot be
// replayed later. Feishu does not publish a window of its own (the SDK
// checks none); five minutes matches Slack's and tolerates ordinary clock
// drift. Each redelivery is a new request with a fresh timestamp.
const maxClockSkew = 5 * time.Minute

// Request headers of Feishu's signature.
const (
	headerTimestamp = "X-Lark-Request-Timestamp"
	headerNonce     = "X-Lark-Request-Nonce"
	headerSignature = "X-Lark-Signature"
)

// Errors returned by VerifySignature, the token check and Decrypt. The
// first four carry bot.EUNAUTHORIZED so the edge answers 401; ErrBadCiphertext
// carries bot.EINVALID (400). They are distinct values so tests and logs can
// tell why.
var (
	ErrUnsigned      = webhook.ErrUnsigned
	ErrStaleRequest  = webhook.ErrStaleRequest
	ErrBadSignature  = webhook.ErrBadSignature
	ErrBadToken      = bot.Errorf(bot.EUNAUTHORIZED, "The verification token does not match.", "校验令牌不匹配。")
	ErrBadCiphertext = bot.Errorf(bot.EINVALID, "The encrypted payload cannot be decrypted.", "加密内容无法解密。")
)

// VerifySignature checks Feishu's request signature: X-Lark-Signature must
// be the lowercase hex SHA-256 (plain, not HMAC) of timestamp + nonce +
// encrypt key + raw body, and the timestamp (seconds) within five minutes of
// now. Feishu signs only when an Encrypt Key is configured.
//
// The SDK has the same computation (larkevent.Signature) but compares with
// ==, checks no timestamp at all and reads no clock a test could set; taking
// now as an argument makes this a pure function. The comparison is constant
// time so its timing reveals nothing about the expected signature.
func VerifySignature(encryptKey string, header http.Header, body []byte, now time.Time) error {
	ts, nonce, sig := header.Get(headerTimestamp), header.Get(headerNonce), header.Get(headerSignature)
	if encryptKey == "" || ts == "" || sig == "" {
		return ErrUnsigned
	}
	if err := webhook.CheckTimestamp(ts, time.Second, maxClockSkew, now); err != nil {
		return err
	}
	got, err := hex.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	want := Signature(ts, nonce, encryptKey, body)
	if subtle.ConstantTimeCompare(got, want[:]) != 1 {
		return ErrBadSignature
	}
	return nil
}

// Signature computes Feishu's request signature (the raw digest; the header
// carries it in hex).
func Signature(timestamp, nonce, encryptKey string, body []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(timestamp + nonce + encryptKey))
	h.Write(body)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// hasSignature reports whether a request carries signature headers at all.
func hasSignature(h http.Header) bool {
	return h.Get(headerSignature) != "" || h.Get(headerTimestamp) != ""
}

// checkToken compares a payload's verification token with the configured
// one in constant time.
func checkToken(want, got string) error {
	if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		return ErrBadToken
	}
	return nil
}

// Decrypt opens an "encrypt" field: base64 of IV (16 bytes) + AES-256-CBC
// ciphertext, keyed with SHA-256(encryptKey), PKCS#7-padded.
//
// Unlike the SDK's EventDecrypt, which keeps the padding and trims the
// result to the outermost {…}, it validates and removes the padding and
// returns exactly the plaintext; any malformed input (bad base64, a length
// that is not whole blocks, bad padding) is ErrBadCiphertext, never a panic.
// CBC is not authenticated: callers must verify the signature first.
func Decrypt(encryptKey, encrypted string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encrypted))
	if err != nil {
		return nil, ErrBadCiphertext
	}
	// The IV and at least one block, and whole blocks after the IV.
	if len(raw) < 2*aes.BlockSize || len(raw)%aes.BlockSize != 0 {
		return nil, ErrBadCiphertext
	}
	key := sha256.Sum256([]byte(encryptKey))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, ErrBadCiphertext
	}
	iv, data := raw[:aes.BlockSize], raw[aes.BlockSize:]
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, data)
	n := int(plain[len(plain)-1])
	if n == 0 || n > aes.BlockSize {
		return nil, ErrBadCiphertext
	}
	for _, b := range plain[len(plain)-n:] {
		if int(b) != n {
			return nil, ErrBadCiphertext
		}
	}
	return plain[:len(plain)-n], nil
}
