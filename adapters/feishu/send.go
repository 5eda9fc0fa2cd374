package feishu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Open API paths.
const (
	pathToken   = "/open-apis/auth/v3/tenant_access_token/internal"
	pathBotInfo = "/open-apis/bot/v3/info"
	pathCreate  = "/open-apis/im/v1/messages"
	pathReply   = "/open-apis/im/v1/messages/%s/reply"
	pathPatch   = "/open-apis/im/v1/messages/%s" // PATCH: a card's new content
	pathImages  = "/open-apis/im/v1/images"
	pathFiles   = "/open-apis/im/v1/files"
)

// Open API codes (https://open.feishu.cn/document/server-docs/api-call-guide/generic-error-code
// and the error tables of the message APIs).
var (
	// rateLimitCodes ask us to slow down: the generic frequency limit, the
	// per-chat limit and the tenant's message-service limit.
	rateLimitCodes = map[int]bool{99991400: true, 230020: true, 11232: true}
	// tokenCodes mean the tenant_access_token is missing, invalid or
	// expired: fetch a new one and try once more.
	tokenCodes = map[int]bool{99991661: true, 99991663: true, 99991664: true, 99991668: true, 99991671: true}
	// permanentCodes are answers no retry can fix: the chat, user or
	// message is gone or out of reach, the app lacks a permission or
	// ability, the credentials are wrong, or the message itself is refused.
	// Anything else is retried by the outbox.
	permanentCodes = map[int]bool{
		10003:    true, // invalid app_id (token endpoint)
		10014:    true, // app secret invalid (token endpoint)
		230001:   true, // invalid request parameter
		230002:   true, // the bot is not in the chat
		230006:   true, // bot ability not enabled
		230011:   true, // the message replied to was recalled
		230013:   true, // the user is outside the bot's availability
		230018:   true, // not allowed in this group
		230022:   true, // content refused as sensitive
		230025:   true, // content too long
		230027:   true, // lacks necessary permissions
		230028:   true, // content failed review
		230035:   true, // sending not permitted
		230099:   true, // card content could not be created
		99991401: true, // request IP not in the app's allow list
		99991672: true, // the app lacks the API's scope
		99991679: true, // the app lacks the user's authorization for the scope
		99992402: true, // field validation failed (a malformed id)
	}
)

const (
	// defaultRetryAfter is used when Feishu rate-limits without saying how long.
	defaultRetryAfter = time.Second
	// tokenMargin renews a token this long before Feishu says it expires.
	tokenMargin = 5 * time.Minute
	maxResponse = 1 << 20
)

var (
	errEmptyMessage = errors.New("feishu: message has neither text nor card")
	errNoTarget     = errors.New("feishu: destination has neither chat nor user")
	errNoToken      = errors.New("feishu: token response has no tenant_access_token")
)

// apiError is a failed Open API call.
type apiError struct {
	Op     string
	Status int
	Code   int
	Msg    string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("feishu: %s: HTTP %d, code %d: %s", e.Op, e.Status, e.Code, e.Msg)
}

// apiResponse is the Open API's envelope. The token and bot-info endpoints
// put their results at the top level, the others under data.
type apiResponse struct {
	Code              int             `json:"code"`
	Msg               string          `json:"msg"`
	Data              json.RawMessage `json:"data"`
	TenantAccessToken string          `json:"tenant_access_token"`
	Expire            int             `json:"expire"`
	Bot               *struct {
		OpenID  string `json:"open_id"`
		AppName string `json:"app_name"`
	} `json:"bot"`
}

// Send implements bot.Sender. A reply handle (the message that asked) or a
// thread is answered with the reply API, which quotes it and stays in its
// thread; if that message cannot be answered (recalled, say), the message
// goes to the chat instead. Otherwise it is sent to the chat (chat_id) or,
// with no chat, to the user directly (open_id). Private has no Feishu
// equivalent for ordinary messages and is ignored.
//
// Every request carries uuid, a hash of o.Key: Feishu sends at most one
// message per uuid within an hour, so a retry after a lost response does
// not post twice. The returned id is Feishu's message_id.
//
// An edit (o.Msg.Edit) patches the card in place (see edit). A picture
// (o.Msg.Image, uploaded by UploadImage) goes inside the card when there
// is one, so the message stays one; with text it is a second message, an
// image message posted after the text with a uuid of its own (see
// sendPicture). A file (o.Msg.File, uploaded by UploadFile) is a message of
// its own, after the text or card (see sendFile).
func (a *Adapter) Send(ctx context.Context, o *bot.Outgoing) (string, error) {
	if e := o.Msg.Edit; e != nil && e.RemoteID != "" && o.Msg.Card != nil {
		return a.edit(ctx, o)
	}
	m := o.Msg
	if f := m.File; f != nil {
		if f.Key == "" { // not through the dispatcher: upload here
			key, _, err := a.UploadFile(ctx, o.To, f)
			if err != nil {
				return "", err
			}
			f.Key = key
		}
		return a.sendFile(ctx, o)
	}
	if img := m.Image; img != nil {
		if err := a.ensureUploaded(ctx, o.To, img); err != nil {
			return "", err
		}
		if m.Card == nil {
			return a.sendPicture(ctx, o)
		}
	}
	msgType, content, err := messageContent(m)
	if err != nil {
		return "", &bot.DeliveryError{Err: err, Permanent: true}
	}
	return a.post(ctx, o, msgType, content, dedupUUID(o.Key))
}

// post sends one message to o.To: as a reply where it has a reply handle or
// thread, else to the chat or the user.
func (a *Adapter) post(ctx context.Context, o *bot.Outgoing, msgType, content, uuid string) (string, error) {
	to := o.To
	if target := firstNonEmpty(to.ReplyHandle, to.ThreadID); target != "" {
		id, err := a.reply(ctx, target, msgType, content, uuid)
		if err == nil || !isPermanent(err) || (to.ChatID == "" && to.UserID == "") {
			return id, err
		}
		a.log.Info("feishu: cannot reply to the message; sending to the chat", "outbox_id", o.ID, "err", err)
	}
	switch {
	case to.ChatID != "":
		return a.create(ctx, "chat_id", to.ChatID, msgType, content, uuid)
	case to.UserID != "":
		return a.create(ctx, "open_id", to.UserID, msgType, content, uuid)
	}
	return "", &bot.DeliveryError{Err: errNoTarget, Permanent: true}
}

// messageContent renders m as a Feishu message: a card when it has one
// (its text inside), else text.
func messageContent(m bot.Message) (msgType, content string, err error) {
	if strings.TrimSpace(m.Text) == "" && m.Card == nil {
		return "", "", errEmptyMessage
	}
	var raw []byte
	if m.Card != nil {
		msgType = "interactive"
		raw, err = json.Marshal(Card(m))
	} else {
		msgType = "text"
		raw, err = json.Marshal(map[string]string{"text": textContent(m.Text)})
	}
	return msgType, string(raw), err
}

// dedupUUID derives Feishu's idempotency uuid (at most 50 characters) from
// an outbox key: the same key always gives the same uuid.
func dedupUUID(key string) string {
	if key == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("tandem/feishu/" + key))
	return hex.EncodeToString(sum[:16])
}

type sendRequest struct {
	ReceiveID string `json:"receive_id,omitempty"`
	MsgType   string `json:"msg_type"`
	Content   string `json:"content"`
	// ReplyInThread stays false: a reply to a message that is already in a
	// thread goes into that thread anyway, and a reply to a plain message
	// should quote it in the chat rather than start a thread.
	ReplyInThread bool   `json:"reply_in_thread,omitempty"`
	UUID          string `json:"uuid,omitempty"`
}

func (a *Adapter) create(ctx context.Context, idType, id, msgType, content, uuid string) (string, error) {
	q := url.Values{"receive_id_type": {idType}}
	r, err := a.call(ctx, "im.message.create", http.MethodPost, pathCreate, q,
		sendRequest{ReceiveID: id, MsgType: msgType, Content: content, UUID: uuid})
	if err != nil {
		return "", err
	}
	return messageID(r), nil
}

func (a *Adapter) reply(ctx context.Context, messageIDToAnswer, msgType, content, uuid string) (string, error) {
	path := fmt.Sprintf(pathReply, url.PathEscape(messageIDToAnswer))
	r, err := a.call(ctx, "im.message.reply", http.MethodPost, path, nil,
		sendRequest{MsgType: msgType, Content: content, UUID: uuid})
	if err != nil {
		return "", err
	}
	return messageID(r), nil
}

func messageID(r *apiResponse) string {
	var d struct {
		MessageID string `json:"message_id"`
	}
	_ = json.Unmarshal(r.Data, &d)
	return d.MessageID
}

// fetchBotID asks the bot's own open_id.
func (a *Adapter) fetchBotID(ctx context.Context) (string, error) {
	r, err := a.call(ctx, "bot.info", http.MethodGet, pathBotInfo, nil, nil)
	if err != nil {
		return "", err
	}
	if r.Bot == nil || r.Bot.OpenID == "" {
		return "", errors.New("feishu: bot info has no open_id")
	}
	return r.Bot.OpenID, nil
}

// call makes an authenticated Open API call. When Feishu says the token is
// invalid or expired (it can be revoked, or our clock may be off), the token
// is fetched afresh and the call made once more.
func (a *Adapter) call(ctx context.Context, op, method, path string, q url.Values, body any) (*apiResponse, error) {
	tok, err := a.token(ctx, "")
	if err != nil {
		return nil, err
	}
	r, err := a.do(ctx, op, method, path, q, body, tok)
	if ae, ok := errors.AsType[*apiError](err); ok && tokenCodes[ae.Code] {
		a.log.Info("feishu: tenant_access_token refused; fetching a new one", "op", op, "code", ae.Code)
		if tok, err = a.token(ctx, tok); err != nil {
			return nil, err
		}
		r, err = a.do(ctx, op, method, path, q, body, tok)
	}
	return r, err
}

// token returns a tenant_access_token, fetched with the app's id and secret
// and cached until shortly before it expires. stale is a token Feishu just
// refused: unless another caller has replaced it meanwhile, a new one is
// fetched. The mutex is held while fetching, so concurrent senders wait for
// one request instead of each making their own.
func (a *Adapter) token(ctx context.Context, stale string) (string, error) {
	a.tokMu.Lock()
	defer a.tokMu.Unlock()
	if a.tok != "" && a.tok != stale && a.now().Before(a.tokExp) {
		return a.tok, nil
	}
	a.tok = ""
	r, err := a.do(ctx, "auth.tenant_access_token", http.MethodPost, pathToken, nil,
		map[string]string{"app_id": a.cfg.AppID, "app_secret": a.cfg.AppSecret}, "")
	if err != nil {
		return "", err
	}
	if r.TenantAccessToken == "" {
		return "", errNoToken
	}
	ttl := time.Duration(r.Expire) * time.Second
	margin := tokenMargin
	if ttl <= 2*margin {
		margin = ttl / 2
	}
	a.tok, a.tokExp = r.TenantAccessToken, a.now().Add(ttl-margin)
	return a.tok, nil
}

// do makes one Open API request and classifies its failure for the outbox.
func (a *Adapter) do(ctx context.Context, op, method, path string, q url.Values, body any, tok string) (*apiResponse, error) {
	u := a.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	contentType := "application/json; charset=utf-8"
	switch b := body.(type) {
	case nil:
	case formBody:
		rd, contentType = bytes.NewReader(b.data), b.contentType
	default:
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, &bot.DeliveryError{Err: fmt.Errorf("feishu: %s: %w", op, err), Permanent: true}
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, &bot.DeliveryError{Err: fmt.Errorf("feishu: %s: %w", op, err), Permanent: true}
	}
	if rd != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("feishu: %s: %w", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("feishu: %s: read response: %w", op, err)
	}
	var r apiResponse
	parsed := json.Unmarshal(raw, &r) == nil
	if parsed && r.Code == 0 && resp.StatusCode/100 == 2 {
		return &r, nil
	}
	ae := &apiError{Op: op, Status: resp.StatusCode, Code: r.Code, Msg: r.Msg}
	if !parsed {
		ae.Code, ae.Msg = -1, strings.TrimSpace(string(raw[:min(len(raw), 200)]))
	}
	return nil, classify(ae, resp.Header)
}

// classify maps a failed call to what the outbox should do: wait as long as
// Feishu asks on a rate limit, give up on permanent codes, retry the rest.
func classify(ae *apiError, h http.Header) error {
	switch {
	case ae.Status == http.StatusTooManyRequests || rateLimitCodes[ae.Code]:
		return &bot.DeliveryError{Err: ae, RetryAfter: resetAfter(h)}
	case permanentCodes[ae.Code]:
		return &bot.DeliveryError{Err: ae, Permanent: true}
	}
	return ae
}

// resetAfter reads x-ogw-ratelimit-reset, the seconds until the limit
// resets.
func resetAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("X-Ogw-Ratelimit-Reset"))); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return defaultRetryAfter
}

func isPermanent(err error) bool {
	d, ok := bot.AsDeliveryError(err)
	return ok && d.Permanent
}
