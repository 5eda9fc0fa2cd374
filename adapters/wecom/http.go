package wecom

import (
	"net/http"
	"strings"
	"time"

	"github.com/tandemhq/tandem/adapters/webhook"
)

// CallbackPath is the app's "接收消息服务器" URL path.
const CallbackPath = "/wecom/callback"

// Routes returns the HTTP endpoint to configure as the app's callback URL;
// the caller mounts it on its mux. GET answers WeCom's URL verification,
// POST takes messages and events.
//
// Status codes: 200 (verified; the echostr plaintext on GET, an empty body
// on POST), 401 (missing or wrong msg_signature, stale timestamp, wrong
// receiveid), 400 (malformed XML, base64 or padding), 413 (body over 1 MiB),
// 405 (other methods), 500 (the event could not be stored).
func (a *Adapter) Routes() map[string]http.Handler {
	return map[string]http.Handler{CallbackPath: http.HandlerFunc(a.serveCallback)}
}

func (a *Adapter) serveCallback(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	switch r.Method {
	case http.MethodGet:
		a.serveVerify(w, r)
	case http.MethodPost:
		a.serveMessage(w, r, start)
	default:
		webhook.RejectMethod(w, r, a.log, "wecom", http.MethodGet, http.MethodPost)
	}
}

// signedQuery holds the signature parameters WeCom adds to the callback URL.
type signedQuery struct {
	sig, ts, nonce string
}

func querySignature(r *http.Request) signedQuery {
	q := r.URL.Query()
	return signedQuery{sig: q.Get("msg_signature"), ts: q.Get("timestamp"), nonce: q.Get("nonce")}
}

func (a *Adapter) verify(q signedQuery, ciphertext string) error {
	return VerifySignature(a.cfg.Token, q.ts, q.nonce, ciphertext, q.sig, a.now())
}

// serveVerify answers the URL verification WeCom makes when the callback is
// saved: it answers the decrypted echostr, as is, without quotes or newline.
func (a *Adapter) serveVerify(w http.ResponseWriter, r *http.Request) {
	q := querySignature(r)
	// Query decoding turns a "+" that was not percent-encoded into a space;
	// base64 has no spaces, so putting them back is safe.
	echo := strings.ReplaceAll(r.URL.Query().Get("echostr"), " ", "+")
	if err := a.verify(q, echo); err != nil {
		a.fail(w, r, err)
		return
	}
	plain, err := decrypt(a.key, a.cfg.CorpID, echo)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(plain)
}

func (a *Adapter) serveMessage(w http.ResponseWriter, r *http.Request, start time.Time) {
	q := querySignature(r)
	if q.sig == "" || q.ts == "" || q.nonce == "" {
		// Refused before the body is read; verify says ErrUnsigned.
		a.fail(w, r, a.verify(q, ""))
		return
	}
	body, err := webhook.ReadBody(r, maxBody, ErrMalformed)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	env, err := parseEnvelope(body)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.verify(q, env.Encrypt); err != nil {
		a.fail(w, r, err)
		return
	}
	plain, err := decrypt(a.key, a.cfg.CorpID, env.Encrypt)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	c, err := parseCallback(plain)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.handle(r.Context(), c, start); err != nil {
		a.fail(w, r, err)
		return
	}
	// An empty 200 acknowledges without a passive reply; replies go through
	// the outbox and the message API.
	w.WriteHeader(http.StatusOK)
}

// fail answers with the status for err's code. Internal errors (the event
// was not stored) are 500, so WeCom may deliver the message again.
func (a *Adapter) fail(w http.ResponseWriter, r *http.Request, err error) {
	webhook.Fail(w, r, a.log, "wecom", err)
}
