package dingtalk

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// serveRobot handles the robot's HTTP callback: one bot message per POST,
// with the headers timestamp and sign. The message is stored and answered
// with an empty 200; the replies follow from the outbox through the session
// webhook (see the package comment). DingTalk also takes a reply message as
// the response body, but only one, and only if processing finishes within
// its timeout, which it does not document; the outbox has neither limit.
//
// Statuses: 405 for anything but POST, 413 over maxBody, 401 when the
// signature is missing, forged, more than an hour off or already used with
// another body, 400 for a body that is not a bot message, 500 when the event
// (or the signature's binding) could not be stored.
func (a *Adapter) serveRobot(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		webhook.RejectMethod(w, r, a.log, "dingtalk", http.MethodPost)
		return
	}
	body, err := webhook.ReadBody(r, maxBody, errMalformed)
	if err == nil {
		err = VerifySign(a.cfg.ClientSecret, r.Header.Get("timestamp"), r.Header.Get("sign"), a.now())
	}
	if err == nil {
		err = a.claimSign(r.Context(), r.Header.Get("timestamp"), body)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	// The body is not covered by the signature, but the (timestamp, sign)
	// pair now belongs to this body: only the same bytes can come with it
	// again, and the message id is the dedup key, so such a redelivery is
	// stored once. The session webhook is only used on DingTalk's own host.
	cb, err := ParseCallback(body)
	var ev *bot.Event
	if err == nil {
		ev, err = a.message(cb, "")
	}
	if err == nil && ev != nil {
		err = a.accept(r.Context(), ev)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// signBinding is how long a (timestamp, sign) pair stays bound to its body:
// as long as VerifySign accepts it, and a minute more so that the binding
// never lapses while the signature still verifies.
const signBinding = maxSignAge + time.Minute

// claimSign binds the request's (timestamp, sign) pair, already verified, to
// the body it came with, and refuses the pair with any other body. The
// binding is a row, committed before the message is looked at, so it holds
// across restarts for the whole of the signature's window.
//
// Keyed by the timestamp alone: for one app the sign is a function of it.
// Two genuine messages that DingTalk signs in the same millisecond share a
// pair, so the second is refused; nothing tells it apart from a forgery
// made with a captured pair. Stream mode, the default, has no such limit.
func (a *Adapter) claimSign(ctx context.Context, timestamp string, body []byte) error {
	ms, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrBadSignature // VerifySign refuses it first
	}
	digest := sha256.Sum256(body)
	ok, err := a.cfg.Nonces.ClaimNonce(ctx, "dingtalk/"+a.cfg.ClientID, timestamp, digest[:],
		time.UnixMilli(ms).Add(signBinding), a.now())
	if err != nil {
		return fmt.Errorf("dingtalk: remember the signature: %w", err)
	}
	if !ok {
		return ErrReusedSign
	}
	return nil
}

// fail answers with the status for err's code, and logs it (webhook.Fail).
func (a *Adapter) fail(w http.ResponseWriter, r *http.Request, err error) {
	webhook.Fail(w, r, a.log, "dingtalk", err)
}

// accept stores ev without waiting for replies. When that fails the caller
// must not acknowledge the event. DingTalk does not deliver a bot message
// again (its Stream documentation calls bot messages fire-and-forget), so
// the sender is also told, through the session webhook, that the message
// was lost and should be sent again.
func (a *Adapter) accept(ctx context.Context, ev *bot.Event) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), webhook.AcceptTimeout)
	defer cancel()
	if _, err := a.intake.Accept(ctx, ev, 0); err != nil {
		go a.apologize(ev)
		return fmt.Errorf("dingtalk: accept %s: %w", ev.DedupKey, err)
	}
	return nil
}

func (a *Adapter) apologize(ev *bot.Event) {
	hook, ok := a.liveWebhook(ev.ReplyHandle)
	if !ok {
		return
	}
	lang := bot.LangEN
	if bot.ContainsHan(ev.Text) {
		lang = bot.LangZH
	}
	text := bot.T("Sorry, I could not take that message in. Please send it again in a moment.",
		"抱歉，刚才那条消息没有收到，请稍后再发一次。").In(lang)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.postSession(ctx, hook, bot.Message{Text: text}, true); err != nil {
		a.log.Warn("dingtalk: could not tell the sender their message was lost", "dedup_key", ev.DedupKey, "err", err)
	}
}
