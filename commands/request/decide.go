package request

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/asks"
)

// findRequest reads the request a reference names.
func findRequest(c *commands.Ctx, ref string) (*ask.Ask, error) {
	id, ok := asks.ParseRef(ref)
	if !ok {
		return nil, c.Usage(bot.Tf("%q is not a request: requests are written like A-12.", "「%s」不是申请编号：编号形如 A-12。", ref))
	}
	a, err := ask.From(c.Tx).FindAsk(id)
	if bot.ErrorCode(err) == bot.ENOTFOUND || err == nil && a.Kind != ask.Request {
		return nil, bot.Errorf(bot.ENOTFOUND, "There is no request A-%d.", "没有申请 A-%d。", id)
	}
	return a, err
}

// lineOf is the sender's line in a's current step, or a polite refusal
// naming who the step waits for.
func (f *feature) lineOf(c *commands.Ctx, a *ask.Ask) (*ask.Recipient, error) {
	if a.Status.Ended() {
		return nil, &bot.Error{Code: bot.ECONFLICT, Text: tr("%s is %s already.", "%s %s。", a.Ref(), statusName(a.Status))}
	}
	// Their own line of this step, else the decision they made in an
	// earlier one (clicked again: a no-op).
	for step := a.Step; step >= 1; step-- {
		r, err := ask.From(c.Tx).FindRecipient(a.ID, c.Person.ID, step)
		if err == nil && (step == a.Step || r.State == ask.Answered) {
			return r, nil
		}
		if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
			return nil, err
		}
	}
	waiting, err := ask.From(c.Tx).Recipients(a.ID, ask.RecipientFilter{State: ask.Pending, Step: a.Step, Limit: 5})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, w := range waiting {
		names = append(names, nameOf(a, w.PersonID))
	}
	return nil, &bot.Error{Code: bot.EFORBIDDEN, Text: tr("Thanks, but %s waits for %s's decision, not yours.", "谢谢，不过 %s 等待的是 %s 的审批，不是你的。",
		a.Ref(), bot.T(strings.Join(names, ", "), strings.Join(names, "、")))}
}

func (f *feature) approve(c *commands.Ctx) error { return f.answer(c, "approve") }
func (f *feature) reject(c *commands.Ctx) error  { return f.answer(c, "reject") }

// answer is approve and reject, typed or clicked. Typed with a comment (a
// rejection needs one) it counts at once; a click asks for a comment in
// the same chat first (Listen), for commentWindow.
func (f *feature) answer(c *commands.Ctx, answer string) error {
	if len(c.Args) == 0 {
		return c.Usage(bot.T("Which request? Give its number, like A-12.", "哪一个申请？请写编号，例如 A-12。"))
	}
	a, err := findRequest(c, c.Args[0].Text)
	if err != nil {
		return err
	}
	comment := strings.TrimSpace(commands.JoinRaw(c.Args[1:]))
	r, err := f.lineOf(c, a)
	if err != nil {
		return err
	}
	if r.State == ask.Answered && r.Answer == answer {
		c.ReplyText(tr("You %s %s already.", "你已经%s了 %s。", pastTense[answer], a.Ref()))
		return nil
	}
	clicked := c.Event.Action != nil
	if !clicked && answer == "reject" && comment == "" {
		return c.Usage(bot.T("A rejection needs a reason.", "驳回需要写明理由。"))
	}
	if !clicked {
		return f.decideBy(c, a, r, answer, comment)
	}
	if r.State == ask.Answered {
		// A different answer than before: the engine refuses it.
		return f.decideBy(c, a, r, answer, "")
	}
	return f.prompt(c, a, r, answer)
}

// decideBy records a decision made in c and confirms it to the approver.
func (f *feature) decideBy(c *commands.Ctx, a *ask.Ask, r *ask.Recipient, answer, comment string) error {
	if err := f.decide(c.Tx, a, r, answer, comment, c.Event.Platform, c.Now); err != nil {
		return err
	}
	c.ReplyText(tr("You %s %s %s.", "你已%s %s「%s」。", pastTense[answer], a.Ref(), a.Title))
	return nil
}

// pendingComment is what a click waits on: the approver's next message.
type pendingComment struct {
	Ask    int64  `json:"ask"`
	Step   int    `json:"step"`
	Answer string `json:"answer"`
}

func commentKey(personID int64) string { return "request/comment/" + strconv.FormatInt(personID, 10) }

// waiting is the sender's click awaiting a comment, with its job; nil
// when none.
func waiting(tx bot.Tx, personID int64) (*bot.Job, *pendingComment, error) {
	js, err := tx.FindJobs(bot.JobFilter{DedupKey: commentKey(personID), State: bot.JobPending, Limit: 1})
	if err != nil || len(js) == 0 {
		return nil, nil, err
	}
	var p pendingComment
	if err := json.Unmarshal(js[0].Payload, &p); err != nil {
		return nil, nil, fmt.Errorf("request comment job %d: %w", js[0].ID, err)
	}
	return js[0], &p, nil
}

// prompt asks the approver for a comment (a rejection: its reason). The
// wait is a job row keyed per approver: a second click on the same
// button is a no-op; a click on another request settles the first.
func (f *feature) prompt(c *commands.Ctx, a *ask.Ask, r *ask.Recipient, answer string) error {
	j, p, err := waiting(c.Tx, c.Person.ID)
	if err != nil {
		return err
	}
	if p != nil && p.Ask == a.ID && p.Answer == answer {
		c.ReplyText(f.promptText(a, answer))
		return nil
	}
	if p != nil {
		if err := f.settle(c.Tx, c.Person, j, p, c.Event.Platform, c.Now); err != nil {
			return err
		}
	}
	payload, _ := json.Marshal(pendingComment{Ask: a.ID, Step: r.Step, Answer: answer})
	if _, err := c.Tx.ScheduleJob(&bot.Job{Kind: JobComment, Payload: payload, RunAt: c.Now.Add(commentWindow),
		DedupKey: commentKey(c.Person.ID), OwnerID: c.Person.ID}, c.Now); err != nil {
		return err
	}
	c.ReplyText(f.promptText(a, answer))
	return nil
}

func (f *feature) promptText(a *ask.Ask, answer string) bot.Text {
	if answer == "reject" {
		return bot.Tf("Why do you reject %s %s? Reply with the reason within 10 minutes; it counts once you do.",
			"为什么驳回 %s「%s」？请在 10 分钟内回复理由，回复后驳回才生效。", a.Ref(), a.Title)
	}
	return bot.Tf("Approving %s %s. Reply with a comment within 10 minutes, or 'skip'.",
		"正在批准 %s「%s」。请在 10 分钟内回复意见，或回复「跳过」。", a.Ref(), a.Title)
}

// skipWords say "no comment".
var skipWords = []string{"skip", "no", "none", "-", "跳过", "无", "没有"}

// listen takes an approver's next message after a click as the comment.
func (f *feature) listen(c *commands.Ctx) (bool, error) {
	_, p, err := waiting(c.Tx, c.Person.ID)
	if err != nil || p == nil {
		return false, err
	}
	text := strings.TrimSpace(c.Event.Text)
	skip := commands.Contains(skipWords, strings.ToLower(strings.Trim(text, "。.！!'\"")))
	a, err := ask.From(c.Tx).FindAsk(p.Ask)
	if err != nil {
		return true, err
	}
	if skip && p.Answer == "reject" {
		c.ReplyText(bot.Tf("A rejection needs a reason: reply with it, or the rejection of %s is dropped in 10 minutes.",
			"驳回需要理由：请回复理由，否则 10 分钟后对 %s 的驳回不生效。", a.Ref()))
		return true, nil
	}
	if skip {
		text = ""
	}
	if err := bot.CancelJobs(c.Tx, commentKey(c.Person.ID), c.Now); err != nil {
		return true, err
	}
	r, err := ask.From(c.Tx).FindRecipient(a.ID, c.Person.ID, p.Step)
	if err != nil {
		return true, err
	}
	return true, f.decideBy(c, a, r, p.Answer, text)
}

// settle ends a click's wait without a comment: an approval counts as
// it is; a rejection without a reason does not, and the approver is told.
func (f *feature) settle(tx bot.Tx, approver *bot.Person, j *bot.Job, p *pendingComment, via string, now time.Time) error {
	if err := tx.CancelJob(j.ID, now); err != nil {
		return err
	}
	return f.lapse(tx, approver, p, via, now)
}

func (f *feature) lapse(tx bot.Tx, approver *bot.Person, p *pendingComment, via string, now time.Time) error {
	a, err := ask.From(tx).FindAsk(p.Ask)
	if err != nil {
		return err
	}
	r, err := ask.From(tx).FindRecipient(a.ID, approver.ID, p.Step)
	if err != nil {
		return err
	}
	if r.State != ask.Pending || a.Status.Ended() || a.Step != p.Step {
		return nil
	}
	say := bot.Tf("%s %s: no comment came, so it is approved without one.", "%s「%s」：未收到意见，已直接批准。", a.Ref(), a.Title)
	if p.Answer == "reject" {
		say = bot.Tf("%s %s: your rejection was not recorded, as it gave no reason. It still waits for your decision.",
			"%s「%s」：驳回未生效，因为没有理由。该申请仍在等待你的审批。", a.Ref(), a.Title)
	} else if err := f.decide(tx, a, r, p.Answer, "", via, now); err != nil {
		return err
	}
	_, err = f.Notifier.Tell(tx, fmt.Sprintf("ask/%d/lapse/%d/%d", a.ID, approver.ID, now.UnixMilli()), bot.Notice{To: approver}, now,
		func(lang bot.Lang, loc *time.Location) bot.Message { return bot.Message{Text: say.In(lang)} })
	return err
}

// commentTimeout is the end of a click's comment window (JobComment).
type commentTimeout struct{ f *feature }

// RunJob implements bot.JobHandler.
func (h commentTimeout) RunJob(_ context.Context, tx bot.Tx, j *bot.Job, now time.Time) error {
	var p pendingComment
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.Ask == 0 {
		return fmt.Errorf("request comment job %d: bad payload %q", j.ID, j.Payload)
	}
	approver, err := tx.FindPersonByID(j.OwnerID)
	if err != nil {
		return err
	}
	return h.f.lapse(tx, approver, &p, "", now)
}

// cancel withdraws the sender's own open request.
func (f *feature) cancel(c *commands.Ctx) error {
	if len(c.Args) != 1 {
		return c.Usage(bot.T("Give the request's number, like A-12.", "请写申请编号，例如 A-12。"))
	}
	a, err := findRequest(c, c.Args[0].Text)
	if err != nil {
		return err
	}
	if a.AuthorID != c.Person.ID {
		return bot.Errorf(bot.EFORBIDDEN, "Only %s, who made %s, can withdraw it.", "只有申请人 %s 可以撤回 %s。", nameOf(a, a.AuthorID), a.Ref())
	}
	if a.Status.Ended() {
		return &bot.Error{Code: bot.ECONFLICT, Text: tr("%s is %s already.", "%s %s。", a.Ref(), statusName(a.Status))}
	}
	waitingFor, err := ask.From(c.Tx).Recipients(a.ID, ask.RecipientFilter{State: ask.Pending, Step: a.Step, Limit: 50})
	if err != nil {
		return err
	}
	if err := f.Engine.End(c.Tx, a, ask.Cancelled, c.Now); err != nil {
		return err
	}
	for _, r := range waitingFor {
		p, err := c.Tx.FindPersonByID(r.PersonID)
		if err != nil {
			return err
		}
		if err := c.Tell(bot.Notice{To: p}, func(lang bot.Lang, loc *time.Location) bot.Message {
			return bot.Message{Text: bot.Tf("%s %s was withdrawn by %s; nothing to decide.", "%s「%s」已被 %s 撤回，无需审批。",
				a.Ref(), a.Title, nameOf(a, a.AuthorID)).In(lang)}
		}); err != nil {
			return err
		}
	}
	c.ReplyText(bot.Tf("%s is withdrawn.", "%s 已撤回。", a.Ref()))
	return nil
}

// tr is bot.Tf whose bot.Text arguments are put in each sentence in its
// own language.
func tr(en, zh string, args ...any) bot.Text {
	enArgs, zhArgs := make([]any, len(args)), make([]any, len(args))
	for i, a := range args {
		enArgs[i], zhArgs[i] = a, a
		if t, ok := a.(bot.Text); ok {
			enArgs[i], zhArgs[i] = t.EN, t.ZH
		}
	}
	return bot.Text{EN: fmt.Sprintf(en, enArgs...), ZH: fmt.Sprintf(zh, zhArgs...)}
}
