package people

import (
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/digest"
	"github.com/tandemhq/tandem/commands"
)

// Deps are what the people feature is given by its host (cmd/tandem).
type Deps struct {
	// NextRun moves a person's next digest when their zone changes (see
	// digest.Reschedule); nil leaves it to the digest job.
	NextRun digest.NextRun
}

// Module is the people feature: who you are (whoami), your language and
// time zone, and departments; who someone is (who @x).
func Module(d Deps) commands.Module {
	f := &feature{d}
	return commands.Module{Name: "people", Commands: []*commands.Command{
		langCommand(), f.tzCommand(), whoamiCommand(), whoCommand(), deptCommand(), peopleCommand(), accessCommand(),
	}, Guard: guard}
}

type feature struct{ Deps }

func langCommand() *commands.Command {
	return &commands.Command{
		Name:    "lang",
		Aliases: []string{"language", "语言"},
		Summary: bot.T("Choose the language I answer you in", "设置我回复你时使用的语言"),
		Usage:   bot.T("lang en|zh", "语言 中文|英文"),
		Run: func(c *commands.Ctx) error {
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

func (f *feature) tzCommand() *commands.Command {
	return &commands.Command{
		Name:    "tz",
		Aliases: []string{"timezone", "时区"},
		Summary: bot.T("Set your time zone for due dates and reminders", "设置你的时区（用于截止时间和提醒）"),
		Usage:   bot.T("tz <IANA zone>, e.g. tz Europe/Berlin", "时区 <IANA 时区>，例如 时区 Asia/Shanghai"),
		Run: func(c *commands.Ctx) error {
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
			if err := digest.Reschedule(c.Tx, c.Person, c.Now, c.LocationOf(c.Person), f.NextRun); err != nil { // the digest comes at its time in the new zone
				return err
			}
			c.ReplyText(bot.Tf("Your time zone is now %s (it is %s there).", "你的时区已设为 %s（当地时间 %s）。",
				loc.String(), c.Now.In(loc).Format("15:04")))
			return nil
		},
	}
}

func whoamiCommand() *commands.Command {
	return &commands.Command{
		Name:    "whoami",
		Aliases: []string{"me", "我是谁"},
		Summary: bot.T("Show what I know about you", "查看我记录的你的信息"),
		Usage:   bot.T("whoami", "我是谁"),
		Run: func(c *commands.Ctx) error {
			p := c.Person
			accts, err := c.Tx.AccountsOf(p.ID)
			if err != nil {
				return err
			}
			var linked []string
			for _, a := range accts {
				linked = append(linked, a.Platform+":"+a.UserID)
			}
			lang := string(c.Lang) + c.T(" (following your messages)", "（跟随消息语言）")
			if p.Lang != "" {
				lang = string(p.Lang)
			}
			c.Reply(bot.Message{Private: true, Card: &bot.Card{
				Title: p.Name + " (@" + p.Handle + ")",
				Fields: append(orgFields(c, p),
					bot.Field{Label: c.T("Language", "语言"), Value: lang},
					bot.Field{Label: c.T("Time zone", "时区"), Value: c.Loc.String()},
					bot.Field{Label: c.T("Accounts", "账号"), Value: strings.Join(linked, c.T(", ", "、"))},
				),
			}})
			return nil
		},
	}
}

// whoCommand shows where someone stands in the organisation: role,
// department, position and manager.
func whoCommand() *commands.Command {
	return &commands.Command{
		Name:    "who",
		Aliases: []string{"whois", "查人"},
		Summary: bot.T("Show someone's department, position and manager", "查看某人的部门、职位和上级"),
		Usage:   bot.T("who @person", "查人 @某人"),
		Run: func(c *commands.Ctx) error {
			if len(c.Args) != 1 {
				return c.Usage(bot.T("Name one person, like @bob.", "请指定一个人，例如 @bob。"))
			}
			p, err := c.ResolvePerson(c.Args[0].Text)
			if err != nil {
				return err
			}
			c.Reply(bot.Message{Card: &bot.Card{Title: p.Name + " (@" + p.Handle + ")", Fields: orgFields(c, p)}})
			return nil
		},
	}
}

// orgFields are p's role, department, position and manager, as whoami and
// who show them.
func orgFields(c *commands.Ctx, p *bot.Person) []bot.Field {
	dept := c.T("none", "无")
	if p.DeptID != 0 {
		if d, err := c.Tx.FindDepartmentByID(p.DeptID); err == nil {
			dept = d.Name
		}
	}
	position := p.Position
	if position == "" {
		position = c.T("not known", "未知")
	}
	manager := c.T("not known", "未知")
	if p.ManagerID != 0 {
		if m, err := c.Tx.FindPersonByID(p.ManagerID); err == nil {
			manager = m.Name + " (@" + m.Handle + ")"
		}
	}
	return []bot.Field{
		{Label: c.T("Role", "角色"), Value: p.Role.Label(c.Lang)},
		{Label: c.T("Department", "部门"), Value: dept},
		{Label: c.T("Position", "职位"), Value: position},
		{Label: c.T("Manager", "上级"), Value: manager},
	}
}

func deptCommand() *commands.Command {
	return &commands.Command{
		Name:    "dept",
		Aliases: []string{"department", "部门"},
		Summary: bot.T("List departments; admins add them and set heads and members", "查看部门；管理员可添加部门、设置负责人和成员"),
		Subs: []*commands.Sub{
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
				Usage: bot.T(`dept join <name> [@person]`, `部门 加入 <名称> [@某人]`),
				Summary: bot.T("Join a department; admins move someone, a department's head asks them to join",
					"加入部门；管理员可直接调动他人，部门负责人可邀请他人加入"),
				Example: bot.T("dept join Design @bob", "部门 加入 设计部 @bob"),
				Run:     deptJoin,
			},
			{
				Name: "accept", Aliases: []string{"yes", "接受", "同意"},
				Usage:   bot.T(`dept accept <request>`, `部门 接受 <请求编号>`),
				Summary: bot.T("Accept a head's request to join their department", "接受部门负责人的加入邀请"),
				Example: bot.T("dept accept 3", "部门 接受 3"),
				Run:     func(c *commands.Ctx) error { return deptAnswer(c, true) },
			},
			{
				Name: "decline", Aliases: []string{"no", "reject", "拒绝"},
				Usage:   bot.T(`dept decline <request>`, `部门 拒绝 <请求编号>`),
				Summary: bot.T("Decline a head's request to join their department", "拒绝部门负责人的加入邀请"),
				Example: bot.T("dept decline 3", "部门 拒绝 3"),
				Run:     func(c *commands.Ctx) error { return deptAnswer(c, false) },
			},
		},
	}
}

// deptJoinTTL is how long a head's request to join stays open: long
// enough for someone away for a week to answer it.
const deptJoinTTL = 7 * 24 * time.Hour

func deptList(c *commands.Ctx) error {
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

func deptAdd(c *commands.Ctx) error {
	if c.Person.Role != bot.RoleAdmin {
		return bot.AdminsOnly(c.Tx, bot.T("add departments", "添加部门"))
	}
	name, head, err := deptArgs(c)
	if err != nil {
		return err
	}
	d := &bot.Department{Name: name}
	if err := c.Tx.CreateDepartment(d); err != nil {
		if bot.ErrorCode(err) == bot.ECONFLICT {
			return bot.Errorf(bot.ECONFLICT, "There is already a department called %s.", "已经有名为「%s」的部门了。", d.Name)
		}
		return err
	}
	if head != nil {
		if err := bot.SetDepartmentHead(c.Tx, d, head, c.Person, bot.ViaChat, c.Now); err != nil {
			return err
		}
		if err := bot.MoveToDepartment(c.Tx, head, d, c.Person, bot.ViaChat, c.Now); err != nil {
			return err
		}
		if head.Role == bot.RoleMember {
			if err := bot.SetRole(c.Tx, head, bot.RoleHead, c.Person, bot.ViaChat, c.Now); err != nil {
				return err
			}
		}
	}
	c.ReplyText(bot.Tf("Department %s added.", "已添加部门「%s」。", d.Name))
	return nil
}

// deptJoin puts the sender in a department; an admin moves anyone; the
// head of the department asks someone else, who moves only on accepting.
// Nobody else can move anyone: being in a department gives its head power
// over your tasks, so it takes your yes or an admin.
func deptJoin(c *commands.Ctx) error {
	name, who, err := deptArgs(c)
	if err != nil {
		return err
	}
	if who == nil {
		who = c.Person
	}
	d, err := commands.FindDept(c, name)
	if err != nil {
		return err
	}
	self := who.ID == c.Person.ID
	if who.DeptID == d.ID {
		if self {
			c.ReplyText(bot.Tf("You are already in %s.", "你已经在「%s」了。", d.Name))
		} else {
			c.ReplyText(bot.Tf("@%s is already in %s.", "@%s 已经在「%s」了。", who.Handle, d.Name))
		}
		return nil
	}
	switch {
	case self || c.Person.Role == bot.RoleAdmin:
		if err := bot.MoveToDepartment(c.Tx, who, d, c.Person, bot.ViaChat, c.Now); err != nil {
			return err
		}
		if !self {
			if err := c.Tell(bot.Notice{To: who}, func(lang bot.Lang, _ *time.Location) bot.Message {
				return bot.Message{Text: bot.Tf("@%s put you in %s.", "@%s 把你调到了「%s」。", c.Person.Handle, d.Name).In(lang)}
			}); err != nil {
				return err
			}
		}
		c.ReplyText(bot.Tf("@%s is now in %s.", "@%s 已加入「%s」。", who.Handle, d.Name))
		return nil
	case d.HeadID == c.Person.ID:
		return askToJoin(c, who, d)
	}
	return bot.Errorf(bot.EFORBIDDEN, "Only an admin can move someone else into %s; its head can ask them to join. Ask an admin, or ask @%s to type `dept join %s`.",
		"只有管理员可以把他人调入「%s」，部门负责人可以邀请对方加入。请联系管理员，或请 @%s 自己输入「部门 加入 %s」。", d.Name, who.Handle, d.Name)
}

// askToJoin stores a head's request that who join d, and sends who a card
// to accept or decline it. Nothing moves until who accepts.
func askToJoin(c *commands.Ctx, who *bot.Person, d *bot.Department) error {
	if prev, err := c.Tx.PendingConsent(bot.ConsentDeptJoin, who.ID, d.ID, c.Now); err == nil {
		c.ReplyText(bot.Tf("@%s was already asked to join %s (request %d); I'll tell you their answer.",
			"已经邀请过 @%s 加入「%s」（请求 %d），对方回复后我会告诉你。", who.Handle, d.Name, prev.ID))
		return nil
	} else if bot.ErrorCode(err) != bot.ENOTFOUND {
		return err
	}
	if _, ok, err := bot.HomeAccount(c.Tx, who); err != nil {
		return err
	} else if !ok {
		return bot.Errorf(bot.ECONFLICT, "@%s has no account I can write to, so I can't ask them. An admin can move them.",
			"@%s 没有我能联系到的账号，无法征求对方同意。管理员可以直接调动。", who.Handle)
	}
	req := &bot.Consent{Kind: bot.ConsentDeptJoin, RequesterID: c.Person.ID, SubjectID: who.ID, DeptID: d.ID, ExpiresAt: c.Now.Add(deptJoinTTL)}
	if err := c.Tx.CreateConsent(req, c.Now); err != nil {
		return err
	}
	current := bot.T("none", "无")
	if who.DeptID != 0 {
		if cur, err := c.Tx.FindDepartmentByID(who.DeptID); err == nil {
			current = bot.T(cur.Name, cur.Name)
		}
	}
	id := strconv.FormatInt(req.ID, 10)
	invite := func(lang bot.Lang, loc *time.Location) bot.Message {
		card := &bot.Card{
			Title: bot.Tf("Join %s?", "加入「%s」？", d.Name).In(lang),
			Fields: []bot.Field{
				{Label: bot.T("Asked by", "邀请人").In(lang), Value: bot.Tf("@%s, head of %s", "@%s（%s负责人）", c.Person.Handle, d.Name).In(lang)},
				{Label: bot.T("Your department now", "你当前的部门").In(lang), Value: current.In(lang)},
				{Label: bot.T("Answer by", "回复截止").In(lang), Value: commands.FormatTime(req.ExpiresAt, c.Now, loc, lang)},
			},
			Buttons: []bot.Button{
				{ActionID: "dept.accept", Value: id, Label: bot.T("Accept", "接受").In(lang), Style: "primary",
					Typed: bot.T("dept accept "+id, "部门 接受 "+id).In(lang)},
				{ActionID: "dept.decline", Value: id, Label: bot.T("Decline", "拒绝").In(lang),
					Typed: bot.T("dept decline "+id, "部门 拒绝 "+id).In(lang)},
			},
		}
		text := bot.Tf("@%s asks you to join %s. Its head will be able to change your tasks. You move only if you accept.",
			"@%s 邀请你加入「%s」。加入后，该部门负责人可以修改你的任务。只有你接受后才会调动。", c.Person.Handle, d.Name).In(lang)
		return bot.Message{Text: text, Card: card}
	}
	if err := c.Tell(bot.Notice{To: who}, invite); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("I asked @%s to join %s (request %d). They move when they accept; I'll tell you their answer.",
		"已邀请 @%s 加入「%s」（请求 %d）。对方接受后才会调动，届时我会告诉你。", who.Handle, d.Name, req.ID))
	return nil
}

// deptAnswer is the subject's answer to a request to join: accepted, they
// move; either way the head who asked is told. A second answer (two
// clicks) changes nothing.
func deptAnswer(c *commands.Ctx, accept bool) error {
	req, err := commands.LoadConsent(c, bot.ConsentDeptJoin)
	if err != nil {
		return err
	}
	d, err := c.Tx.FindDepartmentByID(req.DeptID)
	if err != nil {
		return err
	}
	asker, err := c.Tx.FindPersonByID(req.RequesterID)
	if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
		return err
	}
	if err := c.Tx.AnswerConsent(req.ID, accept, c.Now); err != nil {
		return err
	}
	if !accept {
		c.ReplyText(bot.Tf("OK, you did not join %s.", "好的，你没有加入「%s」。", d.Name))
		if asker != nil {
			return c.Tell(bot.Notice{To: asker}, func(lang bot.Lang, _ *time.Location) bot.Message {
				return bot.Message{Text: bot.Tf("@%s declined to join %s.", "@%s 拒绝加入「%s」。", c.Person.Handle, d.Name).In(lang)}
			})
		}
		return nil
	}
	if err := bot.MoveToDepartment(c.Tx, c.Person, d, asker, bot.ViaConsent, c.Now); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("You are now in %s.", "你已加入「%s」。", d.Name))
	if asker != nil {
		return c.Tell(bot.Notice{To: asker}, func(lang bot.Lang, _ *time.Location) bot.Message {
			return bot.Message{Text: bot.Tf("@%s accepted: they are now in %s.", "@%s 已接受，现已加入「%s」。", c.Person.Handle, d.Name).In(lang)}
		})
	}
	return nil
}

// deptArgs splits "<department name> [@person]" into the name and the person.
func deptArgs(c *commands.Ctx) (string, *bot.Person, error) {
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
