package admin

import (
	"strconv"
	"strings"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
)

// auditPage is how many records one page of `admin audit` shows.
const auditPage = 20

func auditSub() *commands.Sub {
	return &commands.Sub{
		Name: "audit", Aliases: []string{"log", "审计", "日志"},
		Usage:   bot.T("admin audit [@person] [page <n>]", "管理 审计 [@某人] [第 <n> 页]"),
		Summary: bot.T("Who changed roles, departments, heads and links, and retried what, newest first", "谁修改了角色、部门、负责人、账号关联，重试了什么（最新在前）"),
		Example: bot.T("admin audit @bob page 2", "管理 审计 @bob 第2页"),
		Run:     adminAudit,
	}
}

func adminAudit(c *commands.Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	var who *bot.Person
	page := 1
	for i := 0; i < len(c.Args); i++ {
		t := c.Args[i]
		switch w := strings.ToLower(t.Text); {
		case t.IsMention():
			p, err := c.ResolvePerson(t.Text)
			if err != nil {
				return err
			}
			who = p
		case w == "page" || w == "页" || w == "p":
			if i+1 == len(c.Args) {
				return c.Usage(bot.T("Which page?", "第几页？"))
			}
			i++
			n, err := strconv.Atoi(c.Args[i].Text)
			if err != nil || n < 1 {
				return c.Usage(bot.Tf("%q is not a page number.", "「%s」不是页码。", c.Args[i].Text))
			}
			page = n
		case strings.HasPrefix(w, "第") && strings.HasSuffix(w, "页"):
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(w, "第"), "页")))
			if err != nil || n < 1 {
				return c.Usage(bot.Tf("%q is not a page number.", "「%s」不是页码。", t.Text))
			}
			page = n
		default:
			return c.Usage(bot.Tf("I don't understand %q here.", "这里的「%s」我没看懂。", t.Text))
		}
	}
	f := bot.AuditFilter{Offset: (page - 1) * auditPage, Limit: auditPage + 1}
	if who != nil {
		f.SubjectID = who.ID
	}
	entries, err := c.Tx.AuditLog(f)
	if err != nil {
		return err
	}
	more := len(entries) > auditPage
	entries = entries[:min(len(entries), auditPage)]
	var b strings.Builder
	switch {
	case len(entries) == 0 && page > 1:
		b.WriteString(c.T("Page %d of the audit log is empty.", "审计日志第 %d 页没有记录。", page))
	case len(entries) == 0 && who != nil:
		b.WriteString(c.T("No privileged changes about @%s are recorded.", "没有关于 @%s 的特权操作记录。", who.Handle))
	case len(entries) == 0:
		b.WriteString(c.T("No privileged changes are recorded yet.", "还没有特权操作记录。"))
	case who != nil:
		b.WriteString(c.T("Audit log of @%s, page %d (newest first):", "@%s 的审计日志，第 %d 页（最新在前）：", who.Handle, page))
	default:
		b.WriteString(c.T("Audit log, page %d (newest first):", "审计日志，第 %d 页（最新在前）：", page))
	}
	for _, e := range entries {
		b.WriteString("\n" + commands.FormatTime(e.At, c.Now, c.Loc, c.Lang) + " — " + auditSentence(e, c.Lang))
	}
	if more {
		next := "admin audit "
		if c.Lang == bot.LangZH {
			next = "管理 审计 "
		}
		if who != nil {
			next += "@" + who.Handle + " "
		}
		b.WriteString("\n" + c.T("More: `%spage %d`", "更多：「%s第%d页」", next, page+1))
	}
	c.Reply(bot.Message{Text: b.String(), Private: true})
	return nil
}

// auditSentence tells one record as a sentence in lang. Handles are those
// the record kept, as they were at the time.
func auditSentence(e *bot.AuditEntry, lang bot.Lang) string {
	actor := bot.T("the config", "配置文件")
	switch {
	case e.Actor != "":
		actor = bot.T("@"+e.Actor, "@"+e.Actor)
	case e.Via == bot.ViaDirectory:
		actor = bot.T("the directory", "通讯录")
	}
	subject := "@" + e.Subject
	dept := func(name string) bot.Text {
		if name == "" {
			return bot.T("no department", "无部门")
		}
		return bot.T(name, "「"+name+"」")
	}
	var t bot.Text
	switch e.Kind {
	case bot.AuditLink:
		t = bot.Tf("@%s and %s became one person: %s typed the code and confirmed, %s accepted.",
			"@%s 与 %s 合并为同一人：%s 输入代码并确认，%s 接受。", e.From, subject, "@"+e.From, subject)
	case bot.AuditMerge:
		t = bot.Tf("%s found @%s and %s to be one person and merged them into %s.",
			"%s 判定 @%s 与 %s 为同一人，已合并为 %s。", actor.In(lang), e.From, subject, subject)
	case bot.AuditAccount:
		t = bot.Tf("%s linked the account %s to %s.", "%s 把账号 %s 关联到 %s。", actor.In(lang), e.To, subject)
	case bot.AuditRole:
		from, to := bot.Role(e.From).Label(lang), bot.Role(e.To).Label(lang)
		t = bot.Tf("%s changed the role of %s from %s to %s.", "%s 把 %s 的角色从%s改为%s。", actor.In(lang), subject, from, to)
		if e.Via == bot.ViaConsent {
			t = bot.Tf("%s became %s (was %s) by linking with @%s.", "%[1]s 因与 @%[4]s 关联，角色由%[3]s变为%[2]s。", subject, to, from, e.Actor)
		}
	case bot.AuditDept:
		t = bot.Tf("%s moved %s from %s to %s.", "%s 把 %s 从%s调到%s。", actor.In(lang), subject, dept(e.From).In(lang), dept(e.To).In(lang))
		switch {
		case e.Via == bot.ViaConsent:
			t = bot.Tf("%s moved %s from %s to %s, as %s accepted.", "%s 邀请 %s 从%s调到%s，%s 已接受。",
				actor.In(lang), subject, dept(e.From).In(lang), dept(e.To).In(lang), subject)
		case e.ActorID != 0 && e.ActorID == e.SubjectID:
			t = bot.Tf("%s moved from %s to %s.", "%s 从%s调到%s。", subject, dept(e.From).In(lang), dept(e.To).In(lang))
		}
	case bot.AuditDeptHead:
		t = bot.Tf("%s made %s head of %s.", "%s 任命 %s 为%s负责人。", actor.In(lang), subject, dept(e.To).In(lang))
		if e.From != "" {
			t = bot.Tf("%s made %s head of %s, replacing @%s.", "%s 任命 %s 为%s负责人，接替 @%s。", actor.In(lang), subject, dept(e.To).In(lang), e.From)
		}
	case bot.AuditJobRetry:
		t = bot.Tf("%s ran failed job %d again.", "%s 重新运行了失败的作业 %d。", actor.In(lang), e.Ref)
	case bot.AuditBinding:
		t = bot.Tf("%s bound the chat %s to %s.", "%s 把群聊 %s 绑定到%s。", actor.In(lang), e.From, dept(e.To).In(lang))
		if e.To == "" {
			t = bot.Tf("%s unbound the chat %s.", "%s 解除了群聊 %s 的绑定。", actor.In(lang), e.From)
		}
	case bot.AuditAdmission:
		t = bot.Tf("%s let %s in.", "%s 批准了 %s 的加入申请。", actor.In(lang), subject)
		if e.To == string(bot.AdmissionRefused) {
			t = bot.Tf("%s turned %s away.", "%s 拒绝了 %s 的加入申请。", actor.In(lang), subject)
		}
	case bot.AuditOutboxRetry:
		t = bot.Tf("%s queued undelivered message %d again.", "%s 重新发送了未送达的消息 %d。", actor.In(lang), e.Ref)
	default:
		t = bot.Tf("%s: %s %s → %s.", "%s：%s %s → %s。", actor.In(lang), e.Kind, e.From, e.To)
	}
	return t.In(lang)
}
