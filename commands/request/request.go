// Package request is requests and approvals (资源申请单) on the asks
// mechanism (commands/asks): a budget, people or equipment request goes up
// an approver chain from the config, each approver asked on their own
// platform with Approve / Reject buttons (a comment or a reason asked for
// in the same chat), a delegate asked while an approver is on leave, a
// step's deadline escalated to the approver's manager, the requester told
// of each decision, and the timeline of it all.
package request

import (
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/asks"
)

// JobComment is the end of the ten minutes an approver has to add a
// comment (or a rejection's reason) after clicking: keyed per approver.
const JobComment = "request.comment"

// JobEscalate asks the manager of a step's approver who let its deadline
// pass (see Kind.Expired), keyed by request, step and deadline.
const JobEscalate = "request.escalate"

// commentWindow is how long the bot waits for a comment after a click.
const commentWindow = 10 * time.Minute

// Config is the requests' part of the configuration (`requests:`).
type Config struct {
	// Chains are the approver steps per kind of request ("budget",
	// "people", "equipment", lower case): manager, head, for, dept:<name>
	// or @handle. A kind without one uses DefaultChain.
	Chains map[string][]string
	// StepDays is how many working days a step has to decide before it is
	// escalated to the approver's manager; 0 is 2.
	StepDays int
}

// Deps are what the requests feature is given by its host.
type Deps struct {
	Config      Config
	Engine      *asks.Engine
	Calendar    *workcal.Calendar
	Notifier    *bot.Notifier
	DefaultLang bot.Lang
	DefaultTZ   *time.Location
}

type feature struct{ Deps }

// Module is the requests feature: the request command, its listener for
// comments after a click, and the comment window's job. It registers its
// kind with the engine.
func Module(d Deps) commands.Module {
	d.DefaultLang, d.DefaultTZ = bot.Defaults(d.DefaultLang, d.DefaultTZ)
	d.Notifier = bot.NotifierOr(d.Notifier, d.DefaultLang, d.DefaultTZ)
	if d.Config.StepDays <= 0 {
		d.Config.StepDays = 2
	}
	f := &feature{Deps: d}
	d.Engine.Register(ask.Request, kind{f})
	return commands.Module{
		Name:     "request",
		Commands: []*commands.Command{f.command()},
		Jobs:     map[string]bot.JobHandler{JobComment: commentTimeout{f}, JobEscalate: escalator{f}},
		Listen:   f.listen,
	}
}

// kinds are the request kinds people type, by every word for them.
var kinds = map[string]string{
	"budget": "budget", "money": "budget", "预算": "budget", "经费": "budget",
	"people": "people", "headcount": "people", "staff": "people", "人员": "people", "人力": "people", "人手": "people",
	"equipment": "equipment", "device": "equipment", "设备": "equipment", "物品": "equipment",
}

// kindNames are the kinds as shown.
var kindNames = map[string]bot.Text{
	"budget": bot.T("Budget", "预算"), "people": bot.T("People", "人员"), "equipment": bot.T("Equipment", "设备"),
}

func kindName(k string) bot.Text {
	if t, ok := kindNames[k]; ok {
		return t
	}
	return bot.T(k, k)
}

func (f *feature) command() *commands.Command {
	sub := func(name string, aliases []string, usageEN, usageZH, sumEN, sumZH, exEN, exZH string, run func(*commands.Ctx) error) *commands.Sub {
		return &commands.Sub{Name: name, Aliases: aliases, Usage: bot.T(usageEN, usageZH), Summary: bot.T(sumEN, sumZH),
			Example: bot.T(exEN, exZH), Run: run}
	}
	return &commands.Command{
		Name:     "request",
		Aliases:  []string{"requests", "req", "申请", "申请单"},
		Summary:  bot.T("Requests and approvals: budget, people, equipment", "资源申请与审批：预算、人员、设备"),
		Fallback: "new",
		ByID:     "show",
		Subs: []*commands.Sub{
			sub("list", []string{"ls", "mine", "列表", "我的"}, "request list [page N]", "申请 列表 [第N页]",
				"Your requests and those waiting for your decision", "你的申请和待你审批的申请", "request list", "申请 列表", f.list),
			sub("new", []string{"file", "新建"},
				`request budget <amount> for:<department> "<title>" reason:"…"  |  request people <count> for:<department> "<title>"  |  request equipment "<what>" for:<department>`,
				`申请 预算 <金额> 部门：<部门> 「<标题>」 理由：「…」  |  申请 人员 <人数> 部门：<部门> 「<标题>」  |  申请 设备 「<物品>」 部门：<部门>`,
				"Ask for a budget, people or equipment; it goes up the approver chain", "申请预算、人员或设备，按审批链逐级审批",
				`request budget 20000 for:Finance "Q3 booth" reason:"trade fair in Shenzhen"`,
				`申请 预算 20000 部门：财务 「Q3 展位」 理由：「深圳展会」`, f.create),
			sub("show", []string{"view", "timeline", "查看", "详情"}, "request show A-12", "申请 查看 A-12",
				"Show a request and its timeline", "查看申请及其时间线", "request show A-12", "申请 查看 A-12", f.show),
			sub("approve", []string{"ok", "yes", "批准", "同意", "通过"}, "request approve A-12 [comment]", "申请 批准 A-12 [意见]",
				"Approve a request waiting for you", "批准待你审批的申请", "request approve A-12 within budget", "申请 批准 A-12 预算内", f.approve),
			sub("reject", []string{"deny", "no", "驳回", "拒绝"}, "request reject A-12 <reason>", "申请 驳回 A-12 <理由>",
				"Reject a request waiting for you (a reason is needed)", "驳回待你审批的申请（需写理由）",
				"request reject A-12 no budget left this quarter", "申请 驳回 A-12 本季度预算已用完", f.reject),
			sub("cancel", []string{"withdraw", "撤回", "取消"}, "request cancel A-12", "申请 撤回 A-12",
				"Withdraw your request", "撤回你的申请", "request cancel A-12", "申请 撤回 A-12", f.cancel),
		},
	}
}

// reasonKeys, forKeys and titleKeys are the option words of a request.
var (
	reasonKeys = []string{"reason", "why", "理由", "原因"}
	forKeys    = []string{"for", "dept", "部门"}
	titleKeys  = []string{"title", "标题"}
)

// draft is a request as typed.
type draft struct {
	kind, amount, title, reason, forName string
}

// parse reads a request's words. The reason runs from its key to the next
// option, so `reason:trade fair in Shenzhen` needs no quotes.
func parse(args []commands.Token) (draft, bot.Text, bool) {
	var d draft
	if len(args) == 0 {
		return d, bot.T("Say what you ask for: budget, people or equipment.", "请写申请类型：预算、人员或设备。"), false
	}
	k, ok := kinds[strings.ToLower(args[0].Text)]
	if !ok {
		return d, bot.Tf("%q is not a kind of request: budget, people or equipment.", "「%s」不是申请类型：预算、人员或设备。", args[0].Raw), false
	}
	d.kind = k
	var reason []string
	inReason := false
	for _, t := range args[1:] {
		switch {
		case commands.Contains(reasonKeys, t.Key):
			inReason, reason = true, append(reason, t.Text)
		case commands.Contains(forKeys, t.Key):
			inReason, d.forName = false, t.Text
		case commands.Contains(titleKeys, t.Key):
			inReason, d.title = false, t.Text
		case inReason:
			reason = append(reason, t.Text)
		case t.Quoted && d.title == "":
			d.title = t.Text
		case d.amount == "" && isAmount(t.Text):
			d.amount = strings.ReplaceAll(t.Text, ",", "")
		case d.kind == "equipment" && d.title == "":
			d.title = t.Text
		default:
			return d, bot.Tf("I don't understand %q.", "我没看懂「%s」。", t.Raw), false
		}
	}
	d.reason = strings.TrimSpace(strings.Join(reason, " "))
	switch {
	case d.kind == "budget" && d.amount == "":
		return d, bot.T("How much? Write the amount, such as 20000.", "金额是多少？请写数字，例如 20000。"), false
	case d.kind == "people" && d.amount == "":
		return d, bot.T("How many people? Write the number, such as 2.", "需要几个人？请写人数，例如 2。"), false
	case d.title == "":
		return d, bot.T("Give the request a title in quotes.", "请用引号写申请标题。"), false
	case d.forName == "":
		return d, bot.T("Say which department it is for: for:<department>.", "请写所属部门：部门：<部门>。"), false
	}
	return d, bot.Text{}, true
}

// isAmount reports a number (digits, with an optional decimal point and
// thousands commas).
func isAmount(s string) bool {
	s = strings.ReplaceAll(s, ",", "")
	dot := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r == '.' && !dot && i > 0:
			dot = true
		default:
			return false
		}
	}
	return s != ""
}

// chainOf is the configured chain of a kind, or DefaultChain.
func (f *feature) chainOf(k string) []string {
	if c := f.Config.Chains[k]; len(c) > 0 {
		return c
	}
	return DefaultChain
}
