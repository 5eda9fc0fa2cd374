package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Bot is the core every adapter talks to. It stores each inbound event in the
// inbox before the adapter acknowledges it, then processes it in one unit of
// work: the sender is resolved to a person, the Router runs the command, and
// the command's effects, its replies and its notifications commit together
// with the event's "done" mark. A crash at any point therefore either leaves
// the event pending (and it is processed again at start) or leaves all of its
// effects committed exactly once.
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
	// Workers bounds how many events are processed at once.
	Workers int
	// MaxAttempts is how many internal failures an event may cause before it
	// is marked failed and the sender is told.
	MaxAttempts int
	// SweepInterval is how often pending events left behind (by a crash or an
	// overload) are looked for; StaleAfter is how old they must be.
	SweepInterval time.Duration
	StaleAfter    time.Duration

	mu       sync.Mutex
	waiters  map[int64]*waiter
	inflight map[int64]bool // events a goroutine is processing now
	sem      chan struct{}
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

var _ Intake = (*Bot)(nil)

// Open starts the bot's background work: it processes events left pending by
// an earlier run, then keeps sweeping for stragglers until Close.
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
	if b.Workers <= 0 {
		b.Workers = 64
	}
	if b.MaxAttempts <= 0 {
		b.MaxAttempts = 5
	}
	if b.SweepInterval <= 0 {
		b.SweepInterval = 5 * time.Second
	}
	if b.StaleAfter <= 0 {
		b.StaleAfter = 30 * time.Second
	}
	b.waiters = make(map[int64]*waiter)
	b.inflight = make(map[int64]bool)
	b.sem = make(chan struct{}, b.Workers)
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		b.sweepLoop()
	}()
	return nil
}

// Close stops background processing and waits for units in flight. Events
// not yet processed stay pending in the inbox for the next start.
func (b *Bot) Close() error {
	if b.cancel != nil {
		b.cancel()
	}
	b.wg.Wait()
	return nil
}

// Accept implements Intake.
func (b *Bot) Accept(ctx context.Context, ev *Event, wait time.Duration) (Result, error) {
	now := b.Now()
	if ev.ReceivedAt.IsZero() {
		ev.ReceivedAt = now
	}
	var dup bool
	err := b.Store.Update(ctx, func(tx Tx) error {
		var err error
		dup, err = tx.InsertInbound(ev, now)
		return err
	})
	if err != nil {
		return Result{}, wrapf(err, "store inbound event")
	}
	if dup {
		return Result{Duplicate: true}, nil
	}
	if wait <= 0 {
		b.spawn(ev.ID, nil)
		return Result{}, nil
	}

	w := &waiter{done: make(chan outcome, 1)}
	b.mu.Lock()
	b.waiters[ev.ID] = w
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.waiters, ev.ID)
		b.mu.Unlock()
	}()
	b.spawn(ev.ID, w)

	timer := time.NewTimer(wait)
	defer timer.Stop()
	var o outcome
	select {
	case o = <-w.done:
	case <-timer.C:
		if w.giveUp() {
			return Result{}, nil
		}
		o = <-w.done // delivered just now
	case <-ctx.Done():
		if w.giveUp() {
			return Result{}, nil
		}
		o = <-w.done
	}
	if !o.ok {
		return Result{}, nil
	}
	return Result{Done: true, Replies: o.replies}, nil
}

// waiter lets an adapter's request wait for the replies to its event. The
// request may give up at its deadline at any time before the replies are
// delivered; the processor then sends them through the outbox instead.
type waiter struct {
	mu        sync.Mutex
	started   bool // a processor has promised to deliver inline
	gaveUp    bool
	delivered bool
	done      chan outcome
}

type outcome struct {
	ok      bool
	replies []Message
}

// start lets exactly one processor take the inline role.
func (w *waiter) start() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.gaveUp || w.started {
		return false
	}
	w.started = true
	return true
}

// deliver hands the outcome over unless the request has given up.
func (w *waiter) deliver(o outcome) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.gaveUp {
		return false
	}
	w.delivered = true
	w.done <- o
	return true
}

// giveUp is called at the deadline; false means the outcome is already there.
func (w *waiter) giveUp() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.delivered {
		return false
	}
	w.gaveUp = true
	return true
}

// claim marks id as being processed by the caller; false if someone is.
func (b *Bot) claim(id int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.inflight[id] {
		return false
	}
	b.inflight[id] = true
	return true
}

func (b *Bot) release(id int64) {
	b.mu.Lock()
	delete(b.inflight, id)
	b.mu.Unlock()
}

func (b *Bot) spawn(id int64, w *waiter) {
	b.claim(id) // a new event: nobody else can hold it yet
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		defer b.release(id)
		select {
		case b.sem <- struct{}{}:
		case <-b.ctx.Done():
			if w != nil {
				w.deliver(outcome{})
			}
			return
		}
		defer func() { <-b.sem }()
		b.process(id, w)
	}()
}

// ProcessPending processes every pending event received before `before`. It
// is what the sweep runs; tests call it to drive recovery deterministically.
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
		// Events a live request is processing are left to it, so its
		// replies can still be given inline.
		if !b.claim(id) {
			continue
		}
		b.process(id, nil)
		b.release(id)
		n++
	}
	return n, nil
}

func (b *Bot) sweepLoop() {
	// At start everything pending is a leftover of the previous run.
	if _, err := b.ProcessPending(b.ctx, b.Now().Add(time.Second)); err != nil && b.ctx.Err() == nil {
		b.Log.Error("process pending events at start", "err", err)
	}
	t := time.NewTicker(b.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-t.C:
			if _, err := b.ProcessPending(b.ctx, b.Now().Add(-b.StaleAfter)); err != nil && b.ctx.Err() == nil {
				b.Log.Error("sweep pending events", "err", err)
			}
		}
	}
}

// process runs one stored event through the router in a single unit of work.
func (b *Bot) process(id int64, w *waiter) {
	inline := w != nil && w.start()
	defer func() {
		if p := recover(); p != nil {
			b.Log.Error("panic while processing event", "inbox_id", id, "panic", p)
			b.recordFailure(id, fmt.Errorf("panic: %v", p))
			if inline {
				w.deliver(outcome{})
			}
		}
	}()
	var replies []Message
	var dest Destination
	var queued bool
	err := b.Store.Update(b.ctx, func(tx Tx) error {
		replies, queued = nil, false
		ev, ok, err := tx.PendingInbound(id)
		if err != nil || !ok {
			return err
		}
		now := b.Now()
		if ev.Sender.IsBot {
			return tx.FinishInbound(id, InboxIgnored, "sent by a bot", now)
		}
		req, err := b.newRequest(tx, ev, now)
		if err != nil {
			return err
		}
		routeErr := tx.Nested(func() error { return b.Router.Route(b.ctx, req) })
		if routeErr != nil {
			if ErrorCode(routeErr) == EINTERNAL {
				return routeErr
			}
			// A refusal or a malformed command: its writes were undone by
			// Nested; only the explanation goes out.
			req.replies = []Message{{Text: ErrorText(routeErr).In(req.Lang), Private: true}}
			req.notes = nil
		}
		if !inline {
			for i, m := range req.replies {
				out := &Outgoing{Key: fmt.Sprintf("in%d/r%d", id, i), To: ev.ReplyDestination(), Msg: m}
				if _, err := tx.Enqueue(out, now); err != nil {
					return err
				}
				queued = true
			}
		}
		for i, n := range req.notes {
			out := &Outgoing{Key: fmt.Sprintf("in%d/n%d", id, i), To: n.to, Msg: n.msg}
			if _, err := tx.Enqueue(out, now); err != nil {
				return err
			}
			queued = true
		}
		replies, dest = req.replies, ev.ReplyDestination()
		return tx.FinishInbound(id, InboxDone, "", now)
	})
	if err != nil {
		if b.ctx.Err() == nil {
			b.Log.Error("process event", "inbox_id", id, "err", err)
			b.recordFailure(id, err)
		}
		if inline {
			w.deliver(outcome{})
		}
		return
	}
	if inline && !w.deliver(outcome{ok: true, replies: replies}) && len(replies) > 0 {
		// The request stopped waiting while the unit ran: send the replies
		// the slow way. The keys match the ones the unit would have used.
		if err := b.enqueueReplies(id, dest, replies); err != nil {
			b.Log.Error("queue late replies", "inbox_id", id, "err", err)
		}
		queued = true
	}
	if queued && b.OnOutbox != nil {
		b.OnOutbox()
	}
}

func (b *Bot) enqueueReplies(id int64, to Destination, replies []Message) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return b.Store.Update(ctx, func(tx Tx) error {
		for i, m := range replies {
			if _, err := tx.Enqueue(&Outgoing{Key: fmt.Sprintf("in%d/r%d", id, i), To: to, Msg: m}, b.Now()); err != nil {
				return err
			}
		}
		return nil
	})
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
