package feedback

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/asks"
)

func (f *Feature) command() *commands.Command {
	return &commands.Command{
		Name:    "feedback",
		Aliases: []string{"反馈"},
		Summary: bot.T("Feedback forms after a ticket or project closes, and their results by department",
			"工单或项目结束后的协作反馈表，以及按部门汇总的结果"),
		Fallback: "answer",
		Subs: []*commands.Sub{
			{Name: "results", Aliases: []string{"结果"},
				Usage: bot.T("feedback results ticket T-7 | project <key> | month:2026-11 [dept:Sales]",
					"反馈 结果 工单 T-7 | 项目 <编号> | 月份：2026-11 [部门：销售]"),
				Summary: bot.T("Average scores by the respondents' department", "按回复人所在部门汇总的平均分"),
				Example: bot.T("feedback results month:2026-11 dept:Sales", "反馈 结果 月份：2026-11 部门：销售"),
				Run:     f.results},
			{Name: "answer",
				Usage: bot.T("feedback A-12 4 5 3 5 [\"comment\"]  |  feedback A-12 comm 4  |  feedback A-12 comment …",
					"反馈 A-12 4 5 3 5 [「意见」]  |  反馈 A-12 沟通 4  |  反馈 A-12 意见 ……"),
				Summary: bot.T("Fill in a feedback form (or use its buttons)", "填写协作反馈表（或点卡片上的按钮）"),
				Example: bot.T("feedback A-12 4 5 3 5 \"quick and clear\"", "反馈 A-12 4 5 3 5 「沟通顺畅」"),
				Run:     f.answer},
			// score is the buttons' sub-command ("feedback.score").
			{Name: "score", Usage: bot.T("feedback A-12 comm 4", "反馈 A-12 沟通 4"), Run: f.answer},
		},
	}
}

func dimensionOf(word string) (int, bool) {
	w := strings.ToLower(word)
	for i, d := range Dimensions {
		if w == d.Key || w == d.Short || w == d.ZH || w == strings.ToLower(d.Label.EN) || w == d.Label.ZH || w == strconv.Itoa(i+1)+"." {
			return i, true
		}
	}
	return 0, false
}

func score(word string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(word))
	return n, err == nil && n >= 1 && n <= 5
}

// answer takes the three typed forms (all four scores with an optional
// comment; one dimension's score, as the buttons send it; a comment) and
// records them on the sender's line of the form.
func (f *Feature) answer(c *commands.Ctx) error {
	if len(c.Args) < 2 {
		return c.Usage(bot.T("Give the form (A-12) and your scores.", "请写上反馈表编号（如 A-12）和评分。"))
	}
	id, ok := asks.ParseRef(c.Args[0].Text)
	if !ok {
		return c.Usage(bot.Tf("%q is not a form: forms are written like A-12.", "「%s」不是反馈表编号：编号形如 A-12。", c.Args[0].Text))
	}
	st := ask.From(c.Tx)
	a, err := st.FindAsk(id)
	if bot.ErrorCode(err) == bot.ENOTFOUND || err == nil && a.Kind != ask.Feedback {
		return bot.Errorf(bot.ENOTFOUND, "There is no feedback form A-%d.", "没有反馈表 A-%d。", id)
	} else if err != nil {
		return err
	}
	r, err := st.FindRecipient(a.ID, c.Person.ID, 0)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return bot.Errorf(bot.EFORBIDDEN, "%s is not asking you for feedback.", "%s 没有请你填写反馈。", a.Ref())
	} else if err != nil {
		return err
	}
	if a.Status.Ended() || r.State == ask.Skipped {
		return bot.Errorf(bot.ECONFLICT, "%s is closed.", "%s 已关闭。", a.Ref())
	}
	sc := scores(r.Answer)
	rest := c.Args[1:]
	comment, commented := "", false
	if w := strings.ToLower(rest[0].Text); w == "comment" || w == "意见" || w == "评论" {
		comment, commented = strings.TrimSpace(commands.JoinRaw(rest[1:])), true
		if len(rest) == 2 && rest[1].Quoted {
			comment = rest[1].Text
		}
		if comment == "" {
			return c.Usage(bot.T("Write the comment after the word comment.", "请在「意见」后写上内容。"))
		}
	} else if d, ok := dimensionOf(rest[0].Text); ok && len(rest) == 2 {
		n, ok := score(rest[1].Text)
		if !ok {
			return c.Usage(bot.Tf("Scores are 1 to 5, not %q.", "评分是 1 到 5，不是「%s」。", rest[1].Text))
		}
		if r.State == ask.Answered {
			return bot.Errorf(bot.ECONFLICT, "Your scores for %s are in already; you can still add a comment.", "你已提交 %s 的评分；仍可补充意见。", a.Ref())
		}
		sc[d] = n
	} else {
		if len(rest) < len(Dimensions) {
			return c.Usage(bot.Tf("Give four scores, 1 to 5 (communication, accountability, resources, problem solving), or one: `feedback %s comm 4`.",
				"请给出四项评分，各 1 到 5（沟通效率、责任落实、资源支持、问题解决），或单独一项：「反馈 %s 沟通 4」。", a.Ref()))
		}
		for i := range Dimensions {
			n, ok := score(rest[i].Text)
			if !ok {
				return c.Usage(bot.Tf("Scores are 1 to 5, not %q.", "评分是 1 到 5，不是「%s」。", rest[i].Text))
			}
			sc[i] = n
		}
		if more := rest[len(Dimensions):]; len(more) > 0 {
			comment, commented = strings.TrimSpace(commands.JoinRaw(more)), true
			if len(more) == 1 && more[0].Quoted {
				comment = more[0].Text
			}
		}
		if r.State == ask.Answered && answerOf(sc) != r.Answer {
			return bot.Errorf(bot.ECONFLICT, "Your scores for %s are in already; you can still add a comment.", "你已提交 %s 的评分；仍可补充意见。", a.Ref())
		}
	}
	if runeLen(comment) > maxComment {
		return c.Usage(bot.Tf("That comment is too long (at most %d characters).", "意见太长了（最多 %d 个字）。", maxComment))
	}
	if commented {
		r.Comment = comment
	}
	if err := f.save(c, a, r, sc); err != nil {
		return err
	}
	if r.State == ask.Answered {
		c.ReplyText(bot.Tf("Thank you: your feedback on %s is in (%s).", "谢谢！你对 %s 的反馈已提交（%s）。", a.Ref(), strings.ReplaceAll(r.Answer, ",", " ")))
		return nil
	}
	missing := []string{}
	for i, d := range Dimensions {
		if sc[i] == 0 {
			missing = append(missing, d.Label.In(c.Lang))
		}
	}
	c.ReplyText(commands.TfList("Noted. Still to score on %s: %s.", "已记录。%s 还需评分：%s。", missing, a.Ref()))
	return nil
}

// save records the scores: all four answer the form (Engine.Record); a
// part, or a comment added later, is kept on the line and the card edited.
func (f *Feature) save(c *commands.Ctx, a *ask.Ask, r *ask.Recipient, sc []int) error {
	if r.State != ask.Answered && complete(sc) {
		return f.d.Engine.Record(c.Tx, a, r, answerOf(sc), r.Comment, c.Event.Platform, c.Now)
	}
	if r.State != ask.Answered {
		r.Answer = answerOf(sc)
	}
	if err := ask.From(c.Tx).UpdateRecipient(r); err != nil {
		return err
	}
	return bot.UpdateCardsIn(c.Tx, asks.RecipientSubject(a, r.PersonID), f.d.DefaultLang, f.d.DefaultTZ, c.Now,
		func(lang bot.Lang, loc *time.Location) bot.Message {
			card := kind{f}.Card(a, r, lang, loc)
			return bot.Message{Card: &card}
		})
}

// maxForms bounds the forms one results read adds up; more are counted as
// left out.
const maxForms = 300

// maxComments bounds the comments shown.
const maxComments = 20

// tally is one department's sums.
type tally struct {
	name    string
	answers int
	sums    [4]int
}

// results averages the answered forms of a ticket, a project or a month
// by the respondent's department (their department now), with the count
// of answers and the comments, named. Admins and department heads see
// them.
func (f *Feature) results(c *commands.Ctx) error {
	if ok, err := mayReadResults(c.Tx, c.Person); err != nil {
		return err
	} else if !ok {
		return bot.Err(bot.EFORBIDDEN, bot.T("Feedback results are for department heads and admins.", "反馈结果仅部门负责人和管理员可查看。"))
	}
	var subject, label string
	var month time.Time
	var dept *bot.Department
	args := c.Args
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a.Key == "dept" || a.Key == "部门":
			d, err := commands.FindDept(c, a.Text)
			if err != nil {
				return err
			}
			dept = d
		case a.Key == "month" || a.Key == "月份":
			m, err := time.ParseInLocation("2006-01", a.Text, c.Loc)
			if err != nil {
				return c.Usage(bot.Tf("%q is not a month: write it like 2026-11.", "「%s」不是月份：请写成 2026-11 这样。", a.Text))
			}
			month, label = m, a.Text
		case (strings.EqualFold(a.Text, "ticket") || a.Text == "工单") && i+1 < len(args):
			s := strings.TrimPrefix(strings.TrimPrefix(strings.ToUpper(args[i+1].Text), "T"), "-")
			id, err := commands.ParseID(s)
			if err != nil {
				return c.Usage(bot.Tf("%q is not a ticket number.", "「%s」不是工单编号。", args[i+1].Text))
			}
			subject, label = "ticket/"+strconv.FormatInt(id, 10), "T-"+strconv.FormatInt(id, 10)
			i++
		case (strings.EqualFold(a.Text, "project") || a.Text == "项目") && i+1 < len(args):
			subject, label = "project/"+args[i+1].Text, args[i+1].Text
			i++
		default:
			return c.Usage(bot.Tf("I don't understand %q here.", "这里看不懂「%s」。", a.Raw))
		}
	}
	if subject == "" && month.IsZero() {
		return c.Usage(bot.T("Say whose results: a ticket, a project or a month.", "请说明要看哪个工单、项目或月份的结果。"))
	}
	forms, capped, err := f.forms(c.Tx, subject, month)
	if err != nil {
		return err
	}
	byDept := map[int64]*tally{}
	var comments []string
	total := 0
	people := commands.NewPeople(c.Tx)
	for _, a := range forms {
		for after := int64(0); ; {
			rs, err := ask.From(c.Tx).Recipients(a.ID, ask.RecipientFilter{State: ask.Answered, Step: -1, AfterPersonID: after, Limit: 500})
			if err != nil {
				return err
			}
			for _, r := range rs {
				p := people.Get(r.PersonID)
				var deptID int64
				if p != nil {
					deptID = p.DeptID
				}
				if dept != nil && deptID != dept.ID {
					continue
				}
				t := byDept[deptID]
				if t == nil {
					t = &tally{name: c.T("(no department)", "（无部门）")}
					if d, err := c.Tx.FindDepartmentByID(deptID); err == nil {
						t.name = d.Name
					}
					byDept[deptID] = t
				}
				sc := scores(r.Answer)
				for i := range sc {
					t.sums[i] += sc[i]
				}
				t.answers++
				total++
				if r.Comment != "" && len(comments) < maxComments {
					comments = append(comments, fmt.Sprintf("• %s (%s): %s", people.Handle(r.PersonID, c.Lang), a.Ref(), r.Comment))
				}
			}
			if len(rs) < 500 {
				break
			}
			after = rs[len(rs)-1].PersonID
		}
	}
	title := c.T("Feedback results for %s", "%s 的协作反馈结果", label)
	if dept != nil {
		title += c.T(", %s", "，%s", dept.Name)
	}
	lines := []string{title + c.T(": %d forms, %d answers.", "：%d 份表，%d 份回复。", len(forms), total)}
	if total == 0 {
		lines = append(lines, c.T("No answers yet.", "还没有回复。"))
	}
	var ids []int64
	for id := range byDept {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return byDept[ids[i]].name < byDept[ids[j]].name })
	for _, id := range ids {
		t := byDept[id]
		var parts []string
		for i, d := range Dimensions {
			parts = append(parts, fmt.Sprintf("%s %.1f", d.Label.In(c.Lang), float64(t.sums[i])/float64(t.answers)))
		}
		lines = append(lines, c.T("%s (%d answers): %s", "%s（%d 份）：%s", t.name, t.answers, strings.Join(parts, c.T(", ", "，"))))
	}
	if len(comments) > 0 {
		lines = append(lines, c.T("Comments:", "意见："))
		lines = append(lines, comments...)
	}
	if capped {
		lines = append(lines, c.T("Only the newest %d forms are counted.", "只统计了最新的 %d 份表。", maxForms))
	}
	c.Reply(bot.Message{Text: strings.Join(lines, "\n")})
	return nil
}

// forms are the feedback asks about subject (from its index), or created
// in month (newest first by id, stopping at the month's start); at most
// maxForms, capped says more were left out.
func (f *Feature) forms(tx bot.Tx, subject string, month time.Time) ([]*ask.Ask, bool, error) {
	var out []*ask.Ask
	end := month.AddDate(0, 1, 0)
	for offset := 0; ; offset += 100 {
		page, err := ask.From(tx).FindAsks(ask.Filter{Kind: ask.Feedback, Subject: subject, Offset: offset, Limit: 100})
		if err != nil {
			return nil, false, err
		}
		for _, a := range page {
			if !month.IsZero() {
				if a.CreatedAt.Before(month) {
					return out, false, nil
				}
				if !a.CreatedAt.Before(end) {
					continue
				}
			}
			if len(out) == maxForms {
				return out, true, nil
			}
			out = append(out, a)
		}
		if len(page) < 100 {
			return out, false, nil
		}
	}
}

// mayReadResults: admins and department heads.
func mayReadResults(tx bot.Tx, p *bot.Person) (bool, error) {
	if p.Role == bot.RoleAdmin {
		return true, nil
	}
	ds, err := tx.ListDepartments()
	if err != nil {
		return false, err
	}
	for _, d := range ds {
		if d.HeadID == p.ID {
			return true, nil
		}
	}
	return false, nil
}
