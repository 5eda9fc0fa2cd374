package feishutest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Feishu's side of an HTTP delivery with an Encrypt Key, written from the
// documentation (https://open.feishu.cn/document/ukTMukTMukTM/uYDNxYjL2QTM24iN0EjN/event-subscription-configure-/encrypt-key-encryption-configuration-case)
// rather than from the adapter's code, so that a test sending these requests
// checks the adapter against the documented format. The adapter's own
// decryption is checked against the official vector in its testdata.

// Encrypt encrypts plain as Feishu does: AES-256-CBC keyed with
// SHA-256(encryptKey), PKCS#7 padding, a random IV in front, base64.
func Encrypt(encryptKey string, plain []byte) string {
	n := aes.BlockSize - len(plain)%aes.BlockSize
	return EncryptBlocks(encryptKey, append(append([]byte(nil), plain...), bytes.Repeat([]byte{byte(n)}, n)...))
}

// EncryptBlocks encrypts data that is already a whole number of blocks,
// without padding it, so tests can send ciphertexts with broken padding.
func EncryptBlocks(encryptKey string, data []byte) string {
	k := sha256.Sum256([]byte(encryptKey))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	out := make([]byte, aes.BlockSize+len(data))
	if _, err := rand.Read(out[:aes.BlockSize]); err != nil {
		panic(err)
	}
	cipher.NewCBCEncrypter(block, out[:aes.BlockSize]).CryptBlocks(out[aes.BlockSize:], data)
	return base64.StdEncoding.EncodeToString(out)
}

// Signature is X-Lark-Signature: the lowercase hex SHA-256 of timestamp,
// nonce, encrypt key and body, concatenated.
func Signature(timestamp, nonce, encryptKey string, body []byte) string {
	sum := sha256.Sum256(append([]byte(timestamp+nonce+encryptKey), body...))
	return hex.EncodeToString(sum[:])
}

// SignHeader returns the signature headers of body, signed at ts.
func SignHeader(encryptKey string, ts time.Time, body []byte) http.Header {
	sec := strconv.FormatInt(ts.Unix(), 10)
	nonce := "nonce-" + strconv.FormatInt(ts.UnixNano(), 36)
	h := http.Header{}
	h.Set("X-Lark-Request-Timestamp", sec)
	h.Set("X-Lark-Request-Nonce", nonce)
	h.Set("X-Lark-Signature", Signature(sec, nonce, encryptKey, body))
	h.Set("Content-Type", "application/json")
	return h
}

// Envelope is the body Feishu posts when an Encrypt Key is set:
// {"encrypt": "<the payload, encrypted>"}.
func Envelope(encryptKey string, payload any) []byte {
	b, _ := json.Marshal(map[string]string{"encrypt": Encrypt(encryptKey, mustJSON(payload))})
	return b
}

// Signed returns the body and headers of a delivery of payload (a value to
// marshal, or JSON bytes) encrypted and signed with encryptKey at ts.
func Signed(encryptKey string, ts time.Time, payload any) (body []byte, h http.Header) {
	body = Envelope(encryptKey, payload)
	return body, SignHeader(encryptKey, ts, body)
}

// NewRequest is a signed, encrypted POST of payload to url, at ts.
func NewRequest(url, encryptKey string, ts time.Time, payload any) *http.Request {
	body, h := Signed(encryptKey, ts, payload)
	r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	r.Header = h
	return r
}

// App names the Feishu app and tenant that events come from.
type App struct {
	AppID, Tenant, Token string // Token is the Verification Token
}

// Header is a schema 2.0 event header.
func (a App) Header(eventID, eventType string, at time.Time) map[string]any {
	return map[string]any{
		"event_id": eventID, "event_type": eventType, "create_time": strconv.FormatInt(at.UnixMilli(), 10),
		"token": a.Token, "app_id": a.AppID, "tenant_key": a.Tenant,
	}
}

// DirectMessage is an im.message.receive_v1 event: openID writes text to
// the bot in their direct chat (oc_<openID>) as message msgID.
func (a App) DirectMessage(eventID, openID, msgID, text string, at time.Time) map[string]any {
	return map[string]any{
		"schema": "2.0",
		"header": a.Header(eventID, "im.message.receive_v1", at),
		"event": map[string]any{
			"sender": map[string]any{
				"sender_id":   map[string]any{"open_id": openID, "union_id": "on_" + openID},
				"sender_type": "user", "tenant_key": a.Tenant,
			},
			"message": map[string]any{
				"message_id": msgID, "chat_id": "oc_" + openID, "chat_type": "p2p", "message_type": "text",
				"content": string(mustJSON(map[string]string{"text": text})), "create_time": strconv.FormatInt(at.UnixMilli(), 10),
			},
		},
	}
}

// Mention is a person named in a group message: the placeholder Key
// ("@_user_1") stands for OpenID in the text.
type Mention struct{ Key, OpenID, Name string }

// GroupReply is an im.message.receive_v1 event: openID writes text in the
// group chat as message msgID, replying to the message parentID (a reply
// starts a thread: root_id is the parent). text names people by their
// mentions' placeholders; mention the bot for the bot to be addressed.
func (a App) GroupReply(eventID, openID, chat, msgID, parentID, text string, mentions []Mention, at time.Time) map[string]any {
	ms := make([]any, 0, len(mentions))
	for _, m := range mentions {
		ms = append(ms, map[string]any{"key": m.Key, "id": map[string]any{"open_id": m.OpenID}, "name": m.Name, "tenant_key": a.Tenant})
	}
	return map[string]any{
		"schema": "2.0",
		"header": a.Header(eventID, "im.message.receive_v1", at),
		"event": map[string]any{
			"sender": map[string]any{
				"sender_id":   map[string]any{"open_id": openID, "union_id": "on_" + openID},
				"sender_type": "user", "tenant_key": a.Tenant,
			},
			"message": map[string]any{
				"message_id": msgID, "root_id": parentID, "parent_id": parentID, "chat_id": chat, "chat_type": "group",
				"message_type": "text", "content": string(mustJSON(map[string]string{"text": text})), "mentions": ms,
				"create_time": strconv.FormatInt(at.UnixMilli(), 10),
			},
		},
	}
}

// Click is a card.action.trigger callback: openID clicked, in chat, the
// button whose value is {"action_id": actionID, "value": value} on the card
// that is message msgID.
func (a App) Click(eventID, openID, chat, msgID, actionID, value string, at time.Time) map[string]any {
	return map[string]any{
		"schema": "2.0",
		"header": a.Header(eventID, "card.action.trigger", at),
		"event": map[string]any{
			"operator": map[string]any{"tenant_key": a.Tenant, "open_id": openID, "union_id": "on_" + openID},
			"token":    "c-" + eventID,
			"action":   map[string]any{"value": map[string]string{"action_id": actionID, "value": value}, "tag": "button"},
			"host":     "im_message",
			"context":  map[string]any{"open_message_id": msgID, "open_chat_id": chat},
		},
	}
}

func mustJSON(v any) []byte {
	if b, ok := v.([]byte); ok {
		return b
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("feishutest: %v", err))
	}
	return b
}
