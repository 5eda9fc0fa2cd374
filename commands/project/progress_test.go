package project_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/features"
)

// at is a moment of 2026 in Shanghai.
func at(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, commandstest.Shanghai)
}

var launchGroup = bot.Destination{Platform: bot.PlatformConsole, Workspace: "local", ChatID: "g:launch"}

func dm(user string) bot.Destination {
	return bot.Destination{Platform: bot.PlatformConsole, Workspace: "local", ChatID: "dm:" + user}
}

// springLaunch is a project across Spring Festival 2026 on mainland
// China's work calendar (holidays 15–23 Feb, make-up Saturdays 14 and 28
// Feb): milestone Beta due Fri 27 Feb, three tasks in a chain of 3 + 5 + 4
// working days — 12 from Mon 2 Feb ends Tue 24 Feb, three working days to
// spare — led by alice, with the group g:launch bound.
func springLaunch(t *testing.T) *commandstest.Harness {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	h.SetNow(at(1, 30, 10, 0))
	h.Org(map[string][]string{"Design": {"dana", "alice"}, "Sales": {"sam", "bob"}, "Ops": {"olga", "eve"}})
	h.Meet("carol")
	h.Expect("alice", `project new "Launch" goal:"Open the web shop" metric:signups target:5000 from:2026-02-02 to:2026-03-13 depts:Design,Sales lead:@alice`,
		"(key launch)")
	h.SayIn("g:launch", "alice", "project bind launch")
	h.Expect("alice", `project milestone launch "Beta" due:2026-02-27`, "Added the milestone Beta")
	h.Say("alice", `task new "Design" @alice due:2026-02-04`)
	h.Say("alice", `task new "Build" @bob due:2026-02-13`)
	h.Say("alice", `task new "Test" @alice due:2026-02-26`)
	h.Say("alice", "task block 2 by:1")
	h.Say("alice", "task block 3 by:2")
	h.Expect("alice", "project add launch #1 milestone:Beta days:3", "Added to launch")
	h.Expect("alice", "project add launch #2 milestone:Beta days:5", "Added to launch")
	h.Expect("alice", "project add launch #3 milestone:Beta days:4", "Added to launch")
	return h
}

func jobOf(h *commandstest.Harness, key string) *bot.Job {
	h.T.Helper()
	for _, j := range h.Jobs(bot.JobFilter{DedupKey: key}) {
		if j.State == bot.JobPending {
			return j
		}
	}
	return nil
}

// warnings are the delay warnings queued for the lead and in the group.
func warnings(h *commandstest.Harness) (lead, group []string) {
	for _, m := range h.QueuedTo(dm("alice")) {
		if strings.Contains(m.Text, "⚠️") {
			lead = append(lead, m.Text)
		}
	}
	for _, s := range h.QueuedFor("alice") {
		if strings.Contains(s, "⚠️") {
			lead = append(lead, s)
		}
	}
	for _, m := range h.QueuedTo(launchGroup) {
		if strings.Contains(m.Text, "⚠️") {
			group = append(group, m.Text)
		}
	}
	return lead, group
}

func TestStatusInWordsAndThreePictures(t *testing.T) {
	h := springLaunch(t)
	h.SetNow(at(2, 5, 15, 0))
	h.Say("alice", "task start 1")
	h.Say("alice", "task done 1")
	// Wednesday 11 Feb: one task done is too few for a pace, and the
	// chain's 5 + 4 working days end on the make-up Saturday 28 Feb, a day
	// after Beta's date.
	h.SetNow(at(2, 11, 11, 0))
	got := h.Expect("alice", "project status launch", "Launch (launch) — on track", "Done 1/3 tasks (33%)",
		"Beta — 1/3, due Fri 27 Feb — at risk", "critical path: #2 Build, #3 Test", "Goal: Open the web shop — signups 5000")
	if strings.Contains(got, "🖼") {
		t.Errorf("the pictures are not inline answers:\n%s", got)
	}
	var names []string
	for _, m := range h.QueuedTo(dm("alice")) {
		if m.Image != nil {
			names = append(names, m.Image.Name)
			if len(m.Image.PNG) == 0 && m.Image.SHA256 == "" {
				t.Errorf("%s has no picture", m.Image.Name)
			}
		}
	}
	slices.Sort(names)
	if strings.Join(names, ",") != "board.png,burndown.png,gantt.png" {
		t.Fatalf("pictures %v, want the board, the Gantt chart and the burndown", names)
	}
	// In Chinese, in the bound group without a key.
	got = h.SayIn("g:launch", "alice", "项目 状态")
	for _, want := range []string{"Launch（launch）——正常", "Beta——1/3，截止 2月27日周五——有延期风险", "已完成 1/3 个任务", "关键路径：#2 Build、#3 Test"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	var alts []string
	for _, m := range h.QueuedTo(launchGroup) {
		if m.Image != nil {
			alts = append(alts, m.Image.Alt)
		}
	}
	slices.Sort(alts)
	if len(alts) != 3 || !strings.Contains(strings.Join(alts, "|"), "看板") || !strings.Contains(strings.Join(alts, "|"), "甘特图") || !strings.Contains(strings.Join(alts, "|"), "燃尽图") {
		t.Errorf("Chinese pictures: %q", alts)
	}
	// Each picture alone.
	pictures := func() (n int) {
		for _, m := range h.QueuedTo(dm("alice")) {
			if m.Image != nil && m.Image.Name == "gantt.png" {
				n++
			}
		}
		return n
	}
	before, all := pictures(), len(h.QueuedTo(dm("alice")))
	h.Say("alice", "project gantt launch")
	if pictures() != before+1 || len(h.QueuedTo(dm("alice"))) != all+1 {
		t.Errorf("project gantt did not send the Gantt chart alone")
	}
}

func TestStatusIsForMembersAndTheProjectsDepartments(t *testing.T) {
	h := springLaunch(t)
	h.Expect("sam", "project status launch", "Launch (launch)") // Sales takes part: a viewer
	h.Expect("carol", "project status launch", "launch is visible to its members and its departments' people", "Ask @alice")
	h.Expect("carol", "项目 状态 launch", "项目 launch 仅对成员及所属部门的人可见")
	for _, m := range h.QueuedTo(dm("carol")) {
		if m.Image != nil {
			t.Errorf("an outsider was sent %s", m.Image.Name)
		}
	}
	h.Expect("alice", "project status nope", `There is no project "nope"`)
	h.Expect("sam", "project close launch result:1", "Only the admins of launch can close it")
}

func TestDailyCheckWarnsBeforeTheMilestoneAcrossSpringFestival(t *testing.T) {
	h := springLaunch(t)
	check := jobOf(h, "project/1/check")
	if check == nil || check.Schedule != "workdays:09:30" || !check.RunAt.Equal(at(2, 2, 9, 30)) {
		t.Fatalf("check job %+v", check)
	}
	// Thursday 5 Feb: the chain still ends on the due date.
	h.SetNow(at(2, 5, 9, 30))
	h.RunJob(check)
	if lead, group := warnings(h); len(lead)+len(group) != 0 {
		t.Fatalf("warned on time: %q %q", lead, group)
	}
	// Friday 6 Feb, three weeks before the date and a week before the
	// holiday: 12 working days from today end on the make-up Saturday 28
	// Feb, a working day late.
	h.SetNow(at(2, 6, 9, 30))
	h.RunJob(check)
	h.RunJob(check) // run again (a replay): no second warning
	lead, group := warnings(h)
	if len(lead) != 1 || len(group) != 1 {
		t.Fatalf("warnings to the lead %q and the group %q, want one each", lead, group)
	}
	for _, want := range []string{"milestone Beta (due Fri 27 Feb) is projected for Sat 28 Feb — 1 working day late", "Critical path: #1 Design, #2 Build, #3 Test",
		"By the estimates along the critical path."} {
		if !strings.Contains(group[0], want) || !strings.Contains(lead[0], want) {
			t.Errorf("missing %q in\n%s", want, group[0])
		}
	}
	// checkAt runs the check at when and expects n warnings each for the
	// lead and the group so far.
	checkAt := func(when time.Time, n int, why string) {
		t.Helper()
		h.SetNow(when)
		h.RunJob(check)
		if lead, group := warnings(h); len(lead) != n || len(group) != n {
			t.Errorf("%s: %d warnings to the lead and %d in the group, want %d", why, len(lead), len(group), n)
		}
	}
	checkAt(at(2, 7, 9, 30), 1, "Saturday 7 Feb is a day off: no check")
	// Monday 9 Feb: the slip grew to 2, so it is news.
	h.SetNow(at(2, 9, 9, 30))
	h.RunJob(check)
	lead, group = warnings(h)
	if len(lead) != 2 || len(group) != 2 || !strings.Contains(strings.Join(group, "\n"), "projected for Mon 2 Mar — 2 working days late") {
		t.Fatalf("after the slip grew: %q", group)
	}
	checkAt(at(2, 17, 9, 30), 2, "during Spring Festival nothing runs, though the slip would grow")
	checkAt(at(2, 9, 15, 0), 2, "the same slip again is not news")
	if kinds := events(h, load(h, "launch")); strings.Count(strings.Join(kindsText(kinds), ","), "warned") != 2 {
		t.Errorf("timeline %v", kinds)
	}
}

func kindsText[K ~string](ks []K) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

func TestWeeklyReviewPostedAtItsTime(t *testing.T) {
	h := springLaunch(t)
	review := jobOf(h, "project/1/review")
	if review == nil || !review.RunAt.Equal(at(1, 30, 16, 0)) || review.Schedule != "cron:0 16 * * 5" {
		t.Fatalf("review job %+v, want Friday 16:00", review)
	}
	h.SetNow(at(2, 10, 15, 0))
	h.Say("alice", "task start 1")
	h.Say("alice", "task done 1")
	h.SetNow(at(2, 13, 16, 0))
	h.RunJob(review)
	var posted []bot.Message
	for _, m := range h.QueuedTo(launchGroup) {
		if strings.Contains(m.Text, "Weekly review") {
			posted = append(posted, m)
		}
	}
	if len(posted) != 1 {
		t.Fatalf("%d reviews posted", len(posted))
	}
	r := posted[0]
	for _, want := range []string{"Weekly review of Launch (launch)", "Done this week (1): #1 Design", "Slipped: 0 overdue",
		"milestone Beta slipped: Beta (due Fri 27 Feb) projected", "working days late; critical path: #2 Build, #3 Test",
		"Risks:", "Next week (2): #2 Build, #3 Test", "milestone Beta due Fri 27 Feb"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("missing %q in\n%s", want, r.Text)
		}
	}
	if r.Image == nil || r.Image.Name != "burndown.png" {
		t.Errorf("the review has no burndown: %+v", r.Image)
	}
	// The group has it: the lead is not told again.
	for _, s := range h.QueuedFor("alice") {
		if strings.Contains(s, "Weekly review") {
			t.Error("the lead got the review besides the group")
		}
	}
	h.RunJob(review) // the same week again: stored once
	if n := len(h.QueuedTo(launchGroup)); n != len(posted)+countOther(h) {
		t.Errorf("the week's review was posted twice")
	}
}

// countOther counts what the group got besides weekly reviews.
func countOther(h *commandstest.Harness) int {
	n := 0
	for _, m := range h.QueuedTo(launchGroup) {
		if !strings.Contains(m.Text, "Weekly review") {
			n++
		}
	}
	return n
}

func TestCloseReportsAndStopsTheJobsReopenRestoresThem(t *testing.T) {
	h := springLaunch(t)
	h.SetNow(at(2, 4, 15, 0))
	h.Say("alice", "task start 1")
	h.Say("alice", "task done 1")
	h.SetNow(at(3, 13, 17, 0))
	h.Expect("bob", `project close launch result:"4800 signups"`, "Only the admins of launch can close it")
	h.Expect("alice", "project close launch", "Say what the project achieved")
	h.Say("alice", `project close launch result:"4800 signups"`)
	var report bot.Message
	for _, m := range h.QueuedTo(dm("alice")) {
		if strings.HasPrefix(m.Text, "# Close-out report") {
			report = m
		}
	}
	for _, want := range []string{"# Close-out report: Launch (launch)", "| Open the web shop signups | 5000 | 4800 signups |",
		"❌ Target missed: 4800 against 5000", "1 of 3 tasks done", "## Contributions by department", "| Design | 1 |", "## Timeline", "closed; result: 4800 signups"} {
		if !strings.Contains(report.Text, want) {
			t.Errorf("missing %q in\n%s", want, report.Text)
		}
	}
	if report.Image == nil || report.Image.Name != "gantt.png" {
		t.Errorf("the report has no chart: %+v", report.Image)
	}
	inGroup := false
	for _, m := range h.QueuedTo(launchGroup) {
		inGroup = inGroup || strings.HasPrefix(m.Text, "# Close-out report")
	}
	if !inGroup {
		t.Error("the group did not get the report")
	}
	if jobOf(h, "project/1/check") != nil || jobOf(h, "project/1/review") != nil {
		t.Error("a closed project's jobs still run")
	}
	// The close asks the people who took part for feedback (commands/feedback).
	var forms []*ask.Ask
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) {
		forms, err = ask.From(tx).FindAsks(ask.Filter{Kind: ask.Feedback, Subject: "project/launch"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(forms) != 1 || forms[0].Status != ask.Open || len(forms[0].Audience.PersonIDs) == 0 {
		t.Fatalf("feedback forms after the close: %+v", forms)
	}
	if lead := h.Person("alice").ID; !slices.Contains(forms[0].Audience.PersonIDs, lead) {
		t.Errorf("the lead is not asked for feedback: %v", forms[0].Audience.PersonIDs)
	}
	h.Expect("alice", "project status launch", "— closed")
	// The report again, as Markdown.
	h.Say("sam", "project report launch")
	again := false
	for _, m := range h.QueuedTo(dm("sam")) {
		again = again || strings.Contains(m.Text, "| Open the web shop signups | 5000 | 4800 signups |")
	}
	if !again {
		t.Error("project report did not send the report")
	}
	h.Expect("alice", `project close launch result:"5000"`, "launch is closed already")
	h.Expect("alice", "project reopen launch", "Reopened launch")
	if jobOf(h, "project/1/check") == nil || jobOf(h, "project/1/review") == nil {
		t.Error("reopen did not restore the jobs")
	}
	h.Expect("alice", "project reopen launch", "launch is not closed")
}

func TestWithoutAPainterStatusIsWords(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t), func(d *features.Deps) { d.Painter = nil })
	h.SetNow(at(1, 30, 10, 0))
	h.Say("alice", `project new "Launch" goal:"Open the web shop" metric:signups target:5000 from:2026-02-02 to:2026-03-13 lead:@alice`)
	h.Say("alice", `task new "Design" @alice`)
	h.Say("alice", "project add launch #1 days:3")
	h.Expect("alice", "project status launch", "Launch (launch) — on track", "Done 0/1 tasks")
	h.Expect("alice", "project board launch", "Board of Launch: to do 1", "• to do: #1 Design")
	h.Expect("alice", "project burndown launch", "Burndown of Launch from 02-02 to 03-13: it has not started yet.")
	for _, m := range h.QueuedTo(dm("alice")) {
		if m.Image != nil {
			t.Errorf("a picture without a painter: %s", m.Image.Name)
		}
	}
}

func TestCheckMarksMilestonesMetAndReviewGoesToTheLeadWithoutGroups(t *testing.T) {
	h := commandstest.New(t, commandstest.WorkCalendar(t))
	h.SetNow(at(1, 30, 10, 0))
	h.Say("alice", `project new "Solo" goal:"Ship it" metric:signups target:10 from:2026-02-02 to:2026-03-13 lead:@alice`)
	h.Say("alice", `project milestone solo "Alpha" due:2026-02-06`)
	h.Say("alice", `task new "Only" @alice`)
	h.Say("alice", "project add solo #1 milestone:Alpha")
	h.SetNow(at(2, 3, 11, 0))
	h.Say("alice", "task start 1")
	h.Say("alice", "task done 1")
	h.SetNow(at(2, 4, 9, 30))
	h.RunJob(jobOf(h, "project/1/check"))
	h.RunJob(jobOf(h, "project/1/check"))
	if kinds := kindsText(events(h, load(h, "solo"))); strings.Count(strings.Join(kinds, ","), "milestone_met") != 1 {
		t.Errorf("timeline %v: the milestone is met once", kinds)
	}
	h.Expect("alice", "project status solo", "Alpha — 1/1, due Fri 6 Feb — met")
	h.SetNow(at(2, 6, 16, 0))
	h.RunJob(jobOf(h, "project/1/review"))
	told := 0
	for _, s := range h.QueuedFor("alice") {
		if strings.Contains(s, "Weekly review of Solo") && strings.Contains(s, "Done this week (1): #1 Only") {
			told++
		}
	}
	if told != 1 {
		t.Errorf("the lead of a project without groups got %d reviews", told)
	}
}

// Ensure the timeline entry of a delay warning names the due dates as days
// of the calendar's zone: a project ending Friday 27 February (midnight in
// Shanghai, the 26th in UTC) is "due 2026-02-27", like its milestone,
// and one day is "1 working day".
func TestWarningTimelineNamesTheDueDayInTheCalendarsZone(t *testing.T) {
	h := springLaunch(t)
	h.Expect("alice", "project dates launch to:2026-02-27", "27")
	// Work outside the milestone makes the project later than Beta, so
	// that both are warned about.
	h.Say("alice", `task new "Docs" @alice`)
	h.Expect("alice", "project add launch #4 days:14", "Added to launch")
	h.SetNow(at(2, 6, 9, 30))
	h.RunJob(jobOf(h, "project/1/check"))
	var texts []string
	if err := h.DB.View(context.Background(), func(tx bot.Tx) error {
		es, err := project.From(tx).ProjectEvents(1, 0)
		for _, e := range es {
			if e.Kind == project.Warned {
				texts = append(texts, e.Text)
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(texts) != 2 {
		t.Fatalf("warnings on the timeline: %q, want the milestone's and the project's", texts)
	}
	if !strings.HasPrefix(texts[0], `milestone "Beta" projected 2026-02-28, due 2026-02-27: 1 working day late`) ||
		!strings.HasPrefix(texts[1], "project projected 2026-03-03, due 2026-02-27: 3 working days late") {
		t.Errorf("the timeline says %q", texts)
	}
}

// Ensure a project whose last milestone is due on its end day, projected
// for the same day as the whole project, is warned about once, not twice
// in the same words (the milestone's warning says it); the project's slip
// is recorded all the same, so the next check does not send it either.
func TestProjectWarningIsNotRepeatedByItsLastMilestone(t *testing.T) {
	h := springLaunch(t)
	h.Expect("alice", "project dates launch to:2026-02-27", "27")
	check := jobOf(h, "project/1/check")
	h.SetNow(at(2, 6, 9, 30))
	h.RunJob(check)
	lead, group := warnings(h)
	if len(lead) != 1 || len(group) != 1 || !strings.Contains(group[0], "milestone Beta") {
		t.Fatalf("warnings to the lead %q and in the group %q; want the milestone's, once each", lead, group)
	}
	if p := load(h, "launch"); p.WarnedSlip != 1 {
		t.Errorf("the project's warned slip is %d, want 1 (recorded though not sent)", p.WarnedSlip)
	}
	h.SetNow(at(2, 6, 15, 0))
	h.RunJob(check)
	if lead, group := warnings(h); len(lead) != 1 || len(group) != 1 {
		t.Errorf("the same slip again sent %d and %d", len(lead), len(group))
	}
}

// TestCloseoutTimelineKeepsItsBothEnds: a timeline longer than a hundred
// entries is reported as its first fifty and its latest fifty, the
// number between said; the close itself is the last of them.
func TestCloseoutTimelineKeepsItsBothEnds(t *testing.T) {
	h := springLaunch(t)
	p := load(h, "launch")
	before := len(events(h, p))
	note := func(n int) string { return fmt.Sprintf("note %03d", n-before) } // the n-th entry (1-based)
	if err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		for n := before + 1; n <= 150; n++ {
			if err := project.From(tx).AddProjectEvent(&project.Event{ProjectID: p.ID, Kind: project.Warned, At: at(2, 10, 9, 0), Text: note(n)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// 150 entries and the close, the 151st: the report lists 1–50, the
	// count of the 51 between, and 102–151.
	h.SetNow(at(3, 13, 17, 0))
	h.Say("alice", `project close launch result:"4800 signups"`)
	checked := 0
	check := func(who, text, gap string) {
		t.Helper()
		checked++
		_, tl, _ := strings.Cut(text, "\n\n- ")
		lines := strings.Split("- "+tl, "\n")
		if len(lines) != 101 || lines[50] != gap || !strings.Contains(lines[100], "closed; result: 4800 signups") {
			t.Fatalf("%s: timeline of %d lines, line 51 %q, last %q:\n%s", who, len(lines), lines[min(50, len(lines)-1)], lines[len(lines)-1], tl)
		}
		for _, n := range []int{before + 1, 50, 102, 150} {
			if !strings.Contains(tl, note(n)+"\n") {
				t.Errorf("%s: entry %d (%s) is not listed", who, n, note(n))
			}
		}
		for _, n := range []int{51, 101} {
			if strings.Contains(tl, note(n)+"\n") {
				t.Errorf("%s: entry %d of the middle is listed", who, n)
			}
		}
	}
	for _, m := range h.QueuedTo(launchGroup) {
		if strings.HasPrefix(m.Text, "# Close-out report") {
			check("at the close", m.Text, "- … 51 more …")
		}
	}
	h.Say("bob", "项目 报告 launch")
	for _, m := range h.QueuedTo(dm("bob")) {
		if strings.HasPrefix(m.Text, "# 结项报告") {
			check("read again", m.Text, "- ……另有 51 条……")
		}
	}
	if checked != 2 {
		t.Fatalf("%d reports read, want the group's at the close and bob's", checked)
	}
}

// TestWeeklyReviewAcrossSpringFestival: the review day Friday 20 Feb is
// inside the holiday, so the review goes out on the first working day
// after (Tuesday 24 Feb, at the review's time) and the weekly job keeps
// Fridays; each review covers the work since the last one posted, so
// what was finished on the make-up Saturday 14 Feb is in the late review,
// and the next Friday's starts where that one ended.
func TestWeeklyReviewAcrossSpringFestival(t *testing.T) {
	h := springLaunch(t)
	review := jobOf(h, "project/1/review")
	// reviews are the reviews posted in the group, and the one of them
	// that says done.
	reviews := func(done string) (n int, with string) {
		for _, m := range h.QueuedTo(launchGroup) {
			if strings.Contains(m.Text, "Weekly review") {
				n++
				if strings.Contains(m.Text, done) {
					with = m.Text
				}
			}
		}
		return n, with
	}
	// finish has user finish task id at when.
	finish := func(user, id string, when time.Time) {
		h.SetNow(when)
		h.Say(user, "task start "+id)
		h.Say(user, "task done "+id)
	}
	h.SetNow(at(2, 13, 16, 0))
	h.RunJob(review)
	if n, with := reviews("Done this week (0): none"); n != 1 || with == "" {
		t.Fatalf("Friday 13 Feb: %d reviews", n)
	}
	finish("alice", "1", at(2, 14, 11, 0)) // the make-up Saturday after that review
	// Friday 20 Feb, Spring Festival: nothing posted, a late review due on
	// Tuesday 24 Feb (Monday 23 is still the holiday).
	h.SetNow(at(2, 20, 16, 0))
	h.RunJob(review)
	if n, _ := reviews(""); n != 1 {
		t.Fatalf("a review was posted on a holiday")
	}
	late := jobOf(h, "project/1/review/late")
	if late == nil || !late.RunAt.Equal(at(2, 24, 16, 0)) || late.Schedule != "" || late.Kind != "project.review" {
		t.Fatalf("late review job %+v, want a one-off on Tue 24 Feb 16:00", late)
	}
	if again := jobOf(h, "project/1/review"); again == nil || again.Schedule != "cron:0 16 * * 5" {
		t.Fatalf("the weekly job lost its Fridays: %+v", again)
	}
	h.SetNow(at(2, 24, 16, 0))
	h.CompleteJob(late) // a one-off: done once run
	if n, with := reviews("Done since Fri 13 Feb (1): #1 Design\n"); n != 2 || with == "" {
		t.Fatalf("%d reviews; the late one does not name #1, done on the make-up Saturday", n)
	}
	// Wednesday: Build is done. Friday 27 Feb's review (the same ISO week
	// as the late one, posted too) covers only what followed Tuesday's.
	finish("bob", "2", at(2, 25, 10, 0))
	h.SetNow(at(2, 27, 16, 0))
	h.RunJob(review)
	if n, with := reviews("Done since Tue 24 Feb (1): #2 Build\n"); n != 3 || with == "" {
		t.Fatalf("%d reviews; Friday 27 Feb's does not cover just what followed Tuesday's", n)
	}
	if kinds := strings.Join(kindsText(events(h, load(h, "launch"))), ","); strings.Count(kinds, "reviewed") != 3 {
		t.Errorf("timeline %s: want three reviews", kinds)
	}
	// National Day: Friday 2 Oct is off, so a late review waits for
	// Thursday 8 Oct; closing the project cancels it with the weekly one.
	h.SetNow(at(10, 2, 16, 0))
	h.RunJob(review)
	if late := jobOf(h, "project/1/review/late"); late == nil || !late.RunAt.Equal(at(10, 8, 16, 0)) {
		t.Fatalf("late review after Friday 2 Oct: %+v", late)
	}
	h.Say("alice", `project close launch result:"4800 signups"`)
	if jobOf(h, "project/1/review/late") != nil || jobOf(h, "project/1/review") != nil {
		t.Error("the closed project's reviews are still due")
	}
}
