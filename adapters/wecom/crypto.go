package wecom

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/util"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// This file is WeCom's callback crypto (the WXBizMsgCrypt scheme of
// 加解密方案说明, developer.work.weixin.qq.com/document/path/90968). The
// signature is silenceper/wechat's util.Signature (sort, join, SHA-1, hex),
// which computes it correctly; the comparison is ours and constant-time,
// because util leaves comparing to the caller. Decryption is not
// util.DecryptMsg, which falls short here (TestSilenceperShortfalls shows
// each):
//
//   - it checks only the last padding byte, not the whole PKCS#7 padding,
//     so a tampered or truncated plaintext is accepted;
//   - its errors are untyped strings, so a malformed payload (400) cannot be
//     told from a wrong receiveid (401);
//   - it turns panics into errors with recover() instead of checking
//     lengths up front.
//
// The official test vectors (testdata/) verify and decrypt with this code,
// and FuzzDecrypt checks that no input makes it panic.

// maxClockSkew is the replay window. WeCom sends a timestamp but documents no
// window of its own; five minutes is what Slack and Feishu use.
const maxClockSkew = 5 * time.Minute

// Errors returned by VerifySignature and Decrypt. Authentication failures
// carry bot.EUNAUTHORIZED (401), malformed payloads bot.EINVALID (400); they
// are distinct values so tests and logs can tell why.
var (
	ErrUnsigned      = webhook.ErrUnsigned
	ErrStaleRequest  = webhook.ErrStaleRequest
	ErrBadSignature  = webhook.ErrBadSignature
	ErrWrongReceiver = bot.Errorf(bot.EUNAUTHORIZED, "The message is for another corp or app.", "消息不是发给本企业或应用的。")
	ErrMalformed     = bot.Errorf(bot.EINVALID, "The WeCom payload is malformed.", "企业微信请求内容格式不正确。")
)

// VerifySignature checks a callback's msg_signature: the hex SHA-1 of token,
// timestamp, nonce and the ciphertext (echostr on GET, <Encrypt> on POST),
// sorted and concatenated, with the timestamp within five minutes of now.
// Taking now as an argument makes it a pure function that the official
// vectors, which are from 2014, can be tested against. The comparison is
// constant-time.
func VerifySignature(token, timestamp, nonce, ciphertext, msgSignature string, now time.Time) error {
	if token == "" || timestamp == "" || nonce == "" || msgSignature == "" {
		return ErrUnsigned
	}
	if err := webhook.CheckTimestamp(timestamp, time.Second, maxClockSkew, now); err != nil {
		return err
	}
	want := util.Signature(token, timestamp, nonce, ciphertext)
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(msgSignature)), []byte(want)) != 1 {
		return ErrBadSignature
	}
	return nil
}

// decodeAESKey turns the 43-character EncodingAESKey into the 32-byte AES
// key: it is base64 without its one "=" of padding.
func decodeAESKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != 43 {
		return nil, errors.New("must be 43 characters")
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("not the base64 of a 32-byte key")
	}
	return key, nil
}

// Decrypt decrypts a callback ciphertext (base64) with the EncodingAESKey
// and returns the message, after checking that it was meant for receiveID
// (the CorpID for a self-built app). The plaintext is
// random(16) + length(4, big-endian) + message + receiveid, padded with
// PKCS#7 to a multiple of 32 bytes, encrypted with AES-256-CBC, IV = key[:16].
//
// Every length and padding byte is checked before it is used: malformed
// input is ErrMalformed, never a panic. A wrong receiveid is
// ErrWrongReceiver.
func Decrypt(encodingAESKey, receiveID, ciphertext string) ([]byte, error) {
	key, err := decodeAESKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	return decrypt(key, receiveID, ciphertext)
}

// padBlock is WXBizMsgCrypt's PKCS#7 block size (not AES's 16).
const padBlock = 32

func decrypt(key []byte, receiveID, ciphertext string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil || len(raw) == 0 || len(raw)%aes.BlockSize != 0 {
		return nil, ErrMalformed
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(raw))
	cipher.NewCBCDecrypter(block, key[:aes.BlockSize]).CryptBlocks(plain, raw)

	n := int(plain[len(plain)-1])
	if n < 1 || n > padBlock || n > len(plain) {
		return nil, ErrMalformed
	}
	for _, b := range plain[len(plain)-n:] {
		if int(b) != n {
			return nil, ErrMalformed
		}
	}
	plain = plain[:len(plain)-n]
	if len(plain) < 20 {
		return nil, ErrMalformed
	}
	size := binary.BigEndian.Uint32(plain[16:20])
	if uint64(size) > uint64(len(plain)-20) {
		return nil, ErrMalformed
	}
	msg, rid := plain[20:20+size], plain[20+size:]
	if string(rid) != receiveID {
		return nil, ErrWrongReceiver
	}
	return msg, nil
}
