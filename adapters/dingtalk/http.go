package dingtalk

import (
	"context"
	"fmt"
	"net/http"
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
// signature is missing, forged or more than an hour off, 400 for a body that
// is not a bot message, 500 when the event could not be stored.
func (a *Adapter) serveRobot(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		webhook.RejectMethod(w, r, a.log, "dingtalk", http.MethodPost)
		return
	}
	body, err := webhook.ReadBody(r, maxBody, errMalformed)
	if err == nil {
		err = VerifySign(a.cfg.ClientSecret, r.Header.Get("timestamp"), r.Header.Get("sign"), a.now())
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	// The body is not covered by the signature: whatever it says is only as
	// trustworthy as the (timestamp, sign) pair, which can be replayed for an
	// hour. The message id is the dedup key, so a replayed message is stored
	// once; the session webhook is only used on DingTalk's own host.
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
