package project

import (
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
)

// command is the project command: the everyday sub-commands defined here,
// then the progress ones (status, pictures, review, close: status.go).
func (f *feature) command() *commands.Command {
	sub := func(name string, aliases []string, usageEN, usageZH, sumEN, sumZH, exEN, exZH string, run func(*commands.Ctx) error) *commands.Sub {
		return &commands.Sub{Name: name, Aliases: aliases, Usage: bot.T(usageEN, usageZH), Summary: bot.T(sumEN, sumZH),
			Example: bot.T(exEN, exZH), Run: run}
	}
	subs := []*commands.Sub{
		sub("list", []string{"ls", "列表", "清单"}, "project list [all | closed] [page N]", "项目 列表 [全部 | 已关闭] [第N页]",
			"List your projects (all active ones with all)", "列出你参与的项目（加“全部”列出所有进行中的项目）",
			"project list all", "项目 列表 全部", f.list),
		sub("new", []string{"create", "add-project", "新建", "创建"},
			`project new "<name>" goal:"…" metric:"…" target:<number> [baseline:…] from:<date> to:<date> depts:<a,b> lead:@person [key:<key>]`,
			`项目 新建 「<名称>」 目标：「…」 指标：「…」 目标值：<数字> [基线：…] 开始：<日期> 结束：<日期> 部门：<甲，乙> 负责人：@某人 [代号：<代号>]`,
			"Start a project with a SMART goal", "新建项目（目标按 SMART 原则填写）",
			`project new "Q3 launch" goal:"Launch the new plan to all customers" metric:"signups" target:5000 from:2026-12-07 to:2027-01-29 depts:Design,Sales lead:@alice`,
			`项目 新建 「Q3 发布」 目标：「新套餐全面上线」 指标：「注册数」 目标值：5000 开始：2026-12-07 结束：2027-01-29 部门：设计，销售 负责人：@alice`,
			f.create),
		sub("show", []string{"view", "info", "查看", "详情"}, "project show [<key>]", "项目 查看 [<代号>]",
			"Show a project: goal, people, dates, milestones, groups", "查看项目：目标、人员、日期、里程碑、群",
			"project show q3-launch", "项目 查看 q3-launch", f.show),
		sub("goal", []string{"目标"}, `project goal <key> ["goal text"] [metric:"…"] [target:<number>] [baseline:…]`,
			`项目 目标 <代号> [「目标描述」] [指标：「…」] [目标值：<数字>] [基线：…]`,
			"Write or change the SMART goal (admins)", "填写或修改 SMART 目标（管理员）",
			`project goal q3-launch metric:"signups" target:5000`, `项目 目标 q3-launch 指标：「注册数」 目标值：5000`, f.goal),
		sub("dates", []string{"date", "schedule", "日期", "时间", "工期"}, "project dates <key> [from:<date>] [to:<date>]",
			"项目 日期 <代号> [开始：<日期>] [结束：<日期>]", "Change the project's dates (admins)", "修改项目起止日期（管理员）",
			"project dates q3-launch to:2027-02-05", "项目 日期 q3-launch 结束：2027-02-05", f.dates),
		sub("lead", []string{"owner", "负责人"}, "project lead <key> @person", "项目 负责人 <代号> @某人",
			"Name the project's lead (admins); the lead is an admin", "指定项目负责人（管理员）；负责人是管理员",
			"project lead q3-launch @alice", "项目 负责人 q3-launch @alice", f.lead),
		sub("member", []string{"members", "people", "成员"},
			"project member <key> [add] @person… [admin|editor|viewer] | remove @person | list",
			"项目 成员 <代号> [添加] @某人… [管理员|编辑者|查看者] | 移除 @某人 | 列表",
			"Add members with a role, change or remove them, list them", "添加成员并指定角色、修改或移除成员、列出成员",
			"project member q3-launch @bob editor", "项目 成员 q3-launch @bob 编辑者", f.member),
		sub("milestone", []string{"milestones", "ms", "里程碑"},
			`project milestone <key> [add] "<name>" due:<date> | move "<name>" due:<date> | list`,
			`项目 里程碑 <代号> [添加] 「<名称>」 截止：<日期> | 改期 「<名称>」 截止：<日期> | 列表`,
			"Add, move or list milestones (editors)", "添加、改期或列出里程碑（编辑者）",
			`project milestone q3-launch "Beta" due:2027-01-08`, `项目 里程碑 q3-launch 「Beta」 截止：2027-01-08`, f.milestone),
		sub("add", []string{"attach", "添加", "加入"}, "project add <key> #<task>… | ticket <n> [milestone:<name>] [days:<n>] [start:<date>]",
			"项目 添加 <代号> #<任务>… | 工单 <编号> [里程碑：<名称>] [工期：<天数>] [开始：<日期>]",
			"Attach tasks or tickets to a project (editors)", "把任务或工单加入项目（编辑者）",
			"project add q3-launch #12 milestone:Beta days:3", "项目 添加 q3-launch #12 里程碑：Beta 工期：3", f.add),
		sub("remove", []string{"detach", "rm", "移除", "移出"}, "project remove <key> #<task> | ticket <n>",
			"项目 移除 <代号> #<任务> | 工单 <编号>", "Detach a task or ticket from a project (editors)", "把任务或工单移出项目（编辑者）",
			"project remove q3-launch #12", "项目 移除 q3-launch #12", f.remove),
		sub("bind", []string{"绑定"}, "project bind <key>", "项目 绑定 <代号>",
			"Bind this group to a project: its status, warnings and reviews come here (admins)",
			"把本群绑定到项目：进展、预警和周报发到本群（管理员）", "project bind q3-launch", "项目 绑定 q3-launch", f.bind),
	}
	return &commands.Command{
		Name:    "project",
		Aliases: []string{"projects", "proj", "项目"},
		Summary: bot.T("Projects with SMART goals, members, milestones and progress", "项目：SMART 目标、成员、里程碑与进展"),
		Subs:    append(subs, f.progressSubs()...),
	}
}
