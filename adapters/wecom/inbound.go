package wecom

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"strconv"
	"strings"

	"github.com/tandemhq/tandem/bot"
)

// This file turns a decrypted callback into *bot.Event.

// envelope is the POST body: the ciphertext and, in clear, where it is for.
type envelope struct {
	XMLName    xml.Name `xml:"xml"`
	ToUserName string   `xml:"ToUserName"`
	AgentID    string   `xml:"AgentID"`
	Encrypt    string   `xml:"Encrypt"`
}

// callback is the decrypted message or event. Only the fields Tandem reads
// are declared (接收消息与事件, document/path/90239 and 90240).
type callback struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   string   `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	Content      string   `xml:"Content"`
	MsgID        string   `xml:"MsgId"`
	AgentID      string   `xml:"AgentID"`
	Event        string   `xml:"Event"`
	EventKey     string   `xml:"EventKey"`
	TaskID       string   `xml:"TaskId"`
	CardType     string   `xml:"CardType"`
	ResponseCode string   `xml:"ResponseCode"`
}

func parseEnvelope(body []byte) (*envelope, error) {
	var e envelope
	if err := xml.Unmarshal(body, &e); err != nil || strings.TrimSpace(e.Encrypt) == "" {
		return nil, ErrMalformed
	}
	e.Encrypt = strings.TrimSpace(e.Encrypt)
	return &e, nil
}

func parseCallback(plain []byte) (*callback, error) {
	var c callback
	if err := xml.Unmarshal(plain, &c); err != nil {
		return nil, ErrMalformed
	}
	return &c, nil
}

// Button keys. A template card button carries one string, its key, which
// comes back as the EventKey of the click; Tandem's buttons have an action id
// and a value, so the key is "<action id>|<value>", e.g. "task.start|12".
// Action ids never contain "|"; the value may. WeCom wants keys unique within
// a card and at most 1024 bytes.
const (
	keySep       = "|"
	maxButtonKey = 1024
)

// ButtonKey returns the template card key for b.
func ButtonKey(b bot.Button) string { return b.ActionID + keySep + b.Value }

// ParseButtonKey splits a key made by ButtonKey. A key without "|" (not made
// by Tandem) is an action id with no value.
func ParseButtonKey(key string) (actionID, value string) {
	actionID, value, _ = strings.Cut(key, keySep)
	return actionID, value
}

// event normalizes a callback. It returns nil for what Tandem does not act
// on: other message types (images, voice, locations…), other events
// (enter_agent, menu clicks…), and messages for another app of the corp.
//
// An app's messages are always one-to-one with the app, so the event has
// no ChatID: replies go to the sender, in the outbox's per-user lane.
// WeCom app messages carry plain text; "@name" words stay as typed and the
// bot core resolves them as handles.
func (a *Adapter) event(c *callback) (*bot.Event, error) {
	if id := strings.TrimSpace(c.AgentID); id != "" && id != strconv.FormatInt(a.cfg.AgentID, 10) {
		a.log.Warn("wecom: callback for another agent ignored", "agent_id", id)
		return nil, nil
	}
	switch {
	case c.MsgType == "text":
		return a.textEvent(c)
	case c.MsgType == "event" && c.Event == "template_card_event":
		return a.cardEvent(c)
	}
	return nil, nil
}

func (a *Adapter) textEvent(c *callback) (*bot.Event, error) {
	if c.MsgID == "" || c.FromUserName == "" {
		return nil, ErrMalformed
	}
	return &bot.Event{
		Platform:  bot.PlatformWeCom,
		Workspace: a.cfg.CorpID,
		DedupKey:  "msg:" + c.MsgID,
		ChatType:  bot.ChatDirect,
		MessageID: c.MsgID,
		Sender:    bot.Author{UserID: c.FromUserName},
		Text:      strings.TrimSpace(c.Content),
	}, nil
}

// cardEvent normalizes a template card button click. Events have no MsgId;
// WeCom's redeliveries repeat the sender and CreateTime, which is the
// documented key, and the task id and button key are added so that two
// clicks within one second are not taken for one. The button key is added
// as a keyed digest (clickDigest), never as it is: the dedup key outlives
// the event's payload in the inbox, and next to the sender a button key
// would say what they chose — on an anonymous ballot, their vote.
func (a *Adapter) cardEvent(c *callback) (*bot.Event, error) {
	if c.FromUserName == "" || c.CreateTime == "" || c.EventKey == "" {
		return nil, ErrMalformed
	}
	id, value := ParseButtonKey(c.EventKey)
	ev := &bot.Event{
		Platform:  bot.PlatformWeCom,
		Workspace: a.cfg.CorpID,
		DedupKey:  "card:" + c.FromUserName + ":" + c.CreateTime + ":" + c.TaskID + ":" + a.clickDigest(c.EventKey),
		ChatType:  bot.ChatDirect,
		MessageID: c.TaskID,
		Sender:    bot.Author{UserID: c.FromUserName},
		// The click's response_code can update the clicked card once, within
		// 72 hours: it becomes that card's remote id (bot.Action.EditCode),
		// so the next update of the card (Request.UpdateCards) uses it.
		Action: &bot.Action{ID: id, Value: value, MessageID: c.TaskID, EditCode: c.ResponseCode},
	}
	return ev, nil
}

// clickDigest stands for a button key in a click's dedup key: the same
// for a redelivery, different for another button, and, being keyed with
// the app's callback AES key, not to be reversed by hashing a card's few
// button keys (a plain hash would be) by whoever reads the database
// without the config.
func (a *Adapter) clickDigest(eventKey string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(eventKey))
	return hex.EncodeToString(m.Sum(nil)[:12])
}
