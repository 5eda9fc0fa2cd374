package link_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/remind"
)

var (
	codeRE    = regexp.MustCompile(`link code is ([A-Z0-9]{8})`)
	requestRE = regexp.MustCompile(`link accept (\d+)`)
)

// linkBoth runs the whole link: owner (on the console) asks for a code, the
// account on another platform types it and confirms, and owner accepts. It
// returns the replies of each step.
func linkBoth(h *commandstest.Harness, owner, platform, workspace, user, name string) (typed, confirmed, accepted string) {
	h.T.Helper()
	m := codeRE.FindStringSubmatch(h.Say(owner, "link"))
	if m == nil {
		h.T.Fatal("no link code")
	}
	typed = h.SendOn(platform, workspace, user, name, "link "+strings.ToLower(m[1]))
	confirmed = h.SendOn(platform, workspace, user, name, "link confirm "+m[1])
	var req []string
	for _, q := range h.QueuedCards(owner) {
		if r := requestRE.FindStringSubmatch(q); r != nil {
			req = r
		}
	}
	if req == nil {
		h.T.Fatalf("%s was not asked to accept; typed %q, confirmed %q", owner, typed, confirmed)
	}
	accepted = h.Say(owner, "link accept "+req[1])
	return typed, confirmed, accepted
}

// Ensure a code shown on one platform and typed on another makes one person
// of two accounts, with their tasks, reminders and direct messages, once
// both sides said yes.
func TestLink_AcrossPlatforms(t *testing.T) {
	h, _ := commandstest.NewScheduling(t)
	h.Meet("bob")
	h.Say("alice", `task new "poster" @bob`)
	h.SendOn("slack", "T1", "U2", "bob", "hi")
	h.SendOn("slack", "T1", "U2", "bob", "remind me tomorrow 9am check the poster")

	typed, confirmed, accepted := linkBoth(h, "bob", "slack", "T1", "U2", "bob")
	for got, want := range map[string]string{
		typed:     "Link this account to @bob (bob)? This account, its tasks and its reminders become theirs",
		confirmed: "I asked @bob to accept (request 1). Nothing changes until they do.",
		accepted:  "Linked: you are @bob on console, slack.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("reply %q lacks %q", got, want)
		}
	}
	if reply := h.SendOn("slack", "T1", "U2", "bob", "task list"); !strings.Contains(reply, "#1 [to do] poster") {
		t.Fatalf("bob on slack does not see his console task: %q", reply)
	}
	bob := h.Person("bob")
	for _, j := range h.Jobs(bot.JobFilter{Kind: remind.JobReminder}) {
		if j.OwnerID != bob.ID || !strings.Contains(string(j.Payload), fmt.Sprintf(`"to_person":%d`, bob.ID)) {
			t.Fatalf("reminder not moved to the linked person: owner %d payload %s", j.OwnerID, j.Payload)
		}
	}
	var ps []*bot.Person
	h.DB.View(context.Background(), func(tx bot.Tx) (err error) { ps, err = tx.FindPeopleByName("bob2"); return })
	if len(ps) != 0 {
		t.Fatalf("the merged person still exists: %+v", ps[0])
	}
	// The Slack account was told too, at itself.
	var toSlack []string
	var out []*bot.Outgoing
	h.DB.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(bot.OutboxQueued, 100); return })
	for _, o := range out {
		if o.To.Platform == "slack" {
			toSlack = append(toSlack, o.Msg.Text)
		}
	}
	if !slices.Contains(toSlack, "Linked: this account is now @bob.") {
		t.Fatalf("the Slack account was not told: %q", toSlack)
	}
	h.Admin("root")
	h.Expect("root", "admin audit @bob", "@bob2 and @bob became one person: @bob2 typed the code and confirmed, @bob accepted.")

	// Direct messages follow the chosen home platform.
	h.Expect("bob", "home slack", "Your direct messages and reminders now go to slack.")
	h.Expect("bob", "主平台 钉钉", "你没有关联 dingtalk 账号")
	h.Say("alice", `task new "slides" @bob`)
	h.DB.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(bot.OutboxQueued, 10); return })
	if len(out) == 0 || out[0].To.Platform != "slack" || out[0].To.UserID != "U2" {
		t.Fatalf("notification went to %+v, want slack U2", out[0].To)
	}
}

// Ensure typing someone's code changes nothing by itself: the code stays
// unused until the typing account confirms, and after that nothing changes
// until the code's owner accepts; the owner may decline, and an answer
// counts once.
func TestLink_NeedsBothSides(t *testing.T) {
	h := commandstest.New(t)
	h.Admin("alice")
	m := codeRE.FindStringSubmatch(h.Say("alice", "link"))
	mallory := bot.Account{Platform: "slack", Workspace: "T1", UserID: "UM"}
	h.SendOn("slack", "T1", "UM", "mallory", "link "+m[1])
	if p := h.PersonOf(mallory); p.Handle == "alice" || p.Role != bot.RoleMember {
		t.Fatalf("typing the code made the account %s, a %s", p.Handle, p.Role)
	}
	h.SendOn("slack", "T1", "UM", "mallory", "link confirm "+m[1])
	if p := h.PersonOf(mallory); p.Handle == "alice" || p.Role != bot.RoleMember {
		t.Fatalf("confirming the code made the account %s, a %s", p.Handle, p.Role)
	}
	asked := strings.Join(h.QueuedFor("alice"), "\n")
	if !strings.Contains(asked, "@mallory (the slack account UM) used your link code and asks to become you.") ||
		!strings.Contains(asked, "The linked person keeps the lower of the two roles: member.") {
		t.Fatalf("alice was asked %q", asked)
	}
	// Someone else cannot answer for alice.
	h.Expect("mallory", "link accept 1", "There is no request 1 for you.")
	h.Expect("alice", "link decline 1", "OK, nothing was linked.")
	h.Expect("alice", "link accept 1", "You answered request 1 already.")
	if p := h.PersonOf(mallory); p.Handle == "alice" {
		t.Fatal("a declined link merged the accounts")
	}
	if got := h.Person("alice"); got.Role != bot.RoleAdmin {
		t.Fatalf("alice is a %s after declining", got.Role)
	}
}

// Ensure a link never raises a role: an admin's account and a member's
// become one person who is a member, whoever showed the code, and the change
// of role is in the audit log.
func TestLink_KeepsLowerRole(t *testing.T) {
	h := commandstest.New(t)
	h.Admin("alice")
	// The member shows the code and the admin types it (a member's trick).
	_, _, accepted := linkBoth(h, "mallory", bot.PlatformConsole, "local", "alice", "alice")
	if !strings.Contains(accepted, "Linked: you are @mallory") {
		t.Fatalf("accept reply %q", accepted)
	}
	if p := h.PersonOf(bot.Account{Platform: bot.PlatformConsole, Workspace: "local", UserID: "mallory"}); p.Role != bot.RoleMember {
		t.Fatalf("mallory became a %s by linking with an admin", p.Role)
	}
	// The admin shows the code and the member types it.
	h.Admin("root")
	linkBoth(h, "root", "slack", "T1", "UM2", "mallory2")
	if p := h.PersonOf(bot.Account{Platform: "slack", Workspace: "T1", UserID: "UM2"}); p.Handle != "root" || p.Role != bot.RoleMember {
		t.Fatalf("the linked account is %s, a %s; want root, a member", p.Handle, p.Role)
	}
	h.Admin("carol")
	h.Expect("carol", "admin audit @root", "@root became member (was admin) by linking with @mallory2.")
}

// Ensure codes are single-use, expire, and are checked.
func TestLink_BadCodes(t *testing.T) {
	h := commandstest.New(t)
	m := codeRE.FindStringSubmatch(h.Say("alice", "link"))
	h.SendOn("slack", "T1", "U1", "alice", "hi")
	if reply := h.SendOn("slack", "T1", "U1", "alice", "link WRONGCOD"); !strings.Contains(reply, "unknown or has expired") {
		t.Fatalf("wrong code: %q", reply)
	}
	h.SetNow(commandstest.Friday10.Add(11 * time.Minute))
	if reply := h.SendOn("slack", "T1", "U1", "alice", "关联 "+m[1]); !strings.Contains(reply, "这个代码无效或已过期") {
		t.Fatalf("expired code: %q", reply)
	}
	m = codeRE.FindStringSubmatch(h.Say("alice", "link"))
	h.Expect("alice", "link "+m[1], "That code is yours, from this same account")
	h.SendOn("slack", "T1", "U1", "alice", "link confirm "+m[1])
	if reply := h.SendOn("slack", "T1", "U1", "alice", "link confirm "+m[1]); !strings.Contains(reply, "unknown or has expired") {
		t.Fatalf("a used code worked twice: %q", reply)
	}
	m = codeRE.FindStringSubmatch(h.Say("alice", "link"))
	h.SendOn("slack", "T1", "U1", "alice", "link cancel "+m[1])
	if reply := h.SendOn("slack", "T1", "U1", "alice", "link "+m[1]); !strings.Contains(reply, "unknown or has expired") {
		t.Fatalf("a cancelled code still works: %q", reply)
	}
	// A request the owner leaves unanswered expires.
	h.SetNow(commandstest.Friday10.Add(3 * time.Hour))
	if reply := h.Say("alice", "link accept 1"); !strings.Contains(reply, "Request 1 has expired") {
		t.Fatalf("expired request: %q", reply)
	}
}
