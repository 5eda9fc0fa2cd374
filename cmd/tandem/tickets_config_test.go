package main

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
)

// standardLadder is the default ladder as the ticket feature receives it.
var standardLadder = ticket.Ladder{Name: "standard", Steps: []ticket.Step{
	{Fraction: 0.75, Target: ticket.Resolution, Notify: []string{"owner"}},
	{Fraction: 1, Target: ticket.Resolution, Notify: []string{"head", "group"}},
	{Fraction: 1.5, Target: ticket.Resolution, Notify: []string{"management"}},
}}

// Ensure a file without a tickets section gives the documented defaults:
// P1 wall-clock 15m/4h, P2–P4 in business time, all on the standard
// ladder, the digest on Mondays at 09:00.
func TestTicketsConfig_Defaults(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader(""), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := []ticket.Policy{
		{Name: "P1", Priority: ticket.P1, FirstResponse: 15 * time.Minute, Resolution: 4 * time.Hour, Clock: ticket.Wall, Ladder: standardLadder},
		{Name: "P2", Priority: ticket.P2, FirstResponse: time.Hour, Resolution: 8 * time.Hour, Clock: ticket.Business, Ladder: standardLadder},
		{Name: "P3", Priority: ticket.P3, FirstResponse: 4 * time.Hour, Resolution: 24 * time.Hour, Clock: ticket.Business, Ladder: standardLadder},
		{Name: "P4", Priority: ticket.P4, FirstResponse: 8 * time.Hour, Resolution: 40 * time.Hour, Clock: ticket.Business, Ladder: standardLadder},
	}
	if got := cfg.Tickets.TicketPolicies(); !reflect.DeepEqual(got, want) {
		t.Errorf("default policies:\n%+v\nwant\n%+v", got, want)
	}
	if got := cfg.Tickets.DigestSchedule(); got != "cron:0 9 * * 1" {
		t.Errorf("default digest %q", got)
	}
	if len(cfg.Tickets.TicketRoutes()) != 0 || len(cfg.Tickets.TicketPlaybooks()) != 0 {
		t.Error("default routes or playbooks")
	}
}

const ticketsPeople = `
departments:
  - {name: QA, head: qin}
  - {name: Support}
  - {name: Supply chain}
people:
  - {name: Qin, handle: qin, dept: QA}
  - {name: Wu, handle: wu, dept: Support}
  - {name: Ma, handle: ma, role: admin}
`

// Ensure a written section becomes domain values: policies in order with
// their ladders embedded (empty means the first ladder, none no ladder),
// routes with "*" last, playbooks by lower-case category, the digest as a
// job schedule; and that the effective configuration shows it and reads
// back the same.
func TestTicketsConfig_Convert(t *testing.T) {
	in := ticketsPeople + `
tickets:
  policies:
    - {name: qa-quality, priority: high, category: quality, dept: QA, first_response: 30m, resolution: 6h, ladder: fast}
    - {name: urgent, priority: P1, first_response: 10m, resolution: 2h, clock: wall, ladder: none}
    - {name: rest, priority: P2, first_response: 2h, resolution: 16h}
  ladders:
    - name: standard
      steps:
        - {at: 100%, target: response, notify: [owner]}
        - {at: 75%, target: resolution, notify: [Owner, "@Wu"]}
    - name: fast
      steps:
        - {at: 50%, target: resolution, notify: [head]}
        - {at: 100%, target: resolution, notify: [group, requester, manager, requester_manager]}
      repeat_from: 2
      repeat_every: 2h
      until_ack: true
      ack_timeout: 4h
  routing:
    "*": {dept: Support, round_robin: true}
    quality: {dept: QA, owner: "@qin"}
  playbooks:
    Quality:
      - {dept: QA, title: Root-cause analysis}
      - {dept: Supply chain, title: Batch trace}
  digest: fri 17:30
`
	cfg, err := ParseConfig(strings.NewReader(in), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	fast := ticket.Ladder{Name: "fast", Steps: []ticket.Step{
		{Fraction: 0.5, Target: ticket.Resolution, Notify: []string{"head"}},
		{Fraction: 1, Target: ticket.Resolution, Notify: []string{"group", "requester", "manager", "requester_manager"}},
	}, RepeatFrom: 2, RepeatEvery: 2 * time.Hour, UntilAck: true, AckTimeout: 4 * time.Hour}
	standard := ticket.Ladder{Name: "standard", Steps: []ticket.Step{
		{Fraction: 1, Target: ticket.FirstResponse, Notify: []string{"owner"}},
		{Fraction: 0.75, Target: ticket.Resolution, Notify: []string{"owner", "@wu"}},
	}}
	want := []ticket.Policy{
		{Name: "qa-quality", Priority: ticket.P2, Category: "quality", Dept: "QA", FirstResponse: 30 * time.Minute, Resolution: 6 * time.Hour, Clock: ticket.Business, Ladder: fast},
		{Name: "urgent", Priority: ticket.P1, FirstResponse: 10 * time.Minute, Resolution: 2 * time.Hour, Clock: ticket.Wall},
		{Name: "rest", Priority: ticket.P2, FirstResponse: 2 * time.Hour, Resolution: 16 * time.Hour, Clock: ticket.Business, Ladder: standard},
	}
	if got := cfg.Tickets.TicketPolicies(); !reflect.DeepEqual(got, want) {
		t.Errorf("policies:\n%+v\nwant\n%+v", got, want)
	}
	wantRoutes := []TicketRoute{{Category: "quality", Dept: "QA", Owner: "qin"}, {Dept: "Support", RoundRobin: true}}
	if got := cfg.Tickets.TicketRoutes(); !reflect.DeepEqual(got, wantRoutes) {
		t.Errorf("routes %+v", got)
	}
	wantPlays := map[string][]TicketPlay{"quality": {{Dept: "QA", Title: "Root-cause analysis"}, {Dept: "Supply chain", Title: "Batch trace"}}}
	if got := cfg.Tickets.TicketPlaybooks(); !reflect.DeepEqual(got, wantPlays) {
		t.Errorf("playbooks %+v", got)
	}
	if got := cfg.Tickets.DigestSchedule(); got != "cron:30 17 * * 5" {
		t.Errorf("digest %q", got)
	}

	shown := cfg.Redacted()
	if !strings.Contains(shown, "tickets:") || !strings.Contains(shown, "repeat_every: 2h") {
		t.Fatalf("the effective configuration lacks the tickets section:\n%s", shown)
	}
	again, err := ParseConfig(strings.NewReader(shown), env(nil))
	if err != nil {
		t.Fatalf("the effective configuration does not read back: %v", err)
	}
	if !reflect.DeepEqual(again.Tickets.TicketPolicies(), want) {
		t.Error("the effective configuration reads back other policies")
	}
}

// Ensure writing only ladders keeps the default policies, which then take
// the first ladder written, and writing only policies keeps the default
// ladder.
func TestTicketsConfig_Partial(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader(`
tickets:
  ladders:
    - {name: mine, steps: [{at: 90%, target: resolution, notify: [management]}]}
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	ps := cfg.Tickets.TicketPolicies()
	if len(ps) != 4 || ps[1].Ladder.Name != "mine" || ps[1].Resolution != 8*time.Hour {
		t.Errorf("policies with only ladders written: %+v", ps)
	}
	cfg, err = ParseConfig(strings.NewReader(`
tickets:
  policies: [{name: all, priority: P3, first_response: 1h, resolution: 10h}]
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	ps = cfg.Tickets.TicketPolicies()
	if len(ps) != 1 || !reflect.DeepEqual(ps[0].Ladder, standardLadder) {
		t.Errorf("policies with only policies written: %+v", ps)
	}
}

// Ensure every problem of the section is named by its path, says what is
// wrong, and suggests the nearest name where there is one.
func TestTicketsConfig_Errors(t *testing.T) {
	in := ticketsPeople + `
tickets:
  polices: []
  policies:
    - {name: a, priority: P5, first_response: 1d, resolution: "", clock: sundial, ladder: standrd, dept: QAA}
    - {name: a, priority: P2, first_response: 1h, resolution: 8h}
    - {name: c, priority: P2, category: quality, first_response: 1h, resolution: 8h}
    - {name: d, priority: P3, first_response: 4h, resolution: 2h, ladder: mixed}
  ladders:
    - name: standard
      steps:
        - {at: 75, target: resolved, notify: [ownr, "@nobody", "@qim"]}
        - {at: 100%, target: resolution, notify: []}
      repeat_from: 3
      repeat_every: soon
      ack_timeout: -1h
    - name: Standard
      steps: []
      until_ack: true
    - name: mixed
      steps:
        - {at: 100%, target: response, notify: [head]}
        - {at: 100%, target: resolution, notify: [head]}
  routing:
    quality: {dept: QA, owner: qin, round_robin: true}
    delivery: {owner: ghost}
  playbooks:
    quality: [{dept: Suply chain, title: ""}]
  digest: someday
`
	_, err := ParseConfig(strings.NewReader(in), env(nil))
	if err == nil {
		t.Fatal("invalid tickets section accepted")
	}
	for _, want := range []string{
		`tickets.polices: unknown key (did you mean "policies"?)`,
		`tickets.policies[0].priority: must be P1, P2, P3 or P4, not "P5"`,
		`tickets.policies[0].first_response: must be a positive duration such as 30m, 4h or 40h, not "1d" (days are written in hours`,
		`tickets.policies[0].resolution: is required`,
		`tickets.policies[0].clock: must be business or wall, not "sundial"`,
		`tickets.policies[0].ladder: "standrd" is not in tickets.ladders (did you mean "standard"?)`,
		`tickets.policies[0].dept: "QAA" is not in departments (did you mean "QA"?)`,
		`tickets.policies[1].name: "a" is used twice`,
		`tickets.policies[2]: never matches: tickets.policies[1] (a) comes first`,
		`tickets.policies[3].ladder: under this policy step 2 of ladder "mixed" (100% of resolution, 2h0m0s) falls before step 1 (100% of response, 4h0m0s)`,
		`tickets.ladders[0].steps[0].at: must be a percentage of the target above 0, such as 75% or 150%, not "75"`,
		`tickets.ladders[0].steps[0].target: must be response or resolution, not "resolved"`,
		`tickets.ladders[0].steps[0].notify[0]: must be owner, manager, head, group, management, requester, requester_manager, or @handle, not "ownr" (did you mean "owner"?)`,
		`tickets.ladders[0].steps[0].notify[1]: "@nobody" is not a handle in people`,
		`tickets.ladders[0].steps[0].notify[2]: "@qim" is not a handle in people (did you mean "qin"?)`,
		`tickets.ladders[0].steps[1].notify: is empty`,
		`tickets.ladders[0].repeat_from: must be a step number from 1 to 2, not 3`,
		`tickets.ladders[0].repeat_every: must be a positive duration`,
		`tickets.ladders[0].ack_timeout: must be a positive duration`,
		`tickets.ladders[1].name: "Standard" is used twice`,
		`tickets.ladders[1].steps: is empty`,
		`tickets.ladders[1].until_ack: needs repeat_from and repeat_every`,
		`tickets.routing.quality.round_robin: cannot be true with an owner`,
		`tickets.routing.delivery.dept: is required`,
		`tickets.routing.delivery.owner: "ghost" is not a handle in people`,
		`tickets.playbooks.quality[0].dept: "Suply chain" is not in departments (did you mean "Supply chain"?)`,
		`tickets.playbooks.quality[0].title: is required`,
		`tickets.digest: must be a weekday and a time such as "mon 09:00", or off, not "someday"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(err)
	}
}

// Ensure the documented example's tickets section reads as documented:
// five policies in order, the category policy on the fast ladder with its
// repeats, routes with "*" last.
func TestTicketsConfig_Example(t *testing.T) {
	cfg := exampleConfig(t)
	ps := cfg.Tickets.TicketPolicies()
	if len(ps) != 5 || ps[1].Name != "design-quality" || ps[1].Ladder.Name != "fast" || ps[1].Ladder.RepeatFrom != 3 ||
		ps[1].Ladder.RepeatEvery != 4*time.Hour || ps[2].Ladder.Name != "standard" || ps[0].Clock != ticket.Wall {
		t.Errorf("example policies %+v", ps)
	}
	routes := cfg.Tickets.TicketRoutes()
	if len(routes) != 2 || routes[0].Owner != "carol" || routes[1].Category != "" || !routes[1].RoundRobin {
		t.Errorf("example routes %+v", routes)
	}
}

const chatsPlatforms = `
slack: {signing_secret: s, bot_token: xoxb-1}
feishu:
  - {name: hq, app_id: a1, app_secret: s, verification_token: v, workspace: tenantA}
  - {name: sub, app_id: a2, app_secret: s, verification_token: v, workspace: tenantB}
wecom: [{corp_id: ww1, agent_id: 1, secret: s, token: t, encoding_aes_key: S9xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx}]
`

// Ensure departments' chats become the ticket feature's groups (by lower
// case name), with a lone app's workspace filled in, on their platforms.
func TestTicketsConfig_DeptChats(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader(chatsPlatforms+`
departments:
  - name: QA
    chats:
      - {platform: feishu, workspace: tenantB, chat_id: oc_qa}
      - {platform: wecom, chat_id: wrQA}
      - {platform: slack, chat_id: C0QA}
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	got := ticketsDeps(cfg).Groups
	want := map[string][]bot.Destination{"qa": {
		{Platform: bot.PlatformFeishu, Workspace: "tenantB", ChatID: "oc_qa"},
		{Platform: bot.PlatformWeCom, Workspace: "ww1", ChatID: "wrQA"},
		{Platform: bot.PlatformSlack, ChatID: "C0QA"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups %+v\nwant %+v", got, want)
	}
}

// Ensure a chat names a configured platform, a workspace of its apps
// (required when it has several) and an id.
func TestTicketsConfig_DeptChatErrors(t *testing.T) {
	_, err := ParseConfig(strings.NewReader(chatsPlatforms+`
departments:
  - name: QA
    chats:
      - {platform: feishu, chat_id: oc_qa}
      - {platform: feishu, workspace: tenantC, chat_id: oc_qa}
      - {platform: dingtalk, chat_id: cid1}
      - {platform: teams, chat_id: x}
      - {platform: wecom, chat_id: " "}
      - {platform: wecom, workspace: ww2, chat_id: wr1}
`), env(nil))
	if err == nil {
		t.Fatal("bad chats accepted")
	}
	for _, want := range []string{
		`departments[0].chats[0].workspace: is required when there is more than one feishu app`,
		`departments[0].chats[1].workspace: no feishu app has the workspace "tenantC"`,
		`departments[0].chats[2].platform: dingtalk is not configured`,
		`departments[0].chats[3].platform: must be slack, feishu, wecom or dingtalk, not "teams"`,
		`departments[0].chats[4].chat_id: is required`,
		`departments[0].chats[5].workspace: no wecom app has the workspace "ww2"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(err)
	}
}
