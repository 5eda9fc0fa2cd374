// Package ticket is the chat surface of tickets between departments
// (bot/ticket): intake in English and Chinese, routing, the lifecycle
// commands with their permission checks, the live ticket card, the
// timeline, lists and search, playbooks (linked tasks), the escalation
// ladder's job, stats and the weekly digest to department heads.
package ticket

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
	filescmd "github.com/tandemhq/tandem/commands/files"
)

// Job kinds of the ticket feature.
const (
	// JobEscalate is one step of a ticket's escalation ladder (or its
	// acknowledgement timeout), keyed by ticket, cycle and step.
	JobEscalate = "ticket.escalate"
	// JobDigest is the weekly digest to department heads.
	JobDigest = "ticket.digest"
)

// Config is the tickets' part of the configuration (cmd/tandem reads the
// `tickets:` section into it).
type Config struct {
	// Policies are tried in order, first match wins (ticket.Policy's
	// Priority, Category, Dept); none matching falls back on
	// DefaultPolicies.
	Policies []ticket.Policy
	// Routes send a category to a department and an owner; first match
	// wins, and a route with an empty Category matches any.
	Routes []Route
	// Playbooks are the follow-up tasks a category's ticket creates, by
	// category (lower case).
	Playbooks map[string][]Play
	// Groups are each department's chats (by department name, lower case),
	// which a ladder's "group" step posts in; a department without one
	// has its head told instead.
	Groups map[string][]bot.Destination
	// DigestSchedule is when the weekly digest goes to department heads (a
	// bot.Job schedule, "cron:0 9 * * 1" by default); "off" for none.
	DigestSchedule string
}

// Route sends tickets of a category ("" for any) to a department: to
// Owner (a handle), or in turn among the department's members
// (RoundRobin: the one given a ticket least recently, durable), or else to
// the department's head.
type Route struct {
	Category   string
	Dept       string
	Owner      string
	RoundRobin bool
}

// Play is one follow-up task of a playbook: a title for a department (its
// head owns the task, if it has one).
type Play struct {
	Dept  string
	Title string
}

// Deps are what the ticket feature is given by its host.
type Deps struct {
	Config Config
	// Calendar counts business time; nil counts every minute.
	Calendar *workcal.Calendar
	// NextRun is when a schedule next fires (scheduler.Next through
	// features.Deps): the weekly digest's first run is its first
	// occurrence. Nil: it first runs at once.
	NextRun func(schedule string, after time.Time, loc *time.Location) (time.Time, error)
	// Notifier tells people things from the job handlers.
	Notifier *bot.Notifier
	// Store is read outside the writer by the weekly digest (a
	// bot.JobFetcher) and by the war room job.
	Store       bot.Store
	DefaultLang bot.Lang
	DefaultTZ   *time.Location
	// GroupCreators finds the app that can create a war room's group chat
	// on a platform and workspace; nil: no war rooms.
	GroupCreators bot.GroupCreators
	Log           *slog.Logger
	// Metrics counts breaches as they are recorded; nil counts nothing.
	Metrics bot.Metrics
	// OnClosed, when set, runs in the unit that closes a ticket, with its
	// subject ("ticket/7"), a title, the people who took part (requester
	// and owner) and the time: the feedback forms (commands/feedback) hang
	// on it without the two packages importing each other.
	OnClosed func(tx bot.Tx, subject, title string, participants []int64, now time.Time) error
}

// DefaultLadder is the ladder of the default policies (as the config's
// defaults): 75 % of the resolution target reminds the owner, 100 % tells
// the head and the department's group, 150 % tells management.
var DefaultLadder = ticket.Ladder{Name: "standard", Steps: []ticket.Step{
	{Fraction: 0.75, Target: ticket.Resolution, Notify: []string{"owner"}},
	{Fraction: 1, Target: ticket.Resolution, Notify: []string{"head", "group"}},
	{Fraction: 1.5, Target: ticket.Resolution, Notify: []string{"management"}},
}}

// DefaultPolicies apply when the config has none that matches (the
// config's defaults): P1 in wall-clock time, the others in business time.
func DefaultPolicies() []ticket.Policy {
	return []ticket.Policy{
		{Name: "P1", Priority: ticket.P1, FirstResponse: 15 * time.Minute, Resolution: 4 * time.Hour, Clock: ticket.Wall, Ladder: DefaultLadder},
		{Name: "P2", Priority: ticket.P2, FirstResponse: time.Hour, Resolution: 8 * time.Hour, Clock: ticket.Business, Ladder: DefaultLadder},
		{Name: "P3", Priority: ticket.P3, FirstResponse: 4 * time.Hour, Resolution: 24 * time.Hour, Clock: ticket.Business, Ladder: DefaultLadder},
		{Name: "P4", Priority: ticket.P4, FirstResponse: 8 * time.Hour, Resolution: 40 * time.Hour, Clock: ticket.Business, Ladder: DefaultLadder},
	}
}

// policyFor is the first policy matching the ticket, from the config,
// else from DefaultPolicies.
func (f *feature) policyFor(p ticket.Priority, category, dept string) ticket.Policy {
	if pol, ok := ticket.Match(f.Config.Policies, p, category, dept); ok {
		return pol
	}
	pol, _ := ticket.Match(DefaultPolicies(), p, category, dept)
	return pol
}

// Module is the ticket feature: the ticket command, its escalation job and
// the weekly digest.
func Module(d Deps) commands.Module {
	f := &feature{Deps: d}
	digest := d.Config.DigestSchedule
	switch digest {
	case "":
		digest = "cron:0 9 * * 1"
	case "off":
		digest = ""
	}
	tz := "UTC"
	if d.DefaultTZ != nil {
		tz = d.DefaultTZ.String()
	}
	digestJob := commands.SystemJob{Kind: JobDigest, Schedule: digest, TZ: tz, Key: "system/ticket-digest"}
	if d.NextRun != nil && digest != "" {
		digestJob.First = func(now time.Time) time.Time {
			loc, _ := time.LoadLocation(tz)
			if at, err := d.NextRun(digest, now, loc); err == nil && !at.IsZero() {
				return at
			}
			return now
		}
	}
	return commands.Module{
		Name:       "ticket",
		Commands:   []*commands.Command{f.command()},
		Jobs:       map[string]bot.JobHandler{JobEscalate: escalator{f}, JobDigest: digester{f}},
		SystemJobs: []commands.SystemJob{digestJob},
	}
}

type feature struct{ Deps }

// Subject names a ticket for live cards.
func Subject(t *ticket.Ticket) string { return "ticket/" + strconv.FormatInt(t.ID, 10) }

func (f *feature) command() *commands.Command {
	sub := func(name string, aliases []string, usageEN, usageZH, sumEN, sumZH, exEN, exZH string, run func(*commands.Ctx) error) *commands.Sub {
		return &commands.Sub{Name: name, Aliases: aliases, Usage: bot.T(usageEN, usageZH), Summary: bot.T(sumEN, sumZH),
			Example: bot.T(exEN, exZH), Run: run}
	}
	// prepared gives a sub-command its prepare step (reads outside the
	// writer, before its unit).
	prepared := func(s *commands.Sub, step func(*bot.Event, []commands.Token) bot.PrepareFunc) *commands.Sub {
		s.Prepare = step
		return s
	}
	return &commands.Command{
		Name:    "ticket",
		Aliases: []string{"tickets", "tk", "工单", "问题"},
		Summary: bot.T("Tickets between departments, with SLA clocks and escalation", "部门间工单：SLA 计时与升级"),
		ByID:    "show",
		Subs: []*commands.Sub{
			sub("list", []string{"ls", "列表", "清单"},
				"ticket list [mine | open | closed | breached | dept <name> | category <name>] [page N]",
				"工单 列表 [我的 | 处理中 | 已关闭 | 超时 | 部门 <名称> | 类别 <名称>] [第N页]",
				"List tickets (open ones you requested or handle, by default)", "列出工单（默认：你提报或负责的未结工单）",
				"ticket list breached", "工单 列表 超时", f.list),
			sub("open", []string{"new", "create", "report", "新建", "提报", "创建", "提交"},
				`ticket open "<title>" [cat:<category>] [p:P1-P4] [for:<department>] [impact:"…"] [need:"…"]`,
				`工单 新建 「<标题>」 [类别：<类别>] [优先级：紧急|高|中|低] [部门：<部门>] [影响：「…」] [需要：「…」]`,
				"Open a ticket for a department", "向某个部门提报工单",
				`ticket open "Batch 2611 labels peel off" cat:quality p:P2 for:QA impact:"3 customers" need:"lab test"`,
				`问题 提报 「2611批次标签脱落」 类别：质量 优先级：高 部门：QA 影响：「3家客户」 需要：「实验室检测」`, f.open),
			sub("show", []string{"view", "info", "查看", "详情"}, "ticket show <id> [page N]", "工单 查看 <编号> [第N页]",
				"Show a ticket with its timeline", "查看工单及其时间线", "ticket show 12", "工单 查看 12", f.show),
			sub("ack", []string{"acknowledge", "受理", "确认"}, "ticket ack <id>", "工单 受理 <编号>",
				"Acknowledge a ticket (stops the first-response clock)", "受理工单（首次响应计时停止）", "ticket ack 12", "工单 受理 12",
				f.move(ticket.Acked)),
			sub("start", []string{"begin", "resume", "开始", "处理"}, "ticket start <id>", "工单 开始 <编号>",
				"Start work on a ticket", "开始处理工单", "ticket start 12", "工单 开始 12", f.move(ticket.InProgress)),
			sub("wait", []string{"pause", "等待", "待补充"}, "ticket wait <id> [what you need]", "工单 等待 <编号> [需要补充的内容]",
				"Wait for the requester (pauses the SLA clock)", "等待提报人补充（SLA 计时暂停）",
				"ticket wait 12 photos of the labels", "工单 等待 12 请提供标签照片", f.move(ticket.Waiting)),
			sub("reply", []string{"answer", "回复", "补充"}, "ticket reply <id> <text>", "工单 回复 <编号> <内容>",
				"Answer as the requester (resumes the SLA clock)", "提报人回复（SLA 计时恢复）",
				"ticket reply 12 photos attached", "工单 回复 12 照片已上传", f.comment),
			sub("resolve", []string{"done", "fix", "解决", "完成"}, "ticket resolve <id> [how]", "工单 解决 <编号> [处理结果]",
				"Resolve a ticket (stops the SLA clock)", "解决工单（SLA 计时停止）", "ticket resolve 12 supplier changed glue",
				"工单 解决 12 供应商已更换胶水", f.move(ticket.Resolved)),
			sub("close", []string{"关闭"}, "ticket close <id>", "工单 关闭 <编号>",
				"Close a resolved ticket", "关闭已解决的工单", "ticket close 12", "工单 关闭 12", f.move(ticket.Closed)),
			sub("reopen", []string{"重开", "重新打开"}, "ticket reopen <id> [why]", "工单 重开 <编号> [原因]",
				"Reopen a resolved or closed ticket (a new SLA cycle)", "重新打开已解决或已关闭的工单（新的 SLA 周期）",
				"ticket reopen 12 labels peel again", "工单 重开 12 标签再次脱落", f.move(ticket.Open)),
			sub("assign", []string{"reassign", "give", "指派", "转派", "转交"}, "ticket assign <id> @person|me", "工单 指派 <编号> @某人|我",
				"Give a ticket to someone", "把工单指派给某人", "ticket assign 12 @bob", "工单 指派 12 @bob", f.assign),
			sub("comment", []string{"c", "note", "评论", "备注"}, "ticket comment <id> <text>", "工单 评论 <编号> <内容>",
				"Comment on a ticket", "评论工单", "ticket comment 12 lab booked for Monday", "工单 评论 12 已约周一实验室", f.comment),
			sub("search", []string{"find", "搜索", "查找"}, "ticket search <words> [page N]", "工单 搜索 <关键词> [第N页]",
				"Find tickets, closed ones too, by words of their title", "按标题关键词查找工单（包括已关闭的）",
				"ticket search labels", "工单 搜索 标签", f.search),
			prepared(sub("stats", []string{"statistics", "统计"}, "ticket stats [department] [week|month]", "工单 统计 [部门] [本周|本月]",
				"Open tickets by department, SLA met, mean times, breaches", "各部门未结工单、SLA 达成率、平均用时、超时数",
				"ticket stats QA month", "工单 统计 QA 本月", f.stats), f.prepareStats),
			filescmd.LinkSub("ticket", "工单", "id", "编号", f.linkItem),
		},
	}
}
