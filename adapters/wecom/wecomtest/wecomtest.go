// Package wecomtest is a test kit for the WeCom adapter and for end-to-end
// tests that run Tandem against WeCom: Server stands in for the WeCom API
// (access tokens, app messages, template-card updates, media uploads, the
// directory calls tests script) and group robot webhooks, speaking WeCom's
// wire formats; App builds signed, encrypted callbacks as WeCom sends them.
//
// The callbacks are encrypted and signed with silenceper/wechat's util
// helpers (EncryptMsg, Signature), not with the adapter's own crypto, so a
// test that sends them through the adapter checks the adapter against an
// independent implementation; the adapter's crypto is also checked against
// WeCom's official vectors (adapters/wecom/testdata).
package wecomtest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"
	"github.com/tandemhq/tandem/adapters/adaptertest"
)

// API paths the fake answers by default.
const (
	PathToken       = "/cgi-bin/gettoken"
	PathSend        = "/cgi-bin/message/send"
	PathUpdateCard  = "/cgi-bin/message/update_template_card"
	PathMediaUpload = "/cgi-bin/media/upload"
	// PathRobot is the group robot webhook (…/webhook/send?key=…).
	PathRobot = "/cgi-bin/webhook/send"
	// PathRobotUpload is a group robot's file upload
	// (…/webhook/upload_media?key=…&type=file).
	PathRobotUpload = "/cgi-bin/webhook/upload_media"
	// Group chats an app creates (appchat) and posts into.
	PathAppchatCreate = "/cgi-bin/appchat/create"
	PathAppchatGet    = "/cgi-bin/appchat/get"
	PathAppchatSend   = "/cgi-bin/appchat/send"
)

// Appchat error codes the fake answers (WeCom's global error code list):
// a chatid given to appchat/create that exists already (86215, as reported
// by developers: the list says "会话ID已经存在"), a chatid that does not
// exist (86003), a member list of the wrong size (86006), and no privilege
// (60011: the app's visible range is not the root department).
const (
	ErrCodeChatIDExists   = 86215
	ErrCodeChatIDUnknown  = 86003
	ErrCodeMemberListSize = 86006
	ErrCodeNoPrivilege    = 60011
)

// Group is a group chat an app created, with what was posted into it.
type Group struct {
	ChatID, Name, Owner string
	Members             []string
	Posts               []string // each appchat/send: the text, or "image <media_id>"
}

// ErrCodeResponseCode is what the fake answers when update_template_card is
// given a response_code that was already used, has expired or was never
// issued. WeCom's global error code list names no code of its own for a
// spent response_code; 40058 ("不合法的参数" / invalid parameter) is what
// it is reported to answer. The adapter treats any refusal of an update
// other than a rate limit or "system busy" as a spent code, so the exact
// number does not matter to it.
const ErrCodeResponseCode = 40058

// Call is one request the fake received.
type Call struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Raw    []byte
	JSON   map[string]any // the body, when it is a JSON object
	// File is the "media" part of a multipart upload, FileName its name.
	File     []byte
	FileName string
	Answer   string // what the fake answered (empty for scripted replies)
}

// Server is a fake WeCom API. By default gettoken hands out tok1, tok2, …;
// message/send answers msgid msg<n> and, for a template card, a fresh
// response_code rc-send-<n>; update_template_card accepts each known
// response_code once; media/upload answers media_id media-<n>; robot
// webhooks answer ok. Reply scripts other answers, Hold blocks a path.
type Server struct {
	*httptest.Server

	mu      sync.Mutex
	replies map[string]func(w http.ResponseWriter, n int)
	holds   map[string]*Hold
	calls   adaptertest.Recorder[Call]
	counts  map[string]int
	tokens  int
	codes   map[string]bool // response_code → still usable
	issued  int
	groups  map[string]*Group
	order   []string // chatids in creation order
	// robotMedia is the robot key each upload_media media_id was issued
	// to: a robot may post only its own.
	robotMedia map[string]string
}

// New starts a fake and stops it when the test ends.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		replies: map[string]func(http.ResponseWriter, int){},
		holds:   map[string]*Hold{},
		counts:  map[string]int{},
		codes:   map[string]bool{},
		groups:  map[string]*Group{},

		robotMedia: map[string]string{},
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// Reply makes path answer with fn; n counts the calls to path, from 1.
func (s *Server) Reply(path string, fn func(w http.ResponseWriter, n int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies[path] = fn
}

// Errcode is a reply with WeCom's JSON error shape (HTTP 200).
func Errcode(code int, msg string) func(http.ResponseWriter, int) {
	return func(w http.ResponseWriter, _ int) {
		fmt.Fprintf(w, `{"errcode":%d,"errmsg":%q}`, code, msg)
	}
}

// Hold is a path whose calls block (after being recorded) until Release,
// or until the caller goes away (its process killed).
type Hold struct {
	Entered chan struct{} // receives once per call that is held
	release chan struct{}
	once    sync.Once
}

// Release lets held calls, and later ones, through.
func (h *Hold) Release() { h.once.Do(func() { close(h.release) }) }

// Hold makes calls to path block; see Hold.
func (s *Server) Hold(path string) *Hold {
	h := &Hold{Entered: make(chan struct{}, 16), release: make(chan struct{})}
	s.mu.Lock()
	s.holds[path] = h
	s.mu.Unlock()
	return h
}

// IssueResponseCode makes a fresh response_code that update_template_card
// accepts once, as WeCom gives one with every card click.
func (s *Server) IssueResponseCode() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueLocked("rc-click")
}

func (s *Server) issueLocked(prefix string) string {
	s.issued++
	code := fmt.Sprintf("%s-%d", prefix, s.issued)
	s.codes[code] = true
	return code
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	c := Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Raw: raw}
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "multipart/form-data" {
		c.File, c.FileName = mediaPart(raw, params["boundary"])
	} else {
		_ = json.Unmarshal(raw, &c.JSON)
	}
	s.mu.Lock()
	s.counts[c.Path]++
	n := s.counts[c.Path]
	reply, scripted := s.replies[c.Path]
	hold := s.holds[c.Path]
	var answer string
	if !scripted {
		answer = s.answerLocked(c, n)
	}
	c.Answer = answer
	s.calls.Record(c)
	s.mu.Unlock()

	if hold != nil {
		hold.Entered <- struct{}{}
		select {
		case <-hold.release:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	if scripted {
		reply(w, n)
		return
	}
	io.WriteString(w, answer)
}

// answerLocked is the default answer to c, the n-th call to its path.
func (s *Server) answerLocked(c Call, n int) string {
	switch c.Path {
	case PathToken:
		s.tokens++
		return fmt.Sprintf(`{"errcode":0,"errmsg":"ok","access_token":"tok%d","expires_in":7200}`, s.tokens)
	case PathSend:
		if c.JSON["msgtype"] == "template_card" {
			code := s.issueLocked("rc-send")
			return fmt.Sprintf(`{"errcode":0,"errmsg":"ok","invaliduser":"","msgid":"msg%d","response_code":%q}`, n, code)
		}
		return fmt.Sprintf(`{"errcode":0,"errmsg":"ok","invaliduser":"","msgid":"msg%d"}`, n)
	case PathUpdateCard:
		code, _ := c.JSON["response_code"].(string)
		if !s.codes[code] {
			return fmt.Sprintf(`{"errcode":%d,"errmsg":"invalid response_code (used, expired or unknown)"}`, ErrCodeResponseCode)
		}
		s.codes[code] = false
		return `{"errcode":0,"errmsg":"ok","invaliduser":[]}`
	case PathMediaUpload:
		kind := c.Query.Get("type")
		if (kind != "image" && kind != "file") || len(c.File) == 0 {
			return `{"errcode":40004,"errmsg":"invalid media type or empty media"}`
		}
		return fmt.Sprintf(`{"errcode":0,"errmsg":"ok","type":%q,"media_id":"media-%d","created_at":"1700000000"}`, kind, n)
	case PathRobotUpload:
		// 5 bytes < size <= 20 MB, type file, a key.
		if c.Query.Get("type") != "file" || c.Query.Get("key") == "" || len(c.File) <= 5 || len(c.File) > 20<<20 {
			return `{"errcode":40004,"errmsg":"invalid media type, key or size"}`
		}
		id := fmt.Sprintf("robot-media-%d", n)
		s.robotMedia[id] = c.Query.Get("key")
		return fmt.Sprintf(`{"errcode":0,"errmsg":"ok","type":"file","media_id":%q,"created_at":"1700000000"}`, id)
	case PathRobot:
		if file, ok := c.JSON["file"].(map[string]any); ok && c.JSON["msgtype"] == "file" {
			if id, _ := file["media_id"].(string); s.robotMedia[id] != c.Query.Get("key") || id == "" {
				return `{"errcode":40007,"errmsg":"invalid media_id"}`
			}
		}
	case PathAppchatCreate:
		return s.createGroupLocked(c)
	case PathAppchatGet:
		g := s.groups[c.Query.Get("chatid")]
		if g == nil {
			return fmt.Sprintf(`{"errcode":%d,"errmsg":"chatid not exist"}`, ErrCodeChatIDUnknown)
		}
		info, _ := json.Marshal(map[string]any{"chatid": g.ChatID, "name": g.Name, "owner": g.Owner, "userlist": g.Members, "chat_type": 0})
		return fmt.Sprintf(`{"errcode":0,"errmsg":"ok","chat_info":%s}`, info)
	case PathAppchatSend:
		id, _ := c.JSON["chatid"].(string)
		g := s.groups[id]
		if g == nil {
			return fmt.Sprintf(`{"errcode":%d,"errmsg":"chatid not exist"}`, ErrCodeChatIDUnknown)
		}
		g.Posts = append(g.Posts, Shown(c))
	}
	return `{"errcode":0,"errmsg":"ok"}`
}

// createGroupLocked is appchat/create: 2 to 2,000 members, a chatid that
// is new (or made up when none is given).
func (s *Server) createGroupLocked(c Call) string {
	var req struct {
		Name     string   `json:"name"`
		Owner    string   `json:"owner"`
		UserList []string `json:"userlist"`
		ChatID   string   `json:"chatid"`
	}
	_ = json.Unmarshal(c.Raw, &req)
	if len(req.UserList) < 2 || len(req.UserList) > 2000 {
		return fmt.Sprintf(`{"errcode":%d,"errmsg":"invalid chat member list size"}`, ErrCodeMemberListSize)
	}
	if req.ChatID == "" {
		req.ChatID = fmt.Sprintf("wrk%d", len(s.order)+1)
	}
	if s.groups[req.ChatID] != nil {
		return fmt.Sprintf(`{"errcode":%d,"errmsg":"chatid already exists"}`, ErrCodeChatIDExists)
	}
	owner := req.Owner
	if owner == "" {
		owner = req.UserList[0]
	}
	s.groups[req.ChatID] = &Group{ChatID: req.ChatID, Name: req.Name, Owner: owner, Members: req.UserList}
	s.order = append(s.order, req.ChatID)
	return fmt.Sprintf(`{"errcode":0,"errmsg":"ok","chatid":%q}`, req.ChatID)
}

// Groups returns copies of the group chats created, in creation order.
func (s *Server) Groups() []Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Group, 0, len(s.order))
	for _, id := range s.order {
		g := *s.groups[id]
		g.Members = append([]string(nil), g.Members...)
		g.Posts = append([]string(nil), g.Posts...)
		out = append(out, g)
	}
	return out
}

// mediaPart returns the "media" file part of a multipart body.
func mediaPart(raw []byte, boundary string) ([]byte, string) {
	mr := multipart.NewReader(bytes.NewReader(raw), boundary)
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil, ""
		}
		if p.FormName() == "media" {
			b, _ := io.ReadAll(p)
			return b, p.FileName()
		}
	}
}

// Calls returns every call so far.
func (s *Server) Calls() []Call { return s.calls.All() }

// CallsTo returns the calls to path.
func (s *Server) CallsTo(path string) []Call {
	return s.Matching(func(c Call) bool { return c.Path == path })
}

// Matching returns the calls match accepts.
func (s *Server) Matching(match func(Call) bool) []Call { return s.calls.Matching(match) }

// WaitFor polls until at least want calls match (deliveries happen in the
// background), for at most timeout, and returns those that do.
func (s *Server) WaitFor(want int, timeout time.Duration, match func(Call) bool) []Call {
	return s.calls.Await(want, timeout, match)
}

// Paths lists the paths called, without "/cgi-bin/", comma-separated.
func (s *Server) Paths() string {
	var p []string
	for _, c := range s.Calls() {
		p = append(p, strings.TrimPrefix(c.Path, "/cgi-bin/"))
	}
	return strings.Join(p, ",")
}

// Dump describes every call, for failure messages.
func (s *Server) Dump() string {
	var b strings.Builder
	for _, c := range s.Calls() {
		body := c.Raw
		if c.File != nil {
			body = fmt.Appendf(nil, "<file %s, %d bytes>", c.FileName, len(c.File))
		}
		fmt.Fprintf(&b, "  %s %s?%s %s\n", c.Method, c.Path, c.Query.Encode(), body)
	}
	return b.String()
}

// RobotURL is the webhook URL of a group robot with key on this fake.
func (s *Server) RobotURL(key string) string {
	return s.URL + PathRobot + "?key=" + url.QueryEscape(key)
}

// SendTo matches message/send calls to one member.
func SendTo(user string) func(Call) bool {
	return func(c Call) bool { return c.Path == PathSend && c.JSON["touser"] == user }
}

// Shown is what a message/send or a card update shows: a text message's
// content, an image's media_id, or a template card's title, description and
// sub-title (and the text that replaces its buttons).
func Shown(c Call) string {
	if txt, ok := c.JSON["text"].(map[string]any); ok {
		return fmt.Sprint(txt["content"])
	}
	if img, ok := c.JSON["image"].(map[string]any); ok {
		return fmt.Sprint("image ", img["media_id"])
	}
	if file, ok := c.JSON["file"].(map[string]any); ok {
		return fmt.Sprint("file ", file["media_id"])
	}
	card, _ := c.JSON["template_card"].(map[string]any)
	title, _ := card["main_title"].(map[string]any)
	s := fmt.Sprint(title["title"], "\n", title["desc"], "\n", card["sub_title_text"])
	if r, ok := card["replace_text"]; ok {
		s += "\n" + fmt.Sprint(r)
	}
	return s
}

// Buttons returns the keys of a sent or updated card's buttons, or nil.
func Buttons(c Call) []string {
	card, _ := c.JSON["template_card"].(map[string]any)
	list, _ := card["button_list"].([]any)
	var keys []string
	for _, b := range list {
		if m, ok := b.(map[string]any); ok {
			keys = append(keys, fmt.Sprint(m["key"]))
		}
	}
	return keys
}

// App is a self-built app's callback configuration, used to make the
// callbacks WeCom would send it.
type App struct {
	CorpID         string
	AgentID        int64
	Token          string
	EncodingAESKey string
}

// Encrypt is the <Encrypt> of a callback carrying plainXML: WXBizMsgCrypt
// with a random prefix, by silenceper/wechat's util.EncryptMsg.
func (app App) Encrypt(tb testing.TB, plainXML string) string {
	tb.Helper()
	random := make([]byte, 16)
	_, _ = rand.Read(random)
	enc, err := util.EncryptMsg(random, []byte(plainXML), app.CorpID, app.EncodingAESKey)
	if err != nil {
		tb.Fatal(err)
	}
	return string(enc)
}

// Sign is msg_signature over ciphertext, by util.Signature.
func (app App) Sign(ts time.Time, nonce, ciphertext string) url.Values {
	sec := strconv.FormatInt(ts.Unix(), 10)
	return url.Values{"msg_signature": {util.Signature(app.Token, sec, nonce, ciphertext)}, "timestamp": {sec}, "nonce": {nonce}}
}

// Envelope is a POST body around a ciphertext.
func (app App) Envelope(ciphertext string) []byte {
	return fmt.Appendf(nil, "<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID><![CDATA[%d]]></AgentID></xml>",
		app.CorpID, ciphertext, app.AgentID)
}

// Callback is a signed, encrypted POST callback: its query and body.
type Callback struct {
	Query url.Values
	Body  []byte
}

// Callback encrypts plainXML and signs it at ts.
func (app App) Callback(tb testing.TB, plainXML string, ts time.Time) Callback {
	tb.Helper()
	enc := app.Encrypt(tb, plainXML)
	return Callback{Query: app.Sign(ts, "n"+strconv.FormatInt(ts.UnixNano(), 36), enc), Body: app.Envelope(enc)}
}

// Request is the callback as an HTTP request to target (a path, or a full
// URL for a real server).
func (c Callback) Request(target string) *http.Request {
	return httptest.NewRequest(http.MethodPost, target+"?"+c.Query.Encode(), bytes.NewReader(c.Body))
}

// Post sends the callback to base+path and returns the status and body.
func (c Callback) Post(client *http.Client, url string) (int, string, error) {
	resp, err := client.Post(url+"?"+c.Query.Encode(), "text/xml", bytes.NewReader(c.Body))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// TextXML is the decrypted XML of a member's text message to the app.
func (app App) TextXML(from, content, msgID string, at time.Time) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content>`+
		`<MsgId>%s</MsgId><AgentID>%d</AgentID></xml>`,
		app.CorpID, from, at.Unix(), content, msgID, app.AgentID)
}

// CardClickXML is the decrypted XML of a click on a template card button
// (template_card_event): the button's key, the card's task_id and the
// click's fresh response_code.
func (app App) CardClickXML(from, key, taskID, responseCode string, at time.Time) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>`+
		`<EventKey><![CDATA[%s]]></EventKey><TaskId><![CDATA[%s]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>`+
		`<ResponseCode><![CDATA[%s]]></ResponseCode><AgentID>%d</AgentID></xml>`,
		app.CorpID, from, at.Unix(), key, taskID, responseCode, app.AgentID)
}
