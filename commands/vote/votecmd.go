package vote

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/asks"
	"github.com/tandemhq/tandem/commands/timeparse"
)

func (f *feature) voteCommand() *commands.Command {
	newUsage := bot.T(`vote "question" options:"A,B,C" closes:<when> [dept:Sales,Design]`,
		"投票 「问题」 选项：甲，乙，丙 截止：<时间> [部门：销售，设计]")
	return &commands.Command{
		Name:    "vote",
		Aliases: []string{"投票"},
		Summary: bot.T("Anonymous votes: ballots are not linked to people; results when the vote closes",
			"匿名投票：选票与投票人不关联；截止后公布结果"),
		Fallback: "new",
		Subs: []*commands.Sub{
			{Name: "new", Usage: newUsage,
				Summary: bot.T("Start an anonymous vote (your department by default)", "发起匿名投票（默认发给你所在的部门）"),
				Example: bot.T(`vote "Where should the offsite be?" options:"Hangzhou,Suzhou,Qingdao" closes:fri dept:Sales`,
					"投票 「团建去哪里？」 选项：杭州，苏州，青岛 截止：周五 部门：销售"),
				Run: f.newOrCast},
			{Name: "close", Aliases: []string{"关闭"}, Usage: bot.T("vote close A-12", "投票 关闭 A-12"),
				Summary: bot.T("Close your vote now and post its result", "立即结束你发起的投票并公布结果"), Run: f.close},
			{Name: "results", Aliases: []string{"结果"}, Usage: bot.T("vote results A-12", "投票 结果 A-12"),
				Summary: bot.T("A closed vote's result", "已结束投票的结果"), Run: f.results},
			// cast is the buttons' sub-command ("vote.cast"); typed: vote A-12 2.
			{Name: "cast", Usage: bot.T("vote A-12 <option number>", "投票 A-12 <选项编号>"), Run: f.cast},
		},
	}
}

// newOrCast: "vote A-12 2" casts a ballot, anything else starts a vote.
func (f *feature) newOrCast(c *commands.Ctx) error {
	if len(c.Args) > 0 && !c.Args[0].Quoted && c.Args[0].Key == "" {
		if _, ok := asks.ParseRef(c.Args[0].Text); ok {
			return f.cast(c)
		}
	}
	return f.start(c)
}

// start creates a vote and sends it to its audience.
func (f *feature) start(c *commands.Ctx) error {
	var question []string
	var options []string
	var closes time.Time
	var deptIDs []int64
	for _, a := range c.Args {
		switch a.Key {
		case "options", "option", "选项":
			options = splitList(a.Text)
		case "closes", "close", "deadline", "截止":
			r, err := timeparse.Parse(a.Text, c.Now, c.Loc)
			if err != nil {
				return c.Usage(bot.Tf("I can't read the closing time %q.", "我看不懂截止时间「%s」。", a.Text))
			}
			closes = r.Time
			if !r.HasClock {
				t := r.Time.In(c.Loc)
				closes = time.Date(t.Year(), t.Month(), t.Day(), f.d.DueHour, f.d.DueMinute, 0, 0, c.Loc)
			}
		case "dept", "depts", "部门":
			for _, name := range splitList(a.Text) {
				d, err := commands.FindDept(c, name)
				if err != nil {
					return err
				}
				deptIDs = append(deptIDs, d.ID)
			}
		case "":
			question = append(question, a.Text)
		default:
			return c.Usage(bot.Tf("I don't know the option %q.", "我不认识选项「%s」。", a.Key))
		}
	}
	title := strings.TrimSpace(strings.Join(question, " "))
	switch {
	case title == "":
		return c.Usage(bot.T("What is the question? Put it in quotes.", "投票的问题是什么？请放在引号里。"))
	case utf8.RuneCountInString(title) > maxTitle:
		return c.Usage(bot.Tf("The question is too long (at most %d characters).", "问题太长了（最多 %d 个字）。", maxTitle))
	case len(options) < minOptions || len(options) > maxOptions:
		return c.Usage(bot.Tf("Give %d to %d options, separated by commas.", "请给出 %d 到 %d 个选项，用逗号分隔。", minOptions, maxOptions))
	case closes.IsZero():
		return c.Usage(bot.T("When does the vote close? Add closes:fri (or a date and time).", "投票何时截止？请加上「截止:周五」（或日期时间）。"))
	case !closes.After(c.Now):
		return c.Usage(bot.T("The closing time has passed already.", "截止时间已经过了。"))
	}
	for _, o := range options {
		if utf8.RuneCountInString(o) > maxOption {
			return c.Usage(bot.Tf("An option is too long (at most %d characters).", "选项太长了（最多 %d 个字）。", maxOption))
		}
	}
	if len(deptIDs) == 0 {
		if c.Person.DeptID == 0 {
			return c.Usage(bot.T("Who votes? Add dept:<name> (you are in no department).", "谁来投票？请加上「部门:<名称>」（你不属于任何部门）。"))
		}
		deptIDs = []int64{c.Person.DeptID}
	}
	a := &ask.Ask{Kind: ask.Vote, Title: title, AuthorID: c.Person.ID, Status: ask.Draft, Options: options,
		Audience: ask.Audience{DeptIDs: deptIDs, Groups: true}, Deadline: closes, Anonymous: true, Salt: newSalt(),
		Origin: c.Event.ReplyDestination(), CreatedAt: c.Now}
	if err := ask.From(c.Tx).CreateAsk(a); err != nil {
		return err
	}
	if err := f.d.Engine.Send(c.Tx, a, c.Now); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("Vote %s is out: %q, %d options, closes %s. Ballots are secret; the result comes when it closes (or `vote close %s`).",
		"投票 %s 已发出：「%s」，%d 个选项，截止 %s。投票匿名；截止后公布结果（或「投票 关闭 %s」）。",
		a.Ref(), title, len(options), commands.FormatTime(closes, c.Now, c.Loc, c.Lang), a.Ref()))
	return nil
}

// load finds a vote by the reference in args[0].
func load(c *commands.Ctx) (*ask.Ask, error) {
	if len(c.Args) == 0 {
		return nil, c.Usage(bot.T("Which vote? Give it like A-12.", "哪个投票？请写上编号，如 A-12。"))
	}
	id, ok := asks.ParseRef(c.Args[0].Text)
	if !ok {
		return nil, c.Usage(bot.Tf("%q is not a vote: votes are written like A-12.", "「%s」不是投票编号：编号形如 A-12。", c.Args[0].Text))
	}
	a, err := ask.From(c.Tx).FindAsk(id)
	if bot.ErrorCode(err) == bot.ENOTFOUND || err == nil && a.Kind != ask.Vote {
		return nil, bot.Errorf(bot.ENOTFOUND, "There is no vote A-%d.", "没有投票 A-%d。", id)
	}
	return a, err
}

// cast casts the sender's ballot. The reply never names the choice (the
// outbox keeps replies for days), and neither does the card.
func (f *feature) cast(c *commands.Ctx) error {
	a, err := load(c)
	if err != nil {
		return err
	}
	if len(c.Args) != 2 {
		return c.Usage(bot.Tf("Give the option's number, 1 to %d.", "请写上选项编号，1 到 %d。", len(a.Options)))
	}
	n, err := strconv.Atoi(c.Args[1].Text)
	if err != nil || n < 1 || n > len(a.Options) {
		return c.Usage(bot.Tf("Give the option's number, 1 to %d.", "请写上选项编号，1 到 %d。", len(a.Options)))
	}
	if a.Status.Ended() {
		return bot.Errorf(bot.ECONFLICT, "%s has closed; see `vote results %s`.", "%s 已截止；查看「投票 结果 %s」。", a.Ref(), a.Ref())
	}
	st := ask.From(c.Tx)
	r, err := st.FindRecipient(a.ID, c.Person.ID, 0)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		// Typed before the sweep reached them: their ballot card is on its way.
		if coming, err := asks.StillAsking(c.Tx, a, c.Person); err != nil {
			return err
		} else if coming {
			return bot.Errorf(bot.ECONFLICT, "The ballot cards of %s are still going out; try again in a minute.",
				"%s 的选票卡片还在发送中，请过一分钟再试。", a.Ref())
		}
		return bot.Errorf(bot.EFORBIDDEN, "%s is not open to you.", "%s 不在你的投票范围内。", a.Ref())
	} else if err != nil {
		return err
	}
	votedAlready := bot.Errorf(bot.ECONFLICT, "You have voted already in %s; a ballot cannot be changed.", "你已在 %s 投过票；选票不能更改。", a.Ref())
	if r.State == ask.Answered {
		return votedAlready
	}
	if err := st.CastBallot(a.ID, ask.Token(a.Salt, c.Person.ID), n-1); bot.ErrorCode(err) == bot.ECONFLICT {
		return votedAlready
	} else if err != nil {
		return err
	}
	if err := f.d.Engine.Record(c.Tx, a, r, "voted", "", c.Event.Platform, c.Now); err != nil {
		return err
	}
	// Private: a ballot cast in a group (a click on the card posted to a
	// bound chat, or typed there) must not tell the chat who voted.
	c.Reply(bot.Message{Text: c.T("Your ballot is in for %s. It is secret and final.", "你在 %s 的选票已投出。投票匿名，且不能更改。", a.Ref()), Private: true})
	return nil
}

// close ends the sender's vote now (or an admin's) and posts the result.
func (f *feature) close(c *commands.Ctx) error {
	a, err := load(c)
	if err != nil {
		return err
	}
	if a.AuthorID != c.Person.ID && c.Person.Role != bot.RoleAdmin {
		return bot.Errorf(bot.EFORBIDDEN, "Only the author of %s can close it.", "只有 %s 的发起人可以结束投票。", a.Ref())
	}
	if a.Status.Ended() {
		return bot.Errorf(bot.ECONFLICT, "%s has closed already; see `vote results %s`.", "%s 已经截止；查看「投票 结果 %s」。", a.Ref(), a.Ref())
	}
	if err := f.finish(c.Tx, a, c.Now); err != nil {
		return err
	}
	text, err := resultText(c.Tx, a, c.Lang)
	if err != nil {
		return err
	}
	c.Reply(bot.Message{Text: text})
	return nil
}

// finish closes a vote and posts its result to its author and the chats
// bound to its departments.
func (f *feature) finish(tx bot.Tx, a *ask.Ask, now time.Time) error {
	if err := f.d.Engine.End(tx, a, ask.Closed, now); err != nil {
		return err
	}
	author, err := tx.FindPersonByID(a.AuthorID)
	if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
		return err
	}
	base := "ask/" + strconv.FormatInt(a.ID, 10) + "/result"
	if author != nil {
		var ferr error
		if _, err := f.d.Notifier.Tell(tx, base+"/author", bot.Notice{To: author}, now, func(lang bot.Lang, loc *time.Location) bot.Message {
			text, err := resultText(tx, a, lang)
			ferr = err
			return bot.Message{Text: text}
		}); err != nil {
			return err
		}
		if ferr != nil {
			return ferr
		}
	}
	text, err := resultText(tx, a, f.d.DefaultLang)
	if err != nil {
		return err
	}
	for _, d := range a.Audience.DeptIDs {
		bs, err := bot.Bindings(tx).BoundChats("dept", strconv.FormatInt(d, 10), maxGroupsTo)
		if err != nil {
			return err
		}
		for _, b := range bs {
			key := base + "/" + b.Chat.Platform + "/" + b.Chat.Workspace + "/" + b.Chat.ChatID
			if _, err := tx.Enqueue(&bot.Outgoing{Key: key, To: b.Chat, Msg: bot.Message{Text: text}}, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// results shows a closed vote's result to its author, admins and those it
// was put to.
func (f *feature) results(c *commands.Ctx) error {
	a, err := load(c)
	if err != nil {
		return err
	}
	if a.AuthorID != c.Person.ID && c.Person.Role != bot.RoleAdmin {
		if _, err := ask.From(c.Tx).FindRecipient(a.ID, c.Person.ID, 0); bot.ErrorCode(err) == bot.ENOTFOUND {
			return bot.Errorf(bot.EFORBIDDEN, "%s was not put to you.", "%s 不在你的投票范围内。", a.Ref())
		} else if err != nil {
			return err
		}
	}
	if !a.Status.Ended() {
		return bot.Err(bot.ECONFLICT, bot.Tf("The result of %s comes when it closes (%s).", "%s 的结果在截止后公布（%s）。",
			a.Ref(), commands.FormatTime(a.Deadline, c.Now, c.Loc, c.Lang)))
	}
	text, err := resultText(c.Tx, a, c.Lang)
	if err != nil {
		return err
	}
	c.Reply(bot.Message{Text: text})
	return nil
}

// resultText is the tally, with the turnout from the ledger.
func resultText(tx bot.Tx, a *ask.Ask, lang bot.Lang) (string, error) {
	tally, err := ask.From(tx).Tally(a.ID)
	if err != nil {
		return "", err
	}
	counts, err := ask.From(tx).CountRecipients(a.ID, -1)
	if err != nil {
		return "", err
	}
	total := 0
	for _, n := range tally {
		total += n
	}
	t := func(en, zh string, args ...any) string { return bot.Tf(en, zh, args...).In(lang) }
	lines := []string{t("Result of vote %s %q: %d ballots from %d people asked.", "投票 %s「%s」结果：共 %d 票，应投 %d 人。",
		a.Ref(), a.Title, total, counts.Total)}
	for i, o := range a.Options {
		n := 0
		if i < len(tally) {
			n = tally[i]
		}
		pct := 0
		if total > 0 {
			pct = n * 100 / total
		}
		lines = append(lines, fmt.Sprintf("%d. %s — %d (%d%%) %s", i+1, o, n, pct, strings.Repeat("█", pct/10)))
	}
	return strings.Join(lines, "\n"), nil
}
