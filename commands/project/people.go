package project

import (
	"strings"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/commands"
)

// Words that choose what member and milestone do, in either language.
var (
	addWords    = []string{"add", "set", "添加", "加入", "设置"}
	removeWords = []string{"remove", "rm", "delete", "del", "移除", "删除", "去掉"}
	listWords   = []string{"list", "ls", "列表", "清单"}
	moveWords   = []string{"move", "reschedule", "change", "改期", "移动", "修改"}
)

// verb takes the leading action word of args, when there is one.
func verb(args []commands.Token, words ...[]string) (int, []commands.Token) {
	if len(args) > 0 && args[0].Key == "" && !args[0].Quoted {
		for i, ws := range words {
			if commands.Contains(ws, strings.ToLower(args[0].Text)) {
				return i, args[1:]
			}
		}
	}
	return -1, args
}

// member adds people with a role (viewer unless given), changes a role,
// removes people (admins), or lists the members (viewers).
func (f *feature) member(c *commands.Ctx) error {
	p, args, err := target(c, c.Args)
	if err != nil {
		return err
	}
	action, args := verb(args, addWords, removeWords, listWords)
	if action == 2 || action == -1 && len(args) == 0 {
		if err := need(c, p, project.Viewer, bot.T("see its members", "查看成员")); err != nil {
			return err
		}
		return f.members(c, p)
	}
	if err := need(c, p, project.Admin, bot.T("change its members", "修改成员")); err != nil {
		return err
	}
	role := project.Viewer
	var who []*bot.Person
	for _, t := range args {
		if r, ok := project.ParseRole(t.Text); ok && t.Key == "" && !t.IsMention() && action != 1 {
			role = r
			continue
		}
		if !t.IsMention() {
			return c.Usage(bot.Tf("I don't understand %q: name people with @ and a role: admin, editor or viewer.",
				"「%s」我没看懂：请用 @ 写人名，角色可选：管理员、编辑者、查看者。", t.Raw))
		}
		x, err := c.ResolvePerson(t.Text)
		if err != nil {
			return err
		}
		who = append(who, x)
	}
	if len(who) == 0 {
		return c.Usage(bot.T("Whom? Name people with @.", "哪些人？请用 @ 写上人名。"))
	}
	st := project.From(c.Tx)
	var names []string
	for _, x := range who {
		names = append(names, "@"+x.Handle)
		if action == 1 {
			if x.ID == p.LeadID {
				return bot.Errorf(bot.ECONFLICT, "@%[1]s leads %[2]s; name another lead first (`project lead %[2]s @person`).",
					"@%[1]s 是项目 %[2]s 的负责人；请先更换负责人（「项目 负责人 %[2]s @某人」）。", x.Handle, p.Key)
			}
			if err := st.RemoveMember(p.ID, x.ID); bot.ErrorCode(err) == bot.ENOTFOUND {
				return bot.Errorf(bot.ENOTFOUND, "@%s is not a member of %s.", "@%s 不是项目 %s 的成员。", x.Handle, p.Key)
			} else if err != nil {
				return err
			}
			if err := record(c, p, project.MemberGone, "@"+x.Handle); err != nil {
				return err
			}
			continue
		}
		if x.ID == p.LeadID && role != project.Admin {
			return bot.Errorf(bot.ECONFLICT, "@%s leads %s, and the lead is always an admin.", "@%s 是项目 %s 的负责人，负责人始终是管理员。", x.Handle, p.Key)
		}
		if err := st.SetMember(&project.Member{ProjectID: p.ID, PersonID: x.ID, Role: role, AddedAt: c.Now}); err != nil {
			return err
		}
		if err := record(c, p, project.MemberSet, "@"+x.Handle+" "+string(role)); err != nil {
			return err
		}
		if err := tell(c, x, p, "@"+c.Person.Handle+" made you "+role.Label(bot.LangEN)+" of the project "+p.Key+" (“"+p.Name+"”): see it with `project show "+p.Key+"`.",
			bot.ZHConcat("@"+c.Person.Handle, "把你设为项目", p.Key, "（「"+p.Name+"」）的"+role.Label(bot.LangZH)+"：查看请用「项目 查看", p.Key+"」。")); err != nil {
			return err
		}
	}
	rd := commands.ReaderOf(c)
	if action == 1 {
		c.ReplyText(bot.Tf("Removed from %s: %s.", "已从项目 %s 移除：%s。", p.Key, rd.List(names)))
		return nil
	}
	verb := "are"
	if len(names) == 1 {
		verb = "is"
	}
	c.ReplyText(bot.Tf("%[1]s: %[2]s %[3]s now %[4]s.", "项目 %[1]s：%[2]s 现在是%[5]s。", p.Key, rd.List(names), verb,
		role.Label(bot.LangEN), role.Label(bot.LangZH)))
	return nil
}

// members lists the project's members with their roles.
func (f *feature) members(c *commands.Ctx, p *project.Project) error {
	ms, err := project.From(c.Tx).Members(p.ID)
	if err != nil {
		return err
	}
	ppl := commands.NewPeople(c.Tx, c.Person)
	lines := []string{c.T("Members of %s (%d):", "项目 %s 的成员（%d）：", p.Key, len(ms))}
	for _, m := range ms {
		line := "• " + ppl.Handle(m.PersonID, c.Lang) + " " + m.Role.Label(c.Lang)
		if m.PersonID == p.LeadID {
			line += c.T(" (lead)", "（负责人）")
		}
		lines = append(lines, line)
	}
	c.Reply(bot.Message{Text: strings.Join(lines, "\n"), Private: true})
	return nil
}
