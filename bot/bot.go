package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Bot is the core every adapter talks to. Each inbound event is stored and
// processed in one unit of work: the event is inserted into the inbox
// (deduplicated on its platform key), the sender is resolved to a person, the
// Router runs the command, and the command's effects, its notifications and
// the event's "done" mark commit together. The adapter acknowledges only
// after that commit, so an acknowledged event is never lost and never acted
// on twice. If processing fails for an internal reason, only the processing
// is rolled back: the event stays pending, is acknowledged, and is retried
// by the sweep until MaxAttempts.
type Bot struct {
	Store  Store
	Router Router
	Log    *slog.Logger
	// Now is the clock; it defaults to time.Now.
	Now func() time.Time
	// DefaultLang is used when a person has not chosen a language and the
	// message gives no hint.
	DefaultLang Lang
	// DefaultTZ is the zone for people who have not set one.
	DefaultTZ *time.Location
	// OnOutbox is called after a unit that queued outgoing messages commits,
	// to wake the senders.
	OnOutbox func()
	// MaxAttempts is how many internal failures an event may cause before it
	// is marked failed and the sender is told.
	MaxAttempts int
	// SweepInterval is how often events left pending by a failure are retried.
	SweepInterval time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var _ Intake = (*Bot)(nil)

// Open starts the bot's background work: it processes events left pending by
// an earlier run, then keeps retrying failed ones until Close.
func (b *Bot) Open() error {
	if b.Store == nil || b.Router == nil {
		return errors.New("bot: Store and Router are required")
	}
	if b.Log == nil {
		b.Log = slog.Default()
	}
	if b.Now == nil {
		b.Now = time.Now
	}
	if b.DefaultLang == "" {
		b.DefaultLang = LangEN
	}
	if b.DefaultTZ == nil {
		b.DefaultTZ = time.UTC
	}
	if b.MaxAttempts <= 0 {
		b.MaxAttempts = 5
	}
	if b.SweepInterval <= 0 {
		b.SweepInterval = 5 * time.Second
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		b.sweepLoop()
	}()
	return nil
}

// Close stops the sweep and waits for it. Events still pending stay in the
// inbox for the next start.
func (b *Bot) Close() error {
	if b.cancel != nil {
		b.cancel()
	}
	b.wg.Wait()
	return nil
}

// Accept implements Intake. With wait > 0 the replies are returned for the
// adapter to give inline; with wait = 0 they are queued in the outbox. The
// call returns once the event and its effects are committed: processing is
// database work of a few milliseconds, and an acknowledgement must not come
// before the commit.
func (b *Bot) Accept(ctx context.Context, ev *Event, wait time.Duration) (Result, error) {
	now := b.Now()
	if ev.ReceivedAt.IsZero() {
		ev.ReceivedAt = now
	}
	var res Result
	var queued bool
	var failure error
	err := b.Store.Update(ctx, func(tx Tx) error {
		res, queued, failure = Result{}, false, nil
		dup, err := tx.InsertInbound(ev, now)
		if err != nil {
			return err
		}
		if dup {
			res.Duplicate = true
			return nil
		}
		out, err := b.handle(ctx, tx, ev, now, wait > 0)
		if err != nil {
			// Keep the stored event; only the processing is undone.
			failure = err
			return nil
		}
		res.Done, res.Replies, queued = true, out.replies, out.queued
		return nil
	})
	if err != nil {
		return Result{}, wrapf(err, "store inbound event")
	}
	if failure != nil {
		b.Log.Error("process event", "inbox_id", ev.ID, "err", failure)
		b.recordFailure(ev.ID, failure)
	}
	if queued && b.OnOutbox != nil {
		b.OnOutbox()
	}
	return res, nil
}

// handled is what processing an event produced.
type handled struct {
	replies []Message // for inline delivery
	queued  bool      // outgoing messages were stored
}

// handle processes a stored, pending event inside tx. Everything it writes
// is in a nested unit: on an internal error (or a panic in a command) it is
// all undone and the error returned, leaving the event pending.
func (b *Bot) handle(ctx context.Context, tx Tx, ev *Event, now time.Time, inline bool) (out handled, err error) {
	err = tx.Nested(func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic while processing: %v", p)
			}
		}()
		out = handled{}
		if ev.Sender.IsBot {
			return tx.FinishInbound(ev.ID, InboxIgnored, "sent by a bot", now)
		}
		req, err := b.newRequest(tx, ev, now)
		if err != nil {
			return err
		}
		routeErr := tx.Nested(func() error { return b.Router.Route(ctx, req) })
		if routeErr != nil {
			if ErrorCode(routeErr) == EINTERNAL {
				return routeErr
			}
			// A refusal or a malformed command: its writes were undone by
			// Nested; only the explanation goes out.
			req.replies = []Message{{Text: ErrorText(routeErr).In(req.Lang), Private: true}}
			req.notes = nil
		}
		if inline {
			out.replies = req.replies
		} else {
			for i, m := range req.replies {
				o := &Outgoing{Key: fmt.Sprintf("in%d/r%d", ev.ID, i), To: ev.ReplyDestination(), Msg: m}
				if _, err := tx.Enqueue(o, now); err != nil {
					return err
				}
				out.queued = true
			}
		}
		for i, n := range req.notes {
			o := &Outgoing{Key: fmt.Sprintf("in%d/n%d", ev.ID, i), To: n.to, Msg: n.msg}
			if _, err := tx.Enqueue(o, now); err != nil {
				return err
			}
			out.queued = true
		}
		return tx.FinishInbound(ev.ID, InboxDone, "", now)
	})
	return out, err
}

// ProcessPending processes pending events received before `before`: those
// whose processing failed, or that a crash left behind. It is what the sweep
// runs; tests call it to drive recovery deterministically.
func (b *Bot) ProcessPending(ctx context.Context, before time.Time) (int, error) {
	var ids []int64
	err := b.Store.View(ctx, func(tx Tx) error {
		var err error
		ids, err = tx.PendingInboundIDs(before, 1000)
		return err
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		var queued bool
		var failure error
		err := b.Store.Update(ctx, func(tx Tx) error {
			queued, failure = false, nil
			ev, ok, err := tx.PendingInbound(id)
			if err != nil || !ok {
				return err
			}
			out, err := b.handle(ctx, tx, ev, b.Now(), false)
			failure, queued = err, out.queued
			return nil
		})
		if err != nil {
			return n, err
		}
		if failure != nil {
			b.Log.Error("retry event", "inbox_id", id, "err", failure)
			b.recordFailure(id, failure)
		}
		if queued && b.OnOutbox != nil {
			b.OnOutbox()
		}
		n++
	}
	return n, nil
}

func (b *Bot) sweepLoop() {
	t := time.NewTicker(b.SweepInterval)
	defer t.Stop()
	for {
		// Everything pending was left by a failure or by an earlier run:
		// events being accepted right now are never visible as pending.
		if _, err := b.ProcessPending(b.ctx, b.Now().Add(time.Second)); err != nil && b.ctx.Err() == nil {
			b.Log.Error("retry pending events", "err", err)
		}
		select {
		case <-b.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// recordFailure counts a failed attempt; after MaxAttempts the event is
// marked failed and its sender gets an apology instead of silence.
func (b *Bot) recordFailure(id int64, cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	queued := false
	err := b.Store.Update(ctx, func(tx Tx) error {
		now := b.Now()
		n, err := tx.RecordInboundFailure(id, cause.Error(), now)
		if err != nil || n < b.MaxAttempts {
			return err
		}
		ev, ok, err := tx.PendingInbound(id)
		if err != nil || !ok {
			return err
		}
		if err := tx.FinishInbound(id, InboxFailed, cause.Error(), now); err != nil {
			return err
		}
		msg := Message{Text: ErrorText(cause).In(b.langFor(nil, ev.Text)), Private: true}
		_, err = tx.Enqueue(&Outgoing{Key: fmt.Sprintf("in%d/failed", id), To: ev.ReplyDestination(), Msg: msg}, now)
		queued = err == nil
		return err
	})
	if err != nil {
		b.Log.Error("record processing failure", "inbox_id", id, "err", err)
	}
	if queued && b.OnOutbox != nil {
		b.OnOutbox()
	}
}

func (b *Bot) newRequest(tx Tx, ev *Event, now time.Time) (*Request, error) {
	req := &Request{Event: ev, Tx: tx, Now: now, bot: b}
	p, err := req.personFor(ev.SenderAccount(), ev.Sender.Name, ev.Sender.Email)
	if err != nil {
		return nil, err
	}
	req.Person = p
	req.Lang = b.langFor(p, ev.Text)
	req.Loc = b.Location(p)
	return req, nil
}

// langFor picks the reply language: the person's choice, else the language
// the message is written in, else the default.
func (b *Bot) langFor(p *Person, text string) Lang {
	if p != nil && p.Lang != "" {
		return p.Lang
	}
	if ContainsHan(text) {
		return LangZH
	}
	if text != "" && b.DefaultLang == LangZH && isASCIIWords(text) {
		return LangEN
	}
	return b.DefaultLang
}

// Location returns the person's time zone, or the default.
func (b *Bot) Location(p *Person) *time.Location {
	if p != nil && p.TZ != "" {
		if loc, err := time.LoadLocation(p.TZ); err == nil {
			return loc
		}
	}
	return b.DefaultTZ
}
