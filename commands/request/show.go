package request

import (
	"fmt"
	"strings"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands"
)

// eventNames label the timeline's entries.
var eventNames = map[ask.EventKind]bot.Text{
	ask.Created: bot.T("filed", "提交"), ask.Sent: bot.T("asked", "送审"), ask.Answer: bot.T("decision", "审批"),
	ask.Delegated: bot.T("delegate", "代理"), ask.Reminded: bot.T("reminder", "提醒"), ask.Escalated: bot.T("escalated", "升级"),
	ask.ClosedKind: bot.T("ended", "结束"), ask.Withdrawn: bot.T("withdrawn", "撤回"),
}

// show is a request with its timeline, a page at a time: every step,
// decision, comment, delegate, reminder and escalation. Its requester,
// those asked in it and admins may read it.
func (f *feature) show(c *commands.Ctx) error {
	page, args, err := commands.PageArg(c, c.Args)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return c.Usage(bot.T("Give the request's number, like A-12.", "请写申请编号，例如 A-12。"))
	}
	a, err := findRequest(c, args[0].Text)
	if err != nil {
		return err
	}
	if err := f.mayRead(c, a); err != nil {
		return err
	}
	st := ask.From(c.Tx)
	// The timeline is read oldest first up to the end of the page asked
	// for, one more to know whether another page follows.
	evs, err := st.AskEvents(a.ID, page*commands.PageSize+1)
	if err != nil {
		return err
	}
	more := len(evs) > page*commands.PageSize
	evs = evs[min((page-1)*commands.PageSize, len(evs)):min(page*commands.PageSize, len(evs))]
	counts, err := st.CountRecipients(a.ID, -1)
	if err != nil {
		return err
	}
	card := f.Engine.StatusCard(a, counts, c.Lang, c.Loc)
	var b strings.Builder
	b.WriteString(commands.PageTitle(c, bot.T("Timeline", "时间线"), page, len(evs), more))
	for _, e := range evs {
		fmt.Fprintf(&b, "\n• %s  %s", e.At.In(c.Loc).Format("01-02 15:04"), eventNames[e.Kind].In(c.Lang))
		if e.ActorID != 0 && e.Kind == ask.Created {
			fmt.Fprintf(&b, " — %s", nameOf(a, e.ActorID))
		}
		if e.Text != "" && e.Text != string(a.Status) {
			fmt.Fprintf(&b, " — %s", e.Text)
		}
	}
	if more {
		b.WriteString("\n" + commands.NextPage(c, "request show", "申请 查看", args, page))
	}
	c.Reply(bot.Message{Card: &card, Text: b.String()})
	return nil
}

// mayRead: the requester, anyone in its ledger, admins.
func (f *feature) mayRead(c *commands.Ctx, a *ask.Ask) error {
	if a.AuthorID == c.Person.ID || c.Person.Role == bot.RoleAdmin {
		return nil
	}
	for step := 1; step <= a.Step; step++ {
		if _, err := ask.From(c.Tx).FindRecipient(a.ID, c.Person.ID, step); err == nil {
			return nil
		} else if bot.ErrorCode(err) != bot.ENOTFOUND {
			return err
		}
	}
	return bot.Errorf(bot.EFORBIDDEN, "Only its requester, its approvers and admins can see %s.", "只有申请人、审批人和管理员可以查看 %s。", a.Ref())
}

// list is the sender's own requests (newest first) and those waiting for
// their decision, a page of each.
func (f *feature) list(c *commands.Ctx) error {
	page, args, err := commands.PageArg(c, c.Args)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return c.Usage(bot.Tf("I don't understand %q.", "我没看懂「%s」。", args[0].Raw))
	}
	st := ask.From(c.Tx)
	off := (page - 1) * commands.PageSize
	mine, err := st.FindAsks(ask.Filter{Kind: ask.Request, AuthorID: c.Person.ID, Offset: off, Limit: commands.PageSize + 1})
	if err != nil {
		return err
	}
	pending, err := st.PendingAsks(c.Person.ID, ask.Request, off, commands.PageSize+1)
	if err != nil {
		return err
	}
	more := len(mine) > commands.PageSize || len(pending) > commands.PageSize
	mine, pending = mine[:min(len(mine), commands.PageSize)], pending[:min(len(pending), commands.PageSize)]
	var b strings.Builder
	b.WriteString(commands.PageTitle(c, bot.T("Waiting for your decision", "待你审批"), page, len(pending), more))
	for _, a := range pending {
		fmt.Fprintf(&b, "\n• %s %s — %s  (%s)", a.Ref(), a.Title, nameOf(a, a.AuthorID),
			c.T("request approve %s | request reject %s <reason>", "申请 批准 %s | 申请 驳回 %s <理由>", a.Ref(), a.Ref()))
	}
	if len(pending) == 0 {
		b.WriteString("\n" + c.T("Nothing.", "没有。"))
	}
	b.WriteString("\n\n" + c.T("Your requests", "你的申请"))
	for _, a := range mine {
		state := statusName(a.Status).In(c.Lang)
		if a.Status == ask.Open {
			state = c.T("step %d of %d", "第 %d 步，共 %d 步", a.Step, steps(a))
		}
		fmt.Fprintf(&b, "\n• %s %s — %s", a.Ref(), a.Title, state)
	}
	if len(mine) == 0 {
		b.WriteString("\n" + c.T("None yet: `request budget 20000 for:Finance \"Q3 booth\" reason:…`", "还没有：「申请 预算 20000 部门：财务 「Q3 展位」 理由：…」"))
	}
	if more {
		b.WriteString("\n" + commands.NextPage(c, "request list", "申请 列表", args, page))
	}
	c.ReplyText(bot.T(b.String(), b.String()))
	return nil
}
