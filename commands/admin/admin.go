package admin

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/directory"
)

// adminCommand shows admins what failed for good, and lets them try again:
// jobs that exhausted their retries and messages no platform would take.
// Deps are what the admin feature is given by its host (cmd/tandem).
type Deps struct {
	// Directories are the platforms' directories; nil when none is
	// configured.
	Directories *directory.Directories
}

// Module is the admin feature: failed jobs and messages, the directories
// and the audit log, for admins.
func Module(d Deps) commands.Module {
	f := &feature{d}
	return commands.Module{Name: "admin", Commands: []*commands.Command{f.command()}}
}

type feature struct{ Deps }

func (f *feature) command() *commands.Command {
	return &commands.Command{
		Name:    "admin",
		Aliases: []string{"管理"},
		Summary: bot.T("For admins: failed jobs and undelivered messages, and retrying them; the audit log", "管理员：查看失败的作业和未送达的消息，并重试；审计日志"),
		Subs: []*commands.Sub{
			{
				Name: "jobs", Aliases: []string{"job", "作业", "任务队列"},
				Usage:   bot.T("admin jobs [failed] | admin jobs retry <id>", "管理 作业 [失败] | 管理 作业 重试 <编号>"),
				Summary: bot.T("Jobs that failed for good; retry one", "最终失败的作业；重试某个作业"),
				Example: bot.T("admin jobs retry 42", "管理 作业 重试 42"),
				Run:     f.adminJobs,
			},
			{
				Name: "outbox", Aliases: []string{"messages", "消息"},
				Usage:   bot.T("admin outbox [failed] [page N] | admin outbox retry <id>", "管理 消息 [失败] [第N页] | 管理 消息 重试 <编号>"),
				Summary: bot.T("Messages no platform would take; send one again", "无法送达的消息；重新发送某条消息"),
				Example: bot.T("admin outbox retry 7", "管理 消息 重试 7"),
				Run:     adminOutbox,
			},
			{
				Name: "directory", Aliases: []string{"dir", "通讯录", "目录"},
				Usage:   bot.T("admin directory [sync]", "管理 通讯录 [同步]"),
				Summary: bot.T("The platform directories and department mappings; import now", "平台通讯录与部门映射；立即导入"),
				Example: bot.T("admin directory sync", "管理 通讯录 同步"),
				Run:     f.adminDirectory,
			},
			auditSub(),
		},
	}
}

func requireAdmin(c *commands.Ctx) error {
	if c.Person.Role != bot.RoleAdmin {
		return bot.AdminsOnly(c.Tx, bot.T("do that", "这样做"))
	}
	return nil
}

// retryArg reads "retry <id>" (or 重试); ok is false for a listing.
func retryArg(c *commands.Ctx) (id int64, ok bool, err error) {
	if len(c.Args) == 0 {
		return 0, false, nil
	}
	switch strings.ToLower(c.Args[0].Text) {
	case "failed", "dead", "失败", "list", "列表":
		return 0, false, nil
	case "retry", "重试":
		if len(c.Args) != 2 {
			return 0, false, c.Usage(bot.T("Which one? Give its number.", "哪一个？请写上编号。"))
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(c.Args[1].Text, "#"), 10, 64)
		if err != nil {
			return 0, false, c.Usage(bot.Tf("%q is not a number.", "「%s」不是编号。", c.Args[1].Text))
		}
		return id, true, nil
	}
	return 0, false, c.Usage(bot.Tf("I don't understand %q here.", "这里的「%s」我没看懂。", c.Args[0].Text))
}

func (f *feature) adminJobs(c *commands.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	id, retry, err := retryArg(c)
	if err != nil {
		return err
	}
	if retry {
		if err := c.Tx.RetryJob(id, c.Now); err != nil {
			if bot.ErrorCode(err) == bot.ENOTFOUND {
				return bot.Errorf(bot.ENOTFOUND, "Job %d is not a failed job.", "作业 %d 不是失败的作业。", id)
			}
			return err
		}
		if err := bot.Audit(c.Tx, bot.AuditEntry{Kind: bot.AuditJobRetry, Ref: id, Via: bot.ViaChat}, c.Person, nil, c.Now); err != nil {
			return err
		}
		c.ReplyText(bot.Tf("Job %d will run again now.", "作业 %d 将立即重新运行。", id))
		return nil
	}
	jobs, err := c.Tx.FindJobs(bot.JobFilter{State: bot.JobDead, Limit: 50})
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		c.Reply(bot.Message{Text: c.T("No failed jobs.", "没有失败的作业。"), Private: true})
		return nil
	}
	var b strings.Builder
	b.WriteString(c.T("Failed jobs (%d):", "失败的作业（%d）：", len(jobs)))
	for _, j := range jobs {
		b.WriteString(fmt.Sprintf("\n#%d %s, %s, %d × — %s", j.ID, j.Kind, commands.FormatTime(j.RunAt, c.Now, c.Loc, c.Lang), j.Attempts, j.LastError))
	}
	b.WriteString("\n" + c.T("Retry one with `admin jobs retry <id>`.", "用「管理 作业 重试 <编号>」重试。"))
	c.Reply(bot.Message{Text: b.String(), Private: true})
	return nil
}

func adminOutbox(c *commands.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	page, args, err := commands.PageArg(c, c.Args)
	if err != nil {
		return err
	}
	c.Args = args
	id, retry, err := retryArg(c)
	if err != nil {
		return err
	}
	if retry {
		if err := c.Tx.RetryOutgoing(id, c.Now); err != nil {
			if bot.ErrorCode(err) == bot.ENOTFOUND {
				return bot.Errorf(bot.ENOTFOUND, "Message %d is not an undelivered message.", "消息 %d 不是未送达的消息。", id)
			}
			return err
		}
		if err := bot.Audit(c.Tx, bot.AuditEntry{Kind: bot.AuditOutboxRetry, Ref: id, Via: bot.ViaChat}, c.Person, nil, c.Now); err != nil {
			return err
		}
		c.ReplyText(bot.Tf("Message %d is queued again.", "消息 %d 已重新排队发送。", id))
		return nil
	}
	dead, err := c.Tx.ListOutgoing(bot.OutboxDead, (page-1)*commands.PageSize, commands.PageSize+1)
	if err != nil {
		return err
	}
	if len(dead) == 0 {
		text := c.T("No undelivered messages.", "没有未送达的消息。")
		if page > 1 {
			text = c.T("Undelivered messages: there is no page %d.", "未送达的消息：没有第%d页。", page)
		}
		c.Reply(bot.Message{Text: text, Private: true})
		return nil
	}
	more := len(dead) > commands.PageSize
	dead = dead[:min(len(dead), commands.PageSize)]
	var b strings.Builder
	b.WriteString(commands.PageTitle(c, bot.T("Undelivered messages", "未送达的消息"), page, len(dead), more))
	for _, o := range dead {
		to := o.To.ChatID
		if to == "" {
			to = "@" + o.To.UserID
		}
		b.WriteString(fmt.Sprintf("\n#%d %s %s, %d × — %s", o.ID, o.To.Platform, to, o.Attempts, o.LastError))
	}
	b.WriteString("\n" + c.T("Send one again with `admin outbox retry <id>`.", "用「管理 消息 重试 <编号>」重新发送。"))
	if more {
		b.WriteString("\n" + commands.NextPage(c, "admin outbox", "管理 消息", args, page))
	}
	c.Reply(bot.Message{Text: b.String(), Private: true})
	return nil
}

func (f *feature) adminDirectory(c *commands.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	d := f.Directories
	if d == nil || len(d.Sources) == 0 {
		c.Reply(bot.Message{Private: true, Text: c.T(
			"No platform directory is configured: add a Slack, Feishu, WeCom or DingTalk app to the config.",
			"尚未配置任何平台通讯录：请在配置中添加 Slack、飞书、企业微信或钉钉应用。")})
		return nil
	}
	sync := false
	if len(c.Args) > 0 {
		switch strings.ToLower(c.Args[0].Text) {
		case "sync", "import", "now", "同步", "导入":
			sync = len(c.Args) == 1
		}
		if !sync {
			return c.Usage(bot.Tf("I don't understand %q here.", "这里的「%s」我没看懂。", c.Args[0].Text))
		}
	}
	if sync {
		if len(d.Depts) == 0 {
			return bot.Errorf(bot.EINVALID, "No department is mapped to a platform directory (departments[].directory in the config), so there is nothing to import.",
				"配置中没有部门映射到平台通讯录（departments[].directory），没有可导入的内容。")
		}
		// One-off, beside the recurring import: its own dedup key keeps a
		// second request from queueing another while one waits.
		if _, err := c.Tx.ScheduleJob(&bot.Job{Kind: directory.JobDirectory, RunAt: c.Now, DedupKey: "admin/directory"}, c.Now); err != nil {
			return err
		}
		c.ReplyText(bot.T("Importing the mapped departments now; `admin directory` shows when it has run.",
			"正在导入已映射的部门；用「管理 通讯录」查看结果。"))
		return nil
	}
	var b strings.Builder
	b.WriteString(c.T("Directories:", "通讯录："))
	for _, s := range d.Sources {
		name := s.Platform
		if s.App != "" {
			name += "/" + s.App
		}
		b.WriteString("\n• " + name)
	}
	var match []string
	if d.MatchEmail {
		match = append(match, c.T("email", "邮箱"))
	}
	if d.MatchMobile {
		match = append(match, c.T("mobile", "手机号"))
	}
	if len(match) == 0 {
		match = append(match, c.T("nothing (link accounts with `link`)", "不自动关联（请用「关联」命令）"))
	}
	b.WriteString("\n" + c.T("Accounts are linked by: %s", "按以下信息关联账号：%s", strings.Join(match, c.T(", ", "、"))))
	if len(d.Depts) > 0 {
		b.WriteString("\n" + c.T("Department mappings:", "部门映射："))
		for _, m := range d.Depts {
			src := m.Platform
			if m.App != "" {
				src += "/" + m.App
			}
			b.WriteString(fmt.Sprintf("\n• %s ← %s:%s", m.Dept, src, m.Ref))
		}
	}
	jobs, err := c.Tx.FindJobs(bot.JobFilter{Kind: directory.JobDirectory, Limit: 5})
	if err != nil {
		return err
	}
	for _, j := range jobs {
		line := c.T("Import #%d: %s, next %s", "导入 #%d：%s，下次 %s", j.ID, string(j.State), commands.FormatTime(j.RunAt, c.Now, c.Loc, c.Lang))
		if j.State == bot.JobDone {
			line = c.T("Import #%d: done", "导入 #%d：已完成", j.ID)
		}
		if j.LastError != "" {
			line += " — " + j.LastError
		}
		b.WriteString("\n" + line)
	}
	if len(d.Depts) > 0 {
		b.WriteString("\n" + c.T("Import now with `admin directory sync`.", "用「管理 通讯录 同步」立即导入。"))
	}
	c.Reply(bot.Message{Private: true, Text: b.String()})
	return nil
}
