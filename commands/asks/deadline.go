package asks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/bot/standup"
)

// escalateNames caps the people one escalation message names; the rest
// are counted.
const escalateNames = 20

// deadline is the one-off job at an ask's deadline (a bot.JobFetcher
// sweep): the pending lines escalated to their heads, then the feature's
// Expired.
type deadline struct{ e *Engine }

var _ bot.JobFetcher = deadline{}

// RunJob implements bot.JobHandler; the scheduler runs FetchJob instead.
func (deadline) RunJob(context.Context, bot.Tx, *bot.Job, time.Time) error {
	return errors.New("ask.deadline runs through FetchJob")
}

// FetchTimeout implements bot.JobFetcher.
func (deadline) FetchTimeout() time.Duration { return 10 * time.Minute }

// FetchJob implements bot.JobFetcher: the escalation commits as it goes;
// the messages to the heads and Expired go with the job's completion.
func (d deadline) FetchJob(ctx context.Context, job *bot.Job, now time.Time) (func(bot.Tx) error, error) {
	p, err := payloadOf(job)
	if err != nil {
		return nil, err
	}
	return d.e.Escalate(ctx, job, p, now)
}

// headGroup is what one head is told: the first names and how many.
type headGroup struct {
	names []string
	count int
}

// Escalate runs the deadline of an ask. A job scheduled for a deadline
// that has moved since (a request's next step) does nothing. The pending
// lines are read a page at a time outside the writer and grouped by the
// head of each person's department (a person with no department, no
// head, or who is the head: the ask's author); each page's lines get
// EscalatedAt in a unit of its own. The returned apply, run with the job's
// completion, queues one message per head (naming up to escalateNames
// people, the rest counted; its key makes it once per head), the timeline
// entry and the feature's Expired.
func (e *Engine) Escalate(ctx context.Context, job *bot.Job, p jobPayload, now time.Time) (func(bot.Tx) error, error) {
	var a *ask.Ask
	if err := e.d.Store.View(ctx, func(tx bot.Tx) (err error) { a, err = ask.From(tx).FindAsk(p.Ask); return }); err != nil {
		return nil, err
	}
	if a.Status.Ended() || a.Deadline.IsZero() || a.Deadline.UnixMilli() != p.Deadline {
		return nil, nil
	}
	k, err := e.kind(a)
	if err != nil {
		return nil, err
	}
	groups := map[int64]*headGroup{}
	var heads []int64 // in the order first met, for a stable outcome
	headOf := map[int64]int64{}
	escalated := 0
	v, voluntary := k.(Voluntary)
	for after := int64(0); !voluntary || !v.Voluntary(); {
		var page []*ask.Recipient
		var names []string
		var to []int64
		err := e.d.Store.View(ctx, func(tx bot.Tx) error {
			var err error
			page, err = ask.From(tx).Recipients(a.ID, ask.RecipientFilter{State: ask.Pending, Step: -1, AfterPersonID: after, Limit: e.batch})
			if err != nil {
				return err
			}
			for _, r := range page {
				p, err := tx.FindPersonByID(r.PersonID)
				if bot.ErrorCode(err) == bot.ENOTFOUND {
					names, to = append(names, ""), append(to, 0)
					continue
				} else if err != nil {
					return err
				}
				h, err := e.headFor(tx, a, p, headOf)
				if err != nil {
					return err
				}
				names, to = append(names, "@"+p.Handle), append(to, h)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		for i, h := range to {
			if h == 0 {
				continue
			}
			g := groups[h]
			if g == nil {
				g = &headGroup{}
				groups[h] = g
				heads = append(heads, h)
			}
			if len(g.names) < escalateNames {
				g.names = append(g.names, names[i])
			}
			g.count++
		}
		err = bot.UpdateClaimed(ctx, e.d.Store, job, func(tx bot.Tx) error {
			for _, r := range page {
				if !r.EscalatedAt.IsZero() {
					continue
				}
				r.EscalatedAt = now
				if err := ask.From(tx).UpdateRecipient(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		escalated += len(page)
		after = page[len(page)-1].PersonID
		if len(page) < e.batch {
			break
		}
	}
	return func(tx bot.Tx) error {
		cur, err := ask.From(tx).FindAsk(a.ID)
		if err != nil {
			return err
		}
		if cur.Status.Ended() {
			return nil
		}
		for _, h := range heads {
			if err := e.tellHead(tx, cur, h, groups[h], now); err != nil {
				return err
			}
		}
		if escalated > 0 {
			if err := ask.From(tx).AddAskEvent(&ask.Event{AskID: a.ID, Kind: ask.Escalated,
				Text: bot.Tf("%d people had not answered; their heads were told", "%d 人未回复，已告知其负责人", escalated).In(e.d.DefaultLang), At: now}); err != nil {
				return err
			}
		}
		for _, sort := range []string{"remind", "reads"} {
			if err := bot.CancelJobs(tx, Key(a.ID, sort), now); err != nil {
				return err
			}
		}
		return k.Expired(tx, cur, now)
	}, nil
}

// headFor is who is told that p has not answered: the head of p's
// department, or a's author when there is none (or p is the head).
func (e *Engine) headFor(tx bot.Tx, a *ask.Ask, p *bot.Person, cache map[int64]int64) (int64, error) {
	if p.DeptID == 0 {
		return a.AuthorID, nil
	}
	h, ok := cache[p.DeptID]
	if !ok {
		d, err := tx.FindDepartmentByID(p.DeptID)
		if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
			return 0, err
		}
		if d != nil {
			h = d.HeadID
		}
		cache[p.DeptID] = h
	}
	if h == 0 || h == p.ID {
		return a.AuthorID, nil
	}
	return h, nil
}

// tellHead queues the one escalation message to head about g.
func (e *Engine) tellHead(tx bot.Tx, a *ask.Ask, head int64, g *headGroup, now time.Time) error {
	p, err := tx.FindPersonByID(head)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	// A head on leave with a delegate: the delegate is told, for them
	// (standup.StandIn, decided as the deadline passes).
	away := p
	if p, err = standup.StandIn(tx, p, e.d.DefaultTZ, now); err != nil {
		return err
	} else if p == nil {
		p, away = away, nil
	}
	key := fmt.Sprintf("ask/%d/escalate/%d", a.ID, head)
	_, err = e.d.Notifier.Tell(tx, key, bot.Notice{To: p}, now, func(lang bot.Lang, loc *time.Location) bot.Message {
		names := strings.Join(g.names, ", ")
		if lang == bot.LangZH {
			names = strings.Join(g.names, "、")
		}
		text := bot.Tf("⏰ %s “%s” is past its deadline; %d of your people have not answered: %s",
			"⏰ %s「%s」已过截止时间，你的成员中有 %d 人未回复：%s", a.Ref(), a.Title, g.count, names).In(lang)
		if rest := g.count - len(g.names); rest > 0 {
			text += bot.Tf(" and %d more.", " 等另外 %d 人。", rest).In(lang)
		} else {
			text += bot.T(".", "。").In(lang)
		}
		text += " " + bot.Tf("Ledger: `asks %s`", "明细：「问询 %s」", a.Ref()).In(lang)
		if away != nil {
			text = bot.Tf("For @%s (on leave): ", "代 @%s（休假中）：", away.Handle).In(lang) + text
		}
		return bot.Message{Text: text}
	})
	return err
}
