package feishu_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/feishu"
)

// FakeFeishu stands in for the Open API: the tenant token endpoint, bot
// info, and sending and replying to messages. Each path answers as set by
// Reply, or with success: tokens "t-1", "t-2", … valid two hours, and
// message ids "om_sent1", "om_sent2", ….
type FakeFeishu struct {
	*httptest.Server

	mu      sync.Mutex
	replies map[string]func(w http.ResponseWriter, n int) // by path; n counts calls to that path
	counts  map[string]int
	calls   []apiCall
	tokens  int
	sent    int
}

type apiCall struct {
	Method string
	Path   string
	Query  url.Values
	Auth   string
	Host   string
	Body   map[string]any
}

// Content decodes the call's message content (a JSON string).
func (c apiCall) Content() map[string]any {
	var m map[string]any
	s, _ := c.Body["content"].(string)
	json.Unmarshal([]byte(s), &m)
	return m
}

func NewFakeFeishu(tb testing.TB) *FakeFeishu {
	tb.Helper()
	f := &FakeFeishu{replies: map[string]func(http.ResponseWriter, int){}, counts: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(f.Close)
	return f
}

// Reply makes path answer with fn, which gets the 1-based count of calls to
// that path.
func (f *FakeFeishu) Reply(path string, fn func(w http.ResponseWriter, n int)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies[path] = fn
}

func (f *FakeFeishu) serve(w http.ResponseWriter, r *http.Request) {
	c := apiCall{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Auth: r.Header.Get("Authorization"), Host: r.Host}
	raw, _ := io.ReadAll(r.Body)
	json.Unmarshal(raw, &c.Body)
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.counts[c.Path]++
	n := f.counts[c.Path]
	reply, ok := f.replies[c.Path]
	f.mu.Unlock()
	if ok {
		reply(w, n)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch {
	case c.Path == "/open-apis/auth/v3/tenant_access_token/internal":
		f.mu.Lock()
		f.tokens++
		tok := f.tokens
		f.mu.Unlock()
		fmt.Fprintf(w, `{"code":0,"msg":"ok","tenant_access_token":"t-%d","expire":7200}`, tok)
	case c.Path == "/open-apis/bot/v3/info":
		io.WriteString(w, `{"code":0,"msg":"ok","bot":{"activate_status":2,"app_name":"Tandem","open_id":"ou_bot2"}}`)
	case strings.HasPrefix(c.Path, "/open-apis/im/v1/messages"):
		f.mu.Lock()
		f.sent++
		id := f.sent
		f.mu.Unlock()
		fmt.Fprintf(w, `{"code":0,"msg":"success","data":{"message_id":"om_sent%d","chat_id":"oc_x","msg_type":%q}}`, id, c.Body["msg_type"])
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"code":404,"msg":"not found"}`)
	}
}

// Calls returns the calls so far; Sends only those to the message APIs.
func (f *FakeFeishu) Calls() []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]apiCall(nil), f.calls...)
}

func (f *FakeFeishu) Sends() []apiCall {
	var out []apiCall
	for _, c := range f.Calls() {
		if strings.HasPrefix(c.Path, "/open-apis/im/") {
			out = append(out, c)
		}
	}
	return out
}

// TokenRequests counts calls to the token endpoint.
func (f *FakeFeishu) TokenRequests() int {
	n := 0
	for _, c := range f.Calls() {
		if c.Path == "/open-apis/auth/v3/tenant_access_token/internal" {
			n++
		}
	}
	return n
}

// feishuError answers with an Open API error.
func feishuError(status, code int, header map[string]string) func(http.ResponseWriter, int) {
	return func(w http.ResponseWriter, _ int) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"code":%d,"msg":"error %d"}`, code, code)
	}
}

// clock is a settable clock for token expiry.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newSender(tb testing.TB, in bot.Intake, edit func(*feishu.Config)) (*feishu.Adapter, *FakeFeishu) {
	f := NewFakeFeishu(tb)
	if in == nil {
		in = &Intake{}
	}
	a := MustNewAdapter(tb, in, func(c *feishu.Config) {
		c.Host = f.URL
		c.HTTPClient = f.Client()
		if edit != nil {
			edit(c)
		}
	})
	return a, f
}
