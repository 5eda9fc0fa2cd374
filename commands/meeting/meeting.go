// Package meeting is the chat surface of meetings (bot/meeting): scheduling
// in English and Chinese with a conflict check before confirming (a prepare
// step: attendees' other meetings and their calendars' busy time, read
// outside the unit), invitations with accept/decline buttons and a live
// card of the answers, the agenda, reminders as jobs, changes and
// cancellations told to everyone, and minutes whose action items become
// tasks and whose digest goes to the meeting's groups and attendees.
package meeting

import (
	"log/slog"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
	filescmd "github.com/tandemhq/tandem/commands/files"
)

// JobRemind is one reminder before one occurrence of a meeting, keyed by
// meeting, occurrence and how long before.
const JobRemind = "meeting.remind"

// Deps are what the meeting feature is given by its host.
type Deps struct {
	// Store is read by the scheduling prepare step (attendees and their
	// meetings, outside the writer).
	Store bot.Store
	// Calendars, when set, gives attendees' busy time from their real
	// calendars (*bot.FreeBusyRegistry); nil checks Tandem's meetings only.
	Calendars Calendars
	// Calendar is the work calendar: series' occurrences (holidays moved
	// or skipped, make-up days), reminders on working time, and the
	// working hours of the next free slots; nil: weekdays, 09:00 to 18:00
	// for slots.
	Calendar *workcal.Calendar
	// Reminders are how long before each occurrence attendees are
	// reminded; nil: DefaultReminders.
	Reminders []time.Duration
	// Notifier tells attendees from the reminder job.
	Notifier    *bot.Notifier
	DefaultLang bot.Lang
	DefaultTZ   *time.Location
	// Feeds gives people their calendar links; nil without the HTTP
	// server.
	Feeds Feeds
	// DueHour is the clock of an action item's due date without one.
	DueHour, DueMinute int
	Log                *slog.Logger
}

// DefaultReminders are a day and a quarter of an hour before.
var DefaultReminders = []time.Duration{24 * time.Hour, 15 * time.Minute}

type feature struct{ Deps }

func (f *feature) reminders() []time.Duration {
	if len(f.Reminders) > 0 {
		return f.Reminders
	}
	return DefaultReminders
}

func (f *feature) defaults() (bot.Lang, *time.Location) {
	return bot.Defaults(f.DefaultLang, f.DefaultTZ)
}

// Module is the meeting feature: the meeting and minutes commands and the
// reminder job.
func Module(d Deps) commands.Module {
	f := &feature{Deps: d}
	return commands.Module{
		Name:     "meeting",
		Commands: []*commands.Command{f.command(), f.minutesCommand()},
		Jobs:     map[string]bot.JobHandler{JobRemind: reminder{f}, JobDigest: digester{f}},
	}
}

func sub(name string, aliases []string, usageEN, usageZH, sumEN, sumZH, exEN, exZH string, run func(*commands.Ctx) error) *commands.Sub {
	return &commands.Sub{Name: name, Aliases: aliases, Usage: bot.T(usageEN, usageZH), Summary: bot.T(sumEN, sumZH),
		Example: bot.T(exEN, exZH), Run: run}
}

func (f *feature) command() *commands.Command {
	create := sub("new", []string{"create", "schedule", "add", "新建", "安排", "预约", "创建"},
		`meeting new "<title>" <when> [<duration>] @person… [dept:<department>] [room:"…"] [online:<link>] [every <day>] [holiday:skip|move]`,
		`会议 新建 「<标题>」 <时间> [<时长>] @某人… [部门：<部门>] [会议室：「…」] [线上：<链接>] [每周一] [节假日：跳过|顺延]`,
		"Schedule a meeting (attendees' conflicts are checked first)", "安排会议（先检查参会人的时间冲突）",
		`meeting new "Q3 marketing plan" fri 14:00 90m @alice @bob dept:Design room:"3F-A"`,
		`会议 新建 「Q3 市场计划」 周五 14:00 90分钟 @alice @bob 部门：Design 会议室：「3F-A」`, f.create)
	create.Prepare = f.prepareNew
	change := sub("change", []string{"move", "reschedule", "edit", "修改", "改期", "调整"},
		"meeting change <id> [<when>] [<duration>] [+@person] [-@person] [room:\"…\"] [online:<link>] [anyway]",
		"会议 修改 <编号> [<时间>] [<时长>] [+@某人] [-@某人] [会议室：「…」] [线上：<链接>] [强制]",
		"Change a meeting's time or attendees (conflicts are checked; everyone is told)", "修改会议时间或参会人（检查冲突并通知所有人）",
		"meeting change 3 mon 10:00 +@carol", "会议 修改 3 周一 10:00 +@carol", f.change)
	change.Prepare = f.prepareChange
	return &commands.Command{
		Name:    "meeting",
		Aliases: []string{"meetings", "mtg", "会议", "开会"},
		Summary: bot.T("Meetings: scheduling with conflict checks, invitations, agenda, reminders", "会议：排期与冲突检查、邀请、议程、提醒"),
		ByID:    "show",
		Subs: []*commands.Sub{
			sub("list", []string{"ls", "列表", "清单"}, "meeting list [page N]", "会议 列表 [第N页]",
				"Your coming meetings", "你接下来的会议", "meeting list", "会议 列表", f.list),
			create,
			sub("show", []string{"view", "info", "查看", "详情"}, "meeting show <id>", "会议 查看 <编号>",
				"Show a meeting with its answers and agenda", "查看会议、答复与议程", "meeting show 3", "会议 查看 3", f.show),
			sub("accept", []string{"yes", "join", "接受", "参加"}, "meeting accept <id>", "会议 接受 <编号>",
				"Accept an invitation", "接受会议邀请", "meeting accept 3", "会议 接受 3", f.answer(meeting.Accepted)),
			sub("decline", []string{"no", "拒绝", "不参加"}, "meeting decline <id>", "会议 拒绝 <编号>",
				"Decline an invitation", "拒绝会议邀请", "meeting decline 3", "会议 拒绝 3", f.answer(meeting.Declined)),
			change,
			sub("cancel", []string{"delete", "取消"}, "meeting cancel <id> [why]", "会议 取消 <编号> [原因]",
				"Cancel a meeting (everyone is told)", "取消会议（通知所有人）", "meeting cancel 3 moved to next week",
				"会议 取消 3 改到下周", f.cancel),
			sub("agenda", []string{"议程"}, `meeting agenda add|list|remove <id> ["<item>" @owner 10m <link>…]`,
				`会议 议程 添加|列表|删除 <编号> [「<事项>」 @负责人 10分钟 <链接>…]`,
				"The agenda: items with an owner, a time box and material", "议程：事项、负责人、时长和材料",
				`meeting agenda add 3 "Budget" @bob 10m https://docs.example.com/budget`,
				`会议 议程 添加 3 「预算」 @bob 10分钟 https://docs.example.com/budget`, f.agenda),
			sub("calendar", []string{"ics", "feed", "日历"}, "meeting calendar [<id>|reset]", "会议 日历 [<编号>|重置]",
				"Your meetings as a calendar to subscribe to, or one meeting as an .ics",
				"订阅你的会议日历，或获取单个会议的日历文件", "meeting calendar", "会议 日历", f.calendar),
			filescmd.LinkSub("meeting", "会议", "id", "编号", f.linkItem),
		},
	}
}
