package announce

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/asks"
)

// ack is `announce ack A-12` and the 「已读」 button: the reader's line in
// the ledger is answered "ack".
func (f *feature) ack(c *commands.Ctx) error {
	a, err := f.load(c)
	if err != nil {
		return err
	}
	r, err := ask.From(c.Tx).FindRecipient(a.ID, c.Person.ID, 0)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return bot.Errorf(bot.EFORBIDDEN, "Announcement %s was not sent to you, so there is nothing for you to acknowledge.",
			"公告 %s 不是发给你的，无需确认。", a.Ref())
	} else if err != nil {
		return err
	}
	if r.State == ask.Answered {
		c.ReplyText(bot.Tf("You acknowledged %s already (%s). Thank you!", "你已经确认过 %s（%s），谢谢！",
			a.Ref(), ackBy(r.AnsweredAt, c.Lang, c.Loc)))
		return nil
	}
	switch a.Status {
	case ask.Cancelled:
		return bot.Errorf(bot.ECONFLICT, "Announcement %s was withdrawn by its author; there is nothing to acknowledge.",
			"公告 %s 已被发布人撤回，无需确认。", a.Ref())
	case ask.Closed:
		return bot.Errorf(bot.ECONFLICT, "Announcement %s closed at its ack-by time.", "公告 %s 已过确认截止时间。", a.Ref())
	}
	if err := f.Engine.Record(c.Tx, a, r, "ack", "", c.Event.Platform, c.Now); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("Thank you: %s is acknowledged.", "谢谢：已确认已读 %s。", a.Ref()))
	return nil
}

// underReview is the announcement c.Args[0] names and the sender's review
// line of it, or a refusal naming its reviewer.
func (f *feature) underReview(c *commands.Ctx) (*ask.Ask, *ask.Recipient, error) {
	a, err := f.load(c)
	if err != nil {
		return nil, nil, err
	}
	r, err := ask.From(c.Tx).FindRecipient(a.ID, c.Person.ID, reviewStep)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil, nil, bot.Errorf(bot.EFORBIDDEN, "Only %s reviews announcement %s.", "公告 %[2]s 由 %[1]s 审核。", a.Get("reviewer"), a.Ref())
	} else if err != nil {
		return nil, nil, err
	}
	if a.Status != ask.Review {
		return nil, nil, bot.Err(bot.ECONFLICT, statusText(a, "Announcement %s is not waiting for review (it is %s).", "公告 %s 不在审核中（%s）。"))
	}
	return a, r, nil
}

// approve sends a reviewed announcement and tells its author.
func (f *feature) approve(c *commands.Ctx) error {
	a, r, err := f.underReview(c)
	if err != nil {
		return err
	}
	if err := ask.From(c.Tx).AddAskEvent(&ask.Event{AskID: a.ID, ActorID: c.Person.ID, Kind: ask.Answer, Text: "approve", At: c.Now}); err != nil {
		return err
	}
	if err := f.Engine.Send(c.Tx, a, c.Now); err != nil {
		return err
	}
	// Recorded once sent, so the author's card shows it sent.
	if err := f.Engine.Record(c.Tx, a, r, "approve", "", c.Event.Platform, c.Now); err != nil {
		return err
	}
	if err := f.tellAuthor(c, a, func(lang bot.Lang) string {
		return bot.Tf("@%s approved announcement %s (%s); it is on its way.", "@%s 审核通过了公告 %s（%s），正在发布。",
			c.Person.Handle, a.Ref(), a.Title).In(lang)
	}); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("Approved: %s is on its way.", "已通过：%s 正在发布。", a.Ref()))
	return nil
}

// reject ends a reviewed announcement unsent and tells its author why.
func (f *feature) reject(c *commands.Ctx) error {
	a, r, err := f.underReview(c)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(commands.JoinRaw(c.Args[1:]))
	if reason == "" {
		return c.Usage(bot.Tf("Say why, so that the author can fix it: `announce reject %s <reason>`.",
			"请说明原因，方便发布人修改：「公告 驳回 %s <原因>」。", a.Ref()))
	}
	if err := f.Engine.Record(c.Tx, a, r, "reject", reason, c.Event.Platform, c.Now); err != nil {
		return err
	}
	if err := ask.From(c.Tx).AddAskEvent(&ask.Event{AskID: a.ID, ActorID: c.Person.ID, Kind: ask.Answer, Text: "reject: " + reason, At: c.Now}); err != nil {
		return err
	}
	if err := f.Engine.End(c.Tx, a, ask.Rejected, c.Now); err != nil {
		return err
	}
	if err := f.tellAuthor(c, a, func(lang bot.Lang) string {
		return bot.Tf("@%s rejected announcement %s (%s): %s. Change it and announce again.",
			"@%s 驳回了公告 %s（%s）：%s。请修改后重新发布。", c.Person.Handle, a.Ref(), a.Title, reason).In(lang)
	}); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("Rejected: %s was not sent, and its author is told why.", "已驳回：%s 未发布，已告知发布人原因。", a.Ref()))
	return nil
}

func (f *feature) tellAuthor(c *commands.Ctx, a *ask.Ask, words func(bot.Lang) string) error {
	author, err := c.Tx.FindPersonByID(a.AuthorID)
	if err != nil {
		return err
	}
	return c.Tell(bot.Notice{To: author, Subject: asks.Subject(a)}, func(lang bot.Lang, _ *time.Location) bot.Message {
		return bot.Message{Text: words(lang)}
	})
}

// cancel withdraws an announcement: its author or an admin may.
func (f *feature) cancel(c *commands.Ctx) error {
	a, err := f.load(c)
	if err != nil {
		return err
	}
	if a.AuthorID != c.Person.ID && c.Person.Role != bot.RoleAdmin {
		return bot.Errorf(bot.EFORBIDDEN, "Only its author (%s) or an admin can withdraw announcement %s.",
			"只有发布人（%s）或管理员可以撤回公告 %s。", a.Get("from"), a.Ref())
	}
	if a.Status.Ended() {
		return bot.Err(bot.ECONFLICT, statusText(a, "Announcement %s has ended already (%s).", "公告 %s 已经结束（%s）。"))
	}
	if err := f.Engine.End(c.Tx, a, ask.Cancelled, c.Now); err != nil {
		return err
	}
	// The recipients' cards lose their button, a page per job run: a
	// withdrawal to ten thousand people is not one unit.
	if err := scheduleWithdrawn(c.Tx, a.ID, 0, c.Now); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("Withdrawn: %s asks nobody any more.", "已撤回：%s 不再需要任何人确认。", a.Ref()))
	return nil
}

// JobWithdrawn edits the cards of a withdrawn announcement's recipients, a
// page of the ledger per run.
const JobWithdrawn = "announce.withdrawn"

// withdrawnPage bounds the cards one run edits.
var withdrawnPage = 200

type withdrawnPayload struct {
	Ask   int64 `json:"ask"`
	After int64 `json:"after,omitempty"`
}

func scheduleWithdrawn(tx bot.Tx, askID, after int64, now time.Time) error {
	b, _ := json.Marshal(withdrawnPayload{Ask: askID, After: after})
	_, err := tx.ScheduleJob(&bot.Job{Kind: JobWithdrawn, Payload: b, RunAt: now,
		DedupKey: fmt.Sprintf("announce/%d/withdrawn/%d", askID, after)}, now)
	return err
}

// runWithdrawn is one page of JobWithdrawn; it schedules the next.
func (f *feature) runWithdrawn(_ context.Context, tx bot.Tx, j *bot.Job, now time.Time) error {
	var p withdrawnPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.Ask == 0 {
		return fmt.Errorf("announce: job %d: bad payload %q", j.ID, j.Payload)
	}
	st := ask.From(tx)
	a, err := st.FindAsk(p.Ask)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	rs, err := st.Recipients(a.ID, ask.RecipientFilter{Step: -1, AfterPersonID: p.After, Limit: withdrawnPage})
	if err != nil {
		return err
	}
	k := kind{f}
	for _, r := range rs {
		err := bot.UpdateCardsIn(tx, asks.RecipientSubject(a, r.PersonID), f.DefaultLang, f.DefaultTZ, now,
			func(lang bot.Lang, loc *time.Location) bot.Message {
				card := k.Card(a, r, lang, loc)
				return bot.Message{Card: &card, Text: card.Footer}
			})
		if err != nil {
			return err
		}
	}
	if len(rs) == withdrawnPage {
		return scheduleWithdrawn(tx, a.ID, rs[len(rs)-1].PersonID, now)
	}
	return nil
}

// status is `announce status A-12`: the author's card, for its author,
// the heads of its departments and admins.
func (f *feature) status(c *commands.Ctx) error {
	a, err := f.load(c)
	if err != nil {
		return err
	}
	if err := f.mayWatch(c, a); err != nil {
		return err
	}
	counts, err := f.Engine.StatusCounts(c.Tx, a)
	if err != nil {
		return err
	}
	card := f.Engine.StatusCard(a, counts, c.Lang, c.Loc)
	card.Subject = "" // an inline answer: the live copy is the one posted when it was made
	c.Reply(bot.Message{Card: &card})
	return nil
}

// mayWatch lets an announcement's author, admins and the heads of its
// departments see its ledger.
func (f *feature) mayWatch(c *commands.Ctx, a *ask.Ask) error {
	me := c.Person
	if a.AuthorID == me.ID || me.Role == bot.RoleAdmin {
		return nil
	}
	for _, id := range append([]int64{a.DeptID}, a.Audience.DeptIDs...) {
		if d, err := c.Tx.FindDepartmentByID(id); id != 0 && err == nil && d.HeadID == me.ID {
			return nil
		}
	}
	return bot.Errorf(bot.EFORBIDDEN, "Only the author of %s, the heads of its departments and admins can see who has acknowledged it.",
		"只有 %s 的发布人、相关部门负责人和管理员可以查看确认情况。", a.Ref())
}

// list is `announce list`: the sender's announcements, newest first, paged.
func (f *feature) list(c *commands.Ctx) error {
	page, rest, err := commands.PageArg(c, c.Args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return c.Usage(bot.Tf("I don't know %q here.", "这里看不懂「%s」。", commands.JoinRaw(rest)))
	}
	as, err := ask.From(c.Tx).FindAsks(ask.Filter{Kind: ask.Announcement, AuthorID: c.Person.ID,
		Offset: (page - 1) * commands.PageSize, Limit: commands.PageSize + 1})
	if err != nil {
		return err
	}
	more := len(as) > commands.PageSize
	as = as[:min(len(as), commands.PageSize)]
	if len(as) == 0 {
		c.ReplyText(bot.T("You have made no announcements (on this page). Make one: `announce dept:Sales \"…\" ack-by:fri`.",
			"你还没有发布过公告（本页没有）。发布：「公告 部门：销售 「…」 确认截止：周五」。"))
		return nil
	}
	lines := []string{commands.PageTitle(c, bot.T("Your announcements", "你的公告"), page, len(as), more)}
	for _, a := range as {
		lines = append(lines, fmt.Sprintf("%s %s · %s · %s", a.Ref(), a.Title, bot.T(string(a.Status), statusZH[a.Status]).In(c.Lang),
			c.T("ack by %s", "确认截止 %s", commands.FormatTime(a.Deadline, c.Now, c.Loc, c.Lang))))
	}
	if more {
		lines = append(lines, commands.NextPage(c, "announce list", "公告 列表", nil, page))
	}
	c.Reply(bot.Message{Text: strings.Join(lines, "\n")})
	return nil
}

var statusZH = map[ask.Status]string{ask.Draft: "草稿", ask.Review: "审核中", ask.Open: "已发布", ask.Closed: "已结束",
	ask.Cancelled: "已撤回", ask.Rejected: "审核未通过", ask.Approved: "已通过"}

// statusText is a sentence naming a and its status in each language.
func statusText(a *ask.Ask, en, zh string) bot.Text {
	return bot.T(fmt.Sprintf(en, a.Ref(), a.Status), fmt.Sprintf(zh, a.Ref(), statusZH[a.Status]))
}
