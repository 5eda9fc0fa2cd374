package commands

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// linkCodeTTL is how long a link code works: long enough to switch to the
// other app, short enough that a code seen over someone's shoulder is stale.
const linkCodeTTL = 10 * time.Minute

// linkAlphabet has no 0/O or 1/I/L, which people misread when typing a code
// from one screen into another.
const linkAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

func linkCommand() *Command {
	return &Command{
		Name:    "link",
		Aliases: []string{"关联", "绑定"},
		Summary: bot.T("Be one person on several platforms: get a code here, type it there", "在多个平台上合并为同一个人：在这里获取代码，到另一平台输入"),
		Usage:   bot.T("link  |  link <code>", "关联  |  关联 <代码>"),
		Run:     linkRun,
	}
}

func homeCommand() *Command {
	return &Command{
		Name:    "home",
		Aliases: []string{"主平台"},
		Summary: bot.T("Choose the platform your direct messages and reminders go to", "选择接收私信和提醒的平台"),
		Usage:   bot.T("home <platform>, e.g. home slack", "主平台 <平台>，例如 主平台 feishu"),
		Run:     homeRun,
	}
}

func linkRun(c *Ctx) error {
	if len(c.Args) == 0 {
		code, err := newLinkCode()
		if err != nil {
			return err
		}
		if err := c.Tx.CreateLinkCode(code, c.Person.ID, c.Now.Add(linkCodeTTL)); err != nil {
			return err
		}
		c.Reply(bot.Message{Private: true, Text: c.T(
			"Your link code is %s. Within 10 minutes, send `link %s` to Tandem from your other platform, and both accounts will be you.",
			"你的关联代码是 %s。请在 10 分钟内从另一个平台向 Tandem 发送「关联 %s」，两个账号就会合并为你一个人。", code, code)})
		return nil
	}
	code := strings.ToUpper(strings.TrimSpace(c.Args[0].Text))
	target, err := c.Tx.UseLinkCode(code, c.Now)
	if err != nil {
		return err
	}
	if target == c.Person.ID {
		c.ReplyText(bot.T("That code is yours, from this same account: send it from your other platform.",
			"这个代码就是本账号生成的，请从另一个平台发送。"))
		return nil
	}
	into, err := c.Tx.FindPersonByID(target)
	if err != nil {
		return err
	}
	// The person behind this account (often just registered by this very
	// message) is merged into the one who asked for the code.
	fillPerson(into, c.Person)
	if err := c.Tx.MergePeople(c.Person.ID, into.ID); err != nil {
		return err
	}
	if err := c.Tx.UpdatePerson(into); err != nil {
		return err
	}
	accts, err := c.Tx.AccountsOf(into.ID)
	if err != nil {
		return err
	}
	var where []string
	for _, a := range accts {
		where = append(where, a.Platform)
	}
	c.Person = into
	c.ReplyText(bot.Tf("Linked: you are @%s on %s.", "关联成功：你在 %s 上都是 @%s。", into.Handle, strings.Join(where, ", ")))
	return nil
}

func newLinkCode() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = linkAlphabet[int(b[i])%len(linkAlphabet)]
	}
	return string(b[:]), nil
}

func homeRun(c *Ctx) error {
	accts, err := c.Tx.AccountsOf(c.Person.ID)
	if err != nil {
		return err
	}
	var platforms []string
	for _, a := range accts {
		platforms = append(platforms, a.Platform)
	}
	if len(c.Args) != 1 {
		home := c.T("your first account", "你的第一个账号")
		if c.Person.Home.UserID != "" {
			home = c.Person.Home.Platform
		}
		c.ReplyText(bot.T(
			fmt.Sprintf("Your direct messages go to %s. You are on: %s. Change it with `home <platform>`.", home, strings.Join(platforms, ", ")),
			fmt.Sprintf("你的私信发往 %s。你的账号：%s。可用「主平台 <平台>」修改。", home, strings.Join(platforms, "、"))))
		return nil
	}
	want := platformName(c.Args[0].Text)
	for _, a := range accts {
		if a.Platform == want {
			c.Person.Home = a.Account
			if err := c.Tx.UpdatePerson(c.Person); err != nil {
				return err
			}
			c.ReplyText(bot.Tf("Your direct messages and reminders now go to %s.", "之后的私信和提醒会发到 %s。", want))
			return nil
		}
	}
	return c.Usage(bot.T(
		fmt.Sprintf("You have no %s account linked; you are on: %s. Link one with `link`.", want, strings.Join(platforms, ", ")),
		fmt.Sprintf("你没有关联 %s 账号；你的账号：%s。可用「关联」添加。", want, strings.Join(platforms, "、"))))
}

// platformName reads a platform in either language.
func platformName(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "飞书", "lark", "feishu":
		return bot.PlatformFeishu
	case "企业微信", "企微", "wecom", "wework", "wechat":
		return bot.PlatformWeCom
	case "钉钉", "dingtalk", "dingding":
		return bot.PlatformDingTalk
	case "控制台", "console", "terminal":
		return bot.PlatformConsole
	}
	return strings.ToLower(strings.TrimSpace(s))
}
