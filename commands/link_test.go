package commands_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/console"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
)

// sendOn delivers text from a user on any platform and returns the replies.
func (h *harness) sendOn(platform, workspace, user, name, text string) string {
	h.t.Helper()
	h.seq++
	ev := &bot.Event{Platform: platform, Workspace: workspace, DedupKey: fmt.Sprint("k", h.seq), ChatID: "D" + user,
		ChatType: bot.ChatDirect, Sender: bot.Author{UserID: user, Name: name}, Text: text}
	res, err := h.bot.Accept(context.Background(), ev, 10*time.Second)
	if err != nil || !res.Done {
		h.t.Fatalf("%q: %+v %v", text, res, err)
	}
	var parts []string
	for _, m := range res.Replies {
		parts = append(parts, console.Render(m))
	}
	return strings.Join(parts, "\n")
}

var codeRE = regexp.MustCompile(`link code is ([A-Z0-9]{8})`)

// Ensure a code shown on one platform and typed on another makes one person
// of two accounts, with their tasks, reminders and direct messages.
func TestLink_AcrossPlatforms(t *testing.T) {
	h, _ := reminderHarness(t)
	h.meet("bob")
	h.say("alice", `task new "poster" @bob`)
	h.sendOn("slack", "T1", "U2", "bob", "hi")
	h.sendOn("slack", "T1", "U2", "bob", "remind me tomorrow 9am check the poster")

	got := h.say("bob", "link")
	m := codeRE.FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("no code in %q", got)
	}
	if reply := h.sendOn("slack", "T1", "U2", "bob", "link "+strings.ToLower(m[1])); !strings.Contains(reply, "Linked: you are @bob on console, slack.") {
		t.Fatalf("link reply = %q", reply)
	}
	if reply := h.sendOn("slack", "T1", "U2", "bob", "task list"); !strings.Contains(reply, "#1 [to do] poster") {
		t.Fatalf("bob on slack does not see his console task: %q", reply)
	}
	bob := h.person("bob")
	for _, j := range h.jobs(bot.JobFilter{Kind: commands.JobReminder}) {
		if j.OwnerID != bob.ID || !strings.Contains(string(j.Payload), fmt.Sprintf(`"to_person":%d`, bob.ID)) {
			t.Fatalf("reminder not moved to the linked person: owner %d payload %s", j.OwnerID, j.Payload)
		}
	}
	var ps []*bot.Person
	h.db.View(context.Background(), func(tx bot.Tx) (err error) { ps, err = tx.FindPeopleByName("bob2"); return })
	if len(ps) != 0 {
		t.Fatalf("the merged person still exists: %+v", ps[0])
	}

	// Direct messages follow the chosen home platform.
	h.expect("bob", "home slack", "Your direct messages and reminders now go to slack.")
	h.expect("bob", "主平台 钉钉", "你没有关联 dingtalk 账号")
	h.say("alice", `task new "slides" @bob`)
	var out []*bot.Outgoing
	h.db.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(bot.OutboxQueued, 10); return })
	if len(out) == 0 || out[0].To.Platform != "slack" || out[0].To.UserID != "U2" {
		t.Fatalf("notification went to %+v, want slack U2", out[0].To)
	}
}

// Ensure codes are single-use, expire, and are checked.
func TestLink_BadCodes(t *testing.T) {
	h := newHarness(t)
	m := codeRE.FindStringSubmatch(h.say("alice", "link"))
	h.sendOn("slack", "T1", "U1", "alice", "hi")
	if reply := h.sendOn("slack", "T1", "U1", "alice", "link WRONGCOD"); !strings.Contains(reply, "unknown or has expired") {
		t.Fatalf("wrong code: %q", reply)
	}
	h.setNow(friday10.Add(11 * time.Minute))
	if reply := h.sendOn("slack", "T1", "U1", "alice", "关联 "+m[1]); !strings.Contains(reply, "这个代码无效或已过期") {
		t.Fatalf("expired code: %q", reply)
	}
	m = codeRE.FindStringSubmatch(h.say("alice", "link"))
	h.expect("alice", "link "+m[1], "That code is yours, from this same account")
	if reply := h.sendOn("slack", "T1", "U1", "alice", "link "+m[1]); !strings.Contains(reply, "unknown or has expired") {
		t.Fatalf("a used code worked twice: %q", reply)
	}
}
