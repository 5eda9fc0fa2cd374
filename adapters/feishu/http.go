package feishu

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// Routes returns the HTTP endpoint to configure in the Feishu app, both as
// the event request URL (事件订阅) and as the callback URL (回调配置, for
// card.action.trigger); the caller mounts it on its mux.
//
// Answers: 200 with {"challenge": …} for the URL handshake, with a card
// callback's answer, or with {} for anything else that was stored or
// deliberately ignored; 405 for a method other than POST; 413 for a body over
// 1 MiB; 401 for a missing, stale or forged signature or a wrong verification
// token; 400 for a payload that cannot be decrypted or parsed; 500 when the
// event could not be stored, so that Feishu delivers it again.
func (a *Adapter) Routes() map[string]http.Handler {
	return map[string]http.Handler{"/feishu/events": http.HandlerFunc(a.serveEvents)}
}

func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if r.Method != http.MethodPost {
		webhook.RejectMethod(w, r, a.log, "feishu", http.MethodPost)
		return
	}
	body, err := webhook.ReadBody(r, maxBody, errMalformed)
	var p *payload
	if err == nil {
		p, err = a.authenticate(r.Header, body)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var resp any
	switch {
	case p.Type == "url_verification":
		resp = map[string]string{"challenge": p.Challenge}
	case p.Header != nil:
		resp, err = a.handle(r.Context(), p, start)
	default:
		// Schema 1.0 events: none of them is one Tandem uses.
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if resp == nil {
		resp = struct{}{}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if err := json.NewEncoder(w).Encode(resp); err != nil {
		a.log.Warn("feishu: write response", "err", err)
	}
}

// authenticate checks a request and returns its decrypted payload.
//
// With an Encrypt Key, a signed request must carry a valid, fresh signature,
// checked before anything is decrypted. The one request accepted unsigned is
// the URL handshake, which the SDK also exempts from the signature check: it
// has no effect beyond echoing the challenge, and it must still decrypt with
// our key and carry our token. Any failure of an unsigned request is
// reported as ErrUnsigned, so an unsigned request cannot probe the
// decryption (no padding oracle).
//
// The verification token is then checked on every payload, events included;
// the SDK checks it only on the handshake.
func (a *Adapter) authenticate(h http.Header, body []byte) (*payload, error) {
	signed := false
	if a.cfg.EncryptKey != "" && hasSignature(h) {
		if err := VerifySignature(a.cfg.EncryptKey, h, body, a.now()); err != nil {
			return nil, err
		}
		signed = true
	}
	p, err := a.decode(body)
	if a.cfg.EncryptKey != "" && !signed {
		if err != nil || p.Type != "url_verification" || checkToken(a.cfg.VerificationToken, p.token()) != nil {
			return nil, ErrUnsigned
		}
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	if err := checkToken(a.cfg.VerificationToken, p.token()); err != nil {
		return nil, err
	}
	return p, nil
}

// errNotEncrypted refuses a plain payload when an Encrypt Key is configured;
// it says why in the rejection's log line.
var errNotEncrypted = bot.Errorf(bot.EINVALID, "The Feishu payload is not encrypted although an Encrypt Key is configured.",
	"飞书请求内容未加密，但已配置 Encrypt Key。")

// decode parses a body, decrypting it when an Encrypt Key is configured.
func (a *Adapter) decode(body []byte) (*payload, error) {
	outer, err := parsePayload(body)
	if err != nil {
		return nil, err
	}
	switch {
	case a.cfg.EncryptKey == "" && outer.Encrypt != "":
		a.log.Error("feishu: the payload is encrypted but no EncryptKey is configured")
		return nil, errMalformed
	case a.cfg.EncryptKey == "":
		return outer, nil
	case outer.Encrypt == "":
		return nil, errNotEncrypted
	}
	plain, err := Decrypt(a.cfg.EncryptKey, outer.Encrypt)
	if err != nil {
		return nil, err
	}
	return parsePayload(plain)
}

// fail answers with the status for err's code. Feishu redelivers anything
// not answered 200, so internal errors (an event not stored) come back.
func (a *Adapter) fail(w http.ResponseWriter, r *http.Request, err error) {
	webhook.Fail(w, r, a.log, "feishu", err)
}
