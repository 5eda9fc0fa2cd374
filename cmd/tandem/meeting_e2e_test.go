package main

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
)

// meetingFeishuYAML is liveFeishuYAML with carol and dave on Feishu too,
// and times in Shanghai.
func meetingFeishuYAML(addr, dbPath, api string) string {
	return liveFeishuYAML(addr, dbPath, api) + fmt.Sprintf(`  - {name: Carol, handle: carol, accounts: ["feishu:%[1]s:ou_carol"]}
  - {name: Dave, handle: dave, accounts: ["feishu:%[1]s:ou_dave"]}
`, liveFeishu.Tenant)
}

// TestMeetingEndToEnd_Feishu schedules a meeting on Feishu against the
// fake's calendar: bob's busy time on his Feishu calendar and carol's other
// Tandem meeting are both named before anything is scheduled, with the
// calendar asked through calendar/v4/freebusy; scheduled anyway, bob and
// carol get invitation cards, bob accepts on his and every copy is
// patched; minutes with three action items make three tasks, and the
// digest reaches each attendee.
func TestMeetingEndToEnd_Feishu(t *testing.T) {
	api := feishutest.NewServer(t)
	dbPath := filepath.Join(t.TempDir(), "tandem.db")
	logs := &dirLogs{}
	m := runMain(t, meetingFeishuYAML("127.0.0.1:0", dbPath, api.URL), dbPath, slog.New(slog.NewTextHandler(logs, nil)))
	defer func() {
		if t.Failed() {
			t.Logf("tandem logs:\n%s\nfeishu calls:\n%s", logs.take(), api.Dump())
		}
	}()
	base := m.Server.URL()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	start := time.Now().In(loc).Add(72 * time.Hour).Truncate(time.Hour)
	at := start.Format("2006-01-02T15:04")
	api.SetBusy("ou_bob", feishutest.Busy{Start: start.Add(30 * time.Minute), End: start.Add(90 * time.Minute)})

	seq := 0
	say := func(user, text string) {
		t.Helper()
		seq++
		id := fmt.Sprintf("om_%s_%d", user, seq)
		if code, resp := postFeishuEvent(t, base, liveFeishu.DirectMessage(fmt.Sprintf("ev-m-%d", seq), "ou_"+user, id, text, time.Now())); code != 200 {
			t.Fatalf("%s: %q: %d %s", user, text, code, resp)
		}
	}
	posted := func(match func(feishutest.Message) bool) []feishutest.Message {
		var out []feishutest.Message
		for _, msg := range api.Messages() {
			if match(msg) {
				out = append(out, msg)
			}
		}
		return out
	}
	waitFor := func(what string, match func(feishutest.Message) bool) feishutest.Message {
		t.Helper()
		if !feishutest.WaitFor(5*time.Second, func() bool { return len(posted(match)) > 0 }) {
			t.Fatalf("never posted: %s", what)
		}
		got := posted(match)
		return got[len(got)-1]
	}
	has := func(subs ...string) func(feishutest.Message) bool {
		return func(msg feishutest.Message) bool {
			for _, s := range subs {
				if !strings.Contains(msg.Content, s) {
					return false
				}
			}
			return true
		}
	}

	say("alice", fmt.Sprintf(`meeting new "Budget" at:%s 1h @carol`, at))
	waitFor("alice's meeting", has("Scheduled M-1"))
	say("dave", fmt.Sprintf(`meeting new "Q3 plan" at:%s 1h @bob @carol`, at))
	conflict := waitFor("the conflicts", has("Not scheduled yet"))
	for _, want := range []string{"@carol: M-1 Budget", "@bob: busy in their calendar", "Go ahead anyway"} {
		if !strings.Contains(conflict.Content, want) {
			t.Errorf("the conflicts lack %q: %s", want, conflict.Content)
		}
	}
	if calls := api.Matching(func(c feishutest.Call) bool {
		return c.Path == feishutest.PathFreeBusyBatch || c.Path == feishutest.PathFreeBusyList
	}); len(calls) == 0 {
		t.Error("Feishu's free/busy was never asked")
	}
	if len(posted(has("M-2"))) != 0 {
		t.Fatal("scheduled despite the conflicts")
	}

	say("dave", fmt.Sprintf(`meeting new "Q3 plan" at:%s 1h @bob @carol anyway`, at))
	invite := waitFor("bob's invitation", func(msg feishutest.Message) bool {
		return msg.ReceiveID == "ou_bob" && msg.MsgType == "interactive" && strings.Contains(msg.Content, "M-2 Q3 plan")
	})
	waitFor("carol's invitation", func(msg feishutest.Message) bool {
		return msg.ReceiveID == "ou_carol" && strings.Contains(msg.Content, "M-2 Q3 plan") && strings.Contains(msg.Content, "meeting.accept")
	})
	click := liveFeishu.Click("ev-m-accept", "ou_bob", "oc_ou_bob", invite.ID, "meeting.accept", "2", time.Now())
	if code, resp := postFeishuEvent(t, base, click); code != 200 || !strings.Contains(resp, "You accepted M-2") {
		t.Fatalf("bob's accept: %d %s", code, resp)
	}
	if !feishutest.WaitFor(5*time.Second, func() bool {
		for _, msg := range posted(has("M-2 Q3 plan", "meeting.accept")) {
			if !strings.Contains(msg.Content, "@dave, @bob") {
				return false
			}
		}
		return true
	}) {
		t.Errorf("not every copy of the card shows bob's answer: %+v", posted(has("M-2 Q3 plan")))
	}

	say("dave", "minutes 2\n- budget is tight\ndecision: go with vendor B\n"+
		`action @bob "send the budget" due:"`+start.AddDate(0, 0, 2).Format("2006-01-02")+`"`+"\n"+
		`action @carol "book the room"`+"\n"+`action @dave "draft the plan"`)
	waitFor("the minutes' answer", has("action items 3", "#1, #2, #3"))
	say("dave", "minutes 2 send")
	for _, who := range []string{"ou_bob", "ou_carol"} {
		digest := waitFor(who+"'s digest", func(msg feishutest.Message) bool {
			return msg.ReceiveID == who && strings.Contains(msg.Content, "Minutes of M-2")
		})
		for _, want := range []string{"go with vendor B", "@bob: send the budget", "(task #1)", "@dave: draft the plan"} {
			if !strings.Contains(digest.Content, want) {
				t.Errorf("%s's digest lacks %q: %s", who, want, digest.Content)
			}
		}
	}
}
