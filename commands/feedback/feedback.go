// Package feedback is the cross-department feedback form (跨部门协作反馈表):
// when a ticket or a project closes, the people who took part are each
// asked (bot/ask, Kind Feedback, through the commands/asks Engine) to
// score it 1–5 on four dimensions, with an optional comment; `feedback
// results` averages the answers by the respondent's department. Forms are
// not anonymous (the card says so): the comments are shown with names.
package feedback

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/asks"
)

// Dimensions are what a form scores, in the order of its answer
// ("4,5,3,5"): communication efficiency, accountability, resource support,
// problem solving.
var Dimensions = []Dimension{
	{Key: "communication", Short: "comm", Label: bot.T("Communication", "沟通效率"), ZH: "沟通"},
	{Key: "accountability", Short: "acct", Label: bot.T("Accountability", "责任落实"), ZH: "责任"},
	{Key: "resources", Short: "res", Label: bot.T("Resource support", "资源支持"), ZH: "资源"},
	{Key: "solving", Short: "solve", Label: bot.T("Problem solving", "问题解决"), ZH: "解决"},
}

// Dimension is one scored question of the form.
type Dimension struct {
	Key, Short string
	Label      bot.Text
	ZH         string // the short Chinese word a score is typed with
}

// answerDays is how many working days a form stays open.
const answerDays = 5

// maxComment bounds a comment.
const maxComment = 1000

// Deps are what the feedback feature needs.
type Deps struct {
	Engine *asks.Engine
	// Calendar counts the working days a form stays open; nil: weekdays.
	Calendar    *workcal.Calendar
	DefaultLang bot.Lang
	DefaultTZ   *time.Location
	// DueHour and DueMinute are the close of a form's last day.
	DueHour, DueMinute int
}

// Feature is the feedback forms; Closed is the hook the features that
// close things (tickets, projects) call.
type Feature struct{ d Deps }

// New returns the feature and registers its kind with the engine.
func New(d Deps) *Feature {
	d.DefaultLang, d.DefaultTZ = bot.Defaults(d.DefaultLang, d.DefaultTZ)
	if d.DueHour == 0 && d.DueMinute == 0 {
		d.DueHour = 18
	}
	f := &Feature{d: d}
	d.Engine.Register(ask.Feedback, kind{f})
	return f
}

// Module is the feedback command.
func (f *Feature) Module() commands.Module {
	return commands.Module{Name: "feedback", Commands: []*commands.Command{f.command()}}
}

// Closed asks the participants of something that closed (subject
// "ticket/7" or "project/3") to fill in a form, unless a form about it is
// still open (a ticket closed, reopened and closed again the same week is
// asked about once). Participants that are 0 or repeated are passed over.
// It runs in the unit that closes the thing.
func (f *Feature) Closed(tx bot.Tx, subject, title string, participants []int64, now time.Time) error {
	var people []int64
	for _, id := range participants {
		if id != 0 && !contains(people, id) {
			people = append(people, id)
		}
	}
	if len(people) == 0 {
		return nil
	}
	open, err := ask.From(tx).FindAsks(ask.Filter{Kind: ask.Feedback, Subject: subject, Status: ask.Open, Limit: 1})
	if err != nil || len(open) > 0 {
		return err
	}
	a := &ask.Ask{Kind: ask.Feedback, Title: title, Subject: subject, Status: ask.Draft,
		Audience: ask.Audience{PersonIDs: people}, Deadline: f.deadline(now), CreatedAt: now,
		Fields: []ask.Field{{Key: "subject", Value: title}}}
	if err := ask.From(tx).CreateAsk(a); err != nil {
		return err
	}
	return f.d.Engine.Send(tx, a, now)
}

// deadline is the close of business answerDays working days after now.
func (f *Feature) deadline(now time.Time) time.Time {
	loc := f.d.DefaultTZ
	if f.d.Calendar != nil {
		loc = f.d.Calendar.Location()
	}
	t := now.In(loc)
	t = time.Date(t.Year(), t.Month(), t.Day(), f.d.DueHour, f.d.DueMinute, 0, 0, loc)
	if f.d.Calendar != nil {
		if d := f.d.Calendar.AddWorkdays(t, answerDays, ""); !d.IsZero() {
			return d
		}
	}
	for n := 0; n < answerDays; {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return t
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// scores reads an answer ("4,5,0,3": 0 for not yet scored).
func scores(answer string) []int {
	out := make([]int, len(Dimensions))
	for i, s := range strings.SplitN(answer, ",", len(Dimensions)) {
		if n, err := strconv.Atoi(s); err == nil && n >= 1 && n <= 5 {
			out[i] = n
		}
	}
	return out
}

func answerOf(sc []int) string {
	parts := make([]string, len(sc))
	for i, n := range sc {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

func complete(sc []int) bool {
	for _, n := range sc {
		if n == 0 {
			return false
		}
	}
	return true
}

// kind is the form's words for the engine.
type kind struct{ f *Feature }

// Voluntary implements asks.Voluntary: a form not filled in is not
// reported to anyone's head.
func (kind) Voluntary() bool { return true }

// Card is the form: a row of five buttons per dimension, the scores given
// so far, and a note that answers carry the respondent's name.
func (kind) Card(a *ask.Ask, r *ask.Recipient, lang bot.Lang, loc *time.Location) bot.Card {
	t := func(en, zh string, args ...any) string { return bot.Tf(en, zh, args...).In(lang) }
	card := bot.Card{Title: t("Feedback on %s", "协作反馈：%s", a.Title)}
	sc := scores(r.Answer)
	for i, d := range Dimensions {
		v := "—"
		if sc[i] > 0 {
			v = strconv.Itoa(sc[i]) + " / 5"
		}
		card.Fields = append(card.Fields, bot.Field{Label: d.Label.In(lang), Value: v})
	}
	if r.Comment != "" {
		card.Fields = append(card.Fields, bot.Field{Label: t("Comment", "意见"), Value: r.Comment})
	}
	if !a.Deadline.IsZero() {
		card.Fields = append(card.Fields, bot.Field{Label: t("Open until", "截止"), Value: a.Deadline.In(loc).Format("2006-01-02 15:04")})
	}
	switch {
	case r.State == ask.Answered:
		card.Footer = t("Thank you: your scores are in. You can still add a comment: `feedback %s comment …`. Answers are not anonymous.",
			"谢谢！评分已提交。仍可补充意见：「反馈 %s 意见 ……」。反馈表不匿名。", a.Ref())
	case r.PersonID == 0 || a.Status.Ended():
		card.Footer = t("Answers are not anonymous.", "反馈表不匿名。")
	default:
		for i, d := range Dimensions {
			for n := 1; n <= 5; n++ {
				label := d.Label.In(lang) + " " + strconv.Itoa(n)
				if sc[i] == n {
					label = "✓ " + label
				}
				card.Buttons = append(card.Buttons, bot.Button{ActionID: "feedback.score", Value: fmt.Sprintf("%s %s %d", a.Ref(), d.Short, n),
					Label: label, Typed: t("feedback %s %s %d", "反馈 %s %s %d", a.Ref(), shortIn(d, lang), n)})
			}
		}
		card.Footer = t("Score each line 1 (poor) to 5 (excellent); all four send the form. Or type `feedback %s 4 5 3 5 \"comment\"`; a comment alone: `feedback %s comment …`. Answers are not anonymous: your name goes with them.",
			"每项打 1（差）到 5（很好）分，四项都打完即提交。也可输入「反馈 %s 4 5 3 5 「意见」」；只写意见：「反馈 %s 意见 ……」。反馈表不匿名：会显示你的名字。", a.Ref(), a.Ref())
	}
	return card
}

func shortIn(d Dimension, lang bot.Lang) string {
	if lang == bot.LangZH {
		return d.ZH
	}
	return d.Short
}

// Reminder implements asks.Kind.
func (kind) Reminder(a *ask.Ask, r *ask.Recipient, lang bot.Lang, loc *time.Location) string {
	return bot.Tf("Reminder: your feedback on %s (%s) is still open until %s.", "提醒：%s（%s）的协作反馈表还未填写，截止 %s。",
		a.Title, a.Ref(), a.Deadline.In(loc).Format("01-02 15:04")).In(lang)
}

// Expired closes the form at its deadline.
func (k kind) Expired(tx bot.Tx, a *ask.Ask, now time.Time) error {
	return k.f.d.Engine.End(tx, a, ask.Closed, now)
}

// runeLen guards comments.
func runeLen(s string) int { return utf8.RuneCountInString(s) }
