package request

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/asks"
)

// nameField is the key under which a person's handle is kept on the ask,
// so that cards (rendered without a unit) can name the requester and the
// approvers a delegate stands in for.
func nameField(id int64) string { return "name:" + strconv.FormatInt(id, 10) }

// remember keeps p's handle on a for its cards.
func remember(a *ask.Ask, p *bot.Person) {
	if p == nil || a.Get(nameField(p.ID)) != "" {
		return
	}
	a.Fields = append(a.Fields, ask.Field{Key: nameField(p.ID), Value: p.Handle})
}

// nameOf is the handle kept for id on a.
func nameOf(a *ask.Ask, id int64) string {
	if n := a.Get(nameField(id)); n != "" {
		return "@" + n
	}
	return "#" + strconv.FormatInt(id, 10)
}

func (f *feature) create(c *commands.Ctx) error {
	// "request A-12" is "request show A-12" (ByID reads plain numbers only).
	if len(c.Args) > 0 && strings.HasPrefix(strings.ToUpper(c.Args[0].Text), "A") {
		if _, ok := asks.ParseRef(c.Args[0].Text); ok {
			return f.show(c)
		}
	}
	d, problem, ok := parse(c.Args)
	if !ok {
		return c.Usage(problem)
	}
	dept, err := c.Tx.FindDepartmentByName(d.forName)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return bot.Errorf(bot.ENOTFOUND, "There is no department %q.", "没有部门「%s」。", d.forName)
	} else if err != nil {
		return err
	}
	chain := f.chainOf(d.kind)
	a := &ask.Ask{Kind: ask.Request, Title: d.title, AuthorID: c.Person.ID, DeptID: dept.ID, Status: ask.Open,
		Fields: []ask.Field{{Key: "kind", Value: d.kind}, {Key: "amount", Value: d.amount}, {Key: "for", Value: dept.Name},
			{Key: "reason", Value: d.reason}, {Key: "chain", Value: strings.Join(chain, ",")}},
		Origin: c.Event.ReplyDestination(), CreatedAt: c.Now, SentAt: c.Now}
	remember(a, c.Person)
	st := ask.From(c.Tx)
	if err := st.CreateAsk(a); err != nil {
		return err
	}
	if err := f.event(c.Tx, a, c.Person.ID, ask.Created, "", c.Now); err != nil {
		return err
	}
	if err := f.advance(c.Tx, a, c.Person, 0, c.Now); err != nil {
		return err
	}
	counts, err := st.CountRecipients(a.ID, -1)
	if err != nil {
		return err
	}
	card := f.Engine.StatusCard(a, counts, c.Lang, c.Loc)
	c.Reply(bot.Message{Text: c.T("%s is on its way.", "%s 已提交。", a.Ref()), Card: &card})
	return nil
}

func (f *feature) event(tx bot.Tx, a *ask.Ask, actor int64, k ask.EventKind, text string, now time.Time) error {
	return ask.From(tx).AddAskEvent(&ask.Event{AskID: a.ID, ActorID: actor, Kind: k, Text: text, At: now})
}

// stepDeadline is when a step asked at now must be decided: StepDays
// working days later (the calendar's, or Monday to Friday).
func (f *feature) stepDeadline(now time.Time) time.Time {
	if f.Calendar != nil {
		if t := f.Calendar.AddWorkdays(now, f.Config.StepDays, ""); !t.IsZero() {
			return t
		}
	}
	t := now
	for n := 0; n < f.Config.StepDays; {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return t
}

// advance moves a to its next step that has someone to ask: a step whose
// approver is the requester or the previous step's approver is skipped
// (noted on the timeline); an approver on leave with a delegate has the
// delegate asked on their behalf. A step with nobody to ask ends the
// request (Closed) and tells the requester and the admins why; no step
// left approves it.
func (f *feature) advance(tx bot.Tx, a *ask.Ask, requester *bot.Person, prev int64, now time.Time) error {
	chain := strings.Split(a.Get("chain"), ",")
	for a.Step < len(chain) {
		a.Step++
		step := chain[a.Step-1]
		p, why, err := stepPerson(tx, step, requester, a.DeptID)
		if err != nil {
			return err
		}
		if p == nil {
			return f.stuck(tx, a, requester, step, why, now)
		}
		if p.ID == requester.ID || p.ID == prev {
			if err := f.event(tx, a, 0, ask.Answer, fmt.Sprintf("step %d (%s): skipped, @%s decided already", a.Step, step, p.Handle), now); err != nil {
				return err
			}
			continue
		}
		r := &ask.Recipient{PersonID: p.ID, Step: a.Step, Role: ask.Approver}
		remember(a, p)
		asked := p
		d, err := delegateOf(tx, p, f.DefaultTZ, now)
		if err != nil {
			return err
		}
		if d != nil && d.ID != requester.ID {
			r.PersonID, r.OnBehalfOf, asked = d.ID, p.ID, d
			remember(a, d)
			if err := f.event(tx, a, 0, ask.Delegated, fmt.Sprintf("step %d: @%s is on leave; @%s decides for them", a.Step, p.Handle, d.Handle), now); err != nil {
				return err
			}
		}
		a.Deadline = f.stepDeadline(now)
		if err := ask.From(tx).UpdateAsk(a); err != nil {
			return err
		}
		if err := f.event(tx, a, 0, ask.Sent, fmt.Sprintf("step %d (%s): asked @%s", a.Step, step, asked.Handle), now); err != nil {
			return err
		}
		if err := f.Engine.AskNow(tx, a, []*ask.Recipient{r}, now); err != nil {
			return err
		}
		return f.refresh(tx, a, now)
	}
	if err := f.Engine.End(tx, a, ask.Approved, now); err != nil {
		return err
	}
	return f.tellRequester(tx, a, requester, "approved", now, func() bot.Text {
		return bot.Tf("%s %s is approved.", "%s「%s」已批准。", a.Ref(), a.Title)
	})
}

// stuck ends a request whose step has nobody to ask, and says so to the
// requester and the admins rather than leave it waiting for no one.
func (f *feature) stuck(tx bot.Tx, a *ask.Ask, requester *bot.Person, step string, why bot.Text, now time.Time) error {
	if err := f.event(tx, a, 0, ask.ClosedKind, fmt.Sprintf("step %d (%s): nobody to ask — %s", a.Step, step, why.EN), now); err != nil {
		return err
	}
	if err := ask.From(tx).UpdateAsk(a); err != nil {
		return err
	}
	if err := f.Engine.End(tx, a, ask.Closed, now); err != nil {
		return err
	}
	say := func() bot.Text {
		return tr("%s %s cannot go on: step %d (%s) has nobody to ask (%s). An admin can set the approver, then it can be filed again.",
			"%s「%s」无法继续：第 %d 步（%s）没有审批人（%s）。请管理员设置审批人后重新提交。",
			a.Ref(), a.Title, a.Step, step, why)
	}
	if err := f.tellRequester(tx, a, requester, "stuck", now, say); err != nil {
		return err
	}
	admins, err := tx.FindPeopleByRole(bot.RoleAdmin, 20)
	if err != nil {
		return err
	}
	for _, ad := range admins {
		if _, err := f.Notifier.Tell(tx, fmt.Sprintf("ask/%d/stuck/%d", a.ID, ad.ID), bot.Notice{To: ad, Subject: asks.Subject(a)}, now,
			func(lang bot.Lang, loc *time.Location) bot.Message { return bot.Message{Text: say().In(lang)} }); err != nil {
			return err
		}
	}
	return nil
}

// tellRequester tells the requester news of a on their own platform,
// keyed by what so that a replayed unit tells them once.
func (f *feature) tellRequester(tx bot.Tx, a *ask.Ask, requester *bot.Person, what string, now time.Time, say func() bot.Text) error {
	_, err := f.Notifier.Tell(tx, fmt.Sprintf("ask/%d/told/%d/%s", a.ID, a.Step, what), bot.Notice{To: requester, Subject: asks.Subject(a)}, now,
		func(lang bot.Lang, loc *time.Location) bot.Message { return bot.Message{Text: say().In(lang)} })
	return err
}

// refresh edits the requester's live card (Subject "ask/<id>").
func (f *feature) refresh(tx bot.Tx, a *ask.Ask, now time.Time) error {
	counts, err := ask.From(tx).CountRecipients(a.ID, -1)
	if err != nil {
		return err
	}
	return bot.UpdateCardsIn(tx, asks.Subject(a), f.DefaultLang, f.DefaultTZ, now, func(lang bot.Lang, loc *time.Location) bot.Message {
		c := f.Engine.StatusCard(a, counts, lang, loc)
		return bot.Message{Card: &c, Text: c.Title}
	})
}

// decide records r's answer on a, notes it on the timeline, tells the
// requester, and moves the request on: a rejection ends it (the steps
// after it are never asked), an approval goes to the next step.
func (f *feature) decide(tx bot.Tx, a *ask.Ask, r *ask.Recipient, answer, comment, via string, now time.Time) error {
	if err := f.Engine.Record(tx, a, r, answer, comment, via, now); err != nil {
		return err
	}
	st := ask.From(tx)
	who := bot.T(nameOf(a, r.PersonID), nameOf(a, r.PersonID))
	if r.OnBehalfOf != 0 {
		who = tr("%s for %s", "%s（代 %s）", nameOf(a, r.PersonID), nameOf(a, r.OnBehalfOf))
	}
	text := fmt.Sprintf("step %d: %s by %s", a.Step, pastTense[answer].EN, who.EN)
	if comment != "" {
		text += ": " + comment
	}
	if err := f.event(tx, a, r.PersonID, ask.Answer, text, now); err != nil {
		return err
	}
	// Another line of this step (an escalation's) is no longer asked.
	others, err := st.Recipients(a.ID, ask.RecipientFilter{State: ask.Pending, Step: a.Step, Limit: 50})
	if err != nil {
		return err
	}
	for _, o := range others {
		o.State = ask.Skipped
		if err := st.UpdateRecipient(o); err != nil {
			return err
		}
	}
	requester, err := tx.FindPersonByID(a.AuthorID)
	if err != nil {
		return err
	}
	say := func() bot.Text {
		t := tr("%[1]s %[2]s: step %[3]d %[4]s by %[5]s.", "%[1]s「%[2]s」：第 %[3]d 步由 %[5]s%[4]s。", a.Ref(), a.Title, a.Step, pastTense[answer], who)
		if comment != "" {
			t = tr("%s %s", "%s%s", t, comment)
		}
		return t
	}
	if err := f.tellRequester(tx, a, requester, answer, now, say); err != nil {
		return err
	}
	if answer == "reject" {
		if err := f.Engine.End(tx, a, ask.Rejected, now); err != nil {
			return err
		}
		return f.tellRequester(tx, a, requester, "rejected", now, func() bot.Text {
			return bot.Tf("%s %s is rejected; the steps after it are not asked.", "%s「%s」已被驳回，后续步骤不再审批。", a.Ref(), a.Title)
		})
	}
	prev := r.PersonID
	if r.OnBehalfOf != 0 {
		prev = r.OnBehalfOf
	}
	return f.advance(tx, a, requester, prev, now)
}

// pastTense names a decision.
var pastTense = map[string]bot.Text{
	"approve": bot.T("approved", "批准"),
	"reject":  bot.T("rejected", "驳回"),
}
