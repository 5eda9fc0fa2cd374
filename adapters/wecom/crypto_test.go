package wecom_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/wecom"
)

// Ensure the official GET and POST vectors verify with the clock set near
// their timestamps, decrypt to the documented plaintext, and fail when stale.
func TestOfficialVectors(t *testing.T) {
	v := loadVectors(t)
	cases := map[string]struct {
		sig, ts, nonce, ciphertext string
		plain                      []byte
	}{
		"GET":  {v.Get.MsgSignature, v.Get.Timestamp, v.Get.Nonce, v.Get.Echostr, []byte(v.Get.Plaintext)},
		"POST": {v.Post.MsgSignature, v.Post.Timestamp, v.Post.Nonce, v.postEncrypt(t), mustReadFile(t, "testdata/"+v.Post.PlaintextFile)},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			at := unixOf(t, c.ts)
			for _, now := range []time.Time{at, at.Add(4 * time.Minute), at.Add(-4 * time.Minute)} {
				if err := wecom.VerifySignature(v.Token, c.ts, c.nonce, c.ciphertext, c.sig, now); err != nil {
					t.Fatalf("now=%s: %v", now, err)
				}
			}
			for _, now := range []time.Time{at.Add(6 * time.Minute), at.Add(-6 * time.Minute), testNow} {
				if err := wecom.VerifySignature(v.Token, c.ts, c.nonce, c.ciphertext, c.sig, now); !errors.Is(err, wecom.ErrStaleRequest) {
					t.Fatalf("now=%s: got %v, want ErrStaleRequest", now, err)
				}
			}
			got, err := wecom.Decrypt(v.EncodingAESKey, v.CorpID, c.ciphertext)
			if err != nil || !bytes.Equal(got, c.plain) {
				t.Fatalf("decrypt: %q, %v\nwant %q", got, err, c.plain)
			}
		})
	}
	// The POST plaintext is the documented message.
	plain := string(cases["POST"].plain)
	for _, s := range []string{"<FromUserName><![CDATA[mycreate]]>", "<CreateTime>1409659813</CreateTime>", "<Content><![CDATA[hello]]>",
		"<MsgId>4561255354251345929</MsgId>", "<AgentID>218</AgentID>", "<MsgType><![CDATA[text]]>"} {
		if !strings.Contains(plain, s) {
			t.Errorf("plaintext lacks %s", s)
		}
	}
}

// Ensure forged, altered and incomplete signatures are refused as
// unauthorized, each with its own error.
func TestVerifySignature_Errors(t *testing.T) {
	v := loadVectors(t)
	g := v.Get
	at := unixOf(t, g.Timestamp)
	altered := []byte(g.Echostr)
	altered[10] ^= 1
	for name, tc := range map[string]struct {
		token, ts, nonce, ciphertext, sig string
		want                              error
	}{
		"ErrForged":       {v.Token, g.Timestamp, g.Nonce, g.Echostr, strings.Repeat("ab", 20), wecom.ErrBadSignature},
		"ErrAltered":      {v.Token, g.Timestamp, g.Nonce, string(altered), g.MsgSignature, wecom.ErrBadSignature},
		"ErrOtherNonce":   {v.Token, g.Timestamp, g.Nonce + "1", g.Echostr, g.MsgSignature, wecom.ErrBadSignature},
		"ErrWrongToken":   {v.Token + "x", g.Timestamp, g.Nonce, g.Echostr, g.MsgSignature, wecom.ErrBadSignature},
		"ErrNotHex":       {v.Token, g.Timestamp, g.Nonce, g.Echostr, "zz" + g.MsgSignature[2:], wecom.ErrBadSignature},
		"ErrShort":        {v.Token, g.Timestamp, g.Nonce, g.Echostr, g.MsgSignature[:20], wecom.ErrBadSignature},
		"UppercaseHex":    {v.Token, g.Timestamp, g.Nonce, g.Echostr, strings.ToUpper(g.MsgSignature), nil},
		"ErrBadTimestamp": {v.Token, "yesterday", g.Nonce, g.Echostr, g.MsgSignature, wecom.ErrBadSignature},
		"ErrNoSignature":  {v.Token, g.Timestamp, g.Nonce, g.Echostr, "", wecom.ErrUnsigned},
		"ErrNoTimestamp":  {v.Token, "", g.Nonce, g.Echostr, g.MsgSignature, wecom.ErrUnsigned},
		"ErrNoNonce":      {v.Token, g.Timestamp, "", g.Echostr, g.MsgSignature, wecom.ErrUnsigned},
		"ErrNoToken":      {"", g.Timestamp, g.Nonce, g.Echostr, g.MsgSignature, wecom.ErrUnsigned},
	} {
		t.Run(name, func(t *testing.T) {
			err := wecom.VerifySignature(tc.token, tc.ts, tc.nonce, tc.ciphertext, tc.sig, at)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if tc.want != nil && bot.ErrorCode(err) != bot.EUNAUTHORIZED {
				t.Fatalf("code %q", bot.ErrorCode(err))
			}
		})
	}
}

// padded builds a plaintext with the given length field and padding, for
// malformed payloads that still decrypt.
func padded(msgLen uint32, msg, receiver string, pad []byte) []byte {
	var b bytes.Buffer
	b.WriteString("0123456789abcdef")
	binary.Write(&b, binary.BigEndian, msgLen)
	b.WriteString(msg + receiver)
	b.Write(pad)
	return b.Bytes()
}

// Ensure malformed ciphertexts are refused as malformed (400) and a
// ciphertext for another corp as unauthorized (401), never with a panic.
func TestDecrypt_Errors(t *testing.T) {
	good := encrypt(t, "<xml/>", testCorp)
	if got, err := wecom.Decrypt(testKey, testCorp, good); err != nil || string(got) != "<xml/>" {
		t.Fatalf("round trip: %q %v", got, err)
	}
	// "<xml/>" + corp id is 6+18 = 24 bytes after the 20-byte header: 44,
	// so 20 bytes of padding make 64.
	body := func(n uint32) []byte { return padded(n, "<xml/>", testCorp, bytes.Repeat([]byte{20}, 20)) }
	badPad := body(6)
	badPad[len(badPad)-5] = 19
	zeroPad := padded(6, "<xml/>", testCorp+strings.Repeat("x", 20), nil)
	zeroPad = append(zeroPad[:len(zeroPad)-1], 0)
	bigPad := padded(6, "<xml/>", testCorp, bytes.Repeat([]byte{20}, 20))
	bigPad = append(bigPad[:44], bytes.Repeat([]byte{33}, 20)...)
	short := encryptRaw(t, bytes.Repeat([]byte{16}, 32)) // all padding: nothing left

	for name, tc := range map[string]struct {
		ciphertext string
		want       error
	}{
		"ErrWrongReceiver": {encrypt(t, "<xml/>", "wwanothercorp"), wecom.ErrWrongReceiver},
		"ErrNoReceiver":    {encrypt(t, "<xml/>", ""), wecom.ErrWrongReceiver},
		"ErrEmpty":         {"", wecom.ErrMalformed},
		"ErrNotBase64":     {"!!!" + good[3:], wecom.ErrMalformed},
		"ErrTruncated":     {good[:len(good)-8], wecom.ErrMalformed},
		"ErrNotBlocks":     {"QUJDRA==", wecom.ErrMalformed},
		"ErrBadPadding":    {encryptRaw(t, badPad), wecom.ErrMalformed},
		"ErrZeroPadding":   {encryptRaw(t, zeroPad), wecom.ErrMalformed},
		"ErrPaddingOver32": {encryptRaw(t, bigPad), wecom.ErrMalformed},
		"ErrTooShort":      {short, wecom.ErrMalformed},
		"ErrLengthTooBig":  {encryptRaw(t, body(1000)), wecom.ErrMalformed},
		"ErrLengthHuge":    {encryptRaw(t, body(0xFFFFFFFF)), wecom.ErrMalformed},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := wecom.Decrypt(testKey, testCorp, tc.ciphertext)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	// A shorter length field is not malformed: the rest reads as the
	// receiveid, which then does not match.
	if _, err := wecom.Decrypt(testKey, testCorp, encryptRaw(t, body(2))); !errors.Is(err, wecom.ErrWrongReceiver) {
		t.Fatalf("short length field: %v", err)
	}
	if _, err := wecom.Decrypt("short", testCorp, good); err == nil {
		t.Fatal("bad key accepted")
	}
}

// FuzzDecrypt checks that no ciphertext makes Decrypt panic or fail with an
// error other than ErrMalformed or ErrWrongReceiver, and that the callback
// handler, given the same ciphertext correctly signed, answers 200, 400 or
// 401 and nothing else. Run with -fuzz=FuzzDecrypt -fuzztime=15s.
func FuzzDecrypt(f *testing.F) {
	v := loadVectors(f)
	f.Add(v.Get.Echostr)
	f.Add(v.postEncrypt(f))
	f.Add(encrypt(f, textXML("1", "u", "hi"), testCorp))
	f.Add(encrypt(f, cardEventXML("u", "1", "task.start|1", "t", "rc"), testCorp))
	f.Add(encrypt(f, "<xml><MsgType>text</MsgType></xml>", testCorp))
	f.Add("")
	f.Add("QUJDRA==")
	f.Add(strings.Repeat("A", 44))
	a := MustNewAdapter(f, &Intake{}, nil)
	f.Fuzz(func(t *testing.T, ciphertext string) {
		msg, err := wecom.Decrypt(testKey, testCorp, ciphertext)
		switch {
		case err == nil:
			if len(msg) > len(ciphertext) {
				t.Fatalf("message longer than its ciphertext: %d > %d", len(msg), len(ciphertext))
			}
		case !errors.Is(err, wecom.ErrMalformed) && !errors.Is(err, wecom.ErrWrongReceiver):
			t.Fatalf("unexpected error %v", err)
		}
		if strings.ContainsAny(ciphertext, "]<>&") {
			return // would not survive the CDATA envelope unchanged
		}
		w := serve(t, a, postCiphertext(ciphertext))
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized:
		default:
			t.Fatalf("status %d for %q", w.Code, ciphertext)
		}
	})
}
