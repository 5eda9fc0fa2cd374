// Package feishutest is a fake Feishu Open API for tests, and Feishu's side
// of inbound deliveries (encrypted, signed events and card callbacks).
//
// Server speaks the documented wire formats of what Tandem calls: the
// tenant_access_token, bot info, sending and replying to messages (with
// Feishu's uuid deduplication), patching a card (only a shared card, one
// with "update_multi": true before and after), uploading images
// (multipart, image_type=message), the contact (directory) API and the
// calendar's free/busy (SetBusy), reading a message people wrote
// (PutMessage), and who read the bot's messages (Read, TooOld). It
// records every request, keeps the messages it was asked to post with their
// current content, and lets a test script answers (errors, rate limits) or
// hold a path (a handler that blocks until released or the caller goes
// away).
package feishutest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
)

// Open API paths the fake serves.
const (
	PathToken    = "/open-apis/auth/v3/tenant_access_token/internal"
	PathBotInfo  = "/open-apis/bot/v3/info"
	PathMessages = "/open-apis/im/v1/messages"
	PathImages   = "/open-apis/im/v1/images"
	PathFiles    = "/open-apis/im/v1/files"
	PathChats    = "/open-apis/im/v1/chats"
	contactPath  = "/open-apis/contact/v3/"
)

// BotOpenID is the bot's open_id that bot info answers unless
// Server.BotID says otherwise.
const BotOpenID = "ou_bot"

// Call is one request the fake received.
type Call struct {
	Method string
	Path   string
	Query  url.Values
	Auth   string // the Authorization header
	Host   string
	Header http.Header
	Raw    []byte         // the body as sent
	Body   map[string]any // the body, when it is a JSON object
	// Form holds the fields of a multipart body, and File the bytes of
	// its file part (an image upload).
	Form map[string]string
	File []byte
	// Answer is what the fake answered (its default answers only).
	Answer string
}

// Content decodes the call's message content (a JSON string).
func (c Call) Content() map[string]any {
	var m map[string]any
	s, _ := c.Body["content"].(string)
	json.Unmarshal([]byte(s), &m)
	return m
}

// Message is a message the fake was asked to post, as it now stands.
type Message struct {
	ID            string
	ReceiveIDType string // "open_id", "chat_id", …; "" for a reply
	ReceiveID     string
	ReplyTo       string // the message answered, for a reply
	MsgType       string // "text", "interactive", "image", …
	Content       string // the current content (JSON); a patch replaces it
	UUID          string
	Patches       int // successful patches
}

// Card decodes an interactive message's current card.
func (m Message) Card() map[string]any {
	var c map[string]any
	json.Unmarshal([]byte(m.Content), &c)
	return c
}

// Chat is a group chat the fake created (im.chat.create).
type Chat struct {
	ID, Name, Description string
	OwnerID               string   // "" when the bot owns it
	Members               []string // the users' ids, as given
	UserIDType            string   // the ids' type: open_id, user_id or union_id
	BotManager            bool     // set_bot_manager
	UUID                  string
}

// Upload is an image or a file the fake stored.
type Upload struct {
	Key       string
	ImageType string
	// FileType and FileName are a file's (im.file.create).
	FileType, FileName string
	Bytes              []byte
}

// Server is the fake Open API. Tokens are "t-1", "t-2", … valid two hours;
// message ids "om_sent1", …; image keys "img_v2_1", ….
type Server struct {
	*httptest.Server
	// BotID is the open_id bot info answers (BotOpenID); set it before
	// the fake is used.
	BotID string

	mu       sync.Mutex
	replies  map[string]func(w http.ResponseWriter, n int) // by path; n counts calls to that path
	answers  []prefixAnswer
	latency  time.Duration
	slowMsgs []string // the msg_types latency applies to; all when empty
	holds    map[string]chan struct{}
	counts   map[string]int
	calls    adaptertest.Recorder[Call]
	tokens   int
	messages []*Message
	byUUID   map[string]*Message
	repeats  int
	uploads  []Upload
	chats    []*Chat
	dir      *Directory
	busy     map[string][]Busy // open_id → primary calendar
	history  map[string]StoredMessage
	reads    map[string][]reader // message id → its readers (Read)
	tooOld   map[string]bool     // message ids read_users refuses with 230033
}

// StoredMessage is a message people wrote that the fake answers
// im/v1/messages/:message_id with (PutMessage).
type StoredMessage struct {
	ID, SenderOpenID string
	MsgType          string // "text" unless set
	Content          string // the content JSON, e.g. {"text":"…"}
}

// PutMessage makes m readable with GET im/v1/messages/:message_id, as a
// message written in a chat the bot is in.
func (s *Server) PutMessage(m StoredMessage) {
	if m.MsgType == "" {
		m.MsgType = "text"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.history == nil {
		s.history = map[string]StoredMessage{}
	}
	s.history[m.ID] = m
}

// getMessage answers im.message.get in its documented shape: data.items
// holds the one message. Unknown ids answer Feishu's "not found" error.
func (s *Server) getMessage(w io.Writer, fail func(int, int, string), c Call) {
	m, ok := s.history[strings.TrimPrefix(c.Path, PathMessages+"/")]
	if !ok {
		fail(http.StatusBadRequest, 230001, "message not found")
		return
	}
	raw, _ := json.Marshal(map[string]any{"code": 0, "msg": "success", "data": map[string]any{"items": []any{map[string]any{
		"message_id": m.ID, "msg_type": m.MsgType, "body": map[string]any{"content": m.Content},
		"sender": map[string]any{"id": m.SenderOpenID, "id_type": "open_id", "sender_type": "user"},
	}}}})
	w.Write(raw)
}

// NewServer starts a fake, closed when the test ends.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		replies: map[string]func(http.ResponseWriter, int){}, holds: map[string]chan struct{}{},
		counts: map[string]int{}, byUUID: map[string]*Message{},
	}
	s.BotID = BotOpenID
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// Reply makes path answer with fn, which gets the 1-based count of calls to
// that path; nil restores the default answer.
func (s *Server) Reply(path string, fn func(w http.ResponseWriter, n int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fn == nil {
		delete(s.replies, path)
		return
	}
	s.replies[path] = fn
}

// SetLatency delays the answer to every message post of msgTypes (all
// posts when none is given) by d, after the message is shown: a caller
// killed meanwhile never learns that its message went out, as when a
// process dies in the middle of a send.
func (s *Server) SetLatency(d time.Duration, msgTypes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency, s.slowMsgs = d, msgTypes
}

type prefixAnswer struct {
	prefix string
	fn     func(c Call) (body string, ok bool)
}

// Answer makes calls whose path starts with prefix answer fn's body (HTTP
// 200, JSON) when fn says ok; otherwise they get the default answer. It
// suits APIs a test scripts from its own data, such as the contact API.
func (s *Server) Answer(prefix string, fn func(c Call) (body string, ok bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers = append(s.answers, prefixAnswer{prefix, fn})
}

// Hold makes calls to path wait, once recorded, until release is called
// (then they are answered as usual) or their caller goes away. It is how a
// test catches a process in the middle of a call.
func (s *Server) Hold(path string) (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.holds[path] = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.holds[path] == ch {
				delete(s.holds, path)
			}
			s.mu.Unlock()
			close(ch)
		})
	}
}

// Error answers with an Open API error: the HTTP status, the code and the
// given headers (e.g. x-ogw-ratelimit-reset).
func Error(status, code int, header map[string]string) func(http.ResponseWriter, int) {
	return func(w http.ResponseWriter, _ int) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		writeError(w, status, code, fmt.Sprintf("error %d", code))
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	c := Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Auth: r.Header.Get("Authorization"),
		Host: r.Host, Header: r.Header.Clone()}
	c.Raw, _ = io.ReadAll(r.Body)
	json.Unmarshal(c.Raw, &c.Body)
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "multipart/form-data" {
		c.Form, c.File = readMultipart(c.Raw, params["boundary"])
	}
	s.mu.Lock()
	i := s.calls.Record(c)
	s.counts[c.Path]++
	n := s.counts[c.Path]
	reply, scripted := s.replies[c.Path]
	hold := s.holds[c.Path]
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	if scripted {
		reply(w, n)
		return
	}
	rec := &recorder{ResponseWriter: w}
	if body, ok := s.scripted(c); ok {
		rec.Header().Set("Content-Type", "application/json; charset=utf-8")
		io.WriteString(rec, body)
	} else if strings.HasPrefix(c.Path, contactPath) {
		s.serveContact(rec, c)
	} else {
		s.answer(rec, c)
	}
	s.calls.Update(i, func(c *Call) { c.Answer = rec.b.String() })
	s.mu.Lock()
	latency := s.latency
	if msgType, _ := c.Body["msg_type"].(string); len(s.slowMsgs) > 0 && !slices.Contains(s.slowMsgs, msgType) {
		latency = 0
	}
	s.mu.Unlock()
	if latency > 0 && c.Method == http.MethodPost && strings.HasPrefix(c.Path, PathMessages) {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	w.Write(rec.b.Bytes())
}

// scripted asks the Answer functions whose prefix c's path has.
func (s *Server) scripted(c Call) (string, bool) {
	s.mu.Lock()
	answers := s.answers
	s.mu.Unlock()
	for _, a := range answers {
		if strings.HasPrefix(c.Path, a.prefix) {
			if body, ok := a.fn(c); ok {
				return body, true
			}
		}
	}
	return "", false
}

// recorder keeps the body of an answer, to record it before it is sent.
type recorder struct {
	http.ResponseWriter
	b bytes.Buffer
}

func (r *recorder) Write(p []byte) (int, error) { return r.b.Write(p) }

// answer writes the default answer.
func (s *Server) answer(w http.ResponseWriter, c Call) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	fail := func(status, code int, msg string) {
		w.WriteHeader(status)
		raw, _ := json.Marshal(map[string]any{"code": code, "msg": msg})
		w.Write(raw)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case c.Path == PathToken:
		s.tokens++
		fmt.Fprintf(w, `{"code":0,"msg":"ok","tenant_access_token":"t-%d","expire":7200}`, s.tokens)
	case c.Path == PathBotInfo:
		fmt.Fprintf(w, `{"code":0,"msg":"ok","bot":{"activate_status":2,"app_name":"Tandem","open_id":%q}}`, s.BotID)
	case !s.tokenValid(c.Auth):
		fail(http.StatusBadRequest, 99991663, "Invalid access token for authorization.")
	case c.Method == http.MethodPost && c.Path == PathImages:
		s.upload(w, fail, c)
	case c.Method == http.MethodPost && c.Path == PathFiles:
		s.uploadFile(w, fail, c)
	case c.Method == http.MethodPost && c.Path == PathChats:
		s.createChat(w, fail, c)
	case c.Method == http.MethodPost && (c.Path == PathFreeBusyBatch || c.Path == PathFreeBusyList):
		s.serveFreeBusy(w, fail, c)
	case c.Method == http.MethodPost && (c.Path == PathMessages || strings.HasSuffix(c.Path, "/reply")):
		s.post(w, fail, c)
	case c.Method == http.MethodGet && strings.HasPrefix(c.Path, PathMessages+"/") && strings.HasSuffix(c.Path, PathReadUsersSuffix):
		s.readUsers(w, fail, c)
	case c.Method == http.MethodGet && strings.HasPrefix(c.Path, PathMessages+"/"):
		s.getMessage(w, fail, c)
	case c.Method == http.MethodPatch && strings.HasPrefix(c.Path, PathMessages+"/"):
		s.patch(w, fail, c)
	default:
		fail(http.StatusNotFound, 404, "not found")
	}
}

func (s *Server) tokenValid(auth string) bool {
	var n int
	_, err := fmt.Sscanf(auth, "Bearer t-%d", &n)
	return err == nil && n >= 1 && n <= s.tokens && auth == fmt.Sprintf("Bearer t-%d", n)
}

// post answers im.message.create and reply. A uuid seen before is answered
// with the message it posted, and nothing new is shown, as Feishu does
// within an hour (the fake's whole life).
func (s *Server) post(w io.Writer, fail func(int, int, string), c Call) {
	str := func(k string) string { v, _ := c.Body[k].(string); return v }
	m := &Message{MsgType: str("msg_type"), Content: str("content"), UUID: str("uuid")}
	if c.Path == PathMessages {
		m.ReceiveIDType, m.ReceiveID = c.Query.Get("receive_id_type"), str("receive_id")
		if m.ReceiveIDType == "" || m.ReceiveID == "" {
			fail(http.StatusBadRequest, 230001, "receive_id and receive_id_type are required")
			return
		}
	} else {
		m.ReplyTo = strings.TrimSuffix(strings.TrimPrefix(c.Path, PathMessages+"/"), "/reply")
	}
	if !json.Valid([]byte(m.Content)) {
		fail(http.StatusBadRequest, 230001, "content is not JSON")
		return
	}
	if m.MsgType == "image" || m.MsgType == "file" {
		var media struct {
			ImageKey string `json:"image_key"`
			FileKey  string `json:"file_key"`
		}
		json.Unmarshal([]byte(m.Content), &media)
		if key := media.ImageKey + media.FileKey; !s.uploaded(key) || strings.HasPrefix(key, "file_") != (m.MsgType == "file") {
			fail(http.StatusBadRequest, 230001, m.MsgType+" key was not uploaded by this app")
			return
		}
	}
	if old, ok := s.byUUID[m.UUID]; ok && m.UUID != "" {
		s.repeats++
		m = old
	} else {
		s.messages = append(s.messages, m)
		m.ID = fmt.Sprintf("om_sent%d", len(s.messages))
		if m.UUID != "" {
			s.byUUID[m.UUID] = m
		}
	}
	fmt.Fprintf(w, `{"code":0,"msg":"success","data":{"message_id":%q,"chat_id":"oc_x","msg_type":%q}}`, m.ID, m.MsgType)
}

// createChat answers im.chat.create. A uuid seen before is answered with
// the chat it created, as Feishu does within 10 hours (the fake's whole
// life). The bot is a member of every chat it creates.
func (s *Server) createChat(w io.Writer, fail func(int, int, string), c Call) {
	var req struct {
		Name        string   `json:"name"`
		Description string   `json:"description"`
		OwnerID     string   `json:"owner_id"`
		UserIDList  []string `json:"user_id_list"`
	}
	json.Unmarshal(c.Raw, &req)
	uuid := c.Query.Get("uuid")
	var chat *Chat
	for _, ch := range s.chats {
		if uuid != "" && ch.UUID == uuid {
			chat = ch
			s.repeats++
		}
	}
	if chat == nil {
		if len(req.UserIDList) > 50 {
			fail(http.StatusBadRequest, 232010, "too many users invited at once")
			return
		}
		chat = &Chat{ID: fmt.Sprintf("oc_chat%d", len(s.chats)+1), Name: req.Name, Description: req.Description,
			OwnerID: req.OwnerID, Members: req.UserIDList, UserIDType: c.Query.Get("user_id_type"),
			BotManager: c.Query.Get("set_bot_manager") == "true", UUID: uuid}
		s.chats = append(s.chats, chat)
	}
	raw, _ := json.Marshal(map[string]any{"code": 0, "msg": "success", "data": map[string]any{
		"chat_id": chat.ID, "name": chat.Name, "description": chat.Description, "owner_id": chat.OwnerID,
		"owner_id_type": chat.UserIDType, "chat_mode": "group", "chat_type": "private"}})
	w.Write(raw)
}

// Chats returns copies of the group chats created so far, in order.
func (s *Server) Chats() []Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Chat, len(s.chats))
	for i, ch := range s.chats {
		out[i] = *ch
		out[i].Members = append([]string(nil), ch.Members...)
	}
	return out
}

// patch answers im.message.patch: only an interactive message, whose card
// and new card are both shared ("update_multi": true), can be patched.
func (s *Server) patch(w io.Writer, fail func(int, int, string), c Call) {
	id := strings.TrimPrefix(c.Path, PathMessages+"/")
	var m *Message
	for _, x := range s.messages {
		if x.ID == id {
			m = x
		}
	}
	content, _ := c.Body["content"].(string)
	switch {
	case m == nil:
		fail(http.StatusBadRequest, 230001, "message_id not found")
	case m.MsgType != "interactive":
		fail(http.StatusBadRequest, 230001, "only cards can be patched")
	case !shared(m.Content) || !shared(content):
		fail(http.StatusBadRequest, 230099, "a card must set config.update_multi before and after the update")
	default:
		m.Content = content
		m.Patches++
		io.WriteString(w, `{"code":0,"msg":"success","data":{}}`)
	}
}

func shared(card string) bool {
	var c struct {
		Config struct {
			UpdateMulti bool `json:"update_multi"`
		} `json:"config"`
	}
	return json.Unmarshal([]byte(card), &c) == nil && c.Config.UpdateMulti
}

// upload answers im.image.create: a multipart form with image_type and the
// image file.
func (s *Server) upload(w io.Writer, fail func(int, int, string), c Call) {
	switch {
	case c.Form == nil:
		fail(http.StatusBadRequest, 234001, "Invalid request param: not a multipart form")
	case c.Form["image_type"] != "message" && c.Form["image_type"] != "avatar":
		fail(http.StatusBadRequest, 234001, "Invalid request param: image_type")
	case len(c.File) == 0:
		fail(http.StatusBadRequest, 234001, "Invalid request param: no image")
	case !bytes.HasPrefix(c.File, []byte("\x89PNG\r\n\x1a\n")):
		fail(http.StatusBadRequest, 234011, "Can't recognise image format.")
	default:
		u := Upload{Key: fmt.Sprintf("img_v2_%d", len(s.uploads)+1), ImageType: c.Form["image_type"], Bytes: c.File}
		s.uploads = append(s.uploads, u)
		fmt.Fprintf(w, `{"code":0,"msg":"success","data":{"image_key":%q}}`, u.Key)
	}
}

// uploadFile answers im.file.create: a multipart form with file_type (one
// of Feishu's: opus, mp4, pdf, doc, xls, ppt, stream), file_name and the
// file, up to 30 MB.
func (s *Server) uploadFile(w io.Writer, fail func(int, int, string), c Call) {
	switch {
	case c.Form == nil:
		fail(http.StatusBadRequest, 234001, "Invalid request param: not a multipart form")
	case !slices.Contains([]string{"opus", "mp4", "pdf", "doc", "xls", "ppt", "stream"}, c.Form["file_type"]):
		fail(http.StatusBadRequest, 234001, "Invalid request param: file_type")
	case c.Form["file_name"] == "":
		fail(http.StatusBadRequest, 234001, "Invalid request param: file_name")
	case len(c.File) == 0:
		fail(http.StatusBadRequest, 234001, "Invalid request param: no file")
	case len(c.File) > 30<<20:
		fail(http.StatusBadRequest, 234006, "The file size exceed the max value.")
	default:
		u := Upload{Key: fmt.Sprintf("file_v2_%d", len(s.uploads)+1), FileType: c.Form["file_type"], FileName: c.Form["file_name"], Bytes: c.File}
		s.uploads = append(s.uploads, u)
		fmt.Fprintf(w, `{"code":0,"msg":"success","data":{"file_key":%q}}`, u.Key)
	}
}

func (s *Server) uploaded(key string) bool {
	for _, u := range s.uploads {
		if u.Key == key {
			return true
		}
	}
	return false
}

// readMultipart returns the fields of a multipart body and its file part.
func readMultipart(raw []byte, boundary string) (fields map[string]string, file []byte) {
	fields = map[string]string{}
	r := multipart.NewReader(bytes.NewReader(raw), boundary)
	for {
		p, err := r.NextPart()
		if err != nil {
			return fields, file
		}
		data, _ := io.ReadAll(p)
		if p.FileName() != "" {
			file = data
		} else {
			fields[p.FormName()] = string(data)
		}
	}
}

// Calls returns the calls so far.
func (s *Server) Calls() []Call { return s.calls.All() }

// Matching returns the calls so far for which match is true.
func (s *Server) Matching(match func(Call) bool) []Call { return s.calls.Matching(match) }

// Sends returns the calls to the message APIs (im/…).
func (s *Server) Sends() []Call {
	return s.Matching(func(c Call) bool { return strings.HasPrefix(c.Path, "/open-apis/im/") })
}

// TokenRequests counts calls to the token endpoint.
func (s *Server) TokenRequests() int {
	return len(s.Matching(func(c Call) bool { return c.Path == PathToken }))
}

// Messages returns the messages posted so far, in order, as they now stand.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = *m
	}
	return out
}

// Repeats counts sends (and chat creations) answered with an earlier
// message (chat) of the same uuid.
func (s *Server) Repeats() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repeats
}

// Uploads returns the images and files uploaded so far.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Upload(nil), s.uploads...)
}

// Await polls until at least want calls match, for at most five seconds
// (the outbox delivers in the background), and returns those that do.
func (s *Server) Await(want int, match func(Call) bool) []Call {
	return s.calls.Await(want, 5*time.Second, match)
}

// WaitFor polls until cond holds, for at most timeout, and says whether it
// did; it is adaptertest.WaitFor, named here for the end-to-end tests that
// poll this fake.
func WaitFor(timeout time.Duration, cond func() bool) bool { return adaptertest.WaitFor(timeout, cond) }

// Dump lists the calls, for a failing test's log.
func (s *Server) Dump() string {
	var b strings.Builder
	for _, c := range s.Calls() {
		body := c.Raw
		if c.Form != nil {
			body = []byte(fmt.Sprintf("multipart %v, file of %d bytes", c.Form, len(c.File)))
		}
		fmt.Fprintf(&b, "  %s %s?%s %s\n", c.Method, c.Path, c.Query.Encode(), body)
	}
	return b.String()
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	raw, _ := json.Marshal(map[string]any{"code": code, "msg": msg})
	w.Write(raw)
}
