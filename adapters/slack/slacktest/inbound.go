package slacktest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Sign returns Slack's v0 signature headers for body sent at ts: the hex
// HMAC-SHA256, keyed with the signing secret, of "v0:" + ts + ":" + body.
// It is written here independently of the adapter's verifier, so a test
// that signs with it checks the verifier against a second implementation
// (the adapter's own tests check it against Slack's published vectors).
func Sign(secret string, ts time.Time, body []byte) http.Header {
	sec := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", sec)
	mac.Write(body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", sec)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

// Form and JSONType are the content types of Slack's inbound requests:
// slash commands and interactions are forms, events JSON.
const (
	FormType = "application/x-www-form-urlencoded"
	JSONType = "application/json"
)

// SignedRequest is a POST of body to target, signed with secret at ts.
func SignedRequest(target, contentType, secret string, ts time.Time, body []byte) *http.Request {
	r, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	for k, v := range Sign(secret, ts, body) {
		r.Header[k] = v
	}
	r.Header.Set("Content-Type", contentType)
	return r
}

// Command is a slash command invocation.
type Command struct {
	Command, Text                 string // default "/tandem"
	Team, Channel, User, UserName string // default T1, C1
	Trigger, ResponseURL          string
}

// Body is the form Slack posts.
func (c Command) Body() []byte {
	if c.Command == "" {
		c.Command = "/tandem"
	}
	return []byte(url.Values{
		"command": {c.Command}, "text": {c.Text}, "team_id": {or(c.Team, "T1")}, "channel_id": {or(c.Channel, "C1")},
		"user_id": {c.User}, "user_name": {c.UserName}, "trigger_id": {c.Trigger}, "response_url": {c.ResponseURL},
	}.Encode())
}

// Click is a block_actions interaction: User clicked the button ActionID
// (with Value) on the message MessageTS in Channel.
type Click struct {
	Team, User, UserName, Channel string // Team defaults to T1
	MessageTS, ThreadTS           string
	Ephemeral                     bool // the clicked message was ephemeral
	ActionID, Value               string
	Trigger, ResponseURL          string
}

// Body is the form Slack posts: payload=<JSON>.
func (c Click) Body() []byte {
	raw, _ := json.Marshal(map[string]any{
		"type":         "block_actions",
		"team":         map[string]any{"id": or(c.Team, "T1")},
		"user":         map[string]any{"id": c.User, "username": c.UserName, "name": c.UserName, "team_id": or(c.Team, "T1")},
		"api_app_id":   "A1",
		"trigger_id":   c.Trigger,
		"response_url": c.ResponseURL,
		"container": map[string]any{"type": "message", "message_ts": c.MessageTS, "thread_ts": c.ThreadTS,
			"channel_id": c.Channel, "is_ephemeral": c.Ephemeral},
		"channel": map[string]any{"id": c.Channel},
		"actions": []any{map[string]any{"action_id": c.ActionID, "block_id": "b1", "value": c.Value, "type": "button",
			"action_ts": c.Trigger}},
	})
	return []byte(url.Values{"payload": {string(raw)}}.Encode())
}

// Shortcut is a message shortcut (message_action): User used the shortcut
// CallbackID on the message MessageTS, written by Author with Text, in
// Channel of the workspace Team (Domain is its slack.com subdomain).
type Shortcut struct {
	Team, Domain, User, UserName, Channel string // Team defaults to T1
	CallbackID                            string
	MessageTS, ThreadTS, Author, Text     string
	Trigger, ResponseURL                  string
}

// Body is the form Slack posts: payload=<JSON>, in the shape of
// https://api.slack.com/reference/interaction-payloads/shortcuts#message_actions.
func (s Shortcut) Body() []byte {
	msg := map[string]any{"type": "message", "user": s.Author, "ts": s.MessageTS, "text": s.Text}
	if s.ThreadTS != "" {
		msg["thread_ts"] = s.ThreadTS
	}
	raw, _ := json.Marshal(map[string]any{
		"type":         "message_action",
		"callback_id":  s.CallbackID,
		"trigger_id":   s.Trigger,
		"response_url": s.ResponseURL,
		"action_ts":    s.Trigger,
		"message_ts":   s.MessageTS,
		"team":         map[string]any{"id": or(s.Team, "T1"), "domain": s.Domain},
		"user":         map[string]any{"id": s.User, "username": s.UserName, "name": s.UserName, "team_id": or(s.Team, "T1")},
		"channel":      map[string]any{"id": s.Channel, "name": "general"},
		"message":      msg,
	})
	return []byte(url.Values{"payload": {string(raw)}}.Encode())
}

// Event is an Events API callback carrying event.
func Event(team, eventID string, event map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"token": "x", "team_id": or(team, "T1"), "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": 1700000000, "event": event,
	})
	return b
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
