package ticket

import (
	"strings"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands"
)

// list pages tickets from the store: mine (default: the open ones I own),
// requested, open, closed, breached, dept <name>, category <name>.
func (f *feature) list(c *commands.Ctx) error {
	page, args, err := commands.PageArg(c, c.Args)
	if err != nil {
		return err
	}
	flt := ticket.Filter{Active: true, Offset: (page - 1) * commands.PageSize, Limit: commands.PageSize + 1}
	var scope []string // words of the title, in the reader's language
	mine := true
	for i := 0; i < len(args); i++ {
		t := args[i]
		word := strings.ToLower(t.Text)
		value := func() (string, error) {
			if t.Key != "" {
				return t.Text, nil
			}
			if i+1 >= len(args) {
				return "", c.Usage(bot.Tf("Give a name after %q.", "请在「%s」后写上名称。", t.Raw))
			}
			i++
			return args[i].Text, nil
		}
		switch {
		case commands.Contains(deptKeys, t.Key) || t.Key == "" && commands.Contains(deptKeys, word):
			name, err := value()
			if err != nil {
				return err
			}
			d, err := commands.FindDept(c, name)
			if err != nil {
				return err
			}
			flt.DeptID, mine = d.ID, false
			scope = append(scope, c.T("for %s", "「%s」", d.Name))
		case commands.Contains(categoryKeys, t.Key) || t.Key == "" && commands.Contains(categoryKeys, word):
			name, err := value()
			if err != nil {
				return err
			}
			flt.Category, mine = strings.ToLower(name), false
			scope = append(scope, c.T("in %s", "类别「%s」", flt.Category))
		case t.Key != "":
			return c.Usage(bot.Tf("I don't know the option %q here.", "这里不认识选项「%s」。", t.Key))
		case word == "mine" || word == "my" || word == "我的":
			flt.OwnerID = c.Person.ID
			scope = append(scope, c.T("yours", "你负责的"))
		case word == "requested" || word == "我提的" || word == "我提报的":
			flt.RequesterID, mine = c.Person.ID, false
			scope = append(scope, c.T("you requested", "你提报的"))
		case word == "open" || word == "active" || word == "未结" || word == "处理中" || word == "全部" || word == "all":
			mine = false
		case word == "closed" || word == "resolved" || word == "done" || word == "已关闭" || word == "已解决" || word == "归档":
			flt.Active, mine = false, false
		case word == "breached" || word == "overdue" || word == "超时" || word == "逾期":
			flt.Breached, mine = true, false
			scope = append(scope, c.T("breached", "已超时"))
		default:
			return c.Usage(bot.Tf("I don't understand %q here.", "这里的「%s」我没看懂。", t.Raw))
		}
	}
	if mine && flt.OwnerID == 0 {
		flt.OwnerID = c.Person.ID
		scope = append(scope, c.T("yours", "你负责的"))
	}
	state := c.T("Open tickets", "未结工单")
	if !flt.Active {
		state = c.T("Resolved and closed tickets", "已解决和已关闭的工单")
	}
	title := state
	if len(scope) > 0 {
		if c.Lang == bot.LangZH {
			title = strings.Join(scope, "、") + "的" + state
		} else {
			title = state + ", " + strings.Join(scope, ", ")
		}
	}
	return f.page(c, flt, bot.T(title, title), page, args, "ticket list", "工单 列表")
}

// page answers one page of tickets matching flt.
func (f *feature) page(c *commands.Ctx, flt ticket.Filter, title bot.Text, page int, args []commands.Token, cmdEN, cmdZH string) error {
	tks, err := ticket.From(c.Tx).FindTickets(flt)
	if err != nil {
		return err
	}
	switch {
	case len(tks) == 0 && page > 1:
		c.Reply(bot.Message{Text: title.In(c.Lang) + c.T(": there is no page %d.", "：没有第%d页。", page), Private: true})
		return nil
	case len(tks) == 0:
		c.Reply(bot.Message{Text: title.In(c.Lang) + c.T(": none.", "：没有。"), Private: true})
		return nil
	}
	more := len(tks) > commands.PageSize
	tks = tks[:min(len(tks), commands.PageSize)]
	ppl := commands.NewPeople(c.Tx, c.Person)
	rd := readerOf(c)
	var b strings.Builder
	b.WriteString(commands.PageTitle(c, title, page, len(tks), more))
	for _, tk := range tks {
		b.WriteString("\n" + listLine(tk, ppl, rd))
	}
	if more {
		b.WriteString("\n" + commands.NextPage(c, cmdEN, cmdZH, args, page))
	}
	c.Reply(bot.Message{Text: b.String(), Private: true})
	return nil
}

// search finds tickets by words of their title: open ones, or with
// "closed" the resolved and closed ones (archived tickets are found so).
func (f *feature) search(c *commands.Ctx) error {
	page, args, err := commands.PageArg(c, c.Args)
	if err != nil {
		return err
	}
	flt := ticket.Filter{Active: true, Offset: (page - 1) * commands.PageSize, Limit: commands.PageSize + 1}
	var words []string
	for _, t := range args {
		switch strings.ToLower(t.Text) {
		case "closed", "resolved", "archived", "已关闭", "已解决", "归档":
			flt.Active = false
		default:
			words = append(words, t.Text)
		}
	}
	flt.Text = strings.TrimSpace(strings.Join(words, " "))
	if flt.Text == "" {
		return c.Usage(bot.T("What should I look for? Give words of the title.", "要找什么？请写上标题中的关键词。"))
	}
	title := bot.Tf("Open tickets matching %q", "标题含「%s」的未结工单", flt.Text)
	if !flt.Active {
		title = bot.Tf("Resolved and closed tickets matching %q", "标题含「%s」的已解决和已关闭工单", flt.Text)
	}
	if err := f.page(c, flt, title, page, args, "ticket search", "工单 搜索"); err != nil {
		return err
	}
	if flt.Active && page == 1 {
		c.Reply(bot.Message{Text: c.T("Archived ones: `ticket search %s closed`.", "已关闭的工单：「工单 搜索 %s 已关闭」。", flt.Text), Private: true})
	}
	return nil
}
