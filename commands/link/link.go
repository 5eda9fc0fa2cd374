package link

import (
	"crypto/rand"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/link"
	"github.com/tandemhq/tandem/commands"
)

// linkCodeTTL is how long a link code works: long enough to switch to the
// other app, short enough that a code seen over someone's shoulder is stale.
const linkCodeTTL = 10 * time.Minute

// linkAlphabet has no 0/O or 1/I/L, which people misread when typing a code
// from one screen into another.
const linkAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// linkAcceptTTL is how long the code's owner has to accept a link the other
// account confirmed: the owner asked for the code moments before, so they
// are around, and an old request should not wait to be clicked by mistake.
const linkAcceptTTL = time.Hour

// Module is the link feature: linking one person's accounts on several
// platforms (link), and choosing which of them gets messages (home).
func Module() commands.Module {
	return commands.Module{Name: "link", Commands: []*commands.Command{linkCommand(), homeCommand()}}
}

func linkCommand() *commands.Command {
	return &commands.Command{
		Name:    "link",
		Aliases: []string{"关联", "绑定"},
		Summary: bot.T("Be one person on several platforms: get a code here, type it there", "在多个平台上合并为同一个人：在这里获取代码，到另一平台输入"),
		Usage: bot.T("link  |  link <code>  |  link confirm|cancel <code>  |  link accept|decline <request>",
			"关联  |  关联 <代码>  |  关联 确认|取消 <代码>  |  关联 接受|拒绝 <请求编号>"),
		Run: linkRun,
	}
}

func homeCommand() *commands.Command {
	return &commands.Command{
		Name:    "home",
		Aliases: []string{"主平台"},
		Summary: bot.T("Choose the platform your direct messages and reminders go to", "选择接收私信和提醒的平台"),
		Usage:   bot.T("home <platform>, e.g. home slack", "主平台 <平台>，例如 主平台 feishu"),
		Run:     homeRun,
	}
}

// linkRun makes two people one, with both of them saying yes: the owner of
// the code asked for it, the account that types it confirms on a card that
// says whom it joins, and then the owner accepts a card that says which
// account asks. Typing someone else's code alone changes nothing. The
// linked person keeps the lower of the two roles, so a link never raises
// anyone's rights.
func linkRun(c *commands.Ctx) error {
	if len(c.Args) == 0 {
		return linkNewCode(c)
	}
	verb := strings.ToLower(c.Args[0].Text)
	switch verb {
	case "confirm", "yes", "确认":
		return linkConfirm(c)
	case "cancel", "no", "取消":
		return linkCancel(c)
	case "accept", "接受", "同意":
		return linkAnswer(c, true)
	case "decline", "reject", "拒绝":
		return linkAnswer(c, false)
	}
	if len(c.Args) != 1 {
		return c.Usage(bot.T("A link code is one word.", "关联代码是一个词。"))
	}
	return linkAsk(c, linkCodeArg(c.Args[0]))
}

func linkCodeArg(t commands.Token) string { return strings.ToUpper(strings.TrimSpace(t.Text)) }

func linkNewCode(c *commands.Ctx) error {
	code, err := newLinkCode()
	if err != nil {
		return err
	}
	if err := link.From(c.Tx).CreateLinkCode(code, c.Person.ID, c.Now.Add(linkCodeTTL)); err != nil {
		return err
	}
	c.Reply(bot.Message{Private: true, Text: c.T(
		"Your link code is %s. Within 10 minutes, send `link %s` to Tandem from your other account; that account confirms, then you accept here, and both accounts are you.",
		"你的关联代码是 %s。请在 10 分钟内从另一个账号向 Tandem 发送「关联 %s」；那边确认后，你在这里接受，两个账号就会合并为你一个人。", code, code)})
	return nil
}

// linkOwner reads the code's owner, refusing the sender's own code.
func linkOwner(c *commands.Ctx, code string, use bool) (*bot.Person, error) {
	var ownerID int64
	var err error
	if use {
		ownerID, err = link.From(c.Tx).UseLinkCode(code, c.Now)
	} else {
		ownerID, err = link.From(c.Tx).FindLinkCode(code, c.Now)
	}
	if err != nil {
		return nil, err
	}
	if ownerID == c.Person.ID {
		return nil, bot.Errorf(bot.EINVALID, "That code is yours, from this same account: send it from your other platform.",
			"这个代码就是本账号生成的，请从另一个平台发送。")
	}
	return c.Tx.FindPersonByID(ownerID)
}

// linkRoleNote says, when the two roles differ, which one the linked person
// keeps.
func linkRoleNote(a, b *bot.Person, lang bot.Lang) string {
	if a.Role == b.Role {
		return ""
	}
	return " " + bot.Tf("The linked person keeps the lower of the two roles: %s.", "合并后保留两者中较低的角色：%s。",
		bot.LowerRole(a.Role, b.Role).Label(lang)).In(lang)
}

// linkAsk answers a typed code with a card that says whom this account
// would join; nothing is stored and the code stays unused.
func linkAsk(c *commands.Ctx, code string) error {
	owner, err := linkOwner(c, code, false)
	if err != nil {
		return err
	}
	note := linkRoleNote(owner, c.Person, c.Lang)
	c.Reply(bot.Message{Private: true,
		Text: c.T("Link this account to @%s (%s)? This account, its tasks and its reminders become theirs, and it acts as @%s from then on. This cannot be undone. After you confirm, @%s is asked to accept.",
			"要把本账号关联到 @%s（%s）吗？本账号及其任务和提醒将归入对方，之后以 @%s 的身份操作。此操作无法撤销。你确认后，还需要 @%s 接受。",
			owner.Handle, owner.Name, owner.Handle, owner.Handle) + note,
		Card: &bot.Card{
			Title: c.T("Link this account to @%s?", "把本账号关联到 @%s？", owner.Handle),
			Buttons: []bot.Button{
				{ActionID: "link.confirm", Value: code, Label: c.T("Link", "关联"), Style: "danger", Typed: c.T("link confirm %s", "关联 确认 %s", code)},
				{ActionID: "link.cancel", Value: code, Label: c.T("Cancel", "取消"), Typed: c.T("link cancel %s", "关联 取消 %s", code)},
			},
		}})
	return nil
}

// linkConfirm is the typing account's yes: the code is used up, and its
// owner is asked to accept this account, named by platform and id.
func linkConfirm(c *commands.Ctx) error {
	if len(c.Args) != 2 {
		return c.Usage(bot.T("Which code? `link confirm <code>`.", "哪个代码？「关联 确认 <代码>」。"))
	}
	owner, err := linkOwner(c, linkCodeArg(c.Args[1]), true)
	if err != nil {
		return err
	}
	req := &bot.Consent{Kind: bot.ConsentLink, RequesterID: c.Person.ID, SubjectID: owner.ID, ExpiresAt: c.Now.Add(linkAcceptTTL)}
	if err := c.Tx.CreateConsent(req, c.Now); err != nil {
		return err
	}
	acct := c.Event.SenderAccount()
	id := strconv.FormatInt(req.ID, 10)
	ask := func(lang bot.Lang, loc *time.Location) bot.Message {
		note := linkRoleNote(owner, c.Person, lang)
		return bot.Message{
			Text: bot.Tf("@%s (the %s account %s) used your link code and asks to become you. Accept only if that account is yours: it will act as you, with your tasks.",
				"@%s（%s 账号 %s）使用了你的关联代码，请求与你合并。只有当该账号确实属于你时才接受：之后它将以你的身份操作，并看到你的任务。",
				c.Person.Handle, acct.Platform, acct.UserID).In(lang) + note,
			Card: &bot.Card{
				Title:  bot.Tf("Link @%s to you?", "把 @%s 关联到你？", c.Person.Handle).In(lang),
				Footer: bot.Tf("Answer by %s.", "请在 %s 前回复。", commands.FormatTime(req.ExpiresAt, c.Now, loc, lang)).In(lang),
				Buttons: []bot.Button{
					{ActionID: "link.accept", Value: id, Label: bot.T("Accept", "接受").In(lang), Style: "danger",
						Typed: bot.T("link accept "+id, "关联 接受 "+id).In(lang)},
					{ActionID: "link.decline", Value: id, Label: bot.T("Decline", "拒绝").In(lang),
						Typed: bot.T("link decline "+id, "关联 拒绝 "+id).In(lang)},
				},
			},
		}
	}
	if err := c.Tell(bot.Notice{To: owner}, ask); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("I asked @%s to accept (request %d). Nothing changes until they do.",
		"已请 @%s 确认（请求 %d）。对方接受前不会有任何变化。", owner.Handle, req.ID))
	return nil
}

// linkCancel is the typing account's no: the code is used up, so it cannot
// be tried again.
func linkCancel(c *commands.Ctx) error {
	if len(c.Args) != 2 {
		return c.Usage(bot.T("Which code? `link cancel <code>`.", "哪个代码？「关联 取消 <代码>」。"))
	}
	if _, err := link.From(c.Tx).UseLinkCode(linkCodeArg(c.Args[1]), c.Now); err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
		return err
	}
	c.ReplyText(bot.T("Nothing was linked, and that code no longer works.", "没有关联任何账号，该代码已作废。"))
	return nil
}

// linkAnswer is the code owner's answer. Accepted, the account that asked
// (its person, with every account, task and reminder) is merged into the
// owner, who keeps the lower of the two roles; both are told, and it is
// recorded.
func linkAnswer(c *commands.Ctx, accept bool) error {
	c.Args = c.Args[1:]
	req, err := commands.LoadConsent(c, bot.ConsentLink)
	if err != nil {
		return err
	}
	if err := c.Tx.AnswerConsent(req.ID, accept, c.Now); err != nil {
		return err
	}
	from, err := c.Tx.FindPersonByID(req.RequesterID)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return bot.Errorf(bot.ECONFLICT, "The account that asked is no longer there to link.", "发起请求的账号已不存在，无法关联。")
	} else if err != nil {
		return err
	}
	// Told at their own account, which after the merge is the owner's.
	asker, reachable, err := bot.HomeAccount(c.Tx, from)
	if err != nil {
		return err
	}
	// The language they asked in, should the merged record have none.
	hint := bot.Notice{Lang: from.Lang}
	if !accept {
		c.ReplyText(bot.T("OK, nothing was linked.", "好的，没有关联。"))
		if reachable {
			c.TellAt(asker, hint, func(lang bot.Lang, _ *time.Location) bot.Message {
				return bot.Message{Text: bot.Tf("@%s declined to link your account.", "@%s 拒绝了关联你的账号。", c.Person.Handle).In(lang)}
			})
		}
		return nil
	}
	into := c.Person
	if err := bot.MergeRecords(c.Tx, into, from, bot.LowerRole(into.Role, from.Role), bot.AuditLink, from, bot.ViaConsent, c.Now); err != nil {
		return err
	}
	accts, err := c.Tx.AccountsOf(into.ID)
	if err != nil {
		return err
	}
	var where []string
	for _, a := range accts {
		if !slices.Contains(where, a.Platform) {
			where = append(where, a.Platform)
		}
	}
	c.ReplyText(commands.TfList("Linked: you are @%s on %s.", "关联成功：你在 %[2]s 上都是 @%[1]s。", where, into.Handle))
	if reachable {
		c.TellAt(asker, hint, func(lang bot.Lang, _ *time.Location) bot.Message {
			return bot.Message{Text: bot.Tf("Linked: this account is now @%s.", "关联成功：本账号现在是 @%s。", into.Handle).In(lang)}
		})
	}
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

func homeRun(c *commands.Ctx) error {
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
