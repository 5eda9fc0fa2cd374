package asks

import (
	"context"
	"errors"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
)

// The reads poll runs three times a day (its schedule, in the calendar's
// zone; days off are passed over by the handler), first an hour after the
// ask went out, for as long as the platforms answer (maxReadWindow at
// most: the reminder round cancels it after that) or until the deadline.
const (
	readsSchedule = "cron:0 11,15,18 * * *"
	readsFirst    = time.Hour
	readsBatch    = 100
	// maxReadWindow is the longest any platform answers for its messages'
	// reads (Feishu: 7 days).
	maxReadWindow = 8 * 24 * time.Hour
)

// readPlatforms are the platforms asked about reads when the notifier
// does not list the configured ones.
var readPlatforms = []string{"feishu", "dingtalk", "slack", "wecom"}

// reads is the job that asks the platforms who read each card (a
// bot.JobFetcher: the platforms are asked outside any unit).
type reads struct{ e *Engine }

var _ bot.JobFetcher = reads{}

// RunJob implements bot.JobHandler; the scheduler runs FetchJob instead.
func (reads) RunJob(context.Context, bot.Tx, *bot.Job, time.Time) error {
	return errors.New("ask.reads runs through FetchJob")
}

// FetchTimeout implements bot.JobFetcher.
func (reads) FetchTimeout() time.Duration { return 10 * time.Minute }

// FetchJob implements bot.JobFetcher: the reads are recorded as they come.
func (r reads) FetchJob(ctx context.Context, job *bot.Job, now time.Time) (func(bot.Tx) error, error) {
	p, err := payloadOf(job)
	if err != nil {
		return nil, err
	}
	return nil, r.e.PollReads(ctx, job, p.Ask, now)
}

// PollReads records the native read receipts of an ask's cards: for each
// platform with a reader (Deps.Readers), the cards delivered within its
// read window that are neither answered nor read are paged from the
// ledger, the platform is asked who read them (outside any unit), and
// each line whose own recipient read it gets ReadAt and ReadVia, in a
// unit per page. A read is never an answer. Nothing is asked on a day
// off, after the deadline, or once the ask ended.
func (e *Engine) PollReads(ctx context.Context, job *bot.Job, askID int64, now time.Time) error {
	if e.d.Readers == nil || !e.isWorkday(now) {
		return nil
	}
	var a *ask.Ask
	if err := e.d.Store.View(ctx, func(tx bot.Tx) (err error) { a, err = ask.From(tx).FindAsk(askID); return }); err != nil {
		return err
	}
	if a.Status != ask.Open || (!a.Deadline.IsZero() && now.After(a.Deadline)) {
		return nil
	}
	platforms := e.d.Notifier.Platforms
	if len(platforms) == 0 {
		platforms = readPlatforms
	}
	for _, platform := range platforms {
		if err := e.pollPlatform(ctx, job, a, platform, now); err != nil {
			return err
		}
	}
	return nil
}

// pollPlatform is PollReads for one platform. Its window is its reader's
// (the first workspace's reader met decides it; apps of one platform
// share it).
func (e *Engine) pollPlatform(ctx context.Context, job *bot.Job, a *ask.Ask, platform string, now time.Time) error {
	window := maxReadWindow
	if now.Sub(a.SentAt) > window {
		return nil
	}
	for after := int64(0); ; {
		var page []ask.Unread
		if err := e.d.Store.View(ctx, func(tx bot.Tx) (err error) {
			page, err = ask.From(tx).UnreadDeliveries(a.ID, platform, now.Add(-window), after, readsBatch)
			return
		}); err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		after = page[len(page)-1].PersonID
		seen, err := e.askReaders(ctx, platform, page, now)
		if err != nil {
			return err
		}
		if len(seen) > 0 {
			if err := bot.UpdateClaimed(ctx, e.d.Store, job, func(tx bot.Tx) error { return e.recordReads(tx, a, platform, page, seen, now) }); err != nil {
				return err
			}
		}
		if len(page) < readsBatch {
			return nil
		}
	}
}

// askReaders asks each workspace's reader about its messages of page,
// within the reader's window, and returns the reads by remote id.
func (e *Engine) askReaders(ctx context.Context, platform string, page []ask.Unread, now time.Time) (map[string][]bot.MessageRead, error) {
	byWorkspace := map[string][]string{}
	var order []string
	for _, u := range page {
		if _, ok := byWorkspace[u.Workspace]; !ok {
			order = append(order, u.Workspace)
		}
		byWorkspace[u.Workspace] = append(byWorkspace[u.Workspace], u.RemoteID)
	}
	seen := map[string][]bot.MessageRead{}
	for _, ws := range order {
		rr := e.d.Readers(platform, ws)
		if rr == nil {
			continue
		}
		var ids []string
		for _, u := range page {
			if u.Workspace == ws && now.Sub(u.SentAt) <= rr.ReadWindow() {
				ids = append(ids, u.RemoteID)
			}
		}
		if len(ids) == 0 {
			continue
		}
		got, err := rr.MessageReads(ctx, ws, ids)
		if err != nil {
			// One platform failing leaves its reads for the next poll;
			// the others are still recorded.
			e.d.Log.Warn("asks: reading receipts failed", "platform", platform, "workspace", ws, "err", err)
			continue
		}
		for _, m := range got {
			seen[m.RemoteID] = append(seen[m.RemoteID], m)
		}
	}
	return seen, nil
}

// recordReads sets ReadAt/ReadVia on each line of page whose own
// recipient (their platform account, mapped to the person) read the card.
func (e *Engine) recordReads(tx bot.Tx, a *ask.Ask, platform string, page []ask.Unread, seen map[string][]bot.MessageRead, now time.Time) error {
	st := ask.From(tx)
	for _, u := range page {
		for _, m := range seen[u.RemoteID] {
			p, err := tx.FindPersonByAccount(bot.Account{Platform: platform, Workspace: u.Workspace, UserID: m.UserID})
			if bot.ErrorCode(err) == bot.ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			if p.ID != u.PersonID {
				continue
			}
			rs, err := st.Recipients(a.ID, ask.RecipientFilter{Step: -1, AfterPersonID: u.PersonID - 1, Limit: 8})
			if err != nil {
				return err
			}
			for _, r := range rs {
				if r.PersonID != u.PersonID || !r.ReadAt.IsZero() {
					continue
				}
				at := m.At
				if at.IsZero() || at.After(now) {
					at = now
				}
				r.ReadAt, r.ReadVia = at, platform
				if err := st.UpdateRecipient(r); err != nil {
					return err
				}
			}
			break
		}
	}
	return nil
}
