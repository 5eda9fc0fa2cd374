package standup

import (
	"cmp"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/standup"
	"github.com/tandemhq/tandem/commands"
)

// untilWords introduce the last day of a leave that starts today.
var untilWords = []string{"until", "till", "to", "到", "至", "直到"}

// delegateKeys name who decides for a person on leave (代理).
var delegateKeys = []string{"delegate", "deputy", "代理", "代理人"}

// fromKeys and toKeys name the first and the last day as options
// ("leave from:2026-12-07 to:2026-12-11"), in either order.
var (
	fromKeys = []string{"from", "start", "开始", "从"}
	toKeys   = []string{"to", "until", "end", "结束", "到", "至"}
)

// parseDay reads a date as YYYY-MM-DD (or with slashes) and returns it in
// DayLayout. Leave is given by whole days, so a plain date is all it reads.
func parseDay(s string) (string, bool) {
	s = strings.ReplaceAll(s, "/", "-")
	d, err := time.Parse(standup.DayLayout, s)
	if err != nil {
		return "", false
	}
	return d.Format(standup.DayLayout), true
}

// addLeave reads "leave <from> <to>", "leave <day>", "leave until <to>" or
// "leave from:<day> to:<day>", each optionally with delegate:@someone.
func (f *feature) addLeave(c *commands.Ctx) error {
	today := dayOf(c.Now, c.Loc).Format(standup.DayLayout)
	var days []string
	until := false
	var delegate *bot.Person
	var from, to string
	for _, t := range c.Args {
		if commands.Contains(fromKeys, t.Key) || commands.Contains(toKeys, t.Key) {
			d, ok := parseDay(t.Text)
			if !ok {
				return c.Usage(bot.Tf("%q is not a date such as 2026-10-08.", "「%s」不是日期，例如 2026-10-08。", t.Raw))
			}
			if commands.Contains(fromKeys, t.Key) {
				from = d
			} else {
				to = d
			}
			continue
		}
		if commands.Contains(delegateKeys, t.Key) {
			p, err := c.ResolvePerson(t.Text)
			if err != nil {
				return err
			}
			if p.ID == c.Person.ID {
				return c.Usage(bot.T("Your delegate is someone else.", "代理人不能是你自己。"))
			}
			delegate = p
			continue
		}
		if commands.Contains(untilWords, t.Text) {
			until = true
			continue
		}
		d, ok := parseDay(t.Text)
		if !ok {
			return c.Usage(bot.Tf("%q is not a date such as 2026-10-08.", "「%s」不是日期，例如 2026-10-08。", t.Raw))
		}
		days = append(days, d)
	}
	l := &standup.Leave{PersonID: c.Person.ID}
	if delegate != nil {
		l.DelegateID = delegate.ID
	}
	switch {
	case (from != "" || to != "") && len(days) == 0 && !until:
		l.From, l.To = cmp.Or(from, today), cmp.Or(to, from)
	case until && len(days) == 1:
		l.From, l.To = today, days[0]
	case !until && len(days) == 1:
		l.From, l.To = days[0], days[0]
	case !until && len(days) == 2:
		l.From, l.To = days[0], days[1]
	default:
		return c.Usage(bot.T("Give the first and the last day, or `until` and the last day.", "请写开始和结束日期，或「到」加结束日期。"))
	}
	if l.To < today {
		return c.Usage(bot.T("That leave is over already.", "这段假期已经过去了。"))
	}
	if l.To < l.From {
		return c.Usage(bot.T("The last day comes before the first.", "结束日期早于开始日期。"))
	}
	if err := standup.From(c.Tx).AddLeave(l, c.Now); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("You are on leave from %s to %s: standups skip you and list you as on leave.",
		"已请假：%s 至 %s。站会不会问你，并把你列为请假。", l.From, l.To))
	if delegate != nil {
		c.ReplyText(bot.Tf("@%s decides requests waiting for you meanwhile.", "期间由 @%s 代你审批申请。", delegate.Handle))
	}
	return nil
}

func (f *feature) showLeave(c *commands.Ctx) error {
	if len(c.Args) > 0 {
		return c.Usage(bot.Tf("I don't understand %q.", "我没看懂「%s」。", c.Args[0].Raw))
	}
	today := dayOf(c.Now, c.Loc).Format(standup.DayLayout)
	l, err := standup.From(c.Tx).LeaveOn(c.Person.ID, today)
	if err != nil {
		return err
	}
	if l == nil {
		c.ReplyText(bot.T("You are not on leave today.", "你今天没有请假。"))
		return nil
	}
	c.ReplyText(bot.Tf("You are on leave from %s to %s.", "你的请假：%s 至 %s。", l.From, l.To))
	if l.DelegateID != 0 {
		d, err := c.Tx.FindPersonByID(l.DelegateID)
		if err != nil {
			return err
		}
		c.ReplyText(bot.Tf("Your delegate: @%s.", "你的代理人：@%s。", d.Handle))
	}
	return nil
}

// cancelLeave ends the sender's leaves that reach today or later.
func (f *feature) cancelLeave(c *commands.Ctx) error {
	today := dayOf(c.Now, c.Loc).Format(standup.DayLayout)
	n, err := standup.From(c.Tx).CancelLeaves(c.Person.ID, today)
	if err != nil {
		return err
	}
	if n == 0 {
		return bot.Errorf(bot.ENOTFOUND, "You have no leave to cancel.", "你没有可以取消的请假。")
	}
	c.ReplyText(bot.T("Welcome back: standups ask you again.", "欢迎回来，站会会继续问你。"))
	return nil
}
