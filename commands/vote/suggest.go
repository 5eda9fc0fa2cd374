package vote

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/asks"
)

func (f *feature) suggestCommand() *commands.Command {
	return &commands.Command{
		Name:     "suggest",
		Aliases:  []string{"建议"},
		Summary:  bot.T("Send a department's head an anonymous suggestion", "向部门负责人提交匿名建议"),
		Fallback: "new",
		Subs: []*commands.Sub{
			{Name: "new", Usage: bot.T(`suggest dept:HR "your suggestion"`, "建议 部门：人事 「你的建议」"),
				Summary: bot.T("Anonymous: your name is stored nowhere", "匿名：不记录你的名字"),
				Example: bot.T(`suggest dept:HR "Flexible hours on Fridays"`, "建议 部门：人事 「周五弹性上班」"),
				Run:     f.suggest},
			{Name: "noted", Aliases: []string{"已阅"}, Usage: bot.T("suggest noted A-12", "建议 已阅 A-12"),
				Summary: bot.T("Mark a suggestion to you as read", "将收到的建议标为已阅"), Run: f.noted},
		},
	}
}

// suggest delivers an anonymous suggestion to the head of a department.
// Nothing stored names the sender: the ask's author is 0, no timeline
// entry has an actor, the card says nothing of them, and its times are
// the day only (the ask's created and sent times) so that they are not a
// clock to match against the sender's activity. The reply to the sender
// names neither the department nor the text.
func (f *feature) suggest(c *commands.Ctx) error {
	var dept *bot.Department
	var text []string
	for _, a := range c.Args {
		switch a.Key {
		case "dept", "部门":
			d, err := commands.FindDept(c, a.Text)
			if err != nil {
				return err
			}
			dept = d
		case "":
			text = append(text, a.Text)
		default:
			return c.Usage(bot.Tf("I don't know the option %q.", "我不认识选项「%s」。", a.Key))
		}
	}
	body := strings.TrimSpace(strings.Join(text, " "))
	switch {
	case dept == nil:
		return c.Usage(bot.T("Which department is it for? Add dept:<name>.", "建议给哪个部门？请加上「部门:<名称>」。"))
	case body == "":
		return c.Usage(bot.T("What is the suggestion? Put it in quotes.", "建议的内容是什么？请放在引号里。"))
	case utf8.RuneCountInString(body) > maxSuggest:
		return c.Usage(bot.Tf("That is too long (at most %d characters).", "内容太长了（最多 %d 个字）。", maxSuggest))
	case dept.HeadID == 0:
		return bot.Errorf(bot.EINVALID, "%s has no head to receive it; an admin can set one.", "%s 还没有负责人可以接收；请管理员设置。", dept.Name)
	}
	day := c.Now.Truncate(24 * time.Hour)
	title := []rune(body)
	if len(title) > 60 {
		title = append(title[:60], '…')
	}
	a := &ask.Ask{Kind: ask.Suggestion, Title: string(title), Body: body, DeptID: dept.ID, Status: ask.Open, Anonymous: true,
		Audience: ask.Audience{PersonIDs: []int64{dept.HeadID}}, CreatedAt: day, SentAt: day}
	if err := ask.From(c.Tx).CreateAsk(a); err != nil {
		return err
	}
	if err := f.d.Engine.AskNow(c.Tx, a, []*ask.Recipient{{PersonID: dept.HeadID, Role: ask.Respondent}}, c.Now); err != nil {
		return err
	}
	// Private: in a group, a reply for all to see would name the sender.
	c.Reply(bot.Message{Text: c.T("Delivered anonymously. Your name is not stored with it.", "已匿名送达。系统不记录你的名字。"), Private: true})
	return nil
}

// noted marks a suggestion read by its head, which ends it.
func (f *feature) noted(c *commands.Ctx) error {
	if len(c.Args) != 1 {
		return c.Usage(bot.T("Which suggestion? Give it like A-12.", "哪条建议？请写上编号，如 A-12。"))
	}
	id, ok := asks.ParseRef(c.Args[0].Text)
	if !ok {
		return c.Usage(bot.Tf("%q is not a suggestion: they are written like A-12.", "「%s」不是建议编号：编号形如 A-12。", c.Args[0].Text))
	}
	st := ask.From(c.Tx)
	a, err := st.FindAsk(id)
	if bot.ErrorCode(err) == bot.ENOTFOUND || err == nil && a.Kind != ask.Suggestion {
		return bot.Errorf(bot.ENOTFOUND, "There is no suggestion A-%d.", "没有建议 A-%d。", id)
	} else if err != nil {
		return err
	}
	r, err := st.FindRecipient(a.ID, c.Person.ID, 0)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return bot.Errorf(bot.EFORBIDDEN, "%s was not sent to you.", "%s 不是发给你的。", a.Ref())
	} else if err != nil {
		return err
	}
	if err := f.d.Engine.Record(c.Tx, a, r, "noted", "", c.Event.Platform, c.Now); err != nil {
		return err
	}
	if err := f.d.Engine.End(c.Tx, a, ask.Closed, c.Now); err != nil {
		return err
	}
	c.Reply(bot.Message{Text: c.T("%s is marked as read.", "%s 已标为已阅。", a.Ref()), Private: true})
	return nil
}
