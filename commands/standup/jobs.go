package standup

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/standup"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/group"
)

// askPayload is an ask job's: who is asked for which standup and day, and
// when the answers close (the day's summary).
type askPayload struct {
	Standup int64 `json:"standup"`
	// Person is named as every job's addressee is, so that merging two
	// people moves it (storage/sqlite mergeStatements).
	Person  int64     `json:"to_person"`
	Day     string    `json:"day"`
	CloseAt time.Time `json:"close_at"`
}

func key(s int64, day string, rest ...string) string {
	return strings.Join(append([]string{"standup", strconv.FormatInt(s, 10), day}, rest...), "/")
}

// plan plans one day of a standup: it chains the next day's plan first (so
// a standup keeps going whatever this day is), then, on a day the standup
// happens, schedules an ask per member at their own clock (members on leave
// are skipped) and the summary at the cut-off after the last of them.
func (f *feature) plan(_ context.Context, tx bot.Tx, job *bot.Job, now time.Time) error {
	var p planPayload
	s, err := standupOf(tx, job, &p, func() int64 { return p.Standup })
	if s == nil || err != nil {
		return err // stopped: the chain ends here
	}
	st := standup.From(tx)
	day, err := time.Parse(standup.DayLayout, p.Day)
	if err != nil {
		return fmt.Errorf("standup plan day: %w", err)
	}
	if err := schedulePlan(tx, s, day.AddDate(0, 0, 1), now); err != nil {
		return err
	}
	if !standup.Occurs(s, f.Calendar, day) {
		return nil
	}
	type ask struct {
		person int64
		at     time.Time
	}
	var asks []ask
	var last time.Time
	for after := int64(0); ; {
		members, err := st.StandupMembers(s.DeptID, after, pageSize)
		if err != nil {
			return err
		}
		for _, m := range members {
			after = m.ID
			at := standup.AskAt(s, day, m.Location(f.DefaultTZ))
			if at.Before(now) {
				continue // set after this member's clock: from the next day on
			}
			if l, err := st.LeaveOn(m.ID, p.Day); err != nil {
				return err
			} else if l != nil {
				continue
			}
			asks = append(asks, ask{m.ID, at})
			if at.After(last) {
				last = at
			}
		}
		if len(members) < pageSize {
			break
		}
	}
	if len(asks) == 0 {
		return nil
	}
	closeAt := last.Add(s.Cutoff)
	for _, a := range asks {
		payload, err := json.Marshal(askPayload{Standup: s.ID, Person: a.person, Day: p.Day, CloseAt: closeAt})
		if err != nil {
			return err
		}
		if _, err := tx.ScheduleJob(&bot.Job{Kind: AskJob, Payload: payload, RunAt: a.at, SubjectID: a.person,
			DedupKey: key(s.ID, p.Day, "ask", strconv.FormatInt(a.person, 10))}, now); err != nil {
			return err
		}
	}
	_, err = tx.ScheduleJob(&bot.Job{Kind: SummaryJob, Payload: job.Payload, RunAt: closeAt,
		DedupKey: key(s.ID, p.Day, "summary")}, now)
	return err
}

// ask asks one member, once: the ask's row (keyed by standup, day and
// person) is what a second run finds. A member who left the department or
// went on leave since the plan is not asked.
func (f *feature) ask(_ context.Context, tx bot.Tx, job *bot.Job, now time.Time) error {
	var p askPayload
	s, err := standupOf(tx, job, &p, func() int64 { return p.Standup })
	if s == nil || err != nil {
		return err
	}
	st := standup.From(tx)
	person, err := tx.FindPersonByID(p.Person)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if person.DeptID != s.DeptID {
		return nil
	}
	if l, err := st.LeaveOn(person.ID, p.Day); err != nil || l != nil {
		return err
	}
	inserted, err := st.RecordStandupAsk(&standup.Ask{StandupID: s.ID, PersonID: person.ID, Day: p.Day, AskedAt: now, CloseAt: p.CloseAt})
	if err != nil || !inserted {
		return err
	}
	dept, err := tx.FindDepartmentByID(s.DeptID)
	if err != nil {
		return err
	}
	day, _ := time.Parse(standup.DayLayout, p.Day)
	// Urgent: the member's standup time was chosen for them; quiet hours
	// would hold the question past its own cut-off.
	_, err = f.notifier().Tell(tx, key(s.ID, p.Day, "ask", strconv.FormatInt(person.ID, 10)), bot.Notice{To: person, Urgent: true}, now,
		func(lang bot.Lang, loc *time.Location) bot.Message {
			lines := []string{bot.Tf("%s %s, %s — please answer by %s:", "「%s」%s（%s），请在 %s 前回答：",
				dept.Name, kindName(s).In(lang), commands.FormatDate(day, now, time.UTC, lang),
				commands.FormatTime(p.CloseAt, now, loc, lang)).In(lang)}
			for i, q := range s.Questions {
				lines = append(lines, fmt.Sprintf("%d. %s", i+1, q))
			}
			lines = append(lines, bot.T("Reply to me with your answers in one message (or `standup answer …`).",
				"直接回复我一条消息即可（或输入「站会 回答 …」）。").In(lang))
			return bot.Message{Text: strings.Join(lines, "\n")}
		})
	return err
}

// standupOf decodes a job's payload into v and reads its standup; nil when
// the standup was stopped since (its pending jobs then do nothing).
func standupOf(tx bot.Tx, job *bot.Job, v any, id func() int64) (*standup.Standup, error) {
	if err := json.Unmarshal(job.Payload, v); err != nil {
		return nil, fmt.Errorf("%s payload: %w", job.Kind, err)
	}
	s, err := standup.From(tx).FindStandup(id())
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil, nil
	}
	return s, err
}

// listen takes a member's next message while an ask is open as its answer.
func (f *feature) listen(c *commands.Ctx) (bool, error) {
	a, err := standup.From(c.Tx).OpenStandupAsk(c.Person.ID, c.Now)
	if err != nil || a == nil || !a.AnsweredAt.IsZero() {
		return false, err
	}
	return true, f.record(c, a, strings.TrimSpace(c.Event.Text))
}

func (f *feature) answerCmd(c *commands.Ctx) error {
	text := strings.TrimSpace(commands.JoinRaw(c.Args))
	if text == "" {
		return c.Usage(bot.T("What is your answer?", "你的回答是什么？"))
	}
	a, err := standup.From(c.Tx).OpenStandupAsk(c.Person.ID, c.Now)
	if err != nil {
		return err
	}
	if a == nil {
		return bot.Errorf(bot.ENOTFOUND, "You have no standup to answer right now.", "你现在没有需要回答的站会。")
	}
	return f.record(c, a, text)
}

func (f *feature) record(c *commands.Ctx, a *standup.Ask, text string) error {
	again := !a.AnsweredAt.IsZero()
	a.Answer, a.AnsweredAt = text, c.Now
	if err := standup.From(c.Tx).AnswerStandup(a); err != nil {
		return err
	}
	if again {
		c.ReplyText(bot.Tf("Your answer is replaced; it is posted at %s.", "你的回答已更新，将于 %s 汇总发出。",
			commands.FormatTime(a.CloseAt, c.Now, c.Loc, c.Lang)))
		return nil
	}
	c.ReplyText(bot.Tf("Thanks, your answer is recorded; it is posted at %s.", "谢谢，已记录你的回答，将于 %s 汇总发出。",
		commands.FormatTime(a.CloseAt, c.Now, c.Loc, c.Lang)))
	return nil
}

// summary posts a day's answers to the department's bound group chats,
// with who has not answered and who is on leave, once (MarkStandupPosted).
func (f *feature) summary(_ context.Context, tx bot.Tx, job *bot.Job, now time.Time) error {
	var p planPayload
	s, err := standupOf(tx, job, &p, func() int64 { return p.Standup })
	if s == nil || err != nil {
		return err
	}
	st := standup.From(tx)
	if first, err := st.MarkStandupPosted(s.ID, p.Day, now); err != nil || !first {
		return err
	}
	dept, err := tx.FindDepartmentByID(s.DeptID)
	if err != nil {
		return err
	}
	answers := map[int64]*standup.Ask{}
	for after := int64(0); ; {
		asks, err := st.StandupAsks(s.ID, p.Day, after, pageSize)
		if err != nil {
			return err
		}
		for _, a := range asks {
			after = a.PersonID
			answers[a.PersonID] = a
		}
		if len(asks) < pageSize {
			break
		}
	}
	var answered, missing, away []string
	for after := int64(0); ; {
		members, err := st.StandupMembers(s.DeptID, after, pageSize)
		if err != nil {
			return err
		}
		for _, m := range members {
			after = m.ID
			name := "@" + m.Handle
			// Members not asked (a standup set after their clock, a member
			// who joined since) are neither answers nor missing.
			switch a := answers[m.ID]; {
			case a != nil && !a.AnsweredAt.IsZero():
				answered = append(answered, name+": "+a.Answer)
			case a != nil:
				missing = append(missing, name)
			default:
				if l, err := st.LeaveOn(m.ID, p.Day); err != nil {
					return err
				} else if l != nil {
					away = append(away, name)
				}
			}
		}
		if len(members) < pageSize {
			break
		}
	}
	day, _ := time.Parse(standup.DayLayout, p.Day)
	lang, loc := f.DefaultLang, loadZone(s.TZ, f.DefaultTZ)
	lines := []string{bot.Tf("%s %s, %s (%d of %d answered)", "「%s」%s，%s（%d/%d 人已回答）", dept.Name, kindName(s).In(lang),
		commands.FormatDate(day, now.In(loc), time.UTC, lang), len(answered), len(answered)+len(missing)).In(lang)}
	lines = append(lines, answered...)
	if len(missing) > 0 {
		lines = append(lines, bot.T("Not answered: ", "未回答：").In(lang)+strings.Join(missing, ", "))
	}
	if len(away) > 0 {
		lines = append(lines, bot.T("On leave: ", "请假：").In(lang)+strings.Join(away, ", "))
	}
	bs, err := bot.Bindings(tx).BoundChats("dept", group.Ref(s.DeptID), pageSize)
	if err != nil {
		return err
	}
	for _, b := range bs {
		to := bot.Destination{Platform: b.Chat.Platform, Workspace: b.Chat.Workspace, ChatID: b.Chat.ChatID}
		if _, err := tx.Enqueue(&bot.Outgoing{Key: key(s.ID, p.Day, "summary", to.Platform, to.Workspace, to.ChatID), To: to,
			Msg: bot.Message{Text: strings.Join(lines, "\n")}}, now); err != nil {
			return err
		}
	}
	return nil
}
