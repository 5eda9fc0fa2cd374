// Package slacktest is a fake Slack for tests: an httptest server that
// speaks the Web API methods Tandem uses (form-encoded requests, the
// {"ok":…} envelope), the upload URLs of the external file upload, and
// response_url hooks; it records every request and lets a test script any
// answer (errors, rate limits, a handler that blocks). It also builds signed
// inbound requests (slash commands, button clicks, events).
//
// It keeps what a real workspace would remember, so that tests can assert
// what a reader sees rather than which calls were made: the messages posted
// to each channel and their later edits (chat.update fails with
// message_not_found for a message it never posted, as Slack does for an
// ephemeral one), and the uploaded files with the channels they were shared
// into (files.info reports the shares).
package slacktest

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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
)

// Paths the server answers on. Web API methods live under APIPath (the
// adapter's APIURL is Server.APIURL()); upload URLs under UploadPath;
// anything else is taken as a response_url hook.
const (
	APIPath    = "/api/"
	UploadPath = "/upload/"
)

// Upload is the name Reply takes for the upload URLs (step 2 of an
// external upload); Hook is the name for response_url posts.
const (
	Upload = "upload"
	Hook   = "hook"
)

// Call is one recorded request.
type Call struct {
	// Method is the Web API method ("chat.postMessage"), Upload, or Hook.
	Method string
	Path   string
	Header http.Header
	Body   []byte
	Form   url.Values     // a Web API method's form
	JSON   map[string]any // a hook's JSON body
	// Request is the request, its body already read; scripted answers
	// use its context.
	Request *http.Request `json:"-"`
}

// Handler is a scripted answer to a call.
type Handler func(w http.ResponseWriter, c Call)

// Message is one message in a channel, as a reader would see it now.
type Message struct {
	Channel, TS, ThreadTS string
	Text                  string
	Blocks                string // the Block Kit JSON, as posted
	Ephemeral             bool
	User                  string // the one reader of an ephemeral message
	FileIDs               []string
	Edits                 int // how many times chat.update changed it
}

// File is an uploaded file.
type File struct {
	ID, Name, AltText, Title string
	Data                     []byte
	Uploaded                 bool    // step 2 done
	Shares                   []Share // step 3: where it was posted
}

// Channel is a channel created through conversations.create.
type Channel struct {
	ID, Name       string
	Private        bool
	Creator        string   // the user id of the token that created it (BotUserID)
	Members        []string // the creator first, then those invited
	Topic, Purpose string
}

// Share is one posting of a file.
type Share struct{ Channel, TS, ThreadTS string }

// Server is the fake Slack. The zero value is not usable: call NewServer.
type Server struct {
	*httptest.Server
	// TeamID and BotUserID are what auth.test answers.
	TeamID, BotUserID string

	mu       sync.Mutex
	replies  map[string]Handler
	calls    adaptertest.Recorder[Call]
	seq      int
	messages []*Message
	files    map[string]*File
	fileSeq  int
	channels []*Channel
}

// NewServer starts a fake Slack, closed when the test ends.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{TeamID: "T1", BotUserID: "UBOT", replies: map[string]Handler{}, files: map[string]*File{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// APIURL is the Web API base URL to configure the adapter with.
func (s *Server) APIURL() string { return s.URL + APIPath }

// HookURL is a response_url on this server.
func (s *Server) HookURL(name string) string { return s.URL + "/hook/" + name }

// Reply makes method (a Web API method, Upload, or Hook) answer with h
// from now on, instead of the default; nil restores the default.
func (s *Server) Reply(method string, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h == nil {
		delete(s.replies, method)
		return
	}
	s.replies[method] = h
}

// Error answers with a Web API error code: {"ok":false,"error":code}.
func Error(code string) Handler {
	return func(w http.ResponseWriter, _ Call) { writeJSON(w, map[string]any{"ok": false, "error": code}) }
}

// RateLimited answers 429 with Retry-After in seconds.
func RateLimited(seconds int) Handler {
	return func(w http.ResponseWriter, _ Call) {
		w.Header().Set("Retry-After", strconv.Itoa(seconds))
		w.WriteHeader(http.StatusTooManyRequests)
	}
}

// JSON answers with body verbatim as application/json.
func JSON(body string) Handler {
	return Answer(func(url.Values) string { return body })
}

// Answer answers with the JSON body(form) gives for the call's form.
func Answer(body func(form url.Values) string) Handler {
	return func(w http.ResponseWriter, c Call) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body(c.Form))
	}
}

// Status answers with an HTTP status and a plain-text body.
func Status(code int, body string) Handler {
	return func(w http.ResponseWriter, _ Call) {
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

// Hang never answers: it returns only when the client goes away (a killed
// process closes its connections) or the server closes.
func Hang(w http.ResponseWriter, c Call) { <-c.Request.Context().Done() }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c := Call{Path: r.URL.Path, Header: r.Header.Clone(), Body: body, Request: r}
	switch {
	case strings.HasPrefix(r.URL.Path, APIPath):
		c.Method = strings.TrimPrefix(r.URL.Path, APIPath)
		c.Form, _ = url.ParseQuery(string(body))
		if c.Form == nil {
			c.Form = url.Values{}
		}
		for k, v := range r.URL.Query() {
			c.Form[k] = v
		}
	case strings.HasPrefix(r.URL.Path, UploadPath):
		c.Method = Upload
	default:
		c.Method = Hook
		json.Unmarshal(body, &c.JSON)
	}
	s.mu.Lock()
	s.calls.Record(c)
	reply := s.replies[c.Method]
	s.mu.Unlock()
	if reply != nil {
		reply(w, c)
		return
	}
	switch c.Method {
	case Hook:
		io.WriteString(w, "ok")
	case Upload:
		s.upload(w, r, body)
	default:
		writeJSON(w, s.answer(c))
	}
}

// answer is the default answer to a Web API call.
func (s *Server) answer(c Call) map[string]any {
	f := c.Form
	ok := map[string]any{"ok": true}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch c.Method {
	case "auth.test":
		return map[string]any{"ok": true, "user_id": s.BotUserID, "team_id": s.TeamID}
	case "conversations.open":
		return map[string]any{"ok": true, "channel": map[string]any{"id": "D" + f.Get("users")}}
	case "chat.postMessage", "chat.postEphemeral":
		m := &Message{Channel: f.Get("channel"), TS: s.nextTS(), ThreadTS: f.Get("thread_ts"), Text: f.Get("text"),
			Blocks: f.Get("blocks"), Ephemeral: c.Method == "chat.postEphemeral", User: f.Get("user")}
		s.messages = append(s.messages, m)
		if m.Ephemeral {
			return map[string]any{"ok": true, "message_ts": m.TS}
		}
		return map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS}
	case "chat.update":
		m := s.message(f.Get("channel"), f.Get("ts"))
		if m == nil {
			return map[string]any{"ok": false, "error": "message_not_found"}
		}
		m.Text, m.Blocks = f.Get("text"), f.Get("blocks")
		m.Edits++
		return map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "text": m.Text}
	case "files.getUploadURLExternal":
		s.fileSeq++
		id := fmt.Sprintf("F%04d", s.fileSeq)
		s.files[id] = &File{ID: id, Name: f.Get("filename"), AltText: f.Get("alt_txt")}
		return map[string]any{"ok": true, "file_id": id, "upload_url": s.URL + UploadPath + id}
	case "files.completeUploadExternal":
		return s.complete(f)
	case "conversations.create", "conversations.invite", "conversations.setTopic", "conversations.setPurpose", "users.conversations":
		return s.channelCall(c.Method, f)
	case "files.info":
		file := s.files[f.Get("file")]
		if file == nil {
			return map[string]any{"ok": false, "error": "file_not_found"}
		}
		return map[string]any{"ok": true, "file": fileJSON(file)}
	}
	return ok
}

// channelCall answers the conversations methods that create and manage
// channels, as Slack does: a name must be new and lower case (letters,
// digits, "-", "_", at most 80), inviting only users already in is
// already_in_channel, and users.conversations lists the channels the
// token's user (the bot) is in, paged by cursor; s.mu is held.
func (s *Server) channelCall(method string, f url.Values) map[string]any {
	fail := func(code string) map[string]any { return map[string]any{"ok": false, "error": code} }
	if method == "users.conversations" {
		return s.botChannels(f)
	}
	if method == "conversations.create" {
		name := f.Get("name")
		switch {
		case name == "":
			return fail("invalid_name_required")
		case len(name) > 80:
			return fail("invalid_name_maxlength")
		case strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "":
			return fail("invalid_name_specials")
		}
		for _, ch := range s.channels {
			if ch.Name == name {
				return fail("name_taken")
			}
		}
		ch := &Channel{ID: fmt.Sprintf("CW%04d", len(s.channels)+1), Name: name, Private: f.Get("is_private") == "true",
			Creator: s.BotUserID, Members: []string{s.BotUserID}}
		s.channels = append(s.channels, ch)
		return map[string]any{"ok": true, "channel": channelJSON(ch)}
	}
	ch := s.channel(f.Get("channel"))
	if ch == nil {
		return fail("channel_not_found")
	}
	switch method {
	case "conversations.invite":
		added := 0
		for _, u := range strings.Split(f.Get("users"), ",") {
			if u != "" && !slices.Contains(ch.Members, u) {
				ch.Members = append(ch.Members, u)
				added++
			}
		}
		if added == 0 {
			return fail("already_in_channel")
		}
	case "conversations.setTopic":
		ch.Topic = f.Get("topic")
	case "conversations.setPurpose":
		ch.Purpose = f.Get("purpose")
	}
	return map[string]any{"ok": true, "channel": channelJSON(ch)}
}

// botChannels is users.conversations for the bot: its channels of the
// requested types, limit a page (default 100), the cursor being the index
// of the next one.
func (s *Server) botChannels(f url.Values) map[string]any {
	types := f.Get("types")
	var mine []*Channel
	for _, ch := range s.channels {
		kind := "public_channel"
		if ch.Private {
			kind = "private_channel"
		}
		if slices.Contains(ch.Members, s.BotUserID) && (types == "" || slices.Contains(strings.Split(types, ","), kind)) {
			mine = append(mine, ch)
		}
	}
	from, _ := strconv.Atoi(f.Get("cursor"))
	limit, _ := strconv.Atoi(f.Get("limit"))
	if limit <= 0 {
		limit = 100
	}
	to := min(len(mine), from+limit)
	page := []map[string]any{}
	for _, ch := range mine[min(from, to):to] {
		page = append(page, channelJSON(ch))
	}
	next := ""
	if to < len(mine) {
		next = strconv.Itoa(to)
	}
	return map[string]any{"ok": true, "channels": page, "response_metadata": map[string]any{"next_cursor": next}}
}

func channelJSON(ch *Channel) map[string]any {
	return map[string]any{"id": ch.ID, "name": ch.Name, "is_channel": true, "is_private": ch.Private, "creator": ch.Creator,
		"topic": map[string]any{"value": ch.Topic}, "purpose": map[string]any{"value": ch.Purpose}}
}

// channel finds a created channel by id; s.mu is held.
func (s *Server) channel(id string) *Channel {
	for _, ch := range s.channels {
		if ch.ID == id {
			return ch
		}
	}
	return nil
}

// Channels returns copies of the channels created, in order.
func (s *Server) Channels() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Channel, len(s.channels))
	for i, ch := range s.channels {
		out[i] = *ch
		out[i].Members = slices.Clone(ch.Members)
	}
	return out
}

// complete is files.completeUploadExternal: every file must have been
// uploaded; each is shared into channel_id as one message.
func (s *Server) complete(f url.Values) map[string]any {
	var files []struct{ ID, Title string }
	if err := json.Unmarshal([]byte(f.Get("files")), &files); err != nil || len(files) == 0 {
		return map[string]any{"ok": false, "error": "invalid_arguments"}
	}
	m := &Message{Channel: f.Get("channel_id"), ThreadTS: f.Get("thread_ts"), Text: f.Get("initial_comment"), Blocks: f.Get("blocks")}
	var summary []map[string]any
	for _, fs := range files {
		file := s.files[fs.ID]
		if file == nil || !file.Uploaded {
			return map[string]any{"ok": false, "error": "file_not_found"}
		}
		file.Title = fs.Title
		m.FileIDs = append(m.FileIDs, fs.ID)
		summary = append(summary, map[string]any{"id": fs.ID, "title": fs.Title})
	}
	if m.Channel != "" {
		m.TS = s.nextTS()
		s.messages = append(s.messages, m)
		for _, id := range m.FileIDs {
			s.files[id].Shares = append(s.files[id].Shares, Share{Channel: m.Channel, TS: m.TS, ThreadTS: m.ThreadTS})
		}
	}
	return map[string]any{"ok": true, "files": summary}
}

// upload is step 2: a multipart POST of the bytes, field "file".
func (s *Server) upload(w http.ResponseWriter, r *http.Request, body []byte) {
	id := strings.TrimPrefix(r.URL.Path, UploadPath)
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var data []byte
	if err == nil {
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			if p.FormName() == "file" {
				data, _ = io.ReadAll(p)
			}
		}
	}
	s.mu.Lock()
	file := s.files[id]
	if file != nil && data != nil {
		file.Data, file.Uploaded = data, true
	}
	s.mu.Unlock()
	if file == nil || data == nil {
		http.Error(w, "bad upload", http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "OK - %d", len(data))
}

func fileJSON(f *File) map[string]any {
	public, private := map[string]any{}, map[string]any{}
	for _, sh := range f.Shares {
		into := public
		if !strings.HasPrefix(sh.Channel, "C") {
			into = private // DMs, group DMs and private channels
		}
		list, _ := into[sh.Channel].([]map[string]any)
		into[sh.Channel] = append(list, map[string]any{"ts": sh.TS, "thread_ts": sh.ThreadTS})
	}
	return map[string]any{"id": f.ID, "name": f.Name, "title": f.Title, "alt_txt": f.AltText, "size": len(f.Data),
		"shares": map[string]any{"public": public, "private": private}}
}

// nextTS is a fresh message ts; s.mu is held.
func (s *Server) nextTS() string {
	s.seq++
	return fmt.Sprintf("1700000000.%06d", s.seq)
}

// message finds a posted message that can be edited; s.mu is held.
func (s *Server) message(channel, ts string) *Message {
	for _, m := range s.messages {
		if m.Channel == channel && m.TS == ts && !m.Ephemeral {
			return m
		}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// Calls returns the recorded calls of the given methods (all when none).
func (s *Server) Calls(methods ...string) []Call {
	return s.calls.Matching(func(c Call) bool { return len(methods) == 0 || slices.Contains(methods, c.Method) })
}

// WaitCalls waits up to timeout for at least n calls of method (the outbox
// delivers in the background) and returns those there are.
func (s *Server) WaitCalls(method string, n int, timeout time.Duration) []Call {
	return s.calls.Await(n, timeout, func(c Call) bool { return c.Method == method })
}

// Messages returns copies of the messages in channel (all when ""), in
// the order they were posted.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if channel == "" || m.Channel == channel {
			cp := *m
			cp.FileIDs = append([]string(nil), m.FileIDs...)
			out = append(out, cp)
		}
	}
	return out
}

// WaitMessages waits up to timeout for at least n messages in channel and
// returns those there are.
func (s *Server) WaitMessages(channel string, n int, timeout time.Duration) []Message {
	var got []Message
	adaptertest.WaitFor(timeout, func() bool { got = s.Messages(channel); return len(got) >= n })
	return got
}

// Files returns copies of the files uploaded (step 1 at least), by id order.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, 0, len(s.files))
	for i := 1; i <= s.fileSeq; i++ {
		f := s.files[fmt.Sprintf("F%04d", i)]
		if f == nil {
			continue
		}
		cp := *f
		cp.Shares = append([]Share(nil), f.Shares...)
		out = append(out, cp)
	}
	return out
}

// Dump lists the calls, for a failing test's log.
func (s *Server) Dump() string {
	var b strings.Builder
	for _, c := range s.Calls() {
		fmt.Fprintf(&b, "  %s %s %s\n", c.Method, c.Path, c.Body)
	}
	return b.String()
}
