package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/bot"
)

// Ensure the process wires the free/busy registry the meeting feature gets:
// Feishu's and DingTalk's apps read their users' calendars, a person's
// calendar_url is read, and a person on WeCom (no free/busy API) is left
// unchecked.
func TestFreeBusyWiring(t *testing.T) {
	feishuAPI, dingAPI := feishutest.NewServer(t), dingtalktest.New(t, "ding-fb", "fb-ding-secret")
	cst := time.FixedZone("CST", 8*3600)
	at := func(h int) time.Time { return time.Date(2026, 3, 2, h, 0, 0, 0, cst) }
	feishuAPI.SetBusy("ou_alice", feishutest.Busy{Start: at(10), End: at(11)})
	dingAPI.SetBusy("staff1", dingtalktest.Busy{Start: at(14), End: at(15)})
	ics := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/calendar")
		fmt.Fprint(w, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20260101T000000Z\r\n"+
			"DTSTART;TZID=Asia/Shanghai:20260302T160000\r\nDTEND;TZID=Asia/Shanghai:20260302T170000\r\nSUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	}))
	t.Cleanup(ics.Close)
	dir := t.TempDir()
	m := runMain(t, fmt.Sprintf(`
http: {addr: "%s"}
feishu:
  - app_id: cli_fb
    app_secret: fb-feishu-secret
    verification_token: fb-token
    encrypt_key: fb-key
    workspace: tk-fb
    host: %s
dingtalk:
  - client_id: ding-fb
    client_secret: fb-ding-secret
    robot_code: ding-fb
    mode: http
    api_url: %s
    oapi_url: %s
people:
  - {name: Alice, handle: alice, accounts: ["feishu:tk-fb:ou_alice"], calendar_url: "%s/private/alice.ics"}
  - {name: Bob, handle: bob, accounts: ["dingtalk:corp1:staff1"]}
  - {name: Carol, handle: carol, accounts: ["wecom:corp2:carol"]}
`, freeAddr(t), feishuAPI.URL, dingAPI.URL, dingAPI.URL, ics.URL), filepath.Join(dir, "tandem.db"), slog.New(slog.DiscardHandler))

	rep, err := m.FreeBusy.Busy(context.Background(), []bot.BusyQuery{
		{PersonID: 1, Handle: "alice", Accounts: []bot.Account{{Platform: bot.PlatformFeishu, Workspace: "tk-fb", UserID: "ou_alice"}}},
		{PersonID: 2, Handle: "bob", Accounts: []bot.Account{{Platform: bot.PlatformDingTalk, Workspace: "corp1", UserID: "staff1"}}},
		{PersonID: 3, Handle: "carol", Accounts: []bot.Account{{Platform: bot.PlatformWeCom, Workspace: "corp2", UserID: "carol"}}},
	}, at(0), at(23))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failed) != 0 {
		t.Fatalf("failed: %+v", rep.Failed)
	}
	a, b := rep.Busy[1], rep.Busy[2]
	if len(a) != 2 || !a[0].Start.Equal(at(10)) || a[1].What != "Dentist" || !a[1].Start.Equal(at(16)) {
		t.Fatalf("alice %+v", a)
	}
	if len(b) != 1 || !b[0].Start.Equal(at(14)) {
		t.Fatalf("bob %+v", b)
	}
	if !rep.Checked[1] || !rep.Checked[2] || rep.Checked[3] {
		t.Fatalf("checked %v", rep.Checked)
	}
}
