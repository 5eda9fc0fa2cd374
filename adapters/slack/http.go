package slack

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/slack-go/slack"

	"github.com/tandemhq/tandem/adapters/webhook"
)

// Routes returns the HTTP endpoints to configure in the Slack app (see
// Manifest); the caller mounts them on its mux. Each one reads a bounded
// body and checks Slack's signature before parsing anything.
func (a *Adapter) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"/slack/commands":     a.verified(a.serveCommand),
		"/slack/events":       a.verified(a.serveEvents),
		"/slack/interactions": a.verified(a.serveInteraction),
	}
}

// verifiedFunc handles a request whose body was read and whose signature
// holds; start is when the request arrived, for the ack deadline.
type verifiedFunc func(w http.ResponseWriter, r *http.Request, body []byte, start time.Time)

func (a *Adapter) verified(next verifiedFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if r.Method != http.MethodPost {
			webhook.RejectMethod(w, r, a.log, "slack", http.MethodPost)
			return
		}
		body, err := webhook.ReadBody(r, maxBody, errMalformed)
		if err == nil {
			err = VerifySignature(a.cfg.SigningSecret, r.Header, body, a.now())
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
		next(w, r, body, start)
	})
}

// fail answers with the status for err's code. Client errors also carry
// X-Slack-No-Retry, since sending the same bytes again cannot help; internal
// errors do not, so that Slack retries an event we failed to store.
func (a *Adapter) fail(w http.ResponseWriter, r *http.Request, err error) {
	if webhook.Status(err) < http.StatusInternalServerError {
		// Redelivering a rejected request cannot help: tell Slack not to.
		w.Header().Set("X-Slack-No-Retry", "1")
	}
	webhook.Fail(w, r, a.log, "slack", err)
}

func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request, body []byte, start time.Time) {
	// The form is the signed body, and only that. It is parsed here, once,
	// and SlashCommandParse finds it parsed: it would otherwise read the
	// consumed body again (and copy the URL's query into r.Form).
	form, err := url.ParseQuery(string(body))
	if err != nil {
		a.fail(w, r, errMalformed)
		return
	}
	r.PostForm, r.Form = form, form
	cmd, err := slack.SlashCommandParse(r)
	if err != nil {
		a.fail(w, r, errMalformed)
		return
	}
	resp, err := a.handleCommand(r.Context(), &cmd, start)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if resp == nil {
		w.WriteHeader(http.StatusOK) // the answer will come through response_url
		return
	}
	raw, err := json.Marshal(resp)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if _, err := w.Write(raw); err != nil {
		a.log.Warn("slack: write command response", "err", err)
	}
}

func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request, body []byte, _ time.Time) {
	if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
		a.log.Debug("slack: event redelivered", "retry", n, "reason", r.Header.Get("X-Slack-Retry-Reason"))
	}
	challenge, err := a.handleEvents(r.Context(), body)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if challenge != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, challenge)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request, body []byte, start time.Time) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		a.fail(w, r, errMalformed)
		return
	}
	ic, err := parseInteraction([]byte(form.Get("payload")))
	if err == nil {
		err = a.handleInteraction(r.Context(), ic, start)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}
