package ticket_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands/commandstest"
	ticketcmd "github.com/tandemhq/tandem/commands/ticket"
	"github.com/tandemhq/tandem/commands/warroom"
)

// groups is a fake bot.GroupCreators: one app per place in can, each
// creating one group per key (as the platforms promise for a repeated
// key), or answering err.
type groups struct {
	mu    sync.Mutex
	can   map[string]bool // "platform/workspace"
	specs []bot.GroupSpec
	byKey map[string]bot.Destination
	err   error
}

func newGroups(places ...string) *groups {
	g := &groups{can: map[string]bool{}, byKey: map[string]bot.Destination{}}
	for _, p := range places {
		g.can[p] = true
	}
	return g
}

func (g *groups) GroupCreator(platform, workspace string) (bot.GroupCreator, bool) {
	if !g.can[platform+"/"+workspace] {
		return nil, false
	}
	return creatorOn{g, platform}, true
}

type creatorOn struct {
	g        *groups
	platform string
}

func (c creatorOn) CreateGroup(_ context.Context, spec bot.GroupSpec) (bot.Destination, error) {
	c.g.mu.Lock()
	defer c.g.mu.Unlock()
	c.g.specs = append(c.g.specs, spec)
	if c.g.err != nil {
		return bot.Destination{}, c.g.err
	}
	if d, ok := c.g.byKey[spec.Key]; ok {
		return d, nil
	}
	d := bot.Destination{Platform: c.platform, Workspace: spec.Workspace, ChatID: fmt.Sprintf("room%d", len(c.g.byKey)+1)}
	c.g.byKey[spec.Key] = d
	return d, nil
}

// link gives each handle an account: "handle=platform/workspace/user".
func link(h *commandstest.Harness, links ...string) {
	h.T.Helper()
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		for _, l := range links {
			handle, acct, _ := strings.Cut(l, "=")
			parts := strings.Split(acct, "/")
			p := h.Person(handle)
			if err := tx.LinkAccount(p.ID, bot.Account{Platform: parts[0], Workspace: parts[1], UserID: parts[2]}, handle, h.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		h.T.Fatal(err)
	}
}

// roomOutbox is what is queued for chat, in order: texts, and whether
// each is an edit.
func roomOutbox(h *commandstest.Harness, chat string) []*bot.Outgoing {
	var out []*bot.Outgoing
	for _, o := range outbox(h) {
		if o.To.ChatID == chat {
			out = append(out, o)
		}
	}
	return out
}

// warRoomOrg is QA (head @quinn, @qa1, @qa2) and Sales (@sam, @sally),
// with Feishu accounts for @quinn, @sally and @qa1 and Slack accounts
// for @quinn and @qa2: three responders on Feishu, two on Slack, where g
// can create groups on both.
func warRoomOrg(t *testing.T, g *groups) *commandstest.Harness {
	h := newOrg(t, ticketcmd.Config{}, commandstest.GroupCreators(g))
	link(h, "quinn=feishu/tenant1/ou_quinn", "quinn=slack/T1/UQUINN", "sally=feishu/tenant1/ou_sally",
		"qa1=feishu/tenant1/ou_qa1", "qa2=slack/T1/UQA2")
	return h
}

func warRoomJob(h *commandstest.Harness) *bot.Job {
	h.T.Helper()
	jobs := h.Jobs(bot.JobFilter{Kind: warroom.JobKind, State: bot.JobPending})
	if len(jobs) != 1 {
		h.T.Fatalf("war room jobs = %+v, want one", jobs)
	}
	return jobs[0]
}

// Ensure a P1 opens a war room on the platform where most responders are,
// with the owner, the requester and the department's members there (the
// owner as the group's owner), records it, posts the card and the
// timeline so far into it, and then every later timeline entry, lines
// close together in one message; a second job for the ticket creates
// nothing.
func TestWarRoom_P1(t *testing.T) {
	g := newGroups("feishu/tenant1", "slack/T1")
	h := warRoomOrg(t, g)
	h.Expect("sally", `ticket open "Line 3 stopped" p:P1 for:QA`, "Opened T-1")
	h.Say("sally", `ticket open "Labels" p:P2 for:QA`)
	j := warRoomJob(h) // the P2 asked for none
	if j.DedupKey != "warroom/1/feishu/tenant1" {
		t.Fatalf("job %q, want T-1's on Feishu", j.DedupKey)
	}
	h.FetchJob(j)
	if len(g.specs) != 1 {
		t.Fatalf("specs %+v", g.specs)
	}
	spec := g.specs[0]
	if got := memberIDs(spec); got != "ou_quinn ou_sally ou_qa1" || spec.Owner.UserID != "ou_quinn" || spec.Workspace != "tenant1" ||
		!strings.Contains(spec.Name, "T-1") || !strings.Contains(spec.Name, "Line 3 stopped") {
		t.Fatalf("spec %+v (members %s)", spec, got)
	}
	room := bot.Destination{Platform: bot.PlatformFeishu, Workspace: "tenant1", ChatID: "room1"}
	if tk := testTicket(1).get(h); tk.WarRoom != room {
		t.Fatalf("war room %+v, want %+v", tk.WarRoom, room)
	}
	evs := timeline(h, 1)
	if last := evs[len(evs)-1]; last.Kind != ticket.WarRoomSet || last.To != bot.PlatformFeishu {
		t.Fatalf("last event %+v", last)
	}
	in := roomOutbox(h, "room1")
	if len(in) != 2 || in[0].Msg.Card == nil || in[0].Msg.Card.Subject != "ticket/1" ||
		!strings.Contains(in[1].Msg.Text, "opened it: Line 3 stopped") || !strings.Contains(in[1].Msg.Text, "opened a war room on Feishu") {
		t.Fatalf("room got %+v", in)
	}
	// The owner's card (still queued) shows the room now: revised in place.
	if cards := h.QueuedCards("quinn"); len(cards) == 0 || !strings.Contains(strings.Join(cards, "\n"), "War room: Feishu") {
		t.Errorf("quinn's cards %q", cards)
	}
	posted(h, in[0], "om_card") // the room's card is posted: changes edit it

	h.SetNow(h.Now().Add(time.Minute))
	h.Say("quinn", "ticket ack 1")
	h.SetNow(h.Now().Add(time.Second))
	h.Say("qa1", "ticket comment 1 swapping the motor")
	in = roomOutbox(h, "room1")
	var lines []string
	for _, o := range in {
		if o.Msg.Edit == nil && strings.Contains(o.Key, "/warroom/event/") {
			lines = append(lines, o.Msg.Text)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "@quinn set it to acknowledged") || !strings.Contains(lines[0], "@qa1 commented: swapping the motor") {
		t.Fatalf("room lines %q, want the ack and the comment in one message", lines)
	}
	h.SetNow(h.Now().Add(time.Minute))
	h.Say("quinn", "ticket resolve 1 motor replaced")
	in = roomOutbox(h, "room1")
	var last *bot.Outgoing
	for _, o := range in {
		if strings.Contains(o.Key, "/warroom/event/") {
			last = o
		}
	}
	if last.Msg.Edit != nil || !strings.Contains(last.Msg.Text, "set it to resolved") || !strings.Contains(last.Msg.Text, "motor replaced") {
		t.Fatalf("last line in room %+v", last.Msg)
	}
	edits := 0
	for _, o := range in {
		if o.Msg.Edit != nil {
			edits++
		}
	}
	if edits == 0 {
		t.Error("the room's card was never edited")
	}

	// A second job for T-1 (asked again) finds the room and creates none.
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		_, err := warroom.Schedule(tx, warroom.Request{TicketID: 1, Platform: bot.PlatformSlack, Workspace: "T1", Members: []string{"UQA2"}}, h.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	h.FetchJob(warRoomJob(h))
	if len(g.specs) != 1 || testTicket(1).get(h).WarRoom != room {
		t.Fatalf("asked again: specs %d, room %+v", len(g.specs), testTicket(1).get(h).WarRoom)
	}
}

func memberIDs(spec bot.GroupSpec) string {
	var ids []string
	for _, m := range spec.Members {
		ids = append(ids, m.UserID)
	}
	return strings.Join(ids, " ")
}

// Ensure the ladder's escalations are posted into the war room too.
func TestWarRoom_EscalationPostedThere(t *testing.T) {
	g := newGroups("feishu/tenant1")
	h := warRoomOrg(t, g)
	h.Say("sally", `ticket open "Line 3 stopped" p:P1 for:QA`)
	h.FetchJob(warRoomJob(h))
	// P1: 15 minutes to first response, in wall-clock time; its 75 %
	// rung of the resolution (4 h) comes at 3 h.
	runUntil(h, h.Now().Add(3*time.Hour))
	var text string
	for _, o := range roomOutbox(h, "room1") {
		text += o.Msg.Text + "\n"
	}
	if !strings.Contains(text, "Tandem escalation step 1/3") || !strings.Contains(text, "first response target breached") {
		t.Fatalf("room got:\n%s", text)
	}
}

// Ensure a refusal (the app lacks a permission) leaves a note on the
// timeline and tells the owner, in their language, what an admin must
// grant; and that responders where no app can create groups get the same
// without a job.
func TestWarRoom_Refused(t *testing.T) {
	g := newGroups("feishu/tenant1")
	g.err = bot.Errorf(bot.EFORBIDDEN, "The Feishu app lacks the permission im:chat:create; an admin must grant it.",
		"飞书应用缺少 im:chat:create 权限，需要管理员开通。")
	h := warRoomOrg(t, g)
	h.Say("quinn", "lang zh")
	h.Say("sally", `ticket open "Line 3 stopped" p:P1 for:QA`)
	h.FetchJob(warRoomJob(h))
	tk := testTicket(1).get(h)
	evs := timeline(h, 1)
	if last := evs[len(evs)-1]; tk.WarRoom != (bot.Destination{}) || last.Kind != ticket.WarRoomSet || last.From != "refused" {
		t.Fatalf("room %+v, last event %+v", tk.WarRoom, last)
	}
	told := strings.Join(h.QueuedFor("quinn"), "\n")
	if !strings.Contains(told, "未能为工单 T-1（Line 3 stopped）建立应急群：飞书应用缺少 im:chat:create 权限") {
		t.Fatalf("quinn told %q", told)
	}

	// Only Slack can create groups, and nobody of QA is on Slack.
	h2 := newOrg(t, ticketcmd.Config{}, commandstest.GroupCreators(newGroups("slack/T1")))
	link(h2, "quinn=feishu/tenant1/ou_quinn")
	h2.Say("sally", `ticket open "Line 3 stopped" p:P1 for:QA`)
	if js := h2.Jobs(bot.JobFilter{Kind: warroom.JobKind}); len(js) != 0 {
		t.Fatalf("jobs %+v", js)
	}
	if told := strings.Join(h2.QueuedFor("quinn"), "\n"); !strings.Contains(told, "No war room was opened for T-1 Line 3 stopped: No app configured") {
		t.Fatalf("quinn told %q", told)
	}
	// Responders only on the console: no room, no note.
	h3 := newOrg(t, ticketcmd.Config{}, commandstest.GroupCreators(newGroups("slack/T1")))
	h3.Say("sally", `ticket open "Line 3 stopped" p:P1 for:QA`)
	for _, e := range timeline(h3, 1) {
		if e.Kind == ticket.WarRoomSet {
			t.Fatalf("console-only responders got %+v", e)
		}
	}
}

// Ensure a ladder's "group" step posts in each of the department's chats,
// on their own platforms.
func TestEscalation_GroupChats(t *testing.T) {
	ladder := ticket.Ladder{Name: "g", Steps: []ticket.Step{{Fraction: 1, Target: ticket.FirstResponse, Notify: []string{"group"}}}}
	h := newOrg(t, ticketcmd.Config{
		Policies: []ticket.Policy{{Name: "fast", Priority: ticket.P2, FirstResponse: time.Hour, Resolution: 8 * time.Hour, Clock: ticket.Wall, Ladder: ladder}},
		Groups: map[string][]bot.Destination{"qa": {
			{Platform: bot.PlatformFeishu, Workspace: "tenant1", ChatID: "oc_qa"},
			{Platform: bot.PlatformSlack, Workspace: "T1", ChatID: "C0QA"},
		}},
	})
	h.Say("sally", `ticket open "Labels" p:P2 for:QA`)
	got := runUntil(h, h.Now().Add(time.Hour))
	if len(got) != 1 || strings.Join(got[0].to, " ") != "C0QA oc_qa" {
		t.Fatalf("fired %+v", got)
	}
	for _, chat := range []string{"oc_qa", "C0QA"} {
		if in := roomOutbox(h, chat); len(in) != 1 || !strings.Contains(in[0].Msg.Text, "T-1 Labels") || in[0].Msg.Card == nil {
			t.Errorf("%s got %+v", chat, in)
		}
	}
}

// Ensure a tie between platforms goes to the owner's home platform.
func TestWarRoom_TieGoesToOwnersHome(t *testing.T) {
	g := newGroups("feishu/tenant1", "slack/T1")
	h := newOrg(t, ticketcmd.Config{}, commandstest.GroupCreators(g))
	link(h, "quinn=feishu/tenant1/ou_quinn", "quinn=slack/T1/UQUINN")
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		p := h.Person("quinn")
		p.Home = bot.Account{Platform: bot.PlatformSlack, Workspace: "T1", UserID: "UQUINN"}
		return tx.UpdatePerson(p)
	})
	if err != nil {
		t.Fatal(err)
	}
	h.Say("sally", `ticket open "Line 3 stopped" p:P1 for:QA`)
	if j := warRoomJob(h); j.DedupKey != "warroom/1/slack/T1" {
		t.Fatalf("job %q, want Slack, quinn's home", j.DedupKey)
	}
}

// Ensure a ladder's group step also posts in the chats bound to the
// department in chat (`group bind dept:QA`), not only those in the config.
func TestEscalation_BoundGroupChats(t *testing.T) {
	ladder := ticket.Ladder{Name: "g", Steps: []ticket.Step{{Fraction: 1, Target: ticket.FirstResponse, Notify: []string{"group"}}}}
	h := newOrg(t, ticketcmd.Config{
		Policies: []ticket.Policy{{Name: "fast", Priority: ticket.P2, FirstResponse: time.Hour, Resolution: 8 * time.Hour, Clock: ticket.Wall, Ladder: ladder}},
	})
	h.Admin("quinn")
	h.SayIn("qa-room", "quinn", "group bind dept:QA")
	h.Say("sally", `ticket open "Labels" p:P2 for:QA`)
	got := runUntil(h, h.Now().Add(time.Hour))
	if len(got) != 1 || strings.Join(got[0].to, " ") != "qa-room" {
		t.Fatalf("fired %+v, want the bound chat", got)
	}
	if in := roomOutbox(h, "qa-room"); len(in) != 1 || !strings.Contains(in[0].Msg.Text, "T-1 Labels") {
		t.Errorf("bound chat got %+v", in)
	}
}
