package people

import (
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
)

// Registration approved by an admin (审核, bot.registration: approval).
// The bot registers an account seen for the first time as a person waiting
// (bot.AdmissionPending); this file keeps them there until an admin decides:
// the guard answers everything they type, and only `access` asks the admins
// again. Each admin's card has the subject admission/<id>, so a decision by
// one admin edits every admin's copy.

// reaskAfter is how long a pending person waits before `access` asks the
// admins again: once a day keeps a forgotten request alive without letting
// anyone flood the admins.
const reaskAfter = 24 * time.Hour

// maxAdminsAsked bounds the admins one request is sent to.
const maxAdminsAsked = 50

// accessWords are what someone waiting types to ask again; they are also
// the `access` command's names, which tells a member they are in already.
var accessWords = []string{"access", "申请加入"}

func admissionSubject(p *bot.Person) string { return "admission/" + strconv.FormatInt(p.ID, 10) }

// guard keeps people an admin has not let in to asking for access: every
// request of theirs ends here, so no command and no listener runs for them.
func guard(c *commands.Ctx) (bool, error) {
	p := c.Person
	if p.Admitted() {
		return false, nil
	}
	if p.Admission == bot.AdmissionRefused {
		c.ReplyText(bot.T("An admin has declined your access to Tandem. Please talk to an admin if you think this is a mistake.",
			"管理员未批准你使用 Tandem。如有疑问，请直接联系管理员。"))
		return true, nil
	}
	asking := c.Event.Action == nil && len(c.Args) > 0 && isAccessWord(c.Args[0].Text)
	if !p.AccessAskedAt.IsZero() && !asking {
		c.ReplyText(bot.T("Welcome! An admin has yet to approve your access; I'll tell you as soon as they do. (Type `access` to remind them.)",
			"欢迎！你的加入申请正在等待管理员审核，通过后我会立即告诉你。（输入「申请加入」可再次提醒管理员。）"))
		return true, nil
	}
	if next := p.AccessAskedAt.Add(reaskAfter); !p.AccessAskedAt.IsZero() && c.Now.Before(next) {
		c.ReplyText(bot.Tf("The admins were asked at %s; you can remind them again after %s. Thank you for waiting.",
			"已于 %s 通知管理员；%s 之后可以再次提醒。感谢耐心等待。",
			commands.FormatTime(p.AccessAskedAt, c.Now, c.Loc, c.Lang), commands.FormatTime(next, c.Now, c.Loc, c.Lang)))
		return true, nil
	}
	n, err := askAdmins(c, p)
	if err != nil {
		return true, err
	}
	p.AccessAskedAt = c.Now
	if err := c.Tx.UpdatePerson(p); err != nil {
		return true, err
	}
	if n == 0 {
		c.ReplyText(bot.T("Welcome! Access to Tandem needs an admin's approval, and no admin is set up yet. Please ask whoever runs Tandem here.",
			"欢迎！使用 Tandem 需要管理员审核，但目前还没有设置管理员。请联系本单位的 Tandem 负责人。"))
		return true, nil
	}
	c.ReplyText(bot.T("Welcome! Access to Tandem needs an admin's approval. I've asked the admins and will tell you when they decide.",
		"欢迎！使用 Tandem 需要管理员审核。我已通知管理员，审核结果出来后会告诉你。"))
	return true, nil
}

func isAccessWord(w string) bool {
	w = strings.ToLower(strings.TrimLeft(w, "/!！"))
	for _, a := range accessWords {
		if w == a {
			return true
		}
	}
	return false
}

// askAdmins sends every admin the request's card on their own platform and
// reports how many were asked.
func askAdmins(c *commands.Ctx, p *bot.Person) (int, error) {
	admins, err := c.Tx.FindPeopleByRole(bot.RoleAdmin, maxAdminsAsked)
	if err != nil {
		return 0, err
	}
	acct := c.Event.SenderAccount()
	for _, a := range admins {
		err := c.Tell(bot.Notice{To: a}, func(lang bot.Lang, loc *time.Location) bot.Message {
			card := admissionCard(p, acct, lang, "")
			return bot.Message{Text: card.Title, Card: card}
		})
		if err != nil {
			return 0, err
		}
	}
	return len(admins), nil
}

// admissionCard is an admin's card about p's request: with Approve and
// Reject while it waits; with the decision (outcome) once one was made.
func admissionCard(p *bot.Person, acct bot.Account, lang bot.Lang, outcome string) *bot.Card {
	t := func(en, zh string) string { return bot.T(en, zh).In(lang) }
	card := &bot.Card{
		Title:   bot.Tf("Access request: %s (@%s)", "加入申请：%s（@%s）", p.Name, p.Handle).In(lang),
		Subject: admissionSubject(p),
		Fields: []bot.Field{
			{Label: t("Name", "姓名"), Value: p.Name},
			{Label: t("Platform", "平台"), Value: acct.Platform},
			{Label: t("Workspace", "工作区"), Value: acct.Workspace},
		},
	}
	if outcome != "" {
		card.Fields = append(card.Fields, bot.Field{Label: t("Decision", "审核结果"), Value: outcome})
		return card
	}
	who := "@" + p.Handle
	card.Buttons = []bot.Button{
		{ActionID: "people.approve", Value: who, Label: t("Approve", "批准"), Style: "primary",
			Typed: bot.Tf("people approve %s", "人员 批准 %s", who).In(lang)},
		{ActionID: "people.reject", Value: who, Label: t("Reject", "拒绝"), Style: "danger",
			Typed: bot.Tf("people reject %s <reason>", "人员 拒绝 %s <理由>", who).In(lang)},
	}
	return card
}

// accessCommand is `access` for someone already in: the guard answers it
// for everyone else.
func accessCommand() *commands.Command {
	return &commands.Command{
		Name:    accessWords[0],
		Aliases: accessWords[1:],
		Summary: bot.T("Ask the admins to let you in (while registration waits for approval)", "申请使用 Tandem（注册需要管理员审核时）"),
		Usage:   bot.T("access", "申请加入"),
		Run: func(c *commands.Ctx) error {
			c.ReplyText(bot.T("You're in already: type `help` to see what I can do.", "你已经可以使用了：输入「帮助」查看我能做什么。"))
			return nil
		},
	}
}

// peopleCommand is the admins' decision on people waiting to be let in.
func peopleCommand() *commands.Command {
	return &commands.Command{
		Name:    "people",
		Aliases: []string{"人员"},
		Summary: bot.T("Approve or reject people waiting to use Tandem (admins)", "审核申请使用 Tandem 的人员（管理员）"),
		Subs: []*commands.Sub{
			{
				Name: "approve", Aliases: []string{"批准", "通过"},
				Usage:   bot.T("people approve @person", "人员 批准 @某人"),
				Summary: bot.T("Let someone in", "批准某人使用"),
				Example: bot.T("people approve @max", "人员 批准 @max"),
				Run:     func(c *commands.Ctx) error { return decide(c, true) },
			},
			{
				Name: "reject", Aliases: []string{"拒绝"},
				Usage:   bot.T("people reject @person [reason]", "人员 拒绝 @某人 [理由]"),
				Summary: bot.T("Turn someone away (you can approve them later)", "拒绝某人（之后仍可批准）"),
				Example: bot.T("people reject @max not in our company", "人员 拒绝 @max 非本公司人员"),
				Run:     func(c *commands.Ctx) error { return decide(c, false) },
			},
		},
	}
}

// decide approves or rejects the person named first in c.Args. Approving
// someone refused is allowed (a change of mind); approving a member, or
// rejecting someone already refused, says so and changes nothing, which is
// also what a second admin's click on a decided card gets.
func decide(c *commands.Ctx, approve bool) error {
	if c.Person.Role != bot.RoleAdmin {
		return bot.Errorf(bot.EFORBIDDEN, "Only an admin can let people in.", "只有管理员可以审核人员。")
	}
	if len(c.Args) == 0 {
		return c.Usage(bot.T("Name the person, like @max.", "请指定人员，例如 @max。"))
	}
	p, err := c.ResolvePerson(c.Args[0].Text)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(commands.JoinRaw(c.Args[1:]))
	switch {
	case approve && p.Admitted():
		c.ReplyText(bot.Tf("@%s is a member already.", "@%s 已经是成员。", p.Handle))
		return nil
	case !approve && p.Admission == bot.AdmissionRefused:
		c.ReplyText(bot.Tf("@%s was turned away already.", "@%s 已被拒绝。", p.Handle))
		return nil
	case !approve && p.Admitted():
		return bot.Errorf(bot.ECONFLICT, "@%s is a member already; there is nothing to reject.", "@%s 已经是成员，无需拒绝。", p.Handle)
	}
	was := p.Admission
	p.Admission = bot.AdmissionRefused
	if approve {
		p.Admission = ""
	}
	if err := c.Tx.UpdatePerson(p); err != nil {
		return err
	}
	to := "member"
	if !approve {
		to = string(bot.AdmissionRefused)
	}
	if err := bot.Audit(c.Tx, bot.AuditEntry{Kind: bot.AuditAdmission, From: string(was), To: to, Via: bot.ViaChat}, c.Person, p, c.Now); err != nil {
		return err
	}
	if err := c.Tell(bot.Notice{To: p}, func(lang bot.Lang, _ *time.Location) bot.Message {
		if approve {
			return bot.Message{Text: bot.T("Good news: an admin approved your access to Tandem. Type `help` to see what I can do.",
				"好消息：管理员已批准你使用 Tandem。输入「帮助」查看我能做什么。").In(lang)}
		}
		text := bot.T("Sorry, an admin did not approve your access to Tandem.", "抱歉，管理员未批准你使用 Tandem。").In(lang)
		if reason != "" {
			text += " " + bot.Tf("Reason: %s", "理由：%s", reason).In(lang)
		}
		return bot.Message{Text: text}
	}); err != nil {
		return err
	}
	accts, err := c.Tx.AccountsOf(p.ID)
	if err != nil {
		return err
	}
	var acct bot.Account
	if len(accts) > 0 {
		acct = accts[0].Account
	}
	if err := c.UpdateCards(admissionSubject(p), func(lang bot.Lang, _ *time.Location) bot.Message {
		outcome := bot.Tf("approved by @%s", "已由 @%s 批准", c.Person.Handle).In(lang)
		if !approve {
			outcome = bot.Tf("rejected by @%s", "已由 @%s 拒绝", c.Person.Handle).In(lang)
			if reason != "" {
				outcome += bot.T(": ", "：").In(lang) + reason
			}
		}
		card := admissionCard(p, acct, lang, outcome)
		return bot.Message{Text: card.Title + " — " + outcome, Card: card}
	}); err != nil {
		return err
	}
	if approve {
		c.ReplyText(bot.Tf("@%s is in; I've told them.", "已批准 @%s，并已通知对方。", p.Handle))
	} else {
		c.ReplyText(bot.Tf("@%s was turned away; I've told them. You can still approve them later.", "已拒绝 @%s，并已通知对方。之后仍可批准。", p.Handle))
	}
	return nil
}
