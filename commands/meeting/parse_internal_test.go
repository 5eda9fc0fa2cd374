package meeting

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/commands"
)

var shanghai = func() *time.Location { l, _ := time.LoadLocation("Asia/Shanghai"); return l }()

// friday10 is Friday 2026-11-20 10:00 in Shanghai (the harness's first now).
var friday10 = time.Date(2026, 11, 20, 10, 0, 0, 0, shanghai)

func TestParseDraft(t *testing.T) {
	next := func(d time.Weekday, h, m int) time.Time {
		at := time.Date(2026, 11, 20, h, m, 0, 0, shanghai)
		for at.Weekday() != d || !at.After(friday10) {
			at = at.AddDate(0, 0, 1)
		}
		return at
	}
	tests := []struct {
		in      string
		title   string
		start   time.Time
		dur     time.Duration
		who     []string
		dept    string
		room    string
		online  string
		rule    string
		holiday meeting.HolidayRule
	}{
		{in: `"Q3 marketing plan" fri 14:00 90m @alice @bob dept:Design room:"3F-A" online:https://meet.example.com/q3`,
			title: "Q3 marketing plan", start: time.Date(2026, 11, 20, 14, 0, 0, 0, shanghai), dur: 90 * time.Minute,
			who: []string{"@alice", "@bob"}, dept: "Design", room: "3F-A", online: "https://meet.example.com/q3"},
		{in: `「Q3 市场计划」 周五 14:00 90分钟 ＠alice @bob 部门：Design 会议室：「3F-A」`,
			title: "Q3 市场计划", start: time.Date(2026, 11, 20, 14, 0, 0, 0, shanghai), dur: 90 * time.Minute,
			who: []string{"@alice", "@bob"}, dept: "Design", room: "3F-A"},
		{in: `"Weekly review" mon 10:00 1h @alice every monday holiday:skip`,
			title: "Weekly review", start: next(time.Monday, 10, 0), dur: time.Hour, who: []string{"@alice"},
			rule: "FREQ=WEEKLY;BYDAY=MO", holiday: meeting.Skip},
		{in: `「周会」 周一 10:00 1小时 @alice 每周一 节假日：顺延`,
			title: "周会", start: next(time.Monday, 10, 0), dur: time.Hour, who: []string{"@alice"},
			rule: "FREQ=WEEKLY;BYDAY=MO", holiday: meeting.MoveToNextWorkday},
		{in: `standup weekdays 9:30 15m @bob`, title: "standup", start: time.Date(2026, 11, 20, 9, 30, 0, 0, shanghai),
			dur: 15 * time.Minute, who: []string{"@bob"}, rule: "FREQ=DAILY;X-WORKDAYS=1"},
		{in: `「月度复盘」 每月第一个工作日 15:00 @bob`, title: "月度复盘", start: time.Date(2026, 11, 20, 15, 0, 0, 0, shanghai),
			dur: 0, who: []string{"@bob"}, rule: "FREQ=MONTHLY;X-WORKDAY=1"},
		{in: `"Monthly review" first workday of the month 15:00 @bob`, title: "Monthly review",
			start: time.Date(2026, 11, 20, 15, 0, 0, 0, shanghai), who: []string{"@bob"}, rule: "FREQ=MONTHLY;X-WORKDAY=1"},
		{in: `「双周会」 隔周周二 14:00 @bob`, title: "双周会", start: time.Date(2026, 11, 20, 14, 0, 0, 0, shanghai),
			who: []string{"@bob"}, rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"},
		{in: `"Budget" at:2026-11-23T15:00 45min @bob`, title: "Budget", start: time.Date(2026, 11, 23, 15, 0, 0, 0, shanghai),
			dur: 45 * time.Minute, who: []string{"@bob"}},
	}
	for _, tc := range tests {
		d, err := parseDraft(commands.Tokenize(tc.in), friday10, shanghai, false)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if d.title != tc.title || !d.start.Equal(tc.start) || d.dur != tc.dur || strings.Join(d.mentions, " ") != strings.Join(tc.who, " ") ||
			d.dept != tc.dept || d.room != tc.room || d.online != tc.online || d.rule != tc.rule || d.holiday != tc.holiday {
			t.Errorf("%s:\n got %q %v %v %v dept=%q room=%q online=%q rule=%q holiday=%q", tc.in, d.title, d.start, d.dur,
				d.mentions, d.dept, d.room, d.online, d.rule, d.holiday)
		}
	}
}

func TestParseDraft_Refusals(t *testing.T) {
	for _, in := range []string{
		`"x" fri 14:00 colour:red @bob`,
		`"x" fri 14:00 holiday:sometimes @bob`,
		`"x" fri 14:00 sat 15:00 @bob`,
		`"x" fri @bob`,
		`"x" fri 14:00 25h @bob`,
		`"x" fri 14:00 bananas @bob`,
		`"x" at:friday @bob`,
	} {
		_, err := parseDraft(commands.Tokenize(in), friday10, shanghai, false)
		if bot.ErrorCode(err) != bot.EINVALID {
			t.Errorf("%s: %v, want an EINVALID refusal", in, err)
			continue
		}
		if zh := bot.ErrorText(err).ZH; zh == "" || !strings.ContainsAny(zh, "。：「") {
			t.Errorf("%s: no Chinese explanation: %q", in, zh)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"90m": 90 * time.Minute, "1h30m": 90 * time.Minute, "1.5h": 90 * time.Minute, "45min": 45 * time.Minute,
		"2hours": 2 * time.Hour, "90分钟": 90 * time.Minute, "1小时": time.Hour, "1小时30分": 90 * time.Minute,
		"半小时": 30 * time.Minute, "一个半小时": 90 * time.Minute, "2个小时": 2 * time.Hour,
	} {
		if got, ok := parseDuration(in); !ok || got != want {
			t.Errorf("%s: %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"14:00", "fri", "m", "0m", "https://x", "1h30s"} {
		if got, ok := parseDuration(in); ok {
			t.Errorf("%s: read as %v", in, got)
		}
	}
}

func TestParseMinuteLine(t *testing.T) {
	tests := []struct {
		in   string
		kind meeting.MinuteKind
		rest string
	}{
		{"- the launch slips a week", meeting.Point, "the launch slips a week"},
		{"decision: we go with vendor B", meeting.Decision, "we go with vendor B"},
		{"决定：采用 B 方案", meeting.Decision, "采用 B 方案"},
		{`action @carol "send the budget" due:wed`, meeting.Action, `@carol "send the budget" due:wed`},
		{"行动 @carol 「发送预算」 截止：周三", meeting.Action, "@carol 「发送预算」 截止：周三"},
		{"要点：上线推迟一周", meeting.Point, "上线推迟一周"},
	}
	for _, tc := range tests {
		kind, rest, ok := parseMinuteLine(tc.in)
		if !ok || kind != tc.kind || rest != tc.rest {
			t.Errorf("%s: %v %q %v", tc.in, kind, rest, ok)
		}
	}
	if _, _, ok := parseMinuteLine("hello there"); ok {
		t.Error("a line without a prefix was read")
	}
	a := parseAction(`@carol "send the budget" due:wed`)
	if a.owner != "@carol" || a.text != "send the budget" || a.due != "wed" {
		t.Errorf("action: %+v", a)
	}
	a = parseAction("＠carol 「发送预算」 截止：周三")
	if a.owner != "@carol" || a.text != "发送预算" || a.due != "周三" {
		t.Errorf("action zh: %+v", a)
	}
}

func TestDescribeRule(t *testing.T) {
	m := &meeting.Meeting{Rule: "FREQ=WEEKLY;BYDAY=MO", Holiday: meeting.Skip, Start: time.Date(2026, 11, 23, 10, 0, 0, 0, shanghai), TZ: "Asia/Shanghai"}
	if got := describeRule(m, bot.LangEN, shanghai); got != "every Monday 10:00 (skipped on days off)" {
		t.Errorf("en: %q", got)
	}
	m.Rule, m.Holiday = "FREQ=MONTHLY;X-WORKDAY=1", meeting.MoveToNextWorkday
	if got := describeRule(m, bot.LangZH, shanghai); got != "每月第1个工作日 10:00" {
		t.Errorf("zh: %q", got)
	}
	m.Rule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
	if got := describeRule(m, bot.LangZH, shanghai); got != "每2周的周二 10:00（节假日顺延至下一个工作日）" {
		t.Errorf("zh: %q", got)
	}
}

// Ensure a slot button of a series keeps the series: its words keep the
// rule, and the slot's at: is the series' clock over the rule's own.
func TestSlotOfASeries(t *testing.T) {
	words := withoutTime(commands.Tokenize(`「周会」 每周一 10:00 1小时 @alice 部门：Design`))
	if words != `「周会」 每周一 10:00 1小时 @alice 部门：Design` {
		t.Errorf("a slot button's words: %q", words)
	}
	d, err := parseDraft(commands.Tokenize(words+" at:2026-11-23T11:00"), friday10, shanghai, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.rule != "FREQ=WEEKLY;BYDAY=MO" || !d.start.Equal(time.Date(2026, 11, 23, 11, 0, 0, 0, shanghai)) {
		t.Errorf("the slot's series: rule %q from %v; want every Monday from Mon 23 Nov 11:00", d.rule, d.start)
	}
}
