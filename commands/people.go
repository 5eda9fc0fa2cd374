package commands

import (
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

func langCommand() *Command {
	return &Command{
		Name:    "lang",
		Aliases: []string{"language", "语言"},
		Summary: bot.T("Choose the language I answer you in", "设置我回复你时使用的语言"),
		Usage:   bot.T("lang en|zh", "语言 中文|英文"),
		Run: func(c *Ctx) error {
			if len(c.Args) != 1 {
				return c.Usage(bot.T("Tell me which language.", "请告诉我使用哪种语言。"))
			}
			lang, ok := bot.ParseLang(c.Args[0].Text)
			if !ok {
				return c.Usage(bot.Tf("I only speak English (en) and Chinese (zh), not %q.", "目前只支持英文（en）和中文（zh），不支持「%s」。", c.Args[0].Text))
			}
			c.Person.Lang = lang
			if err := c.Tx.UpdatePerson(c.Person); err != nil {
				return err
			}
			c.Lang = lang
			c.ReplyText(bot.T("OK, I'll answer you in English.", "好的，之后我会用中文回复你。"))
			return nil
		},
	}
}

func tzCommand() *Command {
	return &Command{
		Name:    "tz",
		Aliases: []string{"timezone", "时区"},
		Summary: bot.T("Set your time zone for due dates and reminders", "设置你的时区（用于截止时间和提醒）"),
		Usage:   bot.T("tz <IANA zone>, e.g. tz Europe/Berlin", "时区 <IANA 时区>，例如 时区 Asia/Shanghai"),
		Run: func(c *Ctx) error {
			if len(c.Args) != 1 {
				c.ReplyText(bot.Tf("Your time zone is %s.", "你的时区是 %s。", c.Loc.String()))
				return nil
			}
			loc, err := time.LoadLocation(c.Args[0].Text)
			if err != nil || c.Args[0].Text == "" || strings.EqualFold(c.Args[0].Text, "local") {
				return c.Usage(bot.Tf("%q is not a time zone I know.", "「%s」不是可识别的时区。", c.Args[0].Text))
			}
			c.Person.TZ = loc.String()
			if err := c.Tx.UpdatePerson(c.Person); err != nil {
				return err
			}
			c.ReplyText(bot.Tf("Your time zone is now %s (it is %s there).", "你的时区已设为 %s（当地时间 %s）。",
				loc.String(), c.Now.In(loc).Format("15:04")))
			return nil
		},
	}
}

func whoamiCommand() *Command {
	return &Command{
		Name:    "whoami",
		Aliases: []string{"me", "我是谁"},
		Summary: bot.T("Show what I know about you", "查看我记录的你的信息"),
		Usage:   bot.T("whoami", "我是谁"),
		Run: func(c *Ctx) error {
			p := c.Person
			accts, err := c.Tx.AccountsOf(p.ID)
			if err != nil {
				return err
			}
			var linked []string
			for _, a := range accts {
				linked = append(linked, a.Platform+":"+a.UserID)
			}
			dept := c.T("none", "无")
			if p.DeptID != 0 {
				if d, err := c.Tx.FindDepartmentByID(p.DeptID); err == nil {
					dept = d.Name
				}
			}
			lang := string(c.Lang) + c.T(" (following your messages)", "（跟随消息语言）")
			if p.Lang != "" {
				lang = string(p.Lang)
			}
			c.Reply(bot.Message{Private: true, Card: &bot.Card{
				Title: p.Name + " (@" + p.Handle + ")",
				Fields: []bot.Field{
					{Label: c.T("Role", "角色"), Value: roleLabel(p.Role, c.Lang)},
					{Label: c.T("Department", "部门"), Value: dept},
					{Label: c.T("Language", "语言"), Value: lang},
					{Label: c.T("Time zone", "时区"), Value: c.Loc.String()},
					{Label: c.T("Accounts", "账号"), Value: strings.Join(linked, ", ")},
				},
			}})
			return nil
		},
	}
}

func roleLabel(r bot.Role, lang bot.Lang) string {
	switch r {
	case bot.RoleAdmin:
		return bot.T("admin", "管理员").In(lang)
	case bot.RoleHead:
		return bot.T("department head", "部门负责人").In(lang)
	}
	return bot.T("member", "成员").In(lang)
}

func deptCommand() *Command {
	return &Command{
		Name:    "dept",
		Aliases: []string{"department", "部门"},
		Summary: bot.T("List departments; admins add them and set heads and members", "查看部门；管理员可添加部门、设置负责人和成员"),
		Subs: []*Sub{
			{
				Name: "list", Aliases: []string{"ls", "列表"},
				Usage:   bot.T("dept list", "部门 列表"),
				Summary: bot.T("List departments and their heads", "列出部门及负责人"),
				Run:     deptList,
			},
			{
				Name: "add", Aliases: []string{"new", "添加", "新建"},
				Usage:   bot.T(`dept add <name> [@head]`, `部门 添加 <名称> [@负责人]`),
				Summary: bot.T("Add a department (admins)", "添加部门（管理员）"),
				Example: bot.T("dept add Design @carol", "部门 添加 设计部 @carol"),
				Run:     deptAdd,
			},
			{
				Name: "join", Aliases: []string{"加入", "member", "成员"},
				Usage:   bot.T(`dept join <name> [@person]`, `部门 加入 <名称> [@某人]`),
				Summary: bot.T("Put yourself (or, for admins and heads, someone) in a department", "把自己（管理员和负责人可指定他人）加入部门"),
				Example: bot.T("dept join Design @bob", "部门 加入 设计部 @bob"),
				Run:     deptJoin,
			},
		},
	}
}

func deptList(c *Ctx) error {
	ds, err := c.Tx.ListDepartments()
	if err != nil {
		return err
	}
	if len(ds) == 0 {
		c.ReplyText(bot.T("No departments yet. An admin can add one: `dept add Design @carol`.", "还没有部门。管理员可以添加：「部门 添加 设计部 @carol」。"))
		return nil
	}
	var b strings.Builder
	b.WriteString(c.T("Departments:", "部门："))
	for _, d := range ds {
		b.WriteString("\n• " + d.Name)
		if d.HeadID != 0 {
			if h, err := c.Tx.FindPersonByID(d.HeadID); err == nil {
				b.WriteString(c.T(" — head: @", " — 负责人：@") + h.Handle)
			}
		}
	}
	c.Reply(bot.Message{Text: b.String(), Private: true})
	return nil
}

func deptAdd(c *Ctx) error {
	if c.Person.Role != bot.RoleAdmin {
		return bot.AdminsOnly(c.Tx, bot.T("add departments", "添加部门"))
	}
	name, head, err := deptArgs(c)
	if err != nil {
		return err
	}
	d := &bot.Department{Name: name}
	if head != nil {
		d.HeadID = head.ID
	}
	if err := c.Tx.CreateDepartment(d); err != nil {
		if bot.ErrorCode(err) == bot.ECONFLICT {
			return bot.Errorf(bot.ECONFLICT, "There is already a department called %s.", "已经有名为「%s」的部门了。", d.Name)
		}
		return err
	}
	if head != nil {
		head.DeptID = d.ID
		if head.Role == bot.RoleMember {
			head.Role = bot.RoleHead
		}
		if err := c.Tx.UpdatePerson(head); err != nil {
			return err
		}
	}
	c.ReplyText(bot.Tf("Department %s added.", "已添加部门「%s」。", d.Name))
	return nil
}

func deptJoin(c *Ctx) error {
	name, who, err := deptArgs(c)
	if err != nil {
		return err
	}
	if who == nil {
		who = c.Person
	}
	d, err := findDept(c, name)
	if err != nil {
		return err
	}
	if who.ID != c.Person.ID && c.Person.Role != bot.RoleAdmin && d.HeadID != c.Person.ID {
		return bot.Errorf(bot.EFORBIDDEN, "Only an admin or the head of %s can add other people to it.", "只有管理员或「%s」的负责人可以把他人加入该部门。", d.Name)
	}
	who.DeptID = d.ID
	if err := c.Tx.UpdatePerson(who); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("@%s is now in %s.", "@%s 已加入「%s」。", who.Handle, d.Name))
	return nil
}

// deptArgs splits "<department name> [@person]" into the name and the person.
func deptArgs(c *Ctx) (string, *bot.Person, error) {
	var name []string
	var who *bot.Person
	for _, t := range c.Args {
		if !t.IsMention() {
			name = append(name, t.Text)
			continue
		}
		p, err := c.ResolvePerson(t.Text)
		if err != nil {
			return "", nil, err
		}
		who = p
	}
	if len(name) == 0 {
		return "", nil, c.Usage(bot.T("Name the department.", "请写上部门名称。"))
	}
	return strings.Join(name, " "), who, nil
}

// findDept looks a department up by name and, when it does not exist, lists
// the ones that do.
func findDept(c *Ctx, name string) (*bot.Department, error) {
	d, err := c.Tx.FindDepartmentByName(name)
	if bot.ErrorCode(err) != bot.ENOTFOUND {
		return d, err
	}
	ds, lerr := c.Tx.ListDepartments()
	if lerr != nil {
		return nil, lerr
	}
	if len(ds) == 0 {
		return nil, bot.Errorf(bot.ENOTFOUND, "There is no department %q; none are set up yet (admins: `dept add %s`).",
			"没有「%s」部门；目前还没有设置任何部门（管理员可用「部门 添加 %s」）。", name, name)
	}
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Name
	}
	return nil, bot.Err(bot.ENOTFOUND, tfList("There is no department %q. Known departments: %s.",
		"没有「%s」部门。现有部门：%s。", names, name))
}
