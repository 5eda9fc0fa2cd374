package project_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/commands/commandstest"
)

// load reads project key from the store.
func load(h *commandstest.Harness, key string) *project.Project {
	h.T.Helper()
	var p *project.Project
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) { p, err = project.From(tx).FindProjectByKey(key); return }); err != nil {
		h.T.Fatal(err)
	}
	return p
}

func events(h *commandstest.Harness, p *project.Project) []project.EventKind {
	h.T.Helper()
	var es []*project.Event
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) { es, err = project.From(tx).ProjectEvents(p.ID, 0); return }); err != nil {
		h.T.Fatal(err)
	}
	var out []project.EventKind
	for _, e := range es {
		out = append(out, e.Kind)
	}
	return out
}

func setup(t *testing.T) *commandstest.Harness {
	h := commandstest.New(t)
	h.Org(map[string][]string{"Design": {"dana", "alice"}, "Sales": {"sam", "bob"}, "Ops": {"olga", "eve"}})
	h.Meet("carol")
	return h
}

func TestNewInEnglishCreatesAndAsksForNothingWhenComplete(t *testing.T) {
	h := setup(t)
	h.Expect("alice", `project new "Q3 launch" goal:"Launch the new plan to all customers" metric:"signups" target:5000 from:2026-12-07 to:2027-01-29 depts:Design,Sales lead:@bob`,
		"Created the project “Q3 launch” (key q3-launch)", "Mon 7 Dec", "Fri 29 Jan 2027", "The goal is SMART")
	p := load(h, "q3-launch")
	if p.LeadID != h.Person("bob").ID || p.CreatorID != h.Person("alice").ID || len(p.DeptIDs) != 2 || p.Goal.Target != "5000" {
		t.Fatalf("stored %+v", p)
	}
	if start, end := p.Start.In(commandstest.Shanghai), p.End.In(commandstest.Shanghai); start.Hour() != 0 || start.Format("2006-01-02") != "2026-12-07" || end.Format("2006-01-02") != "2027-01-29" {
		t.Errorf("dates %v – %v", p.Start, p.End)
	}
	// Lead and creator are admins.
	h.Expect("bob", "project member q3-launch", "@alice admin", "@bob admin")
	if got := events(h, p); len(got) != 1 || got[0] != project.Created {
		t.Errorf("timeline %v", got)
	}
}

func TestNewInChineseWithFullWidthPunctuation(t *testing.T) {
	h := setup(t)
	h.Expect("alice", "项目 新建 「Q3 发布」 目标：「新套餐全面上线」 指标：「注册数」 目标值：5000 开始：12月7日 结束：2027-01-29 部门：Design，Sales 负责人：＠bob",
		"已新建项目「Q3 发布」（代号 q3）", "目标已符合 SMART")
	p := load(h, "q3")
	if p.Goal.Metric != "注册数" || p.Start.In(commandstest.Shanghai).Format("01-02") != "12-07" || p.Review.Weekday != time.Friday || len(p.DeptIDs) != 2 {
		t.Fatalf("stored %+v", p)
	}
	// No ASCII in the name: the key is p<ID>.
	h.Expect("alice", "项目 新建 新官网", "代号 p2")
}

func TestSMARTAsksForEachMissingPartAndSaysWhenComplete(t *testing.T) {
	h := setup(t)
	got := h.Expect("alice", `project new "Website"`, "(key website)", "not complete",
		"what exactly will be achieved? `project goal website", "metric:\"signups\" target:5000`",
		"who leads it? `project lead website @alice`", "by when? `project dates website to:2027-01-29`")
	if strings.Count(got, "• ") != 4 {
		t.Errorf("asks for 4 parts:\n%s", got)
	}
	h.Expect("alice", `project goal website "Relaunch the website in two languages" metric:"visits" target:"20000 a week"`,
		"Updated the goal", "who leads it", "by when")
	h.Expect("alice", "project lead website @alice", "@alice leads website", "by when")
	h.Expect("alice", "project lead website @bob", "@bob leads website")
	if told := h.QueuedFor("bob"); len(told) != 1 || !strings.Contains(told[0], "@alice made you the lead of website") {
		t.Errorf("bob was told %q", told)
	}
	got = h.Expect("alice", "project dates website to:2027-03-01", "website now runs", "The goal is SMART")
	if strings.Contains(got, "missing") {
		t.Error(got)
	}
	h.Expect("alice", "project show website", "Relaunch the website", "visits, target 20000 a week", "The goal is SMART", "Lead: @bob")
	p := load(h, "website")
	if kinds := events(h, p); fmt.Sprint(kinds) != "[created goal lead lead dates]" {
		t.Errorf("timeline %v", kinds)
	}
	// Chinese asks too.
	h.Expect("eve", "项目 新建 「内网」", "目标还不完整", "具体要达成什么？", "如何衡量？", "谁负责？", "何时完成？")
}

func TestRoles(t *testing.T) {
	h := setup(t)
	h.Say("alice", `project new "Q3" goal:"Launch the plan" metric:signups target:5000 to:2027-01-29 depts:Design lead:@alice`)
	h.Expect("alice", "project member q3 @bob editor", "@bob is now editor")
	if told := h.QueuedFor("bob"); len(told) != 1 || !strings.Contains(told[0], "@alice made you editor of the project q3") {
		t.Errorf("bob was told %q", told)
	}
	h.Expect("alice", "project member q3 @carol viewer", "@carol is now viewer")
	// A viewer may read but not edit.
	h.Expect("carol", "project show q3", "Q3 (q3)")
	h.Expect("carol", `project milestone q3 "Beta" due:2027-01-08`, "Only the editors and admins of q3 can change its milestones", "You are viewer", "Ask @alice")
	// An editor may add milestones and work, but not change the goal or the people.
	h.Expect("bob", `project milestone q3 "Beta" due:2027-01-08`, "Added the milestone Beta")
	h.Expect("bob", "project goal q3 target:6000", "Only the admins of q3 can change the goal", "You are editor")
	h.Expect("bob", "project member q3 @eve admin", "Only the admins of q3")
	h.Expect("bob", "项目 日期 q3 结束：2027-02-01", "只有项目 q3 的管理员可以修改日期", "请联系 @alice")
	// The project's department may view; others may not see it.
	h.Expect("dana", "project show q3", "Q3 (q3)")
	h.Expect("eve", "project show q3", "q3 is visible to its members and its departments' people", "Ask @alice")
	h.Expect("eve", "项目 查看 q3", "项目 q3 仅对成员及所属部门的人可见", "请联系 @alice")
	// Removing someone takes their role away.
	h.Expect("alice", "project member q3 remove @carol", "Removed from q3: @carol")
	h.Expect("carol", "project show q3", "visible to its members")
	h.Expect("alice", "project member q3 remove @alice", "leads q3")
}

func TestMilestonesAndWork(t *testing.T) {
	h := setup(t)
	h.Say("alice", `project new "Q3" goal:"Launch the plan" metric:signups target:5000 from:2026-12-07 to:2027-01-29 lead:@alice`)
	h.Expect("alice", `project milestone q3 "Beta" due:2027-03-01`, "falls outside q3's dates")
	h.Expect("alice", `project milestone q3 "Beta" due:2027-01-08`, "Added the milestone Beta")
	h.Expect("alice", `project milestone q3 "beta" due:2027-01-09`, "already has a milestone")
	h.Expect("alice", `project milestone q3 move Beta due:2027-01-15`, "is now due Fri 15 Jan 2027")
	h.Say("alice", "task new Draft the landing page")
	h.Say("alice", "task new Price table")
	h.Say("alice", `ticket open "Need copy review" for:Sales`)
	h.Expect("alice", "project add q3 #1 #2 milestone:Beta days:3", "Added to q3, milestone Beta: #1, #2")
	h.Expect("alice", "project add q3 T-1", "Added to q3: T-1")
	h.Expect("alice", "project milestone q3", "Beta, due Fri 15 Jan 2027: 0/2 tasks done")
	h.Expect("alice", "project show q3", "Work: 2 tasks (0 done), 1 tickets")
	// A milestone removed keeps its work in the project.
	h.Expect("alice", `project milestone q3 "Docs" due:2027-01-20`, "Added the milestone Docs")
	h.Say("alice", "task new Write the docs")
	h.Expect("alice", "project add q3 #3 milestone:Docs", "Added to q3, milestone Docs: #3")
	h.Expect("alice", "project milestone q3 remove Nope", "q3 has no milestone")
	h.Expect("alice", "项目 里程碑 q3 删除 Docs", "已从项目 q3 删除里程碑「Docs」", "其下 1 项工作仍在项目中")
	h.Expect("alice", "project milestone q3", "Beta, due Fri 15 Jan 2027: 0/2 tasks done")
	h.Expect("alice", "project show q3", "Work: 3 tasks (0 done), 1 tickets")
	h.Expect("alice", "project remove q3 #3", "Removed from q3: #3")
	// One project per task.
	h.Say("alice", `project new "Other" lead:@alice`)
	h.Expect("alice", "project add other #1", "#1 is in the project q3 already", "project remove q3 #1")
	h.Expect("alice", "project add other ticket 1", "T-1 is in the project q3 already")
	h.Expect("alice", "project add other #99", "There is no #99")
	h.Expect("alice", "project remove q3 #1", "Removed from q3: #1")
	h.Expect("alice", "project add other #1", "Added to other: #1")
	h.Expect("alice", "project remove q3 #1", "#1 is not in q3")
	// Changing the dates warns about milestones left outside.
	h.Expect("alice", "project dates q3 to:2027-01-10", "These milestones now fall outside", "Beta")
	h.Expect("alice", "project dates q3 from:2027-01-20", "The end (Sun 10 Jan 2027) is before the start")
}

func TestKeys(t *testing.T) {
	h := setup(t)
	h.Expect("alice", `project new "Q3 launch"`, "(key q3-launch)")
	h.Expect("bob", `project new "Q3 Launch!"`, "The key q3-launch is taken by the project “Q3 launch”", "key:q3-launch-2")
	h.Expect("bob", `project new "Q3 Launch!" key:q3-sales`, "(key q3-sales)")
	h.Expect("bob", `project new "X" key:Bad_Key`, "can't be a key")
	h.Expect("bob", `project new "X" key:p12`, "kept for projects without a key")
	h.Expect("bob", `项目 新建 「重复」 代号：q3-sales`, "代号 q3-sales 已被项目「Q3 Launch!」使用", "代号：q3-sales-2")
}

func TestBindInAGroup(t *testing.T) {
	h := setup(t)
	h.Expect("alice", `project bind nope`, "type `project bind <key>` in the group chat itself")
	h.Expect("alice", `project new "Q3" lead:@alice`, "(key q3)")
	h.Expect("bob", "project bind q3", "in the group chat itself")
	h.Expect("bob", "project list", "none")
	got := h.SayIn("g:launch", "bob", "project bind q3")
	if !strings.Contains(got, "Only the admins of q3") {
		t.Errorf("bob bound: %s", got)
	}
	h.SayIn("g:launch", "alice", "project bind q3")
	h.Expect("alice", "project show q3", "Groups: console:g:launch")
	// In the bound group, the key may be left out.
	if got := h.SayIn("g:launch", "alice", "project show"); !strings.Contains(got, "Q3 (q3)") {
		t.Errorf("show in the bound group: %s", got)
	}
	// project new typed in a group binds it.
	if got := h.SayIn("g:web", "alice", `project new "Web"`); !strings.Contains(got, "This group follows it now") {
		t.Error(got)
	}
	h.Expect("alice", "project show web", "Groups: console:g:web")
	if kinds := events(h, load(h, "web")); fmt.Sprint(kinds) != "[created bound]" {
		t.Errorf("timeline %v", kinds)
	}
}

func TestListPages(t *testing.T) {
	h := setup(t)
	for i := range 52 {
		h.Say("alice", fmt.Sprintf(`project new "Project %d"`, i))
	}
	h.Say("bob", `project new "Bob's"`)
	got := h.Expect("alice", "project list", "Your active projects, page 1 (1–50):", "project-0 — Project 0", "Next page: `project list page 2`")
	if strings.Contains(got, "bob-s") {
		t.Error("alice's list shows bob's project")
	}
	got = h.Expect("alice", "project list page 2", "page 2 (51–52)", "project-51")
	h.Expect("bob", "project list", "(1):", "bob-s")
	h.Expect("bob", "项目 列表 全部 第2页", "进行中的项目（第2页，第51–53条）")
	_ = got
}

func TestMalformedInputGetsUsage(t *testing.T) {
	h := setup(t)
	h.Expect("alice", "project new", "A project needs a name.", "Usage: project new")
	h.Expect("alice", "项目 新建", "项目需要一个名称。", "用法：项目 新建")
	h.Expect("alice", `project new "X" from:someday`, `"someday" is not a date for the start`)
	h.Expect("alice", `项目 新建 「X」 结束：某天`, "「某天」不是有效的结束日期")
	h.Expect("alice", `project new "X" colour:red`, `I don't know the option "colour" here.`)
	h.Expect("alice", `project new "X" to:2026-11-01`, "has passed")
	h.Expect("alice", `project new "X" from:2027-02-01 to:2027-01-01`, "is before the start")
	h.Say("alice", `project new "Q3"`)
	h.Expect("alice", "project add q3 banana", `"banana" is neither a task (#12) nor a ticket (T-5).`)
	h.Expect("alice", "项目 添加 q3", "哪些工作？任务写作 #12，工单写作 T-5。")
	h.Expect("alice", "project member q3 bob", `I don't understand "bob"`)
	h.Expect("alice", "project show nope", `There is no project "nope"`)
	h.Expect("alice", "project milestone q3 Beta", "Give the milestone's name and its due:<date>.")
	h.Expect("alice", "project goal q3", "What should change?")
	h.Expect("alice", "project list everything", `I don't understand "everything"`)
}

func TestTandemAdminsAreProjectAdminsAndBoundGroupsNeedNoKey(t *testing.T) {
	h := setup(t)
	h.Say("alice", `project new "Q3" lead:@alice`)
	h.Expect("olga", "project goal q3 target:5000", "Only the admins of q3")
	h.Admin("olga")
	h.Expect("olga", "project goal q3 metric:signups target:5000", "Updated the goal of q3")
	h.Expect("alice", "project member q3 @alice editor", "the lead is always an admin")
	h.SayIn("g:q3", "alice", "project bind q3")
	h.Say("alice", "task new Landing page")
	if got := h.SayIn("g:q3", "alice", "project add #1"); !strings.Contains(got, "Added to q3: #1") {
		t.Errorf("add in the bound group: %s", got)
	}
}

// TestShowListsTheLatestTimelineEntries: project show ends with the five
// newest timeline entries, newest first, in the reader's language and
// zone.
func TestShowListsTheLatestTimelineEntries(t *testing.T) {
	h := setup(t)
	h.SetNow(time.Date(2026, 12, 1, 9, 30, 0, 0, commandstest.Shanghai))
	h.Say("alice", `project new "Q3" goal:"Launch the plan" metric:signups target:5000 to:2027-01-29 depts:Design lead:@alice`)
	h.Say("alice", "project member q3 @bob editor")
	h.Say("alice", "project member q3 @carol viewer")
	h.Say("alice", `project milestone q3 "Beta" due:2027-01-15`)
	h.Say("alice", `project milestone q3 "GA" due:2027-01-28`)
	h.SetNow(time.Date(2026, 12, 2, 23, 30, 0, 0, commandstest.Shanghai))
	h.Say("alice", "project member q3 remove @carol")
	if kinds := events(h, load(h, "q3")); len(kinds) != 6 {
		t.Fatalf("timeline %v, want six entries", kinds)
	}
	got := h.Expect("alice", "project show q3", "Latest on the timeline:\n• 2026-12-02 23:30 member removed @alice: @carol\n• 2026-12-01 09:30 milestone @alice: GA 2027-01-28\n")
	if _, latest, _ := strings.Cut(got, "Latest on the timeline:"); strings.Contains(latest, "created") || strings.Count(latest, "\n• ") != 5 {
		t.Errorf("want the five newest entries, not the creation:\n%s", got)
	}
	h.Expect("alice", "项目 查看 q3", "时间线最新动态：\n• 2026-12-02 23:30 移除成员 @alice：@carol")
	// In New York it was still the morning of the 2nd.
	h.Say("bob", "tz America/New_York")
	if got := h.Say("bob", "project show q3"); !strings.Contains(got, "• 2026-12-02 10:30 member removed") {
		t.Errorf("the entries are not in bob's zone:\n%s", got)
	}
}
