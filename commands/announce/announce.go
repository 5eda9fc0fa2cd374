// Package announce is announcements with an acknowledgement ledger
// (信息发布审核): a head or an admin announces something to departments,
// everyone or named people, optionally reviewed by a department head
// first; each person gets a card with an "I've read it" / 「已读」 button,
// and the author's live card shows the acknowledgements rising. Sending,
// the ledger, reminders on working days and escalation at the ack-by
// deadline are the ask mechanism's (commands/asks); this package is the
// words: the command, the cards, who may announce and what the deadline
// means.
package announce

import (
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/asks"
)

// Review modes (announce.review).
const (
	// ReviewOff: heads and admins announce directly; nobody else may.
	ReviewOff = "off"
	// ReviewOptional (the default): heads and admins announce directly
	// unless they write "review"; others submit for a head's review.
	ReviewOptional = "optional"
	// ReviewRequired: every announcement but an admin's is reviewed by a
	// department head other than its author.
	ReviewRequired = "required"
)

// Config is the announcements' part of the configuration (`announce:`).
type Config struct {
	// Review is ReviewOff, ReviewOptional or ReviewRequired; "" is
	// optional.
	Review string
}

// ParseReview checks a configured review mode ("" is optional).
func ParseReview(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", ReviewOptional:
		return ReviewOptional, nil
	case ReviewOff:
		return ReviewOff, nil
	case ReviewRequired:
		return ReviewRequired, nil
	}
	return "", fmt.Errorf("announce.review: %q is not off, optional or required", s)
}

// Deps are what announcements need from the host.
type Deps struct {
	// Engine is the ask mechanism the announcements are sent through; the
	// module registers the announcements' Kind with it.
	Engine *asks.Engine
	Config Config
	// DueHour and DueMinute are the time of day an ack-by date without a
	// clock means (bot.due_time).
	DueHour, DueMinute int
	// Notifier tells the author from the deadline job.
	Notifier *bot.Notifier
	// DefaultLang and DefaultTZ render a card copy that does not say its
	// reader's.
	DefaultLang bot.Lang
	DefaultTZ   *time.Location
}

// Module is the announcements' command; it registers their cards with the
// engine, so it must be built before the engine's own module.
func Module(d Deps) commands.Module {
	mode, err := ParseReview(d.Config.Review)
	if err != nil {
		mode = ReviewOptional // cmd/tandem refuses a bad mode at start (ParseReview)
	}
	d.Config.Review = mode
	d.DefaultLang, d.DefaultTZ = bot.Defaults(d.DefaultLang, d.DefaultTZ)
	d.Notifier = bot.NotifierOr(d.Notifier, d.DefaultLang, d.DefaultTZ)
	f := &feature{Deps: d}
	d.Engine.Register(ask.Announcement, kind{f})
	return commands.Module{Name: "announce", Commands: []*commands.Command{f.command()},
		Jobs: map[string]bot.JobHandler{JobWithdrawn: bot.JobHandlerFunc(f.runWithdrawn)}}
}

type feature struct{ Deps }

func (f *feature) command() *commands.Command {
	sub := func(name string, aliases []string, usageEN, usageZH, sumEN, sumZH, exEN, exZH string, run func(*commands.Ctx) error) *commands.Sub {
		return &commands.Sub{Name: name, Aliases: aliases, Usage: bot.T(usageEN, usageZH), Summary: bot.T(sumEN, sumZH),
			Example: bot.T(exEN, exZH), Run: run}
	}
	return &commands.Command{
		Name:     "announce",
		Aliases:  []string{"announcement", "announcements", "公告", "通知", "发布"},
		Summary:  bot.T("Announcements everyone acknowledges, with a ledger of who has read them", "发布公告，逐人确认已读，并有确认台账"),
		Fallback: "send",
		ByID:     "status",
		Subs: []*commands.Sub{
			sub("list", []string{"ls", "mine", "列表", "我的"}, "announce list [page N]", "公告 列表 [第N页]",
				"Your announcements, newest first", "你发布的公告（最新的在前）", "announce list", "公告 列表", f.list),
			sub("send", []string{"new", "post", "新建", "发送"},
				`announce dept:<dept>[,<dept>…] | everyone | @person… "<text>" [ack-by:<date>] [review] [groups]`,
				`公告 部门：<部门>[，<部门>…] | 全员 | @某人… 「<内容>」 [确认截止：<日期>] [审核] [群]`,
				"Announce something; each person acknowledges it", "发布公告，每个人逐一确认已读",
				`announce dept:Sales,Design "Office moves on Monday" ack-by:fri`,
				`公告 部门：销售，设计 「周一搬到新办公室」 确认截止：周五`, f.send),
			sub("ack", []string{"read", "acknowledge", "已读", "确认"}, "announce ack A-<id>", "公告 已读 A-<编号>",
				"Acknowledge an announcement", "确认已读公告", "announce ack A-12", "公告 已读 A-12", f.ack),
			sub("status", []string{"show", "view", "状态", "查看"}, "announce status A-<id>", "公告 状态 A-<编号>",
				"How many have acknowledged an announcement", "查看公告的确认情况", "announce status A-12", "公告 状态 A-12", f.status),
			sub("approve", []string{"ok", "通过", "批准"}, "announce approve A-<id>", "公告 通过 A-<编号>",
				"Approve an announcement you review; it goes out", "审核通过公告，随即发布", "announce approve A-12", "公告 通过 A-12", f.approve),
			sub("reject", []string{"decline", "驳回", "拒绝"}, "announce reject A-<id> <reason>", "公告 驳回 A-<编号> <原因>",
				"Reject an announcement you review, saying why", "驳回待审核的公告并说明原因",
				"announce reject A-12 the date is wrong", "公告 驳回 A-12 日期有误", f.reject),
			sub("cancel", []string{"withdraw", "撤回", "取消"}, "announce cancel A-<id>", "公告 撤回 A-<编号>",
				"Withdraw your announcement", "撤回你发布的公告", "announce cancel A-12", "公告 撤回 A-12", f.cancel),
		},
	}
}

// load reads the announcement c.Args[0] names.
func (f *feature) load(c *commands.Ctx) (*ask.Ask, error) {
	if len(c.Args) == 0 {
		return nil, c.Usage(bot.T("Which announcement? Give its number, like A-12.", "是哪条公告？请给出编号，例如 A-12。"))
	}
	id, ok := asks.ParseRef(c.Args[0].Text)
	if !ok {
		return nil, c.Usage(bot.Tf("%q is not an announcement number (like A-12).", "「%s」不是公告编号（例如 A-12）。", c.Args[0].Text))
	}
	a, err := ask.From(c.Tx).FindAsk(id)
	if bot.ErrorCode(err) == bot.ENOTFOUND || err == nil && a.Kind != ask.Announcement {
		return nil, bot.Errorf(bot.ENOTFOUND, "There is no announcement A-%d.", "没有公告 A-%d。", id)
	}
	return a, err
}

// ackBy formats the ack-by deadline for a reader, with the date in full:
// a card is read days after it was sent, so nothing is relative.
func ackBy(t time.Time, lang bot.Lang, loc *time.Location) string {
	t = t.In(loc)
	if lang == bot.LangZH {
		return fmt.Sprintf("%d年%d月%d日%s %s", t.Year(), t.Month(), t.Day(), commands.WeekdayZH(t.Weekday()), t.Format("15:04"))
	}
	return t.Format("Mon 2 Jan 2006 15:04")
}
