package dingtalk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// Robot OpenAPI paths, under Config.APIURL.
const (
	pathToken     = "/v1.0/oauth2/accessToken"
	pathBatchSend = "/v1.0/robot/oToMessages/batchSend"
	pathGroupSend = "/v1.0/robot/groupMessages/send"
	pathOpen      = "/v1.0/gateway/connections/open"
)

const (
	// sessionMargin keeps a session webhook from being used in its last
	// seconds, when the POST could arrive after it expired.
	sessionMargin = 30 * time.Second
	// tokenMargin renews the access token this long before it expires
	// (DingTalk issues them for two hours).
	tokenMargin = 5 * time.Minute
	// maxResponse bounds what is read of an API answer.
	maxResponse = 64 << 10
)

// How long to wait when DingTalk says "too fast". It rarely says how long.
const (
	// retryQPS: 90018 (the corp's per-API QPS), 90019 (a third-party app's
	// QPS in a corp), 90002 (platform-wide): per-second limits.
	retryQPS = 2 * time.Second
	// retryChat: 130101, "send too fast, exceed 20 times per minute", a
	// robot's per-chat minute window. Reportedly the robot is throttled
	// for ten minutes after that; retrying each minute costs one refused
	// call per minute and delivers as soon as it is allowed again.
	retryChat = time.Minute
	// retry429 is used for an HTTP 429 without Retry-After.
	retry429 = 10 * time.Second
	// retryBlocked: the per-IP limit (10,000 calls per 20 s) answers a
	// block page ("punish":"deny") for five minutes.
	retryBlocked = 5 * time.Minute
)

var rateErrcodes = map[int]time.Duration{90018: retryQPS, 90019: retryQPS, 90002: retryQPS, 130101: retryChat}

var (
	errEmptyMessage = errors.New("dingtalk: message has neither text nor card")
	errNoTarget     = errors.New("dingtalk: destination has neither chat nor user")
	// errSessionGone means a session webhook refused the message for a
	// reason other than rate or a server fault (expired, invalid): the
	// message goes through the robot API instead.
	errSessionGone = errors.New("dingtalk: session webhook refused the message")
)

// Send implements bot.Sender.
//
//   - A live session webhook in To.ReplyHandle (not within 30 s of its
//     expiry) is used first: it answers in the conversation the message came
//     from, needs no token and no API quota.
//   - Otherwise the robot OpenAPI: oToMessages/batchSend to To.UserID when
//     there is no chat or the chat is known to be a one-to-one chat with the
//     bot, groupMessages/send to To.ChatID otherwise. When a group send is
//     refused for good and the message answers someone (To.UserID), it goes
//     to that person's own chat with the bot instead: the "group" may have
//     been a one-to-one chat this process has not seen, or one the bot left.
//   - A Private message addressed to someone in a group goes to that
//     person's chat with the bot: DingTalk cannot show a group message to
//     one member only, and private replies can hold secrets (link codes).
//   - With Config.CardTemplateID set, a card with buttons goes as an
//     interactive card (card.go) to the same chat, by the same rules, but
//     never through a session webhook, which cannot carry one.
//   - An edit (Msg.Edit) of an interactive card updates it in place; any
//     other message cannot be edited, and gets Msg.Text as a follow-up (see
//     edit in card.go).
//   - A picture (Msg.Image) or a file (Msg.File) is posted after the text
//     or card, as its own robot message (see image.go).
//
// The returned id is the robot API's processQueryKey, an interactive card's
// outTrackId, or "" for a session webhook, which returns none.
func (a *Adapter) Send(ctx context.Context, o *bot.Outgoing) (string, error) {
	if o.Msg.Edit != nil {
		return a.edit(ctx, o)
	}
	if o.Msg.Text == "" && o.Msg.Card == nil && o.Msg.Attachment() == nil {
		return "", &bot.DeliveryError{Err: errEmptyMessage, Permanent: true}
	}
	var id string
	if o.Msg.Text != "" || o.Msg.Card != nil {
		var err error
		if id, err = a.sendMessage(ctx, o); err != nil {
			return "", err
		}
	}
	if o.Msg.Attachment() == nil {
		return id, nil
	}
	imageID, err := a.sendImage(ctx, o)
	if err != nil {
		return "", err
	}
	return firstNonEmpty(id, imageID), nil
}

// sendMessage sends o's text or card (not its picture).
func (a *Adapter) sendMessage(ctx context.Context, o *bot.Outgoing) (string, error) {
	m := o.Msg
	if a.interactive(m) {
		return a.route(ctx, o, "card",
			func(user string) (string, error) { return a.cardToUser(ctx, o, user) },
			func(chat string) (string, error) { return a.cardToGroup(ctx, o, chat) })
	}
	if _, direct := a.directUser(o.To); !(m.Private && !direct && o.To.UserID != "") {
		if hook, ok := a.liveWebhook(o.To.ReplyHandle); ok {
			err := a.postSession(ctx, hook, m, direct)
			if !errors.Is(err, errSessionGone) {
				return "", err
			}
			a.log.Info("dingtalk: session webhook refused the reply; sending through the robot API", "outbox_id", o.ID, "err", err)
		}
	}
	return a.route(ctx, o, "message",
		func(user string) (string, error) { return a.sendToUser(ctx, user, msgParam(render(m, true))) },
		func(chat string) (string, error) { return a.sendToGroup(ctx, chat, msgParam(render(m, false))) })
}

// route chooses the chat for a robot message or card (session webhooks
// aside): a Private message to someone in a group goes to their chat with
// the bot, a one-to-one chat to its user, a group to the group, or, when
// DingTalk refuses the group for good and the message answers someone, to
// that person's chat with the bot.
func (a *Adapter) route(ctx context.Context, o *bot.Outgoing, what string, toUser, toGroup func(string) (string, error)) (string, error) {
	to := o.To
	dmUser, direct := a.directUser(to)
	switch {
	case o.Msg.Private && !direct && to.UserID != "":
		return toUser(to.UserID)
	case direct:
		return toUser(dmUser)
	case to.ChatID != "":
		id, err := toGroup(to.ChatID)
		if err != nil && to.UserID != "" && isPermanent(err) {
			a.log.Info("dingtalk: group "+what+" refused; sending it to the user directly", "outbox_id", o.ID, "err", err)
			return toUser(to.UserID)
		}
		return id, err
	}
	return "", &bot.DeliveryError{Err: errNoTarget, Permanent: true}
}

// directUser reports whether to is a one-to-one chat with the bot, and with
// whom: a destination with a user and no chat, or a conversation an inbound
// message showed to be one.
func (a *Adapter) directUser(to bot.Destination) (string, bool) {
	if to.ChatID == "" {
		return to.UserID, to.UserID != ""
	}
	return a.direct.user(to.ChatID)
}

// liveWebhook returns the session webhook of a reply handle if it is on
// DingTalk's host and not about to expire. A handle without an expiry is
// tried; if it has expired DingTalk refuses it and Send falls back.
func (a *Adapter) liveWebhook(handle string) (string, bool) {
	hook, expiresMS, ok := parseReplyHandle(handle)
	if !ok || !a.trustedWebhook(hook) {
		return "", false
	}
	if expiresMS > 0 && !a.now().Add(sessionMargin).Before(time.UnixMilli(expiresMS)) {
		return "", false
	}
	return hook, true
}

// sessionMessage is the body a session webhook takes (the custom robot's
// message format).
type sessionMessage struct {
	MsgType  string       `json:"msgtype"`
	Text     *textBody    `json:"text,omitempty"`
	Markdown *markdown    `json:"markdown,omitempty"`
	At       *sessionAtTo `json:"at,omitempty"`
}

type textBody struct {
	Content string `json:"content"`
}

type markdown struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

type sessionAtTo struct {
	AtUserIDs []string `json:"atUserIds"`
}

// postSession posts m to a session webhook. It returns errSessionGone (so
// that Send falls back to the robot API) unless the failure is a rate limit
// or one a later retry may not meet.
func (a *Adapter) postSession(ctx context.Context, hook string, m bot.Message, direct bool) error {
	r := render(m, direct)
	body := sessionMessage{MsgType: "text", Text: &textBody{Content: r.text}}
	if r.markdown {
		body = sessionMessage{MsgType: "markdown", Markdown: &markdown{Title: r.title, Text: r.text}}
	}
	if len(r.atUsers) > 0 {
		body.At = &sessionAtTo{AtUserIDs: r.atUsers}
	}
	status, header, raw, err := a.postJSON(ctx, hook, body, nil)
	if err != nil {
		return fmt.Errorf("dingtalk: session webhook: %w", err)
	}
	e := parseAPIError(status, header, raw)
	if e == nil {
		return nil
	}
	err = e.deliveryError("session webhook")
	if d, ok := bot.AsDeliveryError(err); ok && d.RetryAfter > 0 {
		return err
	}
	if status/100 == 5 || e.errcode == -1 {
		return err // DingTalk's own trouble: retry the webhook later
	}
	return fmt.Errorf("%w: %v", errSessionGone, err)
}

// robotMsg is a robot message's msgKey and msgParam (a JSON string).
type robotMsg struct{ key, param string }

// msgParam renders r as a robot message.
func msgParam(r rendered) robotMsg {
	var v any = map[string]string{"content": r.text}
	key := "sampleText"
	if r.markdown {
		v, key = map[string]string{"title": r.title, "text": r.text}, "sampleMarkdown"
	}
	raw, _ := marshal(v)
	return robotMsg{key, string(raw)}
}

type batchSendRequest struct {
	RobotCode string   `json:"robotCode"`
	UserIDs   []string `json:"userIds"`
	MsgKey    string   `json:"msgKey"`
	MsgParam  string   `json:"msgParam"`
}

type batchSendResponse struct {
	ProcessQueryKey           string   `json:"processQueryKey"`
	InvalidStaffIDList        []string `json:"invalidStaffIdList"`
	FlowControlledStaffIDList []string `json:"flowControlledStaffIdList"`
}

// sendToUser sends m to the user's one-to-one chat with the bot.
func (a *Adapter) sendToUser(ctx context.Context, user string, m robotMsg) (string, error) {
	if user == "" {
		return "", &bot.DeliveryError{Err: errNoTarget, Permanent: true}
	}
	var out batchSendResponse
	err := a.robotCall(ctx, pathBatchSend, batchSendRequest{RobotCode: a.cfg.RobotCode, UserIDs: []string{user}, MsgKey: m.key, MsgParam: m.param}, &out)
	switch {
	case err != nil:
		return "", err
	case slices.Contains(out.InvalidStaffIDList, user):
		return "", &bot.DeliveryError{Err: fmt.Errorf("dingtalk: batchSend: user %s is not valid for this robot", user), Permanent: true}
	case slices.Contains(out.FlowControlledStaffIDList, user):
		return "", &bot.DeliveryError{Err: fmt.Errorf("dingtalk: batchSend: user %s is flow-controlled", user), RetryAfter: retryChat}
	}
	return out.ProcessQueryKey, nil
}

type groupSendRequest struct {
	RobotCode          string `json:"robotCode"`
	OpenConversationID string `json:"openConversationId"`
	MsgKey             string `json:"msgKey"`
	MsgParam           string `json:"msgParam"`
}

// sendToGroup sends m to a group conversation the bot is in.
func (a *Adapter) sendToGroup(ctx context.Context, chatID string, m robotMsg) (string, error) {
	var out struct {
		ProcessQueryKey string `json:"processQueryKey"`
	}
	err := a.robotCall(ctx, pathGroupSend, groupSendRequest{RobotCode: a.cfg.RobotCode, OpenConversationID: chatID, MsgKey: m.key, MsgParam: m.param}, &out)
	return out.ProcessQueryKey, err
}

// robotCall POSTs req to a robot API path with the access token, and
// decodes a successful answer into out. A token DingTalk refuses is
// replaced and the call made once more.
func (a *Adapter) robotCall(ctx context.Context, path string, req, out any) error {
	return a.apiCall(ctx, http.MethodPost, path, req, out)
}

// apiCall is robotCall with another method.
func (a *Adapter) apiCall(ctx context.Context, method, path string, req, out any) error {
	stale := ""
	for attempt := 0; ; attempt++ {
		tok, err := a.accessToken(ctx, stale)
		if err != nil {
			return err
		}
		status, header, raw, err := a.sendJSON(ctx, method, a.cfg.APIURL+path, req, map[string]string{"x-acs-dingtalk-access-token": tok})
		if err != nil {
			return fmt.Errorf("dingtalk: %s: %w", path, err)
		}
		e := parseAPIError(status, header, raw)
		if e == nil {
			if err := json.Unmarshal(raw, out); err != nil {
				a.log.Warn("dingtalk: unreadable answer to a successful call", "path", path, "err", err)
			}
			return nil
		}
		if e.auth() && attempt == 0 {
			stale = tok
			continue
		}
		return e.deliveryError(path)
	}
}

// accessToken returns the app's access token, fetching one when none is
// cached, the cached one is about to expire, or it is stale (the one
// DingTalk just refused; another caller may have replaced it already).
// The lock is held while fetching, so concurrent sends share one request.
func (a *Adapter) accessToken(ctx context.Context, stale string) (string, error) {
	a.tokMu.Lock()
	defer a.tokMu.Unlock()
	now := a.now()
	if a.token != "" && a.token != stale && now.Before(a.tokenExp) {
		return a.token, nil
	}
	body := map[string]string{"appKey": a.cfg.ClientID, "appSecret": a.cfg.ClientSecret}
	status, header, raw, err := a.postJSON(ctx, a.cfg.APIURL+pathToken, body, nil)
	if err != nil {
		return "", fmt.Errorf("dingtalk: access token: %w", err)
	}
	if e := parseAPIError(status, header, raw); e != nil {
		return "", e.deliveryError("access token")
	}
	var res struct {
		AccessToken string `json:"accessToken"`
		ExpireIn    int64  `json:"expireIn"` // seconds
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.AccessToken == "" {
		return "", errors.New("dingtalk: access token: answer without a token")
	}
	life := time.Duration(res.ExpireIn) * time.Second
	if life <= 0 {
		life = 2 * time.Hour
	}
	if life > 2*tokenMargin {
		life -= tokenMargin
	} else {
		life /= 2
	}
	a.token, a.tokenExp = res.AccessToken, now.Add(life)
	return a.token, nil
}

// postJSON POSTs body as JSON and returns the status, headers and (bounded)
// answer. The response body is always closed. Its errors never quote the
// URL: a session webhook's URL is a credential (whoever has it may post to
// the conversation) and a classic API URL carries the access token, while
// net/http's errors name the URL in full, and errors end up in logs and in
// the outbox's last_error.
func (a *Adapter) postJSON(ctx context.Context, url string, body any, header map[string]string) (int, http.Header, []byte, error) {
	return a.sendJSON(ctx, http.MethodPost, url, body, header)
}

// sendJSON is postJSON with another method. A nil body sends none (a GET).
func (a *Adapter) sendJSON(ctx context.Context, method, url string, body any, header map[string]string) (int, http.Header, []byte, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = marshal(body); err != nil {
			return 0, nil, nil, &bot.DeliveryError{Err: err, Permanent: true}
		}
	}
	return a.do(ctx, method, url, "application/json", payload, header)
}

// do makes one request with a body of the given type; see postJSON.
func (a *Adapter) do(ctx context.Context, method, url, contentType string, payload []byte, header map[string]string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, nil, &bot.DeliveryError{Err: webhook.RedactURL(err), Permanent: true}
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return 0, nil, nil, webhook.RedactURL(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, raw, nil
}

// marshal encodes v as JSON without escaping <, > and &: DingTalk shows
// message text as sent, and "\u003c" would only waste msgParam's bytes.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// apiError is a refused call, in either of DingTalk's two dialects: the
// new API answers an HTTP error with {"code":"invalidParameter…",
// "message":…}; the classic API and session webhooks answer 200 with
// {"errcode":130101,"errmsg":…}.
type apiError struct {
	status     int
	code       string
	errcode    int
	message    string
	blocked    bool          // the per-IP block page
	retryAfter time.Duration // from a Retry-After header
}

// parseAPIError returns nil for a successful answer.
func parseAPIError(status int, header http.Header, raw []byte) *apiError {
	var body struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
		ErrCode json.RawMessage `json:"errcode"`
		ErrMsg  string          `json:"errmsg"`
		Status  int             `json:"status"`
		Punish  string          `json:"punish"`
	}
	jsonErr := json.Unmarshal(raw, &body)
	e := &apiError{
		status:  status,
		code:    rawString(body.Code),
		message: firstNonEmpty(body.Message, body.ErrMsg),
		blocked: body.Punish != "" || body.Status == 1111 || bytes.Contains(raw, []byte(`"punish"`)),
	}
	e.errcode, _ = strconv.Atoi(rawString(body.ErrCode))
	if status/100 == 2 && e.errcode == 0 && !e.blocked {
		return nil
	}
	if jsonErr != nil && e.message == "" {
		e.message = strings.TrimSpace(string(raw[:min(len(raw), 200)]))
	}
	if s, err := strconv.Atoi(header.Get("Retry-After")); err == nil && s > 0 {
		e.retryAfter = time.Duration(s) * time.Second
	}
	return e
}

// rawString reads a JSON value that DingTalk sends as a string or a number.
func rawString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func (e *apiError) Error() string {
	s := "HTTP " + strconv.Itoa(e.status)
	if e.code != "" {
		s += " " + e.code
	}
	if e.errcode != 0 {
		s += " errcode " + strconv.Itoa(e.errcode)
	}
	if e.message != "" {
		s += ": " + e.message
	}
	return s
}

// wait returns how long DingTalk asks to wait, or 0 if this is not a rate
// limit.
func (e *apiError) wait() time.Duration {
	if e.blocked {
		return max(e.retryAfter, retryBlocked)
	}
	if d, ok := rateErrcodes[e.errcode]; ok {
		return max(e.retryAfter, d)
	}
	if n, err := strconv.Atoi(e.code); err == nil {
		if d, ok := rateErrcodes[n]; ok {
			return max(e.retryAfter, d)
		}
	}
	lc := strings.ToLower(e.code)
	if e.status == http.StatusTooManyRequests || strings.Contains(lc, "qpslimit") ||
		strings.Contains(lc, "throttl") || strings.Contains(lc, "flowcontrol") || strings.Contains(lc, "ratelimit") {
		if e.retryAfter > 0 {
			return e.retryAfter
		}
		if e.status == http.StatusTooManyRequests {
			return retry429
		}
		return retryQPS
	}
	return 0
}

// auth reports whether the access token was refused (expired or revoked).
func (e *apiError) auth() bool {
	switch e.errcode {
	case 40001, 40014, 42001: // invalid credential, invalid token, token expired
		return true
	}
	lc := strings.ToLower(e.code)
	return e.status == http.StatusUnauthorized || strings.Contains(lc, "invalidauthentication") || strings.Contains(lc, "token")
}

// deliveryError classifies e for the outbox: a rate limit waits; a request
// DingTalk refuses for what it is (an invalid user, conversation or robot,
// a bad credential) is permanent; anything else (5xx, "system busy") is
// retried.
func (e *apiError) deliveryError(what string) error {
	err := fmt.Errorf("dingtalk: %s: %w", what, e)
	if d := e.wait(); d > 0 {
		return &bot.DeliveryError{Err: err, RetryAfter: d}
	}
	switch {
	case e.status/100 == 5, e.errcode == -1:
		return err
	case e.status/100 == 4, e.errcode != 0:
		return &bot.DeliveryError{Err: err, Permanent: true}
	}
	return err
}

func isPermanent(err error) bool {
	d, ok := bot.AsDeliveryError(err)
	return ok && d.Permanent
}
