// Package group is the chat surface of chat bindings (bot.Binding): `group
// bind dept:Design` / `群 绑定 部门：Design` ties the group chat it is typed
// in to a department, so that what is addressed to the department (a
// meeting's minutes digest, announcements) is posted there, and meetings
// created in the chat belong to it.
package group

import (
	"strconv"
	"strings"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
)

// deptKeys are the option keys that name a department.
var deptKeys = []string{"dept", "department", "部门"}

// Module is the group command.
func Module() commands.Module {
	sub := func(name string, aliases []string, usageEN, usageZH, sumEN, sumZH, exEN, exZH string, run func(*commands.Ctx) error) *commands.Sub {
		return &commands.Sub{Name: name, Aliases: aliases, Usage: bot.T(usageEN, usageZH), Summary: bot.T(sumEN, sumZH),
			Example: bot.T(exEN, exZH), Run: run}
	}
	return commands.Module{Name: "group", Commands: []*commands.Command{{
		Name:    "group",
		Aliases: []string{"chat", "群", "群组"},
		Summary: bot.T("Bind this group chat to a department", "把本群绑定到部门"),
		Subs: []*commands.Sub{
			sub("show", []string{"info", "查看"}, "group show", "群 查看",
				"Show what this chat is bound to", "查看本群绑定的部门", "group show", "群 查看", show),
			sub("bind", []string{"link", "绑定"}, "group bind dept:<department>", "群 绑定 部门：<部门>",
				"Bind this chat to a department (its head or an admin)", "把本群绑定到部门（部门负责人或管理员）",
				"group bind dept:Design", "群 绑定 部门：Design", bind),
			sub("unbind", []string{"unlink", "解绑", "解除绑定"}, "group unbind", "群 解绑",
				"Unbind this chat from its department", "解除本群与部门的绑定", "group unbind", "群 解绑", unbind),
		},
	}}}
}

// chatOf is the group chat the command was typed in, or a refusal.
func chatOf(c *commands.Ctx) (bot.Destination, error) {
	ev := c.Event
	if ev.ChatType != bot.ChatGroup || ev.ChatID == "" {
		return bot.Destination{}, bot.Errorf(bot.EINVALID, "Type this in the group chat you want to bind.",
			"请在要绑定的群聊里发送这条命令。")
	}
	return bot.Destination{Platform: ev.Platform, Workspace: ev.Workspace, ChatID: ev.ChatID}, nil
}

// MayBind refuses anyone but an admin and the department's head: binding
// decides where the department's news is posted.
func MayBind(actor *bot.Person, d *bot.Department) error {
	if actor.Role == bot.RoleAdmin || (d.HeadID != 0 && d.HeadID == actor.ID) {
		return nil
	}
	return bot.Errorf(bot.EFORBIDDEN, "Only %s's head or an admin may bind chats to it.",
		"只有「%s」的负责人或管理员可以为它绑定群聊。", d.Name)
}

func bind(c *commands.Ctx) error {
	chat, err := chatOf(c)
	if err != nil {
		return err
	}
	name := ""
	for _, t := range c.Args {
		switch {
		case t.Key != "" && commands.Contains(deptKeys, t.Key):
			name = strings.TrimSpace(t.Text)
		default:
			return c.Usage(bot.Tf("I don't understand %q.", "我没看懂「%s」。", t.Raw))
		}
	}
	if name == "" {
		return c.Usage(bot.T("Which department? Write dept:<name>.", "绑定哪个部门？请写「部门：<名称>」。"))
	}
	d, err := commands.FindDept(c, name)
	if err != nil {
		return err
	}
	if err := MayBind(c.Person, d); err != nil {
		return err
	}
	b := &bot.Binding{Chat: chat, Kind: "dept", Ref: Ref(d.ID), BoundByID: c.Person.ID, BoundAt: c.Now}
	if err := bot.Bindings(c.Tx).Bind(b); err != nil {
		return err
	}
	if err := audit(c, chat, d.Name); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("This chat is now %s's: its meetings' minutes and announcements come here.",
		"本群已绑定到「%s」：该部门的会议纪要和通知会发到这里。", d.Name))
	return nil
}

// boundHere is the group chat the command was typed in and the
// department it is bound to (nil when none).
func boundHere(c *commands.Ctx) (bot.Destination, *bot.Department, error) {
	chat, err := chatOf(c)
	if err != nil {
		return chat, nil, err
	}
	d, err := BoundDept(c.Tx, chat)
	return chat, d, err
}

func unbind(c *commands.Ctx) error {
	chat, d, err := boundHere(c)
	if err != nil {
		return err
	}
	if d == nil {
		return bot.Errorf(bot.ENOTFOUND, "This chat is not bound to any department.", "本群没有绑定任何部门。")
	}
	if err := MayBind(c.Person, d); err != nil {
		return err
	}
	if err := bot.Bindings(c.Tx).Unbind(chat, "dept"); err != nil {
		return err
	}
	if err := audit(c, chat, ""); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("This chat is no longer %s's.", "本群已解除与「%s」的绑定。", d.Name))
	return nil
}

func show(c *commands.Ctx) error {
	_, d, err := boundHere(c)
	if err != nil {
		return err
	}
	if d == nil {
		c.ReplyText(bot.T("This chat is not bound to any department. Bind it with `group bind dept:<name>`.",
			"本群没有绑定任何部门。绑定方法：群 绑定 部门：<名称>"))
		return nil
	}
	c.ReplyText(bot.Tf("This chat is bound to %s.", "本群已绑定到「%s」。", d.Name))
	return nil
}

// audit records a binding (dept "" for an unbinding) in the audit log, in
// the unit that makes it.
func audit(c *commands.Ctx, chat bot.Destination, dept string) error {
	where := bot.Account{Platform: chat.Platform, Workspace: chat.Workspace, UserID: chat.ChatID}.String()
	return bot.Audit(c.Tx, bot.AuditEntry{Kind: bot.AuditBinding, From: where, To: dept, Via: bot.ViaChat}, c.Person, nil, c.Now)
}

// Ref is a department's binding reference: its id.
func Ref(deptID int64) string { return strconv.FormatInt(deptID, 10) }

// BoundDept is the department chat is bound to, or nil.
func BoundDept(tx bot.Tx, chat bot.Destination) (*bot.Department, error) {
	bs, err := bot.Bindings(tx).BindingsOf(chat)
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		if b.Kind != "dept" {
			continue
		}
		id, err := commands.ParseID(b.Ref)
		if err != nil {
			continue
		}
		d, err := tx.FindDepartmentByID(id)
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			continue
		}
		return d, err
	}
	return nil, nil
}
