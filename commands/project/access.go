package project

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/timeparse"
)

// Option keys people type in either language (documented in docs/projects.md).
var (
	goalKeys      = []string{"goal", "目标"}
	metricKeys    = []string{"metric", "measure", "指标"}
	targetKeys    = []string{"target", "目标值", "目标数"}
	baselineKeys  = []string{"baseline", "now", "基线", "现状"}
	fromKeys      = []string{"from", "start", "begin", "开始", "开始日期", "从"}
	toKeys        = []string{"to", "end", "until", "by", "结束", "结束日期", "截止", "到"}
	deptKeys      = []string{"depts", "dept", "departments", "department", "部门"}
	leadKeys      = []string{"lead", "owner", "负责人"}
	keyKeys       = []string{"key", "代号", "标识"}
	dueKeys       = []string{"due", "date", "截止", "日期", "到期"}
	milestoneKeys = []string{"milestone", "ms", "里程碑"}
	daysKeys      = []string{"days", "工期", "天数"}
)

const (
	maxNameLen = 100
	maxGoalLen = 500
	maxKeyLen  = 40
)

// zone is where the project's dates are midnights: the work calendar's
// zone, else the bot's default zone.
func (f *feature) zone() *time.Location { return commands.ZoneOf(f.Calendar, f.DefaultTZ) }

// today is the date of now in the project zone.
func (f *feature) today(now time.Time) time.Time { return dateOf(now, f.zone()) }

func dateOf(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// parseDate reads a date as the other commands do (commands/timeparse:
// 2026-12-07, 12-07, 12月7日, tomorrow, 明天, fri …) and keeps only its
// day, at midnight in the project zone.
func (f *feature) parseDate(c *commands.Ctx, what, value string) (time.Time, error) {
	r, err := timeparse.Parse(value, c.Now, f.zone())
	if err != nil {
		return time.Time{}, c.Usage(bot.Tf("%[1]q is not a date for %[2]s: write it as 2027-01-29, 01-29 or 1月29日.",
			"「%[1]s」不是有效的%[2]s日期：请写成 2027-01-29、01-29 或 1月29日。", value, what))
	}
	return dateOf(r.Time, f.zone()), nil
}

// day renders a project date for the reader: a date in the project zone
// (the store gives the instant back in any zone).
func (f *feature) day(c *commands.Ctx, t time.Time) string {
	if t.IsZero() {
		return c.T("not set", "未定")
	}
	return commands.FormatDate(t, c.Now, f.zone(), c.Lang)
}

var (
	slugJunk  = regexp.MustCompile(`[^a-z0-9]+`)
	validKey  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	defaultRe = regexp.MustCompile(`^p[0-9]+$`)
)

// slug is the key a name gives: its ASCII letters and digits, lower case,
// other runs as one '-'; "" when it has none (the store then uses p<ID>),
// or when it would look like another project's default key.
func slug(name string) string {
	s := strings.Trim(slugJunk.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(s) > maxKeyLen {
		s = strings.TrimRight(s[:maxKeyLen], "-")
	}
	if defaultRe.MatchString(s) {
		return ""
	}
	return s
}

// checkKey refuses a key people typed that is not a key.
func checkKey(c *commands.Ctx, key string) error {
	switch {
	case !validKey.MatchString(key) || len(key) > maxKeyLen:
		return c.Usage(bot.Tf("%q can't be a key: use lower-case letters, digits and '-' (at most %d), like q3-launch.",
			"「%s」不能作为代号：请用小写英文字母、数字和“-”（最多 %d 个），例如 q3-launch。", key, maxKeyLen))
	case defaultRe.MatchString(key):
		return c.Usage(bot.Tf("%q is kept for projects without a key; choose another, like q3-launch.",
			"「%s」是留给没有代号的项目的；请换一个，例如 q3-launch。", key))
	}
	return nil
}

// keyTaken is the polite refusal of a key in use, suggesting a free one.
func keyTaken(st project.Store, key string, other *project.Project) error {
	free := ""
	for i := 2; i < 10 && free == ""; i++ {
		k := key + "-" + strconv.Itoa(i)
		switch _, err := st.FindProjectByKey(k); bot.ErrorCode(err) {
		case bot.ENOTFOUND:
			free = k
		case "":
		default:
			return err
		}
	}
	en := "The key " + key + " is taken by the project “" + other.Name + "”."
	zh := "代号 " + key + " 已被项目「" + other.Name + "」使用。"
	if free != "" {
		en += " Choose another with key:, e.g. key:" + free + "."
		zh += "请用「代号：」另选一个，例如 代号：" + free + "。"
	}
	return bot.Err(bot.ECONFLICT, bot.T(en, zh))
}

// load reads the project a command names by its key.
func load(c *commands.Ctx, key string) (*project.Project, error) {
	p, err := project.From(c.Tx).FindProjectByKey(strings.ToLower(strings.TrimSpace(key)))
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil, bot.Errorf(bot.ENOTFOUND, "There is no project %q. See yours with `project list`.",
			"没有代号为「%s」的项目。查看你的项目：「项目 列表」。", key)
	}
	return p, err
}

// target reads the project the command is about: its first argument when
// that is a project's key, else the project the group chat is bound to.
// It returns the remaining arguments.
func target(c *commands.Ctx, args []commands.Token) (*project.Project, []commands.Token, error) {
	if len(args) > 0 && args[0].Key == "" && !args[0].Quoted && !args[0].IsMention() {
		p, err := project.From(c.Tx).FindProjectByKey(strings.ToLower(args[0].Text))
		if err == nil {
			return p, args[1:], nil
		}
		if bot.ErrorCode(err) != bot.ENOTFOUND {
			return nil, nil, err
		}
	}
	if key, err := boundKey(c); err != nil || key != "" {
		if err != nil {
			return nil, nil, err
		}
		p, err := load(c, key)
		return p, args, err
	}
	if len(args) == 0 {
		return nil, nil, c.Usage(bot.T("Which project? Give its key (see `project list`).", "哪个项目？请写上项目代号（见「项目 列表」）。"))
	}
	p, err := load(c, args[0].Text)
	return p, args[1:], err
}

// here is the group chat the command was typed in; ok is false in a direct
// chat.
func here(c *commands.Ctx) (bot.Destination, bool) {
	if c.Event.ChatType != bot.ChatGroup || c.Event.ChatID == "" {
		return bot.Destination{}, false
	}
	return bot.Destination{Platform: c.Event.Platform, Workspace: c.Event.Workspace, ChatID: c.Event.ChatID}, true
}

// boundKey is the key of the project the group chat is bound to ("" when
// none, or in a direct chat).
func boundKey(c *commands.Ctx) (string, error) {
	chat, ok := here(c)
	if !ok {
		return "", nil
	}
	bs, err := bot.Bindings(c.Tx).BindingsOf(chat)
	if err != nil {
		return "", err
	}
	for _, b := range bs {
		if b.Kind == "project" {
			return b.Ref, nil
		}
	}
	return "", nil
}

// roleOf is what the sender may do in p: the lead and the creator are
// admins, so are the bot's admins (someone must be able to fix a project
// whose lead has left); members have their role; people of the project's
// departments may view. ok is false for anyone else.
func roleOf(c *commands.Ctx, p *project.Project) (project.Role, bool, error) {
	return roleIn(c.Tx, p, c.Person)
}

// need refuses the sender unless their role in p grants want; what
// completes "… can …" ("change the goal of q3", "修改 q3 的目标"). The
// refusal names the project's admins to ask.
func need(c *commands.Ctx, p *project.Project, want project.Role, what bot.Text) error {
	r, ok, err := roleOf(c, p)
	if err != nil || ok && r.AtLeast(want) {
		return err
	}
	admins, err := adminsOf(c, p)
	if err != nil {
		return err
	}
	who := bot.T(bot.JoinOr(admins, bot.LangEN), bot.JoinOr(admins, bot.LangZH))
	var en, zh string
	switch want {
	case project.Admin:
		en, zh = "Only the admins of "+p.Key+" can "+what.EN+".", bot.ZHConcat("只有项目", p.Key, "的管理员可以"+what.ZH+"。")
	case project.Editor:
		en, zh = "Only the editors and admins of "+p.Key+" can "+what.EN+".", bot.ZHConcat("只有项目", p.Key, "的编辑者和管理员可以"+what.ZH+"。")
	default:
		en, zh = p.Key+" is visible to its members and its departments' people.", bot.ZHConcat("项目", p.Key, "仅对成员及所属部门的人可见。")
	}
	if ok {
		en += " You are " + r.Label(bot.LangEN) + "."
		zh += "你是" + r.Label(bot.LangZH) + "。"
	}
	if who.EN != "" {
		en += " Ask " + who.EN + "."
		zh = bot.ZHConcat(zh+"请联系", who.ZH+"。")
	}
	return bot.Err(bot.EFORBIDDEN, bot.T(en, zh))
}

// adminsOf names up to three admins of p, the lead first.
func adminsOf(c *commands.Ctx, p *project.Project) ([]string, error) {
	ppl := commands.NewPeople(c.Tx, c.Person)
	var out []string
	add := func(id int64) {
		if x := ppl.Get(id); x != nil && !slices.Contains(out, "@"+x.Handle) && len(out) < 3 {
			out = append(out, "@"+x.Handle)
		}
	}
	add(p.LeadID)
	ms, err := project.From(c.Tx).Members(p.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Role == project.Admin {
			add(m.PersonID)
		}
	}
	add(p.CreatorID)
	return out, nil
}

// record appends to p's timeline.
func record(c *commands.Ctx, p *project.Project, kind project.EventKind, text string) error {
	return project.From(c.Tx).AddProjectEvent(&project.Event{ProjectID: p.ID, ActorID: c.Person.ID, Kind: kind, Text: text, At: c.Now})
}

// save stores p's changed fields, stamping UpdatedAt.
func save(c *commands.Ctx, p *project.Project) error {
	p.UpdatedAt = c.Now
	return project.From(c.Tx).UpdateProject(p)
}

// tell lets someone the sender named know what it means for them, in
// their language (nothing when they named themselves).
func tell(c *commands.Ctx, who *bot.Person, p *project.Project, en, zh string) error {
	return c.Tell(bot.Notice{To: who, Subject: "project/" + strconv.FormatInt(p.ID, 10)}, func(lang bot.Lang, _ *time.Location) bot.Message {
		return bot.Message{Text: bot.T(en, zh).In(lang)}
	})
}

// toldLead is what a new lead is told.
func toldLead(c *commands.Ctx, who *bot.Person, p *project.Project) error {
	return tell(c, who, p, "@"+c.Person.Handle+" made you the lead of "+p.Key+" (“"+p.Name+"”): see it with `project show "+p.Key+"`.",
		bot.ZHConcat("@"+c.Person.Handle, "指定你为项目", p.Key, "（「"+p.Name+"」）的负责人：查看请用「项目 查看", p.Key+"」。"))
}
