package asks

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/bot/standup"
)

// fanoutBatch is how many people one unit of the fan-out asks: small, so
// that commands get the writer in between.
const fanoutBatch = 100

// fanout is the job that resolves an ask's audience and asks each person
// (a bot.JobFetcher sweep).
type fanout struct{ e *Engine }

var _ bot.JobFetcher = fanout{}

// RunJob implements bot.JobHandler; the scheduler runs FetchJob instead.
func (fanout) RunJob(context.Context, bot.Tx, *bot.Job, time.Time) error {
	return errors.New("ask.fanout runs through FetchJob")
}

// FetchTimeout implements bot.JobFetcher: ten thousand people in batches
// of a hundred, with rests, fit well within it; a sweep cut short is run
// again and goes on where the ledger says.
func (fanout) FetchTimeout() time.Duration { return 10 * time.Minute }

// FetchJob implements bot.JobFetcher: the sweep commits as it goes.
func (f fanout) FetchJob(ctx context.Context, job *bot.Job, now time.Time) (func(bot.Tx) error, error) {
	p, err := payloadOf(job)
	if err != nil {
		return nil, err
	}
	return nil, f.e.Fanout(ctx, job, p.Ask, now)
}

// source is one part of an audience, paged by person id.
type source func(tx bot.Tx, after int64, limit int) ([]*bot.Person, error)

// sources are the parts of a's audience: each department's members, the
// people named, or everyone.
func sources(a *ask.Ask) []source {
	if a.Audience.Everyone {
		return []source{func(tx bot.Tx, after int64, limit int) ([]*bot.Person, error) {
			ev, ok := bot.Contract[ask.Everyone](tx)
			if !ok {
				return nil, errors.New("asks: the store cannot page everyone (ask.Everyone)")
			}
			return ev.PeopleAfter(after, limit)
		}}
	}
	var ss []source
	for _, d := range a.Audience.DeptIDs {
		ss = append(ss, func(tx bot.Tx, after int64, limit int) ([]*bot.Person, error) {
			return standup.From(tx).StandupMembers(d, after, limit)
		})
	}
	if len(a.Audience.PersonIDs) > 0 {
		ids := a.Audience.PersonIDs
		ss = append(ss, func(tx bot.Tx, after int64, limit int) ([]*bot.Person, error) {
			var ps []*bot.Person
			for _, id := range sortedAfter(ids, after, limit) {
				p, err := tx.FindPersonByID(id)
				if bot.ErrorCode(err) == bot.ENOTFOUND {
					continue
				} else if err != nil {
					return nil, err
				}
				ps = append(ps, p)
			}
			return ps, nil
		})
	}
	return ss
}

// InAudience reports whether p is in a's audience as the fan-out resolves
// it (sources): everyone, one of the people named, or a member of one of
// its departments.
func InAudience(a *ask.Ask, p *bot.Person) bool {
	return a.Audience.Everyone || slices.Contains(a.Audience.PersonIDs, p.ID) ||
		p.DeptID != 0 && slices.Contains(a.Audience.DeptIDs, p.DeptID)
}

// StillAsking reports whether p's card of the open ask a may still be on
// its way: p is in its audience and its fan-out sweep has not finished (its
// job is pending, or running under a lease). A person without a ledger
// line then is waiting for one, not outside the ask.
func StillAsking(tx bot.Tx, a *ask.Ask, p *bot.Person) (bool, error) {
	if a.Status != ask.Open || !InAudience(a, p) {
		return false, nil
	}
	js, err := tx.FindJobs(bot.JobFilter{DedupKey: Key(a.ID, "fanout"), Limit: 1})
	return len(js) > 0, err
}

// sortedAfter is up to limit of ids above after, in order.
func sortedAfter(ids []int64, after int64, limit int) []int64 {
	var out []int64
	for _, id := range ids {
		if id > after {
			out = append(out, id)
		}
	}
	for i := 1; i < len(out); i++ { // insertion sort: a handful of names
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Fanout asks a's audience, fanoutBatch people a unit: each page of the
// audience is read in a view, then one small unit (checking that job's
// claim stands, bot.UpdateClaimed; job nil: not checked) adds the new
// ledger lines and queues their cards. A person whose line exists already
// (asked by a run that crashed after committing that batch) is not asked
// again, so a restarted fan-out sends nobody a second card. The group
// posts follow (Audience.Groups), each under a key of its own, then the
// timeline says how many were asked.
func (e *Engine) Fanout(ctx context.Context, job *bot.Job, askID int64, now time.Time) error {
	var a *ask.Ask
	if err := e.d.Store.View(ctx, func(tx bot.Tx) (err error) { a, err = ask.From(tx).FindAsk(askID); return }); err != nil {
		return err
	}
	k, err := e.kind(a)
	if err != nil {
		return err
	}
	added := 0
	for _, src := range sources(a) {
		for after := int64(0); ; {
			if err := ctx.Err(); err != nil {
				return err
			}
			start := time.Now()
			var page []*bot.Person
			if err := e.d.Store.View(ctx, func(tx bot.Tx) (err error) { page, err = src(tx, after, e.batch); return }); err != nil {
				return err
			}
			if len(page) == 0 {
				break
			}
			err := bot.UpdateClaimed(ctx, e.d.Store, job, func(tx bot.Tx) error {
				cur, err := ask.From(tx).FindAsk(a.ID)
				if err != nil {
					return err
				}
				if cur.Status.Ended() {
					return errEnded
				}
				n := 0
				for _, p := range page {
					ok, err := e.askOne(tx, k, cur, &ask.Recipient{PersonID: p.ID, Role: roleOf(cur)}, now)
					if err != nil {
						return err
					}
					if ok {
						n++
					}
				}
				added += n
				return nil
			})
			if errors.Is(err, errEnded) {
				return nil
			} else if err != nil {
				return err
			}
			after = page[len(page)-1].ID
			if len(page) < e.batch {
				break
			}
			if err := bot.Rest(ctx, time.Since(start)); err != nil {
				return err
			}
		}
	}
	return bot.UpdateClaimed(ctx, e.d.Store, job, func(tx bot.Tx) error {
		if a.Audience.Groups {
			if err := e.postToGroups(tx, k, a, now); err != nil {
				return err
			}
		}
		return ask.From(tx).AddAskEvent(&ask.Event{AskID: a.ID, Kind: ask.Sent,
			Text: bot.Tf("asked %d people", "已发给 %d 人", added).In(e.d.DefaultLang), At: now})
	})
}

var errEnded = errors.New("the ask ended")

// roleOf is the role of a broadcast's recipients.
func roleOf(a *ask.Ask) ask.Role {
	if a.Kind == ask.Announcement {
		return ask.Reader
	}
	return ask.Respondent
}

// maxGroupChats bounds the chats one department's card is posted to.
const maxGroupChats = 20

// postToGroups posts the card once to each chat bound to the audience's
// departments, in the default language and zone; the key of each post
// keeps it to one per chat.
func (e *Engine) postToGroups(tx bot.Tx, k Kind, a *ask.Ask, now time.Time) error {
	for _, d := range a.Audience.DeptIDs {
		bs, err := bot.Bindings(tx).BoundChats("dept", strconv.FormatInt(d, 10), maxGroupChats)
		if err != nil {
			return err
		}
		for _, b := range bs {
			card := k.Card(a, &ask.Recipient{AskID: a.ID, Role: roleOf(a)}, e.d.DefaultLang, e.d.DefaultTZ)
			card.Subject = Subject(a) + "/group"
			m := bot.Message{Text: a.Title, Card: &card}.ForReader(e.d.DefaultLang, e.d.DefaultTZ)
			key := "ask/" + strconv.FormatInt(a.ID, 10) + "/group/" + b.Chat.Platform + "/" + b.Chat.Workspace + "/" + b.Chat.ChatID
			if _, err := tx.Enqueue(&bot.Outgoing{Key: key, To: b.Chat, Msg: m}, now); err != nil {
				return err
			}
		}
	}
	return nil
}
