package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
)

// warRoomYAML is liveFeishuYAML with QA (head quinn, member qa1) and the
// requester sally, all at home on Feishu.
func warRoomYAML(addr, dbPath, api string) string {
	return fmt.Sprintf(`
http: {addr: %q}
storage: {path: %q}
bot: {notify_window: 0s}
console: {enabled: false}
feishu:
  - {app_id: %s, app_secret: s, verification_token: %s, encrypt_key: %s, workspace: %s, host: %s}
departments:
  - {name: QA, head: quinn}
people:
  - {name: Quinn, handle: quinn, dept: QA, accounts: ["feishu:%[6]s:ou_quinn"]}
  - {name: Qa One, handle: qa1, dept: QA, accounts: ["feishu:%[6]s:ou_qa1"]}
  - {name: Sally, handle: sally, accounts: ["feishu:%[6]s:ou_sally"]}
`, addr, dbPath, liveFeishu.AppID, liveFeishu.Token, xpFeishuKey, liveFeishu.Tenant, api)
}

// roomTexts are the texts of the messages posted into chat.
func roomTexts(api *feishutest.Server, chat string) string {
	var b strings.Builder
	for _, m := range api.Messages() {
		if m.ReceiveID == chat && m.MsgType == "text" {
			b.WriteString(m.Content + "\n")
		}
	}
	return b.String()
}

// Ensure a P1 opened on Feishu gets a war room through the real process:
// the group is created on the platform's fake with the responders (the
// head who owns it as its owner, the requester, the department's member),
// the card and the timeline so far are posted into it, and a later status
// change follows there. The first answer to the group's creation is lost
// after Feishu made it; the job's retry asks with the same uuid and gets
// the same group: one group, recorded once.
func TestWarRoomEndToEnd(t *testing.T) {
	api := feishutest.NewServer(t)
	// The first creation is made, but its answer is lost: the fake is asked
	// again (with the same request) and the caller gets an answer without
	// a chat_id, which fails the run.
	var creations atomic.Int32
	api.Answer(feishutest.PathChats, func(c feishutest.Call) (string, bool) {
		if c.Method != http.MethodPost || creations.Add(1) != 1 {
			return "", false
		}
		req, _ := http.NewRequest(http.MethodPost, api.URL+c.Path+"?"+c.Query.Encode(), bytes.NewReader(c.Raw))
		req.Header = c.Header.Clone()
		if resp, err := api.Client().Do(req); err == nil {
			resp.Body.Close()
		}
		return `{"code":0,"msg":"success","data":{}}`, true
	})
	dbPath := filepath.Join(t.TempDir(), "tandem.db")
	logs := &dirLogs{}
	m := runMain(t, warRoomYAML("127.0.0.1:0", dbPath, api.URL), dbPath, slog.New(slog.NewTextHandler(logs, nil)))
	defer func() {
		if t.Failed() {
			t.Logf("tandem logs:\n%s\nfeishu calls:\n%s", logs.take(), api.Dump())
		}
	}()
	base := m.Server.URL()
	say := func(id, user, text string) {
		t.Helper()
		if code, resp := postFeishuEvent(t, base, liveFeishu.DirectMessage(id, user, "om_"+id, text, time.Now())); code != 200 {
			t.Fatalf("%s: %d %s", text, code, resp)
		}
	}
	say("ev-wr-1", "ou_sally", `ticket open "Line 3 stopped" p:P1 for:QA`)

	// The retry (5–10 s after the lost answer) gets the group, and the room
	// gets the card and the timeline.
	var chat feishutest.Chat
	if !feishutest.WaitFor(20*time.Second, func() bool {
		chats := api.Chats()
		if len(chats) > 0 {
			chat = chats[0]
		}
		return chat.ID != "" && strings.Contains(roomTexts(api, chat.ID), "opened it: Line 3 stopped")
	}) {
		t.Fatalf("no war room with its timeline; chats %+v", api.Chats())
	}
	if members := slices.Sorted(slices.Values(chat.Members)); strings.Join(members, " ") != "ou_qa1 ou_quinn ou_sally" || chat.OwnerID != "ou_quinn" ||
		!strings.Contains(chat.Name, "T-1") {
		t.Errorf("chat %+v", chat)
	}
	if n := len(api.Chats()); n != 1 || creations.Load() < 3 || api.Repeats() != 1 {
		t.Errorf("%d chats after %d creation calls (%d answered from the uuid), want 1 group asked for again", n, creations.Load(), api.Repeats())
	}
	cardInRoom := func() (feishutest.Message, bool) {
		for _, m := range api.Messages() {
			if m.ReceiveID == chat.ID && m.MsgType == "interactive" && strings.Contains(m.Content, "T-1 Line 3 stopped") {
				return m, true
			}
		}
		return feishutest.Message{}, false
	}
	if _, ok := cardInRoom(); !ok {
		t.Fatalf("no ticket card in the room")
	}

	say("ev-wr-2", "ou_quinn", "ticket ack 1")
	if !feishutest.WaitFor(10*time.Second, func() bool { return strings.Contains(roomTexts(api, chat.ID), "@quinn set it to acknowledged") }) {
		t.Fatalf("the ack never reached the room:\n%s", roomTexts(api, chat.ID))
	}
	if !feishutest.WaitFor(5*time.Second, func() bool { c, _ := cardInRoom(); return c.Patches > 0 }) {
		t.Errorf("the room's card was never edited")
	}
	if n := len(api.Chats()); n != 1 {
		t.Errorf("%d chats, want 1", n)
	}
}
