package wecom

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/work/message"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// Error codes (全局错误码, developer.work.weixin.qq.com/document/path/90313).
// WeCom answers HTTP 200 with a JSON errcode.
var (
	// rateLimited codes: "api freq out of limit" and "api concurrent out of
	// limit". WeCom's minute-level blocks last 60 s (document/path/90454).
	rateLimited = map[int]bool{45009: true, 45033: true}
	// tokenExpired codes: the access token is invalid, expired or missing;
	// a fresh one is fetched and the call made once more.
	tokenExpired = map[int]bool{40014: true, 42001: true, 41001: true}
	// permanent codes: retrying the same message cannot help until someone
	// changes the configuration or the message.
	permanent = map[int]bool{
		40001: true, // invalid secret
		40003: true, // invalid UserID
		40008: true, // invalid msgtype
		40013: true, // invalid CorpID
		40031: true, // a UserID is not in the directory
		40035: true, // invalid parameter
		40056: true, // invalid agentid
		40058: true, // invalid parameter (does not meet the API's rules)
		40091: true, // secret of another corp
		41011: true, // agentid missing
		44004: true, // empty text content
		45002: true, // content too large
		46004: true, // user does not exist
		48002: true, // API not permitted for this app
		50002: true, // member outside the app's visibility
		50003: true, // app disabled
		60011: true, // no permission for the member/department/tag
		60020: true, // caller's IP not on the app's trusted IP list
		60111: true, // UserID not found
		81013: true, // UserID, department and tag all invalid or not permitted
		82001: true, // recipients all invalid
		86003: true, // appchat: no such chatid (or not one this app created)
		93000: true, // group robot webhook invalid, or the robot was removed [reported]
	}
)

// rateLimitWait is how long to wait after 45009/45033.
const rateLimitWait = 60 * time.Second

// duplicateCheckInterval is the window of WeCom's own deduplication on
// message/send (enable_duplicate_check): within it, a message with the same
// content to the same user is not delivered again. It covers the outbox
// retrying a message whose first attempt WeCom accepted but whose answer was
// lost (a timeout); it cannot tell such a retry from an identical message
// sent on purpose (the same answer to the same question twice), which it
// swallows too, so the window is kept short rather than WeCom's default of
// 1800 s. It does not cover card updates or group robots, which have no
// such option, nor a retry that comes later than the window.
const duplicateCheckInterval = 60 * time.Second

var (
	errEmptyMessage = errors.New("wecom: message has neither text nor card")
	errNoTarget     = errors.New("wecom: destination has neither a user nor a robot chat")
)

// apiError is a non-zero errcode.
type apiError struct {
	Op   string // the API path or robot, never a URL with a credential
	Code int
	Msg  string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("wecom: %s: errcode %d: %s", e.Op, e.Code, e.Msg)
}

type apiResult struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// Send implements bot.Sender.
//
//   - To.ChatID "robot:<name>": the message is posted to that group robot
//     webhook as markdown (mentions as <@userid>), at most 20 a minute per
//     robot, and its picture as a robot image message, its file as a robot
//     file message (uploaded through the robot's upload_media). A private message
//     with a UserID goes to that user instead.
//   - Any other To.ChatID: a group the app created (CreateGroup), through
//     appchat/send: text (a card as text), then its picture.
//   - To.UserID (and no ChatID): an app message to that member, through
//     message/send: a template card when the message has a card with
//     buttons, else text; then its picture as an image message.
//   - Msg.Edit: the card posted earlier is replaced through
//     update_template_card with Edit.RemoteID, a response_code (see edit);
//     where that cannot be done, Msg.Text is posted as a follow-up.
//
// The remote id of a template card is the response_code message/send
// returns with it (usable once, within 72 hours, to update the card), so an
// update of the card can use it; otherwise it is message/send's msgid, or,
// for a robot, which returns none, the chat id "robot:<name>".
func (a *Adapter) Send(ctx context.Context, o *bot.Outgoing) (string, error) {
	m := o.Msg
	if strings.TrimSpace(m.Text) == "" && m.Card == nil && m.Attachment() == nil {
		return "", &bot.DeliveryError{Err: errEmptyMessage, Permanent: true}
	}
	if m.Edit != nil {
		return "", a.edit(ctx, o)
	}
	to := o.To
	if name, ok := strings.CutPrefix(to.ChatID, "robot:"); ok {
		if m.Private && to.UserID != "" {
			return a.sendApp(ctx, o, to.UserID, m)
		}
		// A robot returns no message id; "robot:<name>" marks the copy as
		// posted, so that an edit of it comes here and follows up (edit)
		// instead of being posted anew as a whole card.
		if err := a.sendRobot(ctx, name, m); err != nil {
			return "", err
		}
		return to.ChatID, nil
	}
	if to.ChatID != "" {
		// Any other chat is a group the app created (CreateGroup): an app
		// may post only into those; groups made by people are reached
		// through robots.
		if m.Private && to.UserID != "" {
			return a.sendApp(ctx, o, to.UserID, m)
		}
		return a.sendAppchat(ctx, to.ChatID, m)
	}
	if to.UserID == "" {
		return "", &bot.DeliveryError{Err: errNoTarget, Permanent: true}
	}
	return a.sendApp(ctx, o, to.UserID, m)
}

// edit replaces a template card posted earlier. Edit.RemoteID is a
// response_code: the one message/send gave with the card, or the fresh one
// of the latest click on it (bot.Action.EditCode). Each is usable once
// within 72 hours, so a card can be updated once per click. When WeCom
// refuses the code (spent or expired), when there is no code, or when the
// card went to a group robot (whose messages cannot be edited), Msg.Text is
// posted as a short follow-up instead.
func (a *Adapter) edit(ctx context.Context, o *bot.Outgoing) error {
	m, to := o.Msg, o.To
	code := m.Edit.RemoteID
	if !strings.HasPrefix(to.ChatID, "robot:") && to.UserID != "" && code != "" && m.Card != nil {
		err := a.updateCard(ctx, to.UserID, code, m)
		if !cardCodeRefused(err) {
			return err
		}
		a.log.Info("wecom: card update refused; posting a follow-up", "outbox_id", o.ID, "err", err)
	}
	if strings.TrimSpace(m.Text) == "" {
		return nil // the reader is told of the change otherwise (bot.Sender)
	}
	follow := *o
	follow.Msg = bot.Message{Text: m.Text, Private: m.Private}
	_, err := a.Send(ctx, &follow)
	return err
}

// sendApp sends m to one member through message/send: the card or text,
// then the picture. Text longer than WeCom's 2048 bytes goes in several
// messages (at most four, the last cut).
func (a *Adapter) sendApp(ctx context.Context, o *bot.Outgoing, user string, m bot.Message) (string, error) {
	if strings.Contains(user, "|") {
		// touser takes "a|b|c": a "|" in an id would address several people.
		return "", &bot.DeliveryError{Err: fmt.Errorf("wecom: invalid user id %q", user), Permanent: true}
	}
	var remote string
	if card := TemplateCard(m); card != nil {
		card["task_id"] = taskID(o)
		res, err := a.postMessage(ctx, user, appMessage{kind: "template_card", TemplateCard: card}, duplicateCheckInterval)
		if err != nil {
			return "", err
		}
		remote = firstNonEmpty(res.ResponseCode, res.MsgID)
	} else if text := plainText(m); strings.TrimSpace(text) != "" {
		for _, chunk := range splitText(text, maxTextBytes) {
			res, err := a.postMessage(ctx, user, appMessage{kind: "text", Text: &message.TextField{Content: chunk}}, duplicateCheckInterval)
			if err != nil {
				// Earlier chunks are sent again on retry; the duplicate check
				// keeps them from showing twice.
				return "", err
			}
			remote = firstNonEmpty(remote, res.MsgID)
		}
	}
	if remote == "" && m.Attachment() == nil {
		return "", &bot.DeliveryError{Err: errEmptyMessage, Permanent: true}
	}
	if m.File != nil {
		// A retry sends the same media_id again, which the duplicate check
		// swallows, as for a picture.
		key, err := a.appFileKey(ctx, m.File)
		if err != nil {
			return "", err
		}
		res, err := a.postMessage(ctx, user, appMessage{kind: "file", File: &fileField{MediaID: key}}, imageDuplicateInterval)
		if err != nil {
			return "", err
		}
		remote = firstNonEmpty(remote, res.MsgID)
	}
	if m.Image != nil {
		id, err := a.sendAppImage(ctx, user, m.Image)
		if err != nil {
			return "", err
		}
		remote = firstNonEmpty(remote, id)
	}
	return remote, nil
}

// appMessage is a message/send body. silenceper/wechat's
// message.SendRequestCommon and its field types are the wire format; the
// template card, which silenceper does not model, is Tandem's map
// (TemplateCard). silenceper's own message.Client.Send is not used: it
// posts to a hard-coded https://qyapi.weixin.qq.com through the package-wide
// util.DefaultHTTPClient (http.DefaultClient, no timeout) without a
// context, so it could neither be pointed at a test server per adapter nor
// be cancelled when Tandem shuts down (TestSilenceperShortfalls).
type appMessage struct {
	*message.SendRequestCommon
	Text         *message.TextField  `json:"text,omitempty"`
	Image        *message.ImageField `json:"image,omitempty"`
	File         *fileField          `json:"file,omitempty"`
	TemplateCard map[string]any      `json:"template_card,omitempty"`
	kind         string              // msgtype
}

// fileField is a file message's body ({"media_id": …}), which silenceper
// does not model.
type fileField struct {
	MediaID string `json:"media_id"`
}

// postMessage sends msg to one member. WeCom's duplicate check swallows a
// message with the same content to the same member within dedupe (see
// duplicateCheckInterval and imageDuplicateInterval).
func (a *Adapter) postMessage(ctx context.Context, user string, msg appMessage, dedupe time.Duration) (*message.SendResponse, error) {
	msg.SendRequestCommon = &message.SendRequestCommon{
		ToUser:                 user,
		MsgType:                msg.kind,
		AgentID:                strconv.FormatInt(a.cfg.AgentID, 10),
		EnableDuplicateCheck:   1,
		DuplicateCheckInterval: int(dedupe / time.Second),
	}
	var res message.SendResponse
	if err := a.call(ctx, "/cgi-bin/message/send", msg, &res); err != nil {
		return nil, err
	}
	// WeCom sends to the valid recipients and lists the others; with one
	// recipient, a listed one means nothing was delivered.
	if res.InvalidUser != "" || res.UnlicensedUser != "" {
		return nil, &bot.DeliveryError{Err: fmt.Errorf("wecom: %s is not a recipient this app can reach (invaliduser %q, unlicenseduser %q)",
			user, res.InvalidUser, res.UnlicensedUser), Permanent: true}
	}
	return &res, nil
}

const updateCardPath = "/cgi-bin/message/update_template_card"

// updateCard replaces a card with m's through update_template_card, using
// a response_code (usable once, for 72 hours). silenceper/wechat has no
// call for it. A card with no buttons left (a done task) is sent as a
// button card whose buttons are replaced by one grey, unclickable button
// (replace_text), because a button_interaction card must have buttons and
// a text_notice card needs a link to open.
func (a *Adapter) updateCard(ctx context.Context, user, code string, m bot.Message) error {
	body := map[string]any{
		"userids":       []string{user},
		"agentid":       a.cfg.AgentID,
		"response_code": code,
		"template_card": UpdatedCard(m),
	}
	var res apiResult
	return a.call(ctx, updateCardPath, body, &res)
}

// UpdatedCard is the template_card of an update: TemplateCard, or, for a
// card without buttons, the same card with its buttons replaced by a grey
// "已处理"/"Closed" that cannot be clicked.
func UpdatedCard(m bot.Message) map[string]any {
	if card := TemplateCard(m); card != nil {
		return card
	}
	closed := "Closed"
	if m.Card != nil && m.Card.Lang == bot.LangZH {
		closed = "已处理"
	}
	c := bot.Card{Title: closed}
	if m.Card != nil {
		c = *m.Card
	}
	c.Buttons = []bot.Button{{ActionID: "closed", Label: closed}}
	m.Card = &c
	card := TemplateCard(m)
	card["replace_text"] = closed
	return card
}

// cardCodeRefused reports whether an update failed because WeCom refused it
// (the response_code used or expired, whose errcodes are not documented),
// rather than for a reason that a retry of the update may fix.
func cardCodeRefused(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Op == updateCardPath && !rateLimited[ae.Code] && ae.Code != -1
}

// taskID returns a template card's task_id, which WeCom wants unique within
// the app (letters, digits and "_-@", at most 128 bytes). It is derived from
// the outbox row, so a retried message keeps its id, and includes the row's
// creation time, so that a fresh database does not reuse ids.
func taskID(o *bot.Outgoing) string {
	var sum [32]byte
	if o != nil && (o.Key != "" || o.ID != 0) {
		sum = sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d", o.Key, o.ID, o.CreatedAt.UnixMicro()))
	} else {
		_, _ = rand.Read(sum[:])
	}
	return "tandem-" + hex.EncodeToString(sum[:16])
}

// call POSTs body as JSON to an API path with the access token.
func (a *Adapter) call(ctx context.Context, path string, body, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return &bot.DeliveryError{Err: fmt.Errorf("wecom: %s: %w", path, err), Permanent: true}
	}
	return a.callWith(ctx, path, nil, func(u string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(raw))
		if err == nil {
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
		}
		return req, err
	}, out)
}

// callWith makes the request newReq builds for the API URL of path with
// query and the access token. A token WeCom calls invalid or expired is
// dropped and the call made once more with a fresh one.
func (a *Adapter) callWith(ctx context.Context, path string, query url.Values, newReq func(u string) (*http.Request, error), out any) error {
	for retried := false; ; retried = true {
		tok, err := a.accessToken(ctx)
		if err != nil {
			return err
		}
		q := maps.Clone(query)
		if q == nil {
			q = url.Values{}
		}
		q.Set("access_token", tok)
		req, err := newReq(a.api + path + "?" + q.Encode())
		if err != nil {
			// Not err itself: it quotes the URL, token included.
			return &bot.DeliveryError{Err: fmt.Errorf("wecom: %s: bad URL", path), Permanent: true}
		}
		err = a.do(req, path, out)
		var ae *apiError
		if !retried && errors.As(err, &ae) && tokenExpired[ae.Code] {
			a.dropToken(tok)
			continue
		}
		return classify(err)
	}
}

// postJSON posts body and decodes the answer into out, which must embed
// apiResult. A non-zero errcode is an *apiError. op names the call in errors
// in place of the URL, which holds a token or a robot key.
func (a *Adapter) postJSON(ctx context.Context, u, op string, body, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return &bot.DeliveryError{Err: fmt.Errorf("wecom: %s: %w", op, err), Permanent: true}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(raw))
	if err != nil {
		return &bot.DeliveryError{Err: fmt.Errorf("wecom: %s: bad URL", op), Permanent: true}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	return a.do(req, op, out)
}

func (a *Adapter) do(req *http.Request, op string, out any) error {
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("wecom: %s: %w", op, webhook.RedactURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("wecom: %s: read answer: %w", op, webhook.RedactURL(err))
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return &bot.DeliveryError{Err: fmt.Errorf("wecom: %s: %s", op, resp.Status), RetryAfter: retryAfter(resp.Header)}
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("wecom: %s: %s", op, resp.Status)
	}
	var r apiResult
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("wecom: %s: answer is not JSON: %w", op, err)
	}
	if r.ErrCode != 0 {
		return &apiError{Op: op, Code: r.ErrCode, Msg: r.ErrMsg}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("wecom: %s: answer: %w", op, err)
	}
	return nil
}

// classify turns an API error into a DeliveryError the outbox understands.
// Errcodes not listed (-1 "system busy" among them) and HTTP failures are
// transient.
func classify(err error) error {
	var ae *apiError
	if !errors.As(err, &ae) {
		return err
	}
	switch {
	case rateLimited[ae.Code]:
		return &bot.DeliveryError{Err: err, RetryAfter: rateLimitWait}
	case permanent[ae.Code]:
		return &bot.DeliveryError{Err: err, Permanent: true}
	}
	return err
}

func retryAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return rateLimitWait
}

// Access tokens last expires_in seconds (7200); one is kept until tokenMargin
// before it expires, and fetched under a mutex so that concurrent senders
// share one fetch. This is silenceper/wechat's credential.WorkAccessToken
// done by hand, because that one fetches from a hard-coded
// https://qyapi.weixin.qq.com through the package-wide util.DefaultHTTPClient
// (so it cannot be pointed at one app's APIURL, TestSilenceperShortfalls),
// reads the wall clock (cache.Memory) where Tandem's clock is an input, and
// cannot drop a token WeCom calls expired (40014/42001) before its time.
const tokenMargin = 5 * time.Minute

type tokenResult struct {
	apiResult
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

func (a *Adapter) accessToken(ctx context.Context) (string, error) {
	a.tokMu.Lock()
	defer a.tokMu.Unlock()
	now := a.now()
	if a.token != "" && now.Before(a.tokenExp) {
		return a.token, nil
	}
	q := url.Values{"corpid": {a.cfg.CorpID}, "corpsecret": {a.cfg.Secret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.api+"/cgi-bin/gettoken?"+q.Encode(), nil)
	if err != nil {
		return "", &bot.DeliveryError{Err: errors.New("wecom: gettoken: bad API URL"), Permanent: true}
	}
	var res tokenResult
	if err := a.do(req, "/cgi-bin/gettoken", &res); err != nil {
		return "", classify(err)
	}
	if res.AccessToken == "" {
		return "", errors.New("wecom: gettoken: no access_token in the answer")
	}
	life := time.Duration(res.ExpiresIn) * time.Second
	if life <= 0 {
		life = 2 * time.Hour
	}
	margin := min(tokenMargin, life/2)
	a.token, a.tokenExp = res.AccessToken, now.Add(life-margin)
	return a.token, nil
}

// dropToken forgets tok if it is still the cached token (another sender
// may have refreshed it already).
func (a *Adapter) dropToken(tok string) {
	a.tokMu.Lock()
	defer a.tokMu.Unlock()
	if a.token == tok {
		a.token = ""
	}
}
