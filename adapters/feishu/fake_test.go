package feishu_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
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
	dir     *FakeDirectory // served under /open-apis/contact/v3/; nil answers 404
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
	case strings.HasPrefix(c.Path, "/open-apis/contact/v3/"):
		f.serveContact(w, c)
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

// FakeDirectory is the contact (通讯录) data the fake serves: users,
// departments and the app's contact scope. Lists answer one item per page,
// whatever page_size asks, so that callers' paging is exercised.
type FakeDirectory struct {
	Users []FakeUser
	Depts []FakeDept
	// Scope lists the departments the app may see, with their descendants;
	// nil means all members. With a scope, the root is out of reach (40004).
	Scope []string
}

// FakeUser is a user as the contact API answers with open ids.
type FakeUser struct {
	OpenID          string   `json:"open_id"`
	UnionID         string   `json:"union_id,omitempty"`
	Name            string   `json:"name"`
	EnName          string   `json:"en_name,omitempty"`
	Email           string   `json:"email,omitempty"`
	EnterpriseEmail string   `json:"enterprise_email,omitempty"`
	Mobile          string   `json:"mobile,omitempty"`
	DepartmentIDs   []string `json:"department_ids"`
	Status          struct {
		IsResigned bool `json:"is_resigned"`
		IsFrozen   bool `json:"is_frozen"`
	} `json:"status"`
}

// FakeDept is a department as the contact API answers with open ids.
type FakeDept struct {
	Name     string `json:"name"`
	ID       string `json:"open_department_id"`
	ParentID string `json:"parent_department_id"` // "0" at the top
}

// SetDirectory makes the fake serve d under /open-apis/contact/v3/.
func (f *FakeFeishu) SetDirectory(d *FakeDirectory) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dir = d
}

// ContactCalls returns the calls so far to the contact API.
func (f *FakeFeishu) ContactCalls() []apiCall {
	var out []apiCall
	for _, c := range f.Calls() {
		if strings.HasPrefix(c.Path, "/open-apis/contact/") {
			out = append(out, c)
		}
	}
	return out
}

const contactPrefix = "/open-apis/contact/v3/"

func (f *FakeFeishu) serveContact(w http.ResponseWriter, c apiCall) {
	f.mu.Lock()
	d, issued := f.dir, f.tokens
	f.mu.Unlock()
	var n int
	if _, err := fmt.Sscanf(c.Auth, "Bearer t-%d", &n); err != nil || n < 1 || n > issued || c.Auth != fmt.Sprintf("Bearer t-%d", n) {
		contactError(w, http.StatusBadRequest, 99991663, "Invalid access token for authorization.")
		return
	}
	if d == nil {
		contactError(w, http.StatusNotFound, 404, "not found")
		return
	}
	if got := c.Query.Get("user_id_type"); got != "open_id" {
		contactError(w, http.StatusBadRequest, 99992402, "user_id_type must be open_id in this fake, got "+got)
		return
	}
	if got := c.Query.Get("department_id_type"); c.Path != contactPrefix+"users/batch_get_id" && got != "open_department_id" {
		contactError(w, http.StatusBadRequest, 99992402, "department_id_type must be open_department_id in this fake, got "+got)
		return
	}
	rest := strings.TrimPrefix(c.Path, contactPrefix)
	switch {
	case c.Method == http.MethodPost && rest == "users/batch_get_id":
		d.batchGetID(w, c)
	case c.Method == http.MethodGet && rest == "users/find_by_department":
		dept := c.Query.Get("department_id")
		if !d.deptVisible(dept) {
			contactError(w, http.StatusBadRequest, 40004, "no dept authority error")
			return
		}
		var items []any
		for _, u := range d.Users {
			if slices.Contains(u.DepartmentIDs, dept) {
				items = append(items, u)
			}
		}
		writePage(w, c, items)
	case c.Method == http.MethodGet && rest == "scopes":
		ids := make([]any, len(d.Scope))
		for i, id := range d.Scope {
			ids[i] = id
		}
		writePageAs(w, c, "department_ids", ids)
	case c.Method == http.MethodGet && strings.HasPrefix(rest, "departments/") && strings.HasSuffix(rest, "/children"):
		id := strings.TrimSuffix(strings.TrimPrefix(rest, "departments/"), "/children")
		if !d.deptVisible(id) {
			contactError(w, http.StatusBadRequest, 40004, "no dept authority error")
			return
		}
		var items []any
		for _, dp := range d.Depts {
			if dp.ParentID == id || (c.Query.Get("fetch_child") == "true" && d.descends(dp.ID, id)) {
				items = append(items, dp)
			}
		}
		writePage(w, c, items)
	case c.Method == http.MethodGet && strings.HasPrefix(rest, "departments/"):
		id := strings.TrimPrefix(rest, "departments/")
		for _, dp := range d.Depts {
			if dp.ID == id && d.deptVisible(id) {
				writeData(w, map[string]any{"department": dp})
				return
			}
		}
		contactError(w, http.StatusBadRequest, 40004, "no dept authority error")
	case c.Method == http.MethodGet && strings.HasPrefix(rest, "users/"):
		id := strings.TrimPrefix(rest, "users/")
		for _, u := range d.Users {
			if u.OpenID == id {
				if !d.userVisible(u) {
					contactError(w, http.StatusBadRequest, 41050, "no user authority error")
					return
				}
				writeData(w, map[string]any{"user": u})
				return
			}
		}
		contactError(w, http.StatusBadRequest, 99992351, "The request you send is not a valid {open_id} or not exists")
	default:
		contactError(w, http.StatusNotFound, 404, "not found")
	}
}

// batchGetID answers one entry per email and mobile asked, with user_id only
// for a visible user (and, unless include_resigned, a serving one).
func (d *FakeDirectory) batchGetID(w http.ResponseWriter, c apiCall) {
	resigned, _ := c.Body["include_resigned"].(bool)
	find := func(match func(FakeUser) bool) string {
		for _, u := range d.Users {
			if match(u) && d.userVisible(u) && (resigned || !u.Status.IsResigned) {
				return u.OpenID
			}
		}
		return ""
	}
	var list []map[string]string
	emails, _ := c.Body["emails"].([]any)
	for _, e := range emails {
		e, _ := e.(string)
		entry := map[string]string{"email": e}
		if id := find(func(u FakeUser) bool { return strings.EqualFold(u.Email, e) }); id != "" {
			entry["user_id"] = id
		}
		list = append(list, entry)
	}
	mobiles, _ := c.Body["mobiles"].([]any)
	for _, m := range mobiles {
		m, _ := m.(string)
		entry := map[string]string{"mobile": m}
		if id := find(func(u FakeUser) bool { return u.Mobile == m || u.Mobile == "+86"+m }); id != "" {
			entry["user_id"] = id
		}
		list = append(list, entry)
	}
	writeData(w, map[string]any{"user_list": list})
}

// descends reports whether department id is below ancestor.
func (d *FakeDirectory) descends(id, ancestor string) bool {
	for range len(d.Depts) + 1 {
		parent := "0"
		for _, dp := range d.Depts {
			if dp.ID == id {
				parent = dp.ParentID
			}
		}
		if parent == ancestor {
			return true
		}
		if parent == "0" {
			return false
		}
		id = parent
	}
	return false
}

func (d *FakeDirectory) deptVisible(id string) bool {
	if d.Scope == nil {
		return true
	}
	for _, s := range d.Scope {
		if id == s || d.descends(id, s) {
			return true
		}
	}
	return false
}

func (d *FakeDirectory) userVisible(u FakeUser) bool {
	if d.Scope == nil {
		return true
	}
	return slices.ContainsFunc(u.DepartmentIDs, d.deptVisible)
}

// writePage answers one item of items per page: page_token is the index of
// the next item.
func writePage(w http.ResponseWriter, c apiCall, items []any) { writePageAs(w, c, "items", items) }

func writePageAs(w http.ResponseWriter, c apiCall, key string, items []any) {
	i := 0
	if t := c.Query.Get("page_token"); t != "" {
		if _, err := fmt.Sscanf(t, "p%d", &i); err != nil || i < 0 || i > len(items) {
			contactError(w, http.StatusBadRequest, 40012, "page token is invalid error")
			return
		}
	}
	data := map[string]any{key: items[i:min(i+1, len(items))], "has_more": i+1 < len(items)}
	if i+1 < len(items) {
		data["page_token"] = fmt.Sprintf("p%d", i+1)
	}
	writeData(w, data)
}

func writeData(w http.ResponseWriter, data any) {
	raw, _ := json.Marshal(map[string]any{"code": 0, "msg": "success", "data": data})
	w.Write(raw)
}

func contactError(w http.ResponseWriter, status, code int, msg string) {
	w.WriteHeader(status)
	raw, _ := json.Marshal(map[string]any{"code": code, "msg": msg})
	w.Write(raw)
}
