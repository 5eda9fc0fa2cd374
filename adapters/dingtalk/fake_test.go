package dingtalk_test

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

	"github.com/gorilla/websocket"
)

// FakeDingTalk stands in for DingTalk: the OpenAPI (tokens, robot
// messages, the Stream gateway's connections/open), session webhooks, and
// the Stream WebSocket. Each endpoint answers as queued by Reply, or
// successfully. The robot API checks the access token against the last one
// issued, as DingTalk refuses expired ones.
type FakeDingTalk struct {
	*httptest.Server

	mu      sync.Mutex
	calls   []apiCall
	replies map[string][]func(w http.ResponseWriter)
	tokens  []string
	tickets map[string]bool // issued, not yet used
	cards   map[string]bool // outTrackIds of the cards created
	conns   []*GatewayConn

	// Conns receives each WebSocket connection the adapter opens.
	Conns chan *GatewayConn

	// Users and Depts are the contacts the classic API serves; tests may
	// change them before the first call.
	Users []FakeUser
	Depts []FakeDept
}

type apiCall struct {
	Key   string // "token", "batchSend", "groupSend", "createAndDeliver", "session", "open"
	Query url.Values
	Token string // x-acs-dingtalk-access-token
	JSON  map[string]any
	Param map[string]any // the robot API's msgParam, decoded
}

var fakePaths = map[string]string{
	"/v1.0/oauth2/accessToken":          "token",
	"/v1.0/robot/oToMessages/batchSend": "batchSend",
	"/v1.0/robot/groupMessages/send":    "groupSend",
	// Interactive cards (card.go).
	"/v1.0/card/instances/createAndDeliver": "createAndDeliver",
	"/robot/sendBySession":                  "session",
	"/v1.0/gateway/connections/open":        "open",
	"/connect":                              "connect",
	// The classic API's contacts (directory.go).
	"/topapi/v2/user/get":           "userGet",
	"/topapi/v2/user/getbymobile":   "userByMobile",
	"/topapi/v2/department/listsub": "deptListSub",
	"/topapi/v2/department/get":     "deptGet",
	"/topapi/user/listsimple":       "listSimple",
}

func NewFakeDingTalk(tb testing.TB) *FakeDingTalk {
	tb.Helper()
	f := &FakeDingTalk{
		replies: map[string][]func(http.ResponseWriter){},
		tickets: map[string]bool{},
		cards:   map[string]bool{},
		Conns:   make(chan *GatewayConn, 16),
		Users:   defaultUsers(),
		Depts:   defaultDepts(),
	}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(f.Close)
	tb.Cleanup(f.closeConns) // runs first: the server waits for handlers
	return f
}

// Reply queues one answer for the endpoint key; queued answers are used in
// order, then the default one.
func (f *FakeDingTalk) Reply(key string, fn func(w http.ResponseWriter)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies[key] = append(f.replies[key], fn)
}

func (f *FakeDingTalk) serve(w http.ResponseWriter, r *http.Request) {
	key := fakePaths[r.URL.Path]
	if key == "connect" {
		f.serveSocket(w, r)
		return
	}
	c := apiCall{Key: key, Query: r.URL.Query(), Token: r.Header.Get("x-acs-dingtalk-access-token")}
	body, _ := io.ReadAll(r.Body)
	json.Unmarshal(body, &c.JSON)
	if p, ok := c.JSON["msgParam"].(string); ok {
		json.Unmarshal([]byte(p), &c.Param)
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	n := len(f.calls)
	var reply func(http.ResponseWriter)
	if q := f.replies[key]; len(q) > 0 {
		reply, f.replies[key] = q[0], q[1:]
	}
	lastToken := ""
	if len(f.tokens) > 0 {
		lastToken = f.tokens[len(f.tokens)-1]
	}
	if key == "token" && reply == nil {
		lastToken = fmt.Sprintf("tok-%d", len(f.tokens)+1)
		f.tokens = append(f.tokens, lastToken)
	}
	ticket := fmt.Sprintf("ticket-%d", n)
	if key == "open" {
		f.tickets[ticket] = true
	}
	// DingTalk refuses a second card with the same outTrackId.
	track, _ := c.JSON["outTrackId"].(string)
	cardExists := key == "createAndDeliver" && reply == nil && f.cards[track]
	if key == "createAndDeliver" && reply == nil && c.Token == lastToken {
		f.cards[track] = true
	}
	f.mu.Unlock()

	if reply != nil {
		reply(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch key {
	case "token":
		if c.JSON["appKey"] != testClientID || c.JSON["appSecret"] != testSecret {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"code":"invalidClientIdOrSecret","message":"bad credentials"}`)
			return
		}
		fmt.Fprintf(w, `{"accessToken":%q,"expireIn":7200}`, lastToken)
	case "batchSend", "groupSend":
		if c.Token == "" || c.Token != lastToken {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"code":"InvalidAuthentication","message":"token is not authorized"}`)
			return
		}
		fmt.Fprintf(w, `{"processQueryKey":"pqk-%d"}`, n)
	case "createAndDeliver":
		if c.Token == "" || c.Token != lastToken {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"code":"InvalidAuthentication","message":"token is not authorized"}`)
			return
		}
		if cardExists {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"code":"param.cardAlreadyExist","message":"param.cardAlreadyExist","requestid":"r1"}`)
			return
		}
		space, _ := c.JSON["openSpaceId"].(string)
		typ, id, _ := strings.Cut(strings.TrimPrefix(space, "dtv1.card//"), ".")
		fmt.Fprintf(w, `{"success":true,"result":{"outTrackId":%q,"deliverResults":[{"spaceType":%q,"spaceId":%q,"success":true,"carrierId":"pqk-%d"}]}}`,
			track, typ, id, n)
	case "session":
		io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	case "open":
		if c.JSON["clientId"] != testClientID || c.JSON["clientSecret"] != testSecret {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"code":"invalidClient","message":"bad credentials"}`)
			return
		}
		fmt.Fprintf(w, `{"endpoint":"ws://%s/connect","ticket":%q}`, r.Host, ticket)
	case "userGet", "userByMobile", "deptListSub", "deptGet", "listSimple":
		if t := c.Query.Get("access_token"); t == "" || t != lastToken {
			io.WriteString(w, `{"errcode":40014,"errmsg":"不合法的access_token"}`)
			return
		}
		f.serveContacts(w, key, c.JSON)
	default:
		http.NotFound(w, r)
	}
}

// Calls returns the calls so far, optionally only those to one endpoint.
func (f *FakeDingTalk) Calls(key string) []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.calls {
		if key == "" || c.Key == key {
			out = append(out, c)
		}
	}
	return out
}

// WaitCall waits for the first call to an endpoint.
func (f *FakeDingTalk) WaitCall(tb testing.TB, key string) apiCall {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if cs := f.Calls(key); len(cs) > 0 {
			return cs[0]
		}
		if time.Now().After(deadline) {
			tb.Fatalf("no %s call", key)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// jsonReply answers with a status and a JSON body.
func jsonReply(status int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// GatewayConn is the gateway's end of one Stream connection.
type GatewayConn struct {
	Ticket string
	ws     *websocket.Conn
	in     chan []byte // frames the adapter wrote, closed when it is gone
	wmu    sync.Mutex
}

var upgrader = websocket.Upgrader{}

func (f *FakeDingTalk) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	f.mu.Lock()
	ok := f.tickets[ticket]
	delete(f.tickets, ticket) // a ticket opens one connection
	f.mu.Unlock()
	if !ok {
		http.Error(w, "bad ticket", http.StatusForbidden)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	g := &GatewayConn{Ticket: ticket, ws: ws, in: make(chan []byte, 64)}
	f.mu.Lock()
	f.conns = append(f.conns, g)
	f.mu.Unlock()
	f.Conns <- g
	defer close(g.in)
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		g.in <- msg
	}
}

func (f *FakeDingTalk) closeConns() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, g := range f.conns {
		g.ws.Close()
	}
}

// NextConn waits for the adapter's next connection.
func (f *FakeDingTalk) NextConn(tb testing.TB) *GatewayConn {
	tb.Helper()
	select {
	case g := <-f.Conns:
		return g
	case <-time.After(5 * time.Second):
		tb.Fatal("the adapter did not connect")
		return nil
	}
}

// Send writes a frame to the adapter.
func (g *GatewayConn) Send(tb testing.TB, typ, topic, messageID, data string) {
	tb.Helper()
	g.SendData(tb, typ, topic, messageID, data)
}

// SendData writes a frame whose data is any JSON value (DingTalk documents
// a string holding JSON).
func (g *GatewayConn) SendData(tb testing.TB, typ, topic, messageID string, data any) {
	tb.Helper()
	frame := map[string]any{
		"specVersion": "1.0",
		"type":        typ,
		"headers": map[string]any{
			"topic": topic, "messageId": messageID, "contentType": "application/json",
			"time": 1700000000000, "appId": "app-1",
		},
		"data": data,
	}
	g.wmu.Lock()
	defer g.wmu.Unlock()
	if err := g.ws.WriteJSON(frame); err != nil {
		tb.Fatal(err)
	}
}

// Ack is the adapter's answer to a frame.
type Ack struct {
	Code    int               `json:"code"`
	Headers map[string]string `json:"headers"`
	Message string            `json:"message"`
	Data    string            `json:"data"`
}

// NextAck returns the next frame the adapter wrote, or nil if none came
// within d (or the connection ended).
func (g *GatewayConn) NextAck(tb testing.TB, d time.Duration) *Ack {
	tb.Helper()
	select {
	case raw, ok := <-g.in:
		if !ok {
			return nil
		}
		var a Ack
		if err := json.Unmarshal(raw, &a); err != nil {
			tb.Fatalf("undecodable ack %s", raw)
		}
		return &a
	case <-time.After(d):
		return nil
	}
}

// Closed reports whether the adapter's end is gone within d.
func (g *GatewayConn) Closed(d time.Duration) bool {
	deadline := time.After(d)
	for {
		select {
		case _, ok := <-g.in:
			if !ok {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// Drop closes the connection abruptly, as a network failure would.
func (g *GatewayConn) Drop() { g.ws.Close() }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// FakeUser is one person in the fake's contacts.
type FakeUser struct {
	UserID, Name, Mobile, Email, OrgEmail string
	Depts                                 []int64
}

// FakeDept is one department in the fake's contacts; the root is 1.
type FakeDept struct {
	ID, Parent int64
	Name       string
}

// defaultDepts is a three-level tree under the root:
//
//	1 Acme ─┬─ 2 Engineering ─┬─ 4 Backend ── 6 Storage
//	        │                 └─ 5 Frontend
//	        └─ 3 Sales ────────── 7 Sales East
func defaultDepts() []FakeDept {
	return []FakeDept{
		{1, 0, "Acme"},
		{2, 1, "Engineering"}, {3, 1, "Sales"},
		{4, 2, "Backend"}, {5, 2, "Frontend"}, {7, 3, "Sales East"},
		{6, 4, "Storage"},
	}
}

func defaultUsers() []FakeUser {
	return []FakeUser{
		{UserID: "staff1", Name: "张三", Mobile: "13800000001", Email: "zhangsan@acme.test", OrgEmail: "zs@corp.acme.test", Depts: []int64{2, 4}},
		{UserID: "staff2", Name: "李四", Mobile: "13800000002", OrgEmail: "lisi@corp.acme.test", Depts: []int64{4}},
		{UserID: "staff3", Name: "王五", Mobile: "13800000003", Depts: []int64{4}},
		{UserID: "staff4", Name: "赵六", Email: "zhaoliu@acme.test", Depts: []int64{7}},
	}
}

// serveContacts answers the classic contacts API from Users and Depts, in
// its {"errcode":0,"result":…} envelope. listsimple gives one person per
// page, so that every listing pages.
func (f *FakeDingTalk) serveContacts(w http.ResponseWriter, key string, req map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	num := func(k string) int64 { n, _ := req[k].(float64); return int64(n) }
	ok := func(result any) { fmt.Fprintf(w, `{"errcode":0,"errmsg":"ok","result":%s}`, mustJSON(result)) }
	dept := func(id int64) (FakeDept, bool) {
		for _, d := range f.Depts {
			if d.ID == id {
				return d, true
			}
		}
		return FakeDept{}, false
	}
	switch key {
	case "userGet":
		for _, u := range f.Users {
			if u.UserID == req["userid"] {
				ok(map[string]any{"userid": u.UserID, "unionid": "union-" + u.UserID, "name": u.Name,
					"mobile": u.Mobile, "email": u.Email, "org_email": u.OrgEmail, "dept_id_list": u.Depts, "active": true})
				return
			}
		}
		io.WriteString(w, `{"errcode":60121,"errmsg":"找不到该用户"}`)
	case "userByMobile":
		for _, u := range f.Users {
			if u.Mobile != "" && u.Mobile == req["mobile"] {
				ok(map[string]any{"userid": u.UserID})
				return
			}
		}
		io.WriteString(w, `{"errcode":60121,"errmsg":"找不到该用户"}`)
	case "deptGet":
		if d, found := dept(num("dept_id")); found {
			ok(map[string]any{"dept_id": d.ID, "name": d.Name, "parent_id": d.Parent})
			return
		}
		io.WriteString(w, `{"errcode":60003,"errmsg":"部门不存在"}`)
	case "deptListSub":
		id := num("dept_id")
		if _, found := dept(id); !found {
			io.WriteString(w, `{"errcode":60003,"errmsg":"部门不存在"}`)
			return
		}
		subs := []map[string]any{}
		for _, d := range f.Depts {
			if d.Parent == id && d.ID != id {
				subs = append(subs, map[string]any{"dept_id": d.ID, "name": d.Name, "parent_id": d.Parent})
			}
		}
		ok(subs)
	case "listSimple":
		id := num("dept_id")
		if _, found := dept(id); !found {
			io.WriteString(w, `{"errcode":60003,"errmsg":"部门不存在"}`)
			return
		}
		var members []FakeUser
		for _, u := range f.Users {
			if slices.Contains(u.Depts, id) {
				members = append(members, u)
			}
		}
		cursor := int(num("cursor"))
		res := map[string]any{"has_more": false, "list": []any{}}
		if cursor < len(members) {
			u := members[cursor]
			res["list"] = []any{map[string]any{"userid": u.UserID, "name": u.Name}}
		}
		if cursor+1 < len(members) {
			res["has_more"], res["next_cursor"] = true, cursor+1
		}
		ok(res)
	}
}
