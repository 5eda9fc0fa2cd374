// Package dingtalktest is a fake DingTalk for tests: an httptest server
// speaking the wire formats Tandem's DingTalk adapter uses (the new
// OpenAPI's tokens, robot messages, interactive cards and Stream gateway;
// the classic API's contacts and media upload; session webhooks; the
// calendar's querySchedule, SetBusy; who read a robot message, Read), and
// helpers that build inbound traffic (Stream frames, card clicks, signed
// robot callbacks).
//
// Every call is recorded (Calls, WaitCall) and answered as DingTalk would,
// or as a test scripts it (Reply, Hang). The fake keeps what a reader of the
// chats would see: the interactive cards in their latest state (Card) and
// the pictures posted (Images).
package dingtalktest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
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

// Stream topics (DingTalk's names).
const (
	TopicBotMessage   = "/v1.0/im/bot/messages/get"
	TopicCardCallback = "/v1.0/card/instances/callback"
)

// Server stands in for DingTalk. Point both the adapter's APIURL and
// OAPIURL at URL. The robot, card and contacts APIs check the access token
// against the last one issued, as DingTalk refuses expired ones.
type Server struct {
	*httptest.Server
	// ClientID and ClientSecret are the app's credentials the fake accepts
	// for tokens and Stream connections.
	ClientID, ClientSecret string

	mu      sync.Mutex
	calls   adaptertest.Recorder[Call]
	replies map[string][]func(w http.ResponseWriter)
	hangs   map[string][]chan struct{}
	tokens  []string
	tickets map[string]bool // issued, not yet used
	cards   map[string]*Card
	groups  []*Group
	media   map[string][]byte // media_id → the uploaded bytes
	conns   []*GatewayConn
	stop    chan struct{}        // closed when the test ends: hanging handlers return
	busy    map[string][]Busy    // unionId → schedule (SetBusy)
	sent    map[string]*oneToOne // processQueryKey → a batchSend's recipients and reads

	// Conns receives each WebSocket connection the adapter opens.
	Conns chan *GatewayConn

	// Users and Depts are the contacts the classic API serves; tests may
	// change them before the first call.
	Users []User
	Depts []Dept
	// GroupTemplates are the scene group templates (场景群模板) the corp
	// has, by id: DefaultGroupTemplate. Tests may change them before the
	// first call.
	GroupTemplates []string
}

// Call is one request the fake received.
type Call struct {
	Key    string // "token", "batchSend", "groupSend", "createAndDeliver", "updateCard", "mediaUpload", "session", "open", …
	Path   string
	Method string
	Query  url.Values
	Token  string // x-acs-dingtalk-access-token (the classic API's is in Query)
	Body   []byte
	JSON   map[string]any // the body, when it is a JSON object
	Param  map[string]any // the robot API's msgParam, decoded
	// Media is the file of a media upload (multipart field "media").
	Media     []byte
	MediaName string
	// Scripted is set when a queued Reply or Hang answered the call
	// instead of the fake: it had none of the call's effects.
	Scripted bool
}

// Card is an interactive card as its readers see it: the variables it was
// created with, as changed by every update since.
type Card struct {
	OutTrackID string
	Space      string            // openSpaceId, "dtv1.card//IM_ROBOT.<userid>" or "dtv1.card//IM_GROUP.<cid>"
	Params     map[string]string // cardData.cardParamMap
	Updates    int
}

// Image is a picture posted with msgKey sampleImageMsg.
type Image struct {
	MediaID string
	To      string // the user (batchSend) or the conversation (groupSend)
	PNG     []byte // what was uploaded under MediaID; nil if it never was
}

var paths = map[string]string{
	"/v1.0/oauth2/accessToken":              "token",
	"/v1.0/robot/oToMessages/batchSend":     "batchSend",
	"/v1.0/robot/groupMessages/send":        "groupSend",
	"/v1.0/card/instances/createAndDeliver": "createAndDeliver",
	"/v1.0/card/instances":                  "updateCard", // PUT
	"/media/upload":                         "mediaUpload",
	"/robot/sendBySession":                  "session",
	"/v1.0/gateway/connections/open":        "open",
	"/connect":                              "connect",
	"/topapi/v2/user/get":                   "userGet",
	"/topapi/v2/user/getbymobile":           "userByMobile",
	"/topapi/v2/department/listsub":         "deptListSub",
	"/topapi/v2/department/get":             "deptGet",
	"/topapi/user/listsimple":               "listSimple",
	"/topapi/im/chat/scenegroup/create":     "sceneGroupCreate",
	"/v1.0/robot/oToMessages/readStatus":    "readStatus",
}

// New starts a fake that accepts the app credentials (clientID,
// clientSecret); it is closed when the test ends.
func New(tb testing.TB, clientID, clientSecret string) *Server {
	tb.Helper()
	f := &Server{
		ClientID:       clientID,
		ClientSecret:   clientSecret,
		replies:        map[string][]func(http.ResponseWriter){},
		hangs:          map[string][]chan struct{}{},
		tickets:        map[string]bool{},
		cards:          map[string]*Card{},
		media:          map[string][]byte{},
		stop:           make(chan struct{}),
		Conns:          make(chan *GatewayConn, 16),
		Users:          DefaultUsers(),
		Depts:          DefaultDepts(),
		GroupTemplates: []string{DefaultGroupTemplate},
	}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(f.Close)
	// Cleanups run last first: hanging handlers and sockets end before
	// Close waits for the handlers.
	tb.Cleanup(f.closeConns)
	tb.Cleanup(func() { close(f.stop) })
	return f
}

// Reply queues one answer for the endpoint key; queued answers are used in
// order, then the fake's own.
func (f *Server) Reply(key string, fn func(w http.ResponseWriter)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies[key] = append(f.replies[key], fn)
}

// Hang makes the next call to the endpoint key never be answered: its
// handler holds the request until the caller gives up (its context ends,
// or its process dies) or the test ends. The returned channel is closed
// when that call arrives. A hung call has no effect (a hung upload stores
// nothing, a hung send posts nothing).
func (f *Server) Hang(key string) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	arrived := make(chan struct{})
	f.hangs[key] = append(f.hangs[key], arrived)
	return arrived
}

// JSONReply answers with a status and a JSON body.
func JSONReply(status int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	key := paths[r.URL.Path]
	if isQuerySchedule(r.URL.Path) {
		key = "querySchedule"
	}
	if key == "updateCard" && r.Method != http.MethodPut {
		key = "" // POST /v1.0/card/instances is CreateCard, which Tandem does not use
	}
	if key == "connect" {
		f.serveSocket(w, r)
		return
	}
	c := Call{Key: key, Path: r.URL.Path, Method: r.Method, Query: r.URL.Query(), Token: r.Header.Get("x-acs-dingtalk-access-token")}
	if key == "mediaUpload" {
		c.Media, c.MediaName = readUpload(r)
	} else {
		c.Body, _ = io.ReadAll(r.Body)
		json.Unmarshal(c.Body, &c.JSON)
		if p, ok := c.JSON["msgParam"].(string); ok {
			json.Unmarshal([]byte(p), &c.Param)
		}
	}
	f.mu.Lock()
	n := f.calls.Record(c) + 1
	if q := f.hangs[key]; len(q) > 0 {
		arrived := q[0]
		f.hangs[key] = q[1:]
		f.calls.Update(n-1, scripted)
		f.mu.Unlock()
		close(arrived)
		select {
		case <-r.Context().Done():
		case <-f.stop:
		}
		return
	}
	var reply func(http.ResponseWriter)
	if q := f.replies[key]; len(q) > 0 {
		reply, f.replies[key] = q[0], q[1:]
		f.calls.Update(n-1, scripted)
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
	f.mu.Unlock()

	if reply != nil {
		reply(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	newAPIAuth := func() bool {
		if c.Token == "" || c.Token != lastToken {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"code":"InvalidAuthentication","message":"token is not authorized"}`)
			return false
		}
		return true
	}
	classicAuth := func() bool {
		if t := c.Query.Get("access_token"); t == "" || t != lastToken {
			io.WriteString(w, `{"errcode":40014,"errmsg":"不合法的access_token"}`)
			return false
		}
		return true
	}
	switch key {
	case "token":
		if c.JSON["appKey"] != f.ClientID || c.JSON["appSecret"] != f.ClientSecret {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"code":"invalidClientIdOrSecret","message":"bad credentials"}`)
			return
		}
		fmt.Fprintf(w, `{"accessToken":%q,"expireIn":7200}`, lastToken)
	case "batchSend", "groupSend":
		if newAPIAuth() {
			if key == "batchSend" {
				f.rememberOneToOne(fmt.Sprintf("pqk-%d", n), c.JSON)
			}
			fmt.Fprintf(w, `{"processQueryKey":"pqk-%d"}`, n)
		}
	case "readStatus":
		if newAPIAuth() {
			f.readStatus(w, c)
		}
	case "createAndDeliver":
		if newAPIAuth() {
			f.createCard(w, c, n)
		}
	case "updateCard":
		if newAPIAuth() {
			f.updateCard(w, c)
		}
	case "mediaUpload":
		if classicAuth() {
			f.upload(w, c, n)
		}
	case "session":
		io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	case "open":
		if c.JSON["clientId"] != f.ClientID || c.JSON["clientSecret"] != f.ClientSecret {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"code":"invalidClient","message":"bad credentials"}`)
			return
		}
		fmt.Fprintf(w, `{"endpoint":"ws://%s/connect","ticket":%q}`, r.Host, ticket)
	case "userGet", "userByMobile", "deptListSub", "deptGet", "listSimple":
		if classicAuth() {
			f.serveContacts(w, key, c.JSON)
		}
	case "querySchedule":
		if newAPIAuth() {
			f.serveSchedule(w, c)
		}
	case "sceneGroupCreate":
		if classicAuth() {
			f.createSceneGroup(w, c.JSON)
		}
	default:
		http.NotFound(w, r)
	}
}

// createCard answers createAndDeliver. DingTalk refuses a second card with
// the same outTrackId.
func (f *Server) createCard(w http.ResponseWriter, c Call, n int) {
	track, _ := c.JSON["outTrackId"].(string)
	space, _ := c.JSON["openSpaceId"].(string)
	f.mu.Lock()
	_, exists := f.cards[track]
	if !exists {
		f.cards[track] = &Card{OutTrackID: track, Space: space, Params: paramMap(c.JSON)}
	}
	f.mu.Unlock()
	if exists {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"code":"param.cardAlreadyExist","message":"param.cardAlreadyExist","requestid":"r1"}`)
		return
	}
	typ, id, _ := strings.Cut(strings.TrimPrefix(space, "dtv1.card//"), ".")
	fmt.Fprintf(w, `{"success":true,"result":{"outTrackId":%q,"deliverResults":[{"spaceType":%q,"spaceId":%q,"success":true,"carrierId":"pqk-%d"}]}}`,
		track, typ, id, n)
}

// updateCard answers PUT /v1.0/card/instances (card_1.0 UpdateCard): the
// card's variables are replaced, or merged key by key when
// cardUpdateOptions.updateCardDataByKey is true. A card that was never
// created is refused (the fake's code: DingTalk's is not documented where
// we looked).
func (f *Server) updateCard(w http.ResponseWriter, c Call) {
	track, _ := c.JSON["outTrackId"].(string)
	opts, _ := c.JSON["cardUpdateOptions"].(map[string]any)
	byKey, _ := opts["updateCardDataByKey"].(bool)
	f.mu.Lock()
	card, ok := f.cards[track]
	if ok {
		params := paramMap(c.JSON)
		if byKey {
			maps.Copy(card.Params, params)
		} else {
			card.Params = params
		}
		card.Updates++
	}
	f.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"code":"param.cardNotExist","message":"card not exist","requestid":"r2"}`)
		return
	}
	io.WriteString(w, `{"success":true,"result":true}`)
}

// upload answers the classic media/upload: an image or a file (up to
// 20 MB) in the multipart field "media" gets a media_id, which DingTalk
// starts with "@".
func (f *Server) upload(w http.ResponseWriter, c Call, n int) {
	kind := c.Query.Get("type")
	if (kind != "image" && kind != "file") || len(c.Media) == 0 || len(c.Media) > 20<<20 {
		io.WriteString(w, `{"errcode":40004,"errmsg":"不合法的媒体文件类型"}`)
		return
	}
	id := fmt.Sprintf("@lADPfake%d", n)
	f.mu.Lock()
	f.media[id] = c.Media
	f.mu.Unlock()
	fmt.Fprintf(w, `{"errcode":0,"errmsg":"ok","type":%q,"media_id":%q,"created_at":%d}`, kind, id, time.Now().UnixMilli())
}

// scripted marks a call that a test's Reply or Hang answered.
func scripted(c *Call) { c.Scripted = true }

func readUpload(r *http.Request) ([]byte, string) {
	file, header, err := r.FormFile("media")
	if err != nil {
		return nil, ""
	}
	defer file.Close()
	b, _ := io.ReadAll(file)
	return b, header.Filename
}

// paramMap is a request's cardData.cardParamMap, with every value as text
// (DingTalk takes strings only; anything else is shown as its JSON).
func paramMap(body map[string]any) map[string]string {
	data, _ := body["cardData"].(map[string]any)
	raw, _ := data["cardParamMap"].(map[string]any)
	out := map[string]string{}
	for k, v := range raw {
		if s, ok := v.(string); ok {
			out[k] = s
		} else {
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out
}

// Calls returns the calls so far, optionally only those to one endpoint.
func (f *Server) Calls(key string) []Call {
	return f.calls.Matching(toEndpoint(key))
}

// WaitCalls waits up to five seconds for n calls to an endpoint and returns
// them; it fails the test if fewer came.
func (f *Server) WaitCalls(tb testing.TB, key string, n int) []Call {
	tb.Helper()
	cs := f.calls.Await(n, 5*time.Second, toEndpoint(key))
	if len(cs) < n {
		tb.Fatalf("%d %s calls, want %d", len(cs), key, n)
	}
	return cs
}

// toEndpoint matches the calls to the endpoint key, or every call for "".
func toEndpoint(key string) func(Call) bool {
	return func(c Call) bool { return key == "" || c.Key == key }
}

// WaitCall waits for the first call to an endpoint.
func (f *Server) WaitCall(tb testing.TB, key string) Call {
	tb.Helper()
	return f.WaitCalls(tb, key, 1)[0]
}

// Card returns a copy of the interactive card outTrackID as it stands now.
func (f *Server) Card(outTrackID string) (Card, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.cards[outTrackID]
	if !ok {
		return Card{}, false
	}
	out := *c
	out.Params = maps.Clone(c.Params)
	return out, true
}

// Cards returns every interactive card, in the order of their outTrackIds.
func (f *Server) Cards() []Card {
	f.mu.Lock()
	ids := slices.Sorted(maps.Keys(f.cards))
	f.mu.Unlock()
	var out []Card
	for _, id := range ids {
		c, _ := f.Card(id)
		out = append(out, c)
	}
	return out
}

// File is a file posted with msgKey sampleFile.
type File struct {
	MediaID, FileName, FileType string
	To                          string // the user (batchSend) or the conversation (groupSend)
	Data                        []byte // what was uploaded under MediaID; nil if it never was
}

// Files returns the files posted so far (robot messages with msgKey
// sampleFile that the fake answered itself), oldest first.
func (f *Server) Files() []File {
	var out []File
	for _, c := range f.Calls("") {
		if (c.Key != "batchSend" && c.Key != "groupSend") || c.JSON["msgKey"] != "sampleFile" || c.Scripted {
			continue
		}
		file := File{}
		file.MediaID, _ = c.Param["mediaId"].(string)
		file.FileName, _ = c.Param["fileName"].(string)
		file.FileType, _ = c.Param["fileType"].(string)
		file.To = recipient(c)
		f.mu.Lock()
		file.Data = f.media[file.MediaID]
		f.mu.Unlock()
		out = append(out, file)
	}
	return out
}

// recipient is the user (batchSend) or conversation (groupSend) a robot
// message went to.
func recipient(c Call) string {
	if c.Key == "groupSend" {
		to, _ := c.JSON["openConversationId"].(string)
		return to
	}
	if users, _ := c.JSON["userIds"].([]any); len(users) > 0 {
		to, _ := users[0].(string)
		return to
	}
	return ""
}

// Images returns the pictures posted so far (robot messages with msgKey
// sampleImageMsg that the fake answered itself), oldest first.
func (f *Server) Images() []Image {
	var out []Image
	for _, c := range f.Calls("") {
		if (c.Key != "batchSend" && c.Key != "groupSend") || c.JSON["msgKey"] != "sampleImageMsg" || c.Scripted {
			continue
		}
		img := Image{}
		img.MediaID, _ = c.Param["photoURL"].(string)
		img.To = recipient(c)
		f.mu.Lock()
		img.PNG = f.media[img.MediaID]
		f.mu.Unlock()
		out = append(out, img)
	}
	return out
}

// Dump lists the calls, one a line, for a failing test's log.
func (f *Server) Dump() string {
	var b strings.Builder
	for _, c := range f.Calls("") {
		fmt.Fprintf(&b, "  %s %s %s", c.Method, c.Key, c.Body)
		if c.Media != nil {
			fmt.Fprintf(&b, "[%d bytes of %s]", len(c.Media), c.MediaName)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Sign returns the headers DingTalk signs a robot's HTTP callback with:
// the timestamp (ms) and Base64(HMAC-SHA256(secret, timestamp+"\n"+secret)).
// It is written here independently of the adapter's VerifySign, which is
// checked against its own vector.
func Sign(secret string, at time.Time) (timestamp, sign string) {
	timestamp = strconv.FormatInt(at.UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "\n" + secret))
	return timestamp, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SignedRequest is a robot callback POST of body to url, signed with
// secret at the time at.
func SignedRequest(url, secret string, body []byte, at time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if !strings.HasPrefix(url, "/") {
		r, _ = http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	}
	timestamp, signature := Sign(secret, at)
	r.Header.Set("timestamp", timestamp)
	r.Header.Set("sign", signature)
	r.Header.Set("Content-Type", "application/json")
	return r
}

// Click is a click on an interactive card's button, as the Stream topic
// /v1.0/card/instances/callback brings it.
type Click struct {
	OutTrackID string // the card
	UserID     string // who clicked (staff id)
	CorpID     string
	SpaceID    string // the conversation the card is in
	// Params are the button's callback parameters (回传参数), e.g.
	// {"action":"task.done","value":"1"}.
	Params map[string]any
}

// Data is the frame's data: the callback, whose content is itself JSON.
func (c Click) Data() string {
	content := MustJSON(map[string]any{"cardPrivateData": map[string]any{"actionIds": []string{"button_node_1"}, "params": c.Params}})
	return MustJSON(map[string]any{
		"extension": "{}", "corpId": c.CorpID, "spaceType": "im", "userIdType": 1, "type": "actionCallback",
		"userId": c.UserID, "content": content, "spaceId": c.SpaceID, "outTrackId": c.OutTrackID, "value": content,
	})
}

// BotMessage is a robot message, as the Stream topic
// /v1.0/im/bot/messages/get or the HTTP callback brings it.
type BotMessage struct {
	MsgID          string
	ConversationID string
	Group          bool // conversationType "2"; otherwise "1", a one-to-one chat
	SenderStaffID  string
	CorpID         string
	Text           string
	SessionWebhook string // "" for none
	Expires        time.Time
	// RepliedTo, when set, makes the message a reply (引用回复) to another,
	// carried as text.isReplyMsg and text.repliedMsg.
	RepliedTo *Replied
}

// Replied is the message a reply answers, as the robot callback carries it
// (undocumented fields; this is their observed shape). RichText sends the
// text as a rich-text message's text part instead of content.text.
type Replied struct {
	MsgID, SenderStaffID, SenderNick, Text string
	RichText                               bool
}

func (r *Replied) json() map[string]any {
	content := map[string]any{"text": r.Text}
	typ := "text"
	if r.RichText {
		typ, content = "richText", map[string]any{"richText": []any{
			map[string]any{"type": "text", "text": r.Text}, map[string]any{"type": "picture", "downloadCode": "dc1"}}}
	}
	return map[string]any{"msgId": r.MsgID, "msgType": typ, "senderId": "$:LWCP_v1:$" + r.SenderStaffID,
		"senderStaffId": r.SenderStaffID, "senderNick": r.SenderNick, "content": content}
}

// Data is the message's JSON.
func (m BotMessage) Data() string {
	typ := "1"
	if m.Group {
		typ = "2"
	}
	v := map[string]any{
		"msgId": m.MsgID, "conversationId": m.ConversationID, "conversationType": typ,
		"senderStaffId": m.SenderStaffID, "senderId": "$:LWCP_v1:$" + m.SenderStaffID, "senderNick": m.SenderStaffID,
		"chatbotCorpId": m.CorpID, "senderCorpId": m.CorpID, "isInAtList": m.Group, "msgtype": "text",
		"text": map[string]string{"content": m.Text}, "createAt": time.Now().UnixMilli(),
	}
	if m.RepliedTo != nil {
		v["text"] = map[string]any{"content": m.Text, "isReplyMsg": true, "repliedMsg": m.RepliedTo.json()}
	}
	if m.SessionWebhook != "" {
		v["sessionWebhook"], v["sessionWebhookExpiredTime"] = m.SessionWebhook, m.Expires.UnixMilli()
	}
	return MustJSON(v)
}

// MustJSON encodes v.
func MustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
