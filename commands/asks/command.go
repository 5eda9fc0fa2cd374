package asks

import (
	"fmt"
	"strings"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands"
)

// command is "asks": what I have to answer, or one ask's ledger.
func (e *Engine) command() *commands.Command {
	return &commands.Command{
		Name:    "asks",
		Aliases: []string{"问询", "待回复"},
		Summary: bot.T("What you have to answer (requests, announcements, forms, votes), and an ask's ledger",
			"待你回复的问询（申请、公告、反馈表、投票），以及一项问询的回复明细"),
		Usage: bot.T("asks [page N]  |  asks A-12 [page N]", "问询 [第N页]  |  问询 A-12 [第N页]"),
		Run:   e.run,
	}
}

func (e *Engine) run(c *commands.Ctx) error {
	page, args, err := commands.PageArg(c, c.Args)
	if err != nil {
		return err
	}
	switch len(args) {
	case 0:
		return e.mine(c, page)
	case 1:
		id, ok := ParseRef(args[0].Text)
		if !ok {
			return c.Usage(bot.Tf("%q is not an ask: asks are written like A-12.", "「%s」不是问询编号：编号形如 A-12。", args[0].Text))
		}
		return e.ledger(c, id, page)
	}
	return c.Usage(bot.T("Give one ask, like A-12, or nothing for your own list.", "请给出一个问询编号（如 A-12），或不带参数查看你的待回复列表。"))
}

// ParseRef reads how people write an ask — "A-12", "a12", "A－12" (a
// full-width dash), "#12" or "12" — for the asks command and every feature's.
func ParseRef(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "A"), "a")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "－")
	id, err := commands.ParseID(s)
	return id, err == nil
}

// mine lists the open asks waiting for the sender's answer, oldest first,
// each with the typed commands that answer it.
func (e *Engine) mine(c *commands.Ctx, page int) error {
	as, err := ask.From(c.Tx).PendingAsks(c.Person.ID, "", (page-1)*commands.PageSize, commands.PageSize+1)
	if err != nil {
		return err
	}
	more := len(as) > commands.PageSize
	if more {
		as = as[:commands.PageSize]
	}
	if len(as) == 0 {
		if page > 1 {
			c.ReplyText(bot.T("There is nothing on that page.", "这一页没有内容。"))
			return nil
		}
		c.ReplyText(bot.T("Nothing is waiting for your answer.", "没有待你回复的问询。"))
		return nil
	}
	lines := []string{commands.PageTitle(c, bot.T("Waiting for your answer", "待你回复"), page, len(as), more)}
	for _, a := range as {
		line := "• " + a.Ref() + " " + a.Title
		if !a.Deadline.IsZero() {
			line += c.T(" (by %s)", "（截止 %s）", a.Deadline.In(c.Loc).Format("01-02 15:04"))
		}
		if typed := e.typedAnswers(c, a); typed != "" {
			line += "\n  " + typed
		}
		lines = append(lines, line)
	}
	if more {
		lines = append(lines, commands.NextPage(c, "asks", "问询", nil, page))
	}
	c.Reply(bot.Message{Text: strings.Join(lines, "\n")})
	return nil
}

// typedAnswers are the typed forms of the buttons of the sender's card.
func (e *Engine) typedAnswers(c *commands.Ctx, a *ask.Ask) string {
	k, ok := e.kinds[a.Kind]
	if !ok {
		return ""
	}
	r, err := ask.From(c.Tx).FindRecipient(a.ID, c.Person.ID, a.Step)
	if err != nil {
		return ""
	}
	card := k.Card(a, r, c.Lang, c.Loc)
	var typed []string
	for _, b := range card.Buttons {
		if b.Typed != "" {
			typed = append(typed, "`"+b.Typed+"`")
		}
	}
	return strings.Join(typed, c.T(" or ", " 或 "))
}

// mayView says whether p may see a's ledger: its author, an admin, or the
// head of one of its audience's departments (or of the department it is
// for).
func mayView(tx bot.Tx, p *bot.Person, a *ask.Ask) (bool, error) {
	if p.ID == a.AuthorID || p.Role == bot.RoleAdmin {
		return true, nil
	}
	depts := append([]int64{a.DeptID}, a.Audience.DeptIDs...)
	for _, id := range depts {
		if id == 0 {
			continue
		}
		d, err := tx.FindDepartmentByID(id)
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			continue
		} else if err != nil {
			return false, err
		}
		if d.HeadID == p.ID {
			return true, nil
		}
	}
	return false, nil
}

// ledger shows an ask's counts and, a page of people at a time, who
// answered, who read but did not answer, who did neither, and who was
// escalated, with the platform of each line.
func (e *Engine) ledger(c *commands.Ctx, id int64, page int) error {
	st := ask.From(c.Tx)
	a, err := st.FindAsk(id)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return bot.Errorf(bot.ENOTFOUND, "There is no ask A-%d.", "没有问询 A-%d。", id)
	} else if err != nil {
		return err
	}
	if ok, err := mayView(c.Tx, c.Person, a); err != nil {
		return err
	} else if !ok {
		return bot.Errorf(bot.EFORBIDDEN, "Only the author of %s, the heads of its departments and admins see its ledger.",
			"只有 %s 的发起人、相关部门负责人和管理员可以查看回复明细。", a.Ref())
	}
	counts, err := st.CountRecipients(a.ID, -1)
	if err != nil {
		return err
	}
	rs, more, err := ledgerPage(st, a.ID, page)
	if err != nil {
		return err
	}
	lines := []string{a.Ref() + " " + a.Title + c.T(" — %s", "——%s", statusWord(c, a.Status)),
		c.T("Answered %d · read, not answered %d · neither %d · escalated %d (of %d)",
			"已回复 %d · 已读未回复 %d · 未读未回复 %d · 已上报 %d（共 %d 人）",
			counts.Answered, counts.ReadNotAnswered, counts.Pending-counts.ReadNotAnswered, counts.Escalated, counts.Total-counts.Skipped)}
	groups := [3][]string{}
	for _, r := range rs {
		g, line, err := e.ledgerLine(c, r)
		if err != nil {
			return err
		}
		if g >= 0 {
			groups[g] = append(groups[g], line)
		}
	}
	titles := [3]bot.Text{bot.T("Answered", "已回复"), bot.T("Read, not answered", "已读未回复"), bot.T("Neither read nor answered", "未读未回复")}
	if page > 1 || more {
		lines = append(lines, c.T("People, page %d:", "人员（第%d页）：", page))
	}
	for i, g := range groups {
		if len(g) > 0 {
			lines = append(lines, titles[i].In(c.Lang)+c.T(":", "："))
			lines = append(lines, g...)
		}
	}
	if more {
		lines = append(lines, commands.NextPage(c, "asks", "问询", []commands.Token{{Text: a.Ref(), Raw: a.Ref()}}, page))
	}
	c.Reply(bot.Message{Text: strings.Join(lines, "\n")})
	return nil
}

// ledgerPage reads page (1-based) of the ledger by person id: the pages
// before it are stepped over from the index, a page at a time.
func ledgerPage(st ask.Store, askID int64, page int) ([]*ask.Recipient, bool, error) {
	var after int64
	for i := 1; ; i++ {
		rs, err := st.Recipients(askID, ask.RecipientFilter{Step: -1, AfterPersonID: after, Limit: commands.PageSize + 1})
		if err != nil {
			return nil, false, err
		}
		more := len(rs) > commands.PageSize
		if more {
			rs = rs[:commands.PageSize]
		}
		if i == page || !more {
			if i != page {
				return nil, false, nil
			}
			return rs, more, nil
		}
		after = rs[len(rs)-1].PersonID
	}
}

// ledgerLine is one person's line and its group (0 answered, 1 read, 2
// neither; -1 skipped: not shown).
func (e *Engine) ledgerLine(c *commands.Ctx, r *ask.Recipient) (int, string, error) {
	if r.State == ask.Skipped {
		return -1, "", nil
	}
	name := fmt.Sprintf("#%d", r.PersonID)
	platform := r.Via
	if p, err := c.Tx.FindPersonByID(r.PersonID); err == nil {
		name = "@" + p.Handle
		if platform == "" {
			if d, ok, err := e.d.Notifier.Reach(c.Tx, bot.Notice{To: p}, c.Now); err != nil {
				return 0, "", err
			} else if ok {
				platform = d.To.Platform
			}
		}
	} else if bot.ErrorCode(err) != bot.ENOTFOUND {
		return 0, "", err
	}
	line := "• " + name
	if platform != "" {
		line += " (" + platform + ")"
	}
	group := 2
	switch {
	case r.State == ask.Answered:
		group = 0
		if r.Answer != "" && r.Answer != "ack" && r.Answer != "voted" {
			line += " " + r.Answer
		}
		line += " " + r.AnsweredAt.In(c.Loc).Format("01-02 15:04")
	case !r.ReadAt.IsZero():
		group = 1
		line += c.T(" read %s", " 已读于 %s", r.ReadAt.In(c.Loc).Format("01-02 15:04"))
	}
	if group != 0 && !r.EscalatedAt.IsZero() {
		line += c.T(" — escalated", "——已上报")
	}
	if group != 0 && r.Reminders > 0 {
		line += c.T(" — reminded %d×", "——已提醒 %d 次", r.Reminders)
	}
	return group, line, nil
}

// statusWord names a status.
func statusWord(c *commands.Ctx, s ask.Status) string {
	words := map[ask.Status]bot.Text{
		ask.Draft: bot.T("draft", "草稿"), ask.Review: bot.T("in review", "审核中"), ask.Open: bot.T("open", "进行中"),
		ask.Approved: bot.T("approved", "已批准"), ask.Rejected: bot.T("rejected", "已驳回"), ask.Closed: bot.T("closed", "已结束"),
		ask.Cancelled: bot.T("withdrawn", "已撤回"),
	}
	w, ok := words[s]
	if !ok {
		return string(s)
	}
	return w.In(c.Lang)
}
