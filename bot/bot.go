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
	// Store is made Hooked by Open if it is not already, so that commands
	// can register effects to follow their commit (AfterCommit) and what
	// they queue and schedule wakes the senders and the scheduler.
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
	// OnNewAccount is called inside the unit that registers an account seen
	// for the first time, to schedule work about it (reading its profile
	// from the platform's directory).
	OnNewAccount func(tx Tx, p *Person, a Account, now time.Time) error
	// Approval makes an account seen for the first time a person waiting
	// for an admin (AdmissionPending) rather than a member at once
	// (bot.registration: approval). The router's guard (commands/people)
	// keeps them to asking for access until an admin lets them in.
	Approval bool
	// NotifyWindow is how long notifications about one subject wait to be
	// merged (Request.NotifyAbout, DefaultNotifyWindow); zero sends them at
	// once, each on its own. It is used only when Notifier is nil.
	NotifyWindow time.Duration
	// Notifier decides how commands' notifications reach people (shared with
	// the job handlers); nil means one made from DefaultLang, DefaultTZ and
	// NotifyWindow, with no quiet hours.
	Notifier *Notifier
	// MaxAttempts is how many internal failures an event may cause before it
	// is marked failed and the sender is told.
	MaxAttempts int
	// SweepInterval is how often events left pending by a failure are retried.
	SweepInterval time.Duration
	// UsageZone is the zone whose calendar days the usage counters count
	// in (the work calendar's); nil means DefaultTZ.
	UsageZone *time.Location
	// Metrics counts events and commands; nil counts nothing.
	Metrics Metrics

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var _ AsyncIntake = (*Bot)(nil)

// Open starts the bot's background work: it processes events left pending by
// an earlier run, then keeps retrying failed ones until Close.
func (b *Bot) Open() error {
	if b.Store == nil || b.Router == nil {
		return errors.New("bot: Store and Router are required")
	}
	b.Store = Hooked(b.Store, nil)
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
	b.Notifier = b.notifier()
	b.Metrics = MetricsOr(b.Metrics)
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
	prep := b.prepare(ctx, ev)
	fn, finish := b.acceptUnit(ctx, ev, wait, prep)
	o := finish(b.Store.Update(ctx, fn))
	return o.Result, o.Err
}

// AcceptAsync implements AsyncIntake. With a Queuer store the writer hands
// on the outcome, and the unit can be abandoned until it is committed; with
// any other store, or for an event whose command has a prepare step
// (Preparer) to run first, a goroutine waits for Update, and abandon always
// answers false (the caller waits for the outcome).
func (b *Bot) AcceptAsync(ctx context.Context, ev *Event, wait time.Duration) (<-chan Outcome, func() bool) {
	out := make(chan Outcome, 1)
	if q, ok := b.Store.(Queuer); ok && !b.needsPrepare(ev) {
		fn, finish := b.acceptUnit(ctx, ev, wait, prepared{})
		abandon := q.Queue(ctx, fn, func(err error) { out <- finish(err) })
		return out, abandon
	}
	go func() {
		prep := b.prepare(ctx, ev)
		fn, finish := b.acceptUnit(ctx, ev, wait, prep)
		out <- finish(b.Store.Update(ctx, fn))
	}()
	return out, func() bool { return false }
}

// acceptUnit returns the unit that stores ev and processes it, and finish,
// which turns the unit's outcome into Accept's once the unit has committed
// or failed. finish only assembles the result, which is quick enough for a
// Queuer's writer to run; the hooked store wakes the senders and the
// scheduler. prep is the outcome of the event's prepare step, run before.
func (b *Bot) acceptUnit(ctx context.Context, ev *Event, wait time.Duration, prep prepared) (fn func(Tx) error, finish func(error) Outcome) {
	now := b.Now()
	if ev.ReceivedAt.IsZero() {
		ev.ReceivedAt = now
	}
	var res Result
	var out handled
	fn = func(tx Tx) error {
		res, out = Result{}, handled{} // fn may run again, after a rollback
		// Stored as done: processing follows in this same unit, and if it
		// fails, process marks the event pending again before the commit.
		dup, err := tx.InsertInbound(ev, InboxDone, now)
		if err != nil {
			return err
		}
		if dup {
			res.Duplicate = true
			return nil
		}
		AfterCommit(tx, func() { b.Metrics.EventReceived(ev.Platform) })
		out, err = b.process(ctx, tx, ev, now, wait > 0, false, prep)
		res.Done, res.Replies = out.done, out.replies
		return err
	}
	finish = func(err error) Outcome {
		if err != nil {
			return Outcome{Err: wrapf(err, "store inbound event")}
		}
		return Outcome{Result: res}
	}
	return fn, finish
}

// handled is what processing an event produced.
type handled struct {
	done    bool      // processed; false when it failed and stays pending
	replies []Message // for inline delivery
	command string    // the command the router ran, "" for none
}

// process handles ev inside tx. On an internal failure the processing is
// undone, the attempt is counted and the event left pending for the sweep;
// after MaxAttempts it is marked failed and the sender gets an apology
// rather than silence. finish says whether the event row is pending and must
// be marked done (the sweep), or was stored done by the caller (Accept).
func (b *Bot) process(ctx context.Context, tx Tx, ev *Event, now time.Time, inline, finish bool, prep prepared) (handled, error) {
	log := b.Log.With("request_id", ev.RequestID(), "inbox_id", ev.ID, "platform", ev.Platform)
	ctx = WithLog(ctx, log)
	out, err := b.handle(ctx, tx, ev, now, inline, finish, prep)
	if err == nil {
		out.done = true
		return out, nil
	}
	if ErrorCode(err) != EINTERNAL {
		return handled{}, err // e.g. ErrAlreadyHandled: another processor won
	}
	log.Error("process event", "err", err)
	AfterCommit(tx, func() { b.Metrics.EventHandled(ev.Platform, out.command, OutcomeError, now.Sub(ev.ReceivedAt)) })
	attempts, rerr := tx.RecordInboundFailure(ev, err.Error(), now)
	if rerr != nil || attempts < b.MaxAttempts {
		return handled{}, rerr
	}
	if err := tx.FinishInbound(ev.ID, InboxFailed, err.Error(), now); err != nil {
		return handled{}, err
	}
	msg := Message{Text: ErrorText(err).In(b.langFor(nil, ev.Text)), Private: true}
	_, qerr := tx.Enqueue(&Outgoing{Key: fmt.Sprintf("in%d/failed", ev.ID), To: ev.ReplyDestination(), Msg: msg}, now)
	return handled{}, qerr
}

// handle processes a stored event inside tx. The command runs in a nested
// unit: if it fails for an internal reason or panics, its writes are undone
// and the error returned, so process can leave the event pending. Failures of
// the bot's own bookkeeping (the outbox, the inbox mark) fail the whole unit:
// the event is then not stored and the platform delivers it again.
func (b *Bot) handle(ctx context.Context, tx Tx, ev *Event, now time.Time, inline, finish bool, prep prepared) (handled, error) {
	var out handled
	if ev.Sender.IsBot {
		// Stored for the record; nothing to do.
		if finish {
			return out, tx.FinishInbound(ev.ID, InboxIgnored, "sent by a bot", now)
		}
		return out, nil
	}
	req, err := b.newRequest(tx, ev, now)
	if err != nil {
		return out, err
	}
	req.Prepared, req.PrepareErr = prep.value, prep.err
	routeErr := tx.Nested(func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic in command: %v", p)
			}
		}()
		return b.Router.Route(ctx, req)
	})
	out.command = req.Command
	outcome := OutcomeOK
	if routeErr != nil {
		if ErrorCode(routeErr) == EINTERNAL {
			return out, routeErr
		}
		outcome = OutcomeRefused
		// A refusal or a malformed command: its writes were undone by
		// Nested; only the explanation goes out.
		req.replies = []Message{{Text: ErrorText(routeErr).In(req.Lang), Private: true}}
		req.notes = nil
	}
	// Counted here, in the unit that handled the event and outside the
	// command's nested part, so a refused command counts too, and an event
	// counts once: a unit run again starts from a rolled-back counter.
	if err := b.countUsage(tx, req, now); err != nil {
		return out, err
	}
	for i, m := range req.replies {
		m = m.ForReader(req.Lang, req.Loc)
		// A picture or a file cannot be part of an inline answer: it is
		// uploaded and sent through the outbox like any message that is not
		// answered inline.
		if inline && m.Attachment() == nil {
			out.replies = append(out.replies, m)
			continue
		}
		o := &Outgoing{Key: fmt.Sprintf("in%d/r%d", ev.ID, i), To: ev.ReplyDestination(), Msg: m}
		if _, err := tx.Enqueue(o, now); err != nil {
			return out, err
		}
	}
	LogFrom(ctx, b.Log).Debug("event handled", "command", req.Command, "outcome", outcome)
	AfterCommit(tx, func() { b.Metrics.EventHandled(ev.Platform, req.Command, outcome, now.Sub(ev.ReceivedAt)) })
	silenceToldEdits(ev, req.notes)
	for i, n := range req.notes {
		n.Key = fmt.Sprintf("in%d/n%d", ev.ID, i) // req, and n, are made afresh each time the unit runs
		if _, err := tx.Enqueue(n, now); err != nil {
			return out, err
		}
	}
	if finish {
		return out, tx.FinishInbound(ev.ID, InboxDone, "", now)
	}
	return out, nil
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
		prep, err := b.preparePending(ctx, id)
		if err != nil {
			return n, err
		}
		err = b.Store.Update(ctx, func(tx Tx) error {
			ev, ok, err := tx.PendingInbound(id)
			if err != nil || !ok {
				return err
			}
			_, err = b.process(ctx, tx, ev, b.Now(), false, true, prep)
			return err
		})
		if errors.Is(err, ErrAlreadyHandled) {
			continue // another processor finished it first
		}
		if err != nil {
			return n, err
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

// notifier is Notifier, or the one Bot's defaults make (Open sets it).
func (b *Bot) notifier() *Notifier {
	if b.Notifier != nil {
		return b.Notifier
	}
	return &Notifier{DefaultLang: b.DefaultLang, DefaultTZ: b.DefaultTZ, Window: b.NotifyWindow}
}

// Location returns the person's time zone, or the default.
func (b *Bot) Location(p *Person) *time.Location {
	if p == nil {
		return b.DefaultTZ
	}
	return p.Location(b.DefaultTZ)
}
