package request

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands/asks"
)

// kind is what the asks mechanism is told about requests.
type kind struct{ f *feature }

var (
	_ asks.Kind         = kind{}
	_ asks.StatusCarder = kind{}
)

// fields are a request's details as shown on every card.
func fields(a *ask.Ask, lang bot.Lang) []bot.Field {
	t := func(en, zh string) string { return bot.T(en, zh).In(lang) }
	k := a.Get("kind")
	fs := []bot.Field{{Label: t("Kind", "类型"), Value: kindName(k).In(lang)}}
	switch {
	case k == "budget":
		fs = append(fs, bot.Field{Label: t("Amount", "金额"), Value: a.Get("amount")})
	case k == "people":
		fs = append(fs, bot.Field{Label: t("People", "人数"), Value: a.Get("amount")})
	}
	fs = append(fs, bot.Field{Label: t("For", "部门"), Value: a.Get("for")},
		bot.Field{Label: t("Requested by", "申请人"), Value: nameOf(a, a.AuthorID)})
	if r := a.Get("reason"); r != "" {
		fs = append(fs, bot.Field{Label: t("Reason", "理由"), Value: r})
	}
	return fs
}

func steps(a *ask.Ask) int { return len(strings.Split(a.Get("chain"), ",")) }

// Card implements asks.Kind: the approver's card, with Approve and Reject
// while their decision is awaited.
func (kind) Card(a *ask.Ask, r *ask.Recipient, lang bot.Lang, loc *time.Location) bot.Card {
	t := func(en, zh string, args ...any) string { return bot.Tf(en, zh, args...).In(lang) }
	c := bot.Card{Title: a.Ref() + " " + a.Title, Fields: fields(a, lang)}
	c.Fields = append(c.Fields, bot.Field{Label: t("Step", "步骤"), Value: t("%d of %d", "第 %d 步，共 %d 步", r.Step, steps(a))})
	if r.OnBehalfOf != 0 {
		c.Fields = append(c.Fields, bot.Field{Label: t("On behalf of", "代理"), Value: t("%s (on leave)", "%s（休假中）", nameOf(a, r.OnBehalfOf))})
	}
	switch {
	case r.State == ask.Answered:
		c.Footer = t("You %s it.", "你已%s。", pastTense[r.Answer].In(lang))
	case r.State == ask.Skipped || a.Status.Ended():
		c.Footer = t("No longer waiting for you (%s).", "已无需你审批（%s）。", statusName(a.Status).In(lang))
	default:
		ref := a.Ref()
		c.Buttons = []bot.Button{
			{ActionID: "request.approve", Value: ref, Label: t("Approve", "批准"), Style: "primary",
				Typed: t("request approve %s [comment]", "申请 批准 %s [意见]", ref)},
			{ActionID: "request.reject", Value: ref, Label: t("Reject", "驳回"), Style: "danger",
				Typed: t("request reject %s <reason>", "申请 驳回 %s <理由>", ref)},
		}
		if !a.Deadline.IsZero() {
			c.Footer = t("Please decide by %s.", "请在 %s 前审批。", a.Deadline.In(loc).Format("2006-01-02 15:04"))
		}
	}
	return c
}

// StatusCard implements asks.StatusCarder: the requester's live card.
func (kind) StatusCard(a *ask.Ask, _ ask.Counts, lang bot.Lang, loc *time.Location) bot.Card {
	t := func(en, zh string, args ...any) string { return bot.Tf(en, zh, args...).In(lang) }
	c := bot.Card{Title: a.Ref() + " " + a.Title, Fields: fields(a, lang)}
	state := statusName(a.Status).In(lang)
	if a.Status == ask.Open {
		state = t("step %d of %d", "第 %d 步，共 %d 步", a.Step, steps(a))
	}
	c.Fields = append(c.Fields, bot.Field{Label: t("Status", "状态"), Value: state})
	c.Footer = t("Timeline: `request show %s`", "时间线：「申请 查看 %s」", a.Ref())
	return c
}

func statusName(s ask.Status) bot.Text {
	switch s {
	case ask.Approved:
		return bot.T("approved", "已批准")
	case ask.Rejected:
		return bot.T("rejected", "已驳回")
	case ask.Cancelled:
		return bot.T("withdrawn", "已撤回")
	case ask.Closed:
		return bot.T("closed: nobody to ask", "已关闭：无审批人")
	}
	return bot.T("waiting", "审批中")
}

// Reminder implements asks.Kind.
func (kind) Reminder(a *ask.Ask, r *ask.Recipient, lang bot.Lang, loc *time.Location) string {
	return bot.Tf("Reminder: %s %s waits for your decision: `request approve %s [comment]` or `request reject %s <reason>`.",
		"提醒：%s「%s」等待你审批：「申请 批准 %s [意见]」或「申请 驳回 %s <理由>」。", a.Ref(), a.Title, a.Ref(), a.Ref()).In(lang)
}

// Expired implements asks.Kind: a step not decided by its deadline is
// escalated. The escalation is a job of its own (JobEscalate), run just
// after this one: asking someone re-arms the ask's deadline job, which
// must not happen inside that very job's run (it would cancel itself).
func (k kind) Expired(tx bot.Tx, a *ask.Ask, now time.Time) error {
	b, _ := json.Marshal(escalation{Ask: a.ID, Step: a.Step, Deadline: a.Deadline.UnixMilli()})
	_, err := tx.ScheduleJob(&bot.Job{Kind: JobEscalate, Payload: b, RunAt: now,
		DedupKey: fmt.Sprintf("request/%d/escalate/%d/%d", a.ID, a.Step, a.Deadline.UnixMilli()), OwnerID: a.AuthorID}, now)
	return err
}

// escalation names the step and deadline a JobEscalate is for.
type escalation struct {
	Ask      int64 `json:"ask"`
	Step     int   `json:"step"`
	Deadline int64 `json:"deadline"`
}

// escalator runs JobEscalate: the undecided approver's manager (else
// their head) is asked in the same step — either's decision counts — and
// the step gets another StepDays. The mechanism has told the heads
// already; reminders go on.
type escalator struct{ f *feature }

// RunJob implements bot.JobHandler. A step decided, or a deadline moved,
// since the job was scheduled makes it do nothing.
func (h escalator) RunJob(_ context.Context, tx bot.Tx, j *bot.Job, now time.Time) error {
	var p escalation
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.Ask == 0 {
		return fmt.Errorf("request escalation job %d: bad payload %q", j.ID, j.Payload)
	}
	f := h.f
	st := ask.From(tx)
	a, err := st.FindAsk(p.Ask)
	if err != nil {
		return err
	}
	if a.Status.Ended() || a.Step != p.Step || a.Deadline.UnixMilli() != p.Deadline {
		return nil
	}
	pending, err := st.Recipients(a.ID, ask.RecipientFilter{State: ask.Pending, Step: a.Step, Limit: 50})
	if err != nil {
		return err
	}
	var add []*ask.Recipient
	for _, r := range pending {
		id := r.PersonID
		if r.OnBehalfOf != 0 {
			id = r.OnBehalfOf
		}
		p, err := tx.FindPersonByID(id)
		if err != nil {
			return err
		}
		m, err := managerOf(tx, p)
		if err != nil {
			return err
		}
		if m == nil || m.ID == a.AuthorID || m.ID == r.PersonID {
			if err := f.event(tx, a, 0, ask.Escalated, fmt.Sprintf("step %d: @%s did not decide in time; nobody above them to ask", a.Step, p.Handle), now); err != nil {
				return err
			}
			continue
		}
		if _, err := st.FindRecipient(a.ID, m.ID, a.Step); err == nil {
			continue // asked already, by an earlier escalation
		} else if bot.ErrorCode(err) != bot.ENOTFOUND {
			return err
		}
		remember(a, m)
		add = append(add, &ask.Recipient{PersonID: m.ID, Step: a.Step, Role: ask.Approver})
		if err := f.event(tx, a, 0, ask.Escalated, fmt.Sprintf("step %d: @%s did not decide in %d working days; asked @%s", a.Step, p.Handle, f.Config.StepDays, m.Handle), now); err != nil {
			return err
		}
	}
	a.Deadline = f.stepDeadline(now)
	if err := st.UpdateAsk(a); err != nil {
		return err
	}
	// With nobody added, AskNow only re-arms the deadline and reminders.
	return f.Engine.AskNow(tx, a, add, now)
}
