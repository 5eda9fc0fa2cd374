package feishu_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/feishu"
)

// decryptVector is the official Encrypt Key sample and our signature
// regression value, from testdata/decrypt_vector.json.
type decryptVector struct {
	EncryptKey string `json:"encrypt_key"`
	Encrypt    string `json:"encrypt"`
	Plaintext  string `json:"plaintext"`
	Signature  struct {
		Timestamp string `json:"timestamp"`
		Nonce     string `json:"nonce"`
		Body      string `json:"body"`
		Signature string `json:"signature"`
	} `json:"signature"`
}

func loadVector(tb testing.TB) decryptVector {
	tb.Helper()
	var v decryptVector
	if err := json.Unmarshal(mustReadFile(tb, "testdata/decrypt_vector.json"), &v); err != nil {
		tb.Fatal(err)
	}
	return v
}

func (v decryptVector) header() http.Header {
	h := http.Header{}
	h.Set("X-Lark-Request-Timestamp", v.Signature.Timestamp)
	h.Set("X-Lark-Request-Nonce", v.Signature.Nonce)
	h.Set("X-Lark-Signature", v.Signature.Signature)
	return h
}

func (v decryptVector) at() time.Time {
	sec, _ := strconv.ParseInt(v.Signature.Timestamp, 10, 64)
	return time.Unix(sec, 0)
}

// Ensure the official vector decrypts to exactly its plaintext, padding
// removed (the SDK's EventDecrypt leaves "\x05" * 5 on it).
func TestDecrypt_OfficialVector(t *testing.T) {
	v := loadVector(t)
	got, err := feishu.Decrypt(v.EncryptKey, v.Encrypt)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != v.Plaintext {
		t.Fatalf("got %q, want %q", got, v.Plaintext)
	}
	// And our test helper encrypts the way Feishu does.
	for _, plain := range []string{"", "x", "0123456789abcdef", `{"a":"中文"}`} {
		got, err := feishu.Decrypt(testKey, encrypt(testKey, []byte(plain)))
		if err != nil || string(got) != plain {
			t.Fatalf("round trip %q: %q, %v", plain, got, err)
		}
	}
}

// Ensure every malformed ciphertext is refused as invalid, not a panic.
func TestDecrypt_Errors(t *testing.T) {
	v := loadVector(t)
	raw, _ := base64.StdEncoding.DecodeString(v.Encrypt)
	block := bytes.Repeat([]byte("a"), 16)
	for name, ct := range map[string]string{
		"ErrNotBase64":       "not base64!",
		"ErrEmpty":           "",
		"ErrIVOnly":          base64.StdEncoding.EncodeToString(raw[:16]),
		"ErrPartialBlock":    base64.StdEncoding.EncodeToString(raw[:24]),
		"ErrPadZero":         encryptRaw(testKey, append(append([]byte(nil), block[:15]...), 0)),
		"ErrPadTooLong":      encryptRaw(testKey, append(append([]byte(nil), block[:15]...), 17)),
		"ErrPadInconsistent": encryptRaw(testKey, append(append([]byte(nil), block[:13]...), 3, 2, 3)),
		"ErrWrongKey":        wrongKeyCiphertext(t),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := feishu.Decrypt(testKey, ct)
			if !errors.Is(err, feishu.ErrBadCiphertext) || bot.ErrorCode(err) != bot.EINVALID {
				t.Fatalf("got %q, %v; want ErrBadCiphertext", got, err)
			}
		})
	}
	// A full block of padding is valid and yields nothing.
	if got, err := feishu.Decrypt(testKey, encryptRaw(testKey, bytes.Repeat([]byte{16}, 16))); err != nil || len(got) != 0 {
		t.Fatalf("full padding block: %q, %v", got, err)
	}
}

// FuzzDecrypt checks that Decrypt never panics on any input, and that
// whatever Feishu's scheme encrypts comes back unchanged. Run it with
// go test -run='^$' -fuzz=FuzzDecrypt -fuzztime=15s ./adapters/feishu/
func FuzzDecrypt(f *testing.F) {
	v := loadVector(f)
	f.Add(v.EncryptKey, v.Encrypt, []byte(v.Plaintext))
	f.Add("", "", []byte{})
	f.Add("k", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", []byte("{}"))
	f.Fuzz(func(t *testing.T, key, ct string, plain []byte) {
		if out, err := feishu.Decrypt(key, ct); err == nil {
			raw, _ := base64.StdEncoding.DecodeString(ct)
			if len(out) > len(raw)-16-1 {
				t.Fatalf("plaintext of %d bytes from %d bytes of ciphertext", len(out), len(raw))
			}
		} else if !errors.Is(err, feishu.ErrBadCiphertext) {
			t.Fatalf("unexpected error %v", err)
		}
		got, err := feishu.Decrypt(key, encrypt(key, plain))
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("round trip of %q: %q, %v", plain, got, err)
		}
	})
}

// Ensure the regression signature verifies with the clock near its
// timestamp, and fails when stale, altered or keyed wrong.
func TestVerifySignature(t *testing.T) {
	v := loadVector(t)
	body := []byte(v.Signature.Body)
	at := v.at()

	t.Run("OK", func(t *testing.T) {
		for _, now := range []time.Time{at, at.Add(4 * time.Minute), at.Add(-4 * time.Minute)} {
			if err := feishu.VerifySignature(v.EncryptKey, v.header(), body, now); err != nil {
				t.Fatalf("now=%s: %v", now, err)
			}
		}
		sum := feishu.Signature(v.Signature.Timestamp, v.Signature.Nonce, v.EncryptKey, body)
		if hex.EncodeToString(sum[:]) != v.Signature.Signature {
			t.Fatalf("Signature = %x", sum)
		}
	})
	t.Run("ErrStale", func(t *testing.T) {
		for _, now := range []time.Time{at.Add(6 * time.Minute), at.Add(-6 * time.Minute), at.Add(24 * time.Hour)} {
			if err := feishu.VerifySignature(v.EncryptKey, v.header(), body, now); !errors.Is(err, feishu.ErrStaleRequest) {
				t.Fatalf("now=%s: got %v, want ErrStaleRequest", now, err)
			}
		}
	})
	t.Run("ErrOneByteChanged", func(t *testing.T) {
		forged := append([]byte(nil), body...)
		forged[len(forged)/2] ^= 1
		if err := feishu.VerifySignature(v.EncryptKey, v.header(), forged, at); !errors.Is(err, feishu.ErrBadSignature) {
			t.Fatalf("got %v, want ErrBadSignature", err)
		}
	})
	t.Run("ErrWrongKey", func(t *testing.T) {
		if err := feishu.VerifySignature(v.EncryptKey+"x", v.header(), body, at); !errors.Is(err, feishu.ErrBadSignature) {
			t.Fatalf("got %v, want ErrBadSignature", err)
		}
	})
	t.Run("ErrNonceChanged", func(t *testing.T) {
		h := v.header()
		h.Set("X-Lark-Request-Nonce", "nonce124")
		if err := feishu.VerifySignature(v.EncryptKey, h, body, at); !errors.Is(err, feishu.ErrBadSignature) {
			t.Fatalf("got %v, want ErrBadSignature", err)
		}
	})
}

// Ensure malformed or missing headers are refused as unauthorized.
func TestVerifySignature_Headers(t *testing.T) {
	v := loadVector(t)
	body := []byte(v.Signature.Body)
	for name, tc := range map[string]struct {
		ts, sig string
		want    error
	}{
		"ErrNoHeaders":      {"", "", feishu.ErrUnsigned},
		"ErrNoSignature":    {v.Signature.Timestamp, "", feishu.ErrUnsigned},
		"ErrNoTimestamp":    {"", v.Signature.Signature, feishu.ErrUnsigned},
		"ErrBadTimestamp":   {"yesterday", v.Signature.Signature, feishu.ErrBadSignature},
		"ErrMillis":         {v.Signature.Timestamp + "000", v.Signature.Signature, feishu.ErrStaleRequest},
		"ErrNotHex":         {v.Signature.Timestamp, "zz", feishu.ErrBadSignature},
		"ErrShortSignature": {v.Signature.Timestamp, v.Signature.Signature[:20], feishu.ErrBadSignature},
	} {
		t.Run(name, func(t *testing.T) {
			h := http.Header{}
			h.Set("X-Lark-Request-Nonce", v.Signature.Nonce)
			if tc.ts != "" {
				h.Set("X-Lark-Request-Timestamp", tc.ts)
			}
			if tc.sig != "" {
				h.Set("X-Lark-Signature", tc.sig)
			}
			err := feishu.VerifySignature(v.EncryptKey, h, body, v.at())
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if bot.ErrorCode(err) != bot.EUNAUTHORIZED {
				t.Fatalf("code %q, want %q", bot.ErrorCode(err), bot.EUNAUTHORIZED)
			}
		})
	}
	if err := feishu.VerifySignature("", v.header(), body, v.at()); !errors.Is(err, feishu.ErrUnsigned) {
		t.Fatalf("empty key: got %v", err)
	}
}

// wrongKeyCiphertext is "hello world" encrypted with another key and a fixed
// IV: decrypted with the test key its padding is invalid, every run (with a
// random IV, one run in a few hundred came out validly padded by chance).
func wrongKeyCiphertext(t *testing.T) string {
	k := sha256.Sum256([]byte("another key"))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		t.Fatal(err)
	}
	plain := append([]byte("hello world"), bytes.Repeat([]byte{5}, 5)...)
	out := make([]byte, aes.BlockSize+len(plain))
	cipher.NewCBCEncrypter(block, out[:aes.BlockSize]).CryptBlocks(out[aes.BlockSize:], plain)
	return base64.StdEncoding.EncodeToString(out)
}
