package bot_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// routerFunc adapts a function to bot.Router.
type routerFunc func(ctx context.Context, req *bot.Request) error

func (f routerFunc) Route(ctx context.Context, req *bot.Request) error { return f(ctx, req) }

func openDB(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "bot.db")
	}
	db := sqlite.NewDB(path)
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openBot(t *testing.T, db bot.Store, r bot.Router) *bot.Bot {
	t.Helper()
	b := &bot.Bot{Store: db, Router: r, Log: slog.New(slog.DiscardHandler), MaxAttempts: 3}
	if err := b.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func event(key, text string) *bot.Event {
	return &bot.Event{Platform: "slack", Workspace: "T1", DedupKey: key, ChatID: "C1", ChatType: bot.ChatGroup,
		Sender: bot.Author{UserID: "U1", Name: "Ann"}, Text: text, ReplyHandle: "https://hooks.example/resp"}
}

// echo replies with the text and counts its calls.
func echo(calls *atomic.Int32) bot.Router {
	return routerFunc(func(ctx context.Context, req *bot.Request) error {
		calls.Add(1)
		req.ReplyText(bot.T("echo: "+req.Event.Text, "回声："+req.Event.Text))
		return nil
	})
}

func outbox(t *testing.T, db bot.Store, state bot.OutboxState) []*bot.Outgoing {
	t.Helper()
	var out []*bot.Outgoing
	if err := db.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(state, 100); return }); err != nil {
		t.Fatal(err)
	}
	return out
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// Ensure a redelivered event is processed once and answered inline once.
func TestAccept_Dedup(t *testing.T) {
	db := openDB(t, "")
	var calls atomic.Int32
	b := openBot(t, db, echo(&calls))
	res, err := b.Accept(context.Background(), event("Ev1", "hello"), time.Second)
	if err != nil || !res.Done || len(res.Replies) != 1 || res.Replies[0].Text != "echo: hello" {
		t.Fatalf("first = %+v, %v", res, err)
	}
	res, err = b.Accept(context.Background(), event("Ev1", "hello"), time.Second)
	if err != nil || !res.Duplicate || res.Done {
		t.Fatalf("redelivery = %+v, %v", res, err)
	}
	if calls.Load() != 1 {
		t.Fatalf("router ran %d times", calls.Load())
	}
	if q := outbox(t, db, bot.OutboxQueued); len(q) != 0 {
		t.Fatalf("inline reply was also queued: %+v", q)
	}
}

// Ensure replies to events nobody waits for go to the outbox, addressed back.
func TestAccept_NoWait(t *testing.T) {
	db := openDB(t, "")
	var calls atomic.Int32
	var woken atomic.Int32
	hooks := &bot.Hooks{}
	hooks.OnQueued(func() { woken.Add(1) })
	b := &bot.Bot{Store: bot.Hooked(db, hooks), Router: echo(&calls), Log: slog.New(slog.DiscardHandler)}
	b.Open()
	defer b.Close()
	res, err := b.Accept(context.Background(), event("Ev2", "later"), 0)
	if err != nil || !res.Done || len(res.Replies) != 0 {
		t.Fatalf("accept = %+v, %v (processed, replies queued, none inline)", res, err)
	}
	eventually(t, "queued reply", func() bool { return len(outbox(t, db, bot.OutboxQueued)) == 1 })
	o := outbox(t, db, bot.OutboxQueued)[0]
	if o.Msg.Text != "echo: later" || o.To.ChatID != "C1" || o.To.ReplyHandle != "https://hooks.example/resp" || o.To.Platform != "slack" {
		t.Fatalf("queued = %+v", o)
	}
	if woken.Load() == 0 {
		t.Fatal("outbox not woken")
	}
}

// updateOnly hides a store's Queue, as a store without a queue would be.
type updateOnly struct{ bot.Store }

// Ensure AcceptAsync gives what Accept gives, whether the store queues
// units (SQLite, whose writer hands the outcome on) or not (a goroutine
// waits): the replies once committed, a redelivery as a duplicate, and a
// store that fails as an error. The outbox is woken before the outcome
// arrives, so a caller never sees a result whose messages sit unnoticed.
func TestAcceptAsync(t *testing.T) {
	for name, wrap := range map[string]func(*sqlite.DB) bot.Store{
		"queuing store": func(db *sqlite.DB) bot.Store { return db },
		"other store":   func(db *sqlite.DB) bot.Store { return updateOnly{db} },
	} {
		t.Run(name, func(t *testing.T) {
			db := openDB(t, "")
			var calls, woken atomic.Int32
			hooks := &bot.Hooks{}
			hooks.OnQueued(func() { woken.Add(1) })
			b := &bot.Bot{Store: bot.Hooked(wrap(db), hooks), Router: echo(&calls), Log: slog.New(slog.DiscardHandler)}
			if err := b.Open(); err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			accept := func(ev *bot.Event, wait time.Duration) bot.Outcome {
				out, _ := b.AcceptAsync(context.Background(), ev, wait)
				return <-out
			}
			o := accept(event("Ev9", "hi"), time.Second)
			if o.Err != nil || !o.Result.Done || len(o.Result.Replies) != 1 || o.Result.Replies[0].Text != "echo: hi" {
				t.Fatalf("inline = %+v", o)
			}
			o = accept(event("Ev9", "hi"), time.Second)
			if o.Err != nil || !o.Result.Duplicate || calls.Load() != 1 {
				t.Fatalf("redelivery = %+v after %d runs", o, calls.Load())
			}
			o = accept(event("Ev10", "later"), 0)
			if o.Err != nil || !o.Result.Done || len(o.Result.Replies) != 0 {
				t.Fatalf("queued = %+v", o)
			}
			if woken.Load() != 1 {
				t.Fatalf("outbox woken %d times when the outcome arrived, want 1", woken.Load())
			}
			b.Close() // in shutdown order: the bot, then its store
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			o = accept(event("Ev11", "closed"), time.Second)
			if o.Err == nil || bot.ErrorCode(o.Err) != bot.EINTERNAL {
				t.Fatalf("closed store = %+v, want an internal error", o)
			}
		})
	}
}

// Ensure an event whose unit is abandoned while the writer is busy is not
// stored (a redelivery then runs it as new) and its outcome is
// ErrUnavailable; and that with a store that cannot abandon, abandon says so
// and the event is stored.
func TestAcceptAsync_Abandon(t *testing.T) {
	for name, queuing := range map[string]bool{"queuing store": true, "other store": false} {
		t.Run(name, func(t *testing.T) {
			db := openDB(t, "")
			var store bot.Store = db
			if !queuing {
				store = updateOnly{db}
			}
			var calls atomic.Int32
			b := openBot(t, store, echo(&calls))
			release, holding := make(chan struct{}), make(chan struct{})
			db.Queue(context.Background(), func(bot.Tx) error { close(holding); <-release; return nil }, func(error) {})
			<-holding
			out, abandon := b.AcceptAsync(context.Background(), event("Ev20", "busy"), time.Second)
			if got := abandon(); got != queuing {
				t.Fatalf("abandon while the writer is busy: %v, want %v", got, queuing)
			}
			close(release)
			o := <-out
			if queuing {
				if !errors.Is(o.Err, bot.ErrUnavailable) || calls.Load() != 0 {
					t.Fatalf("abandoned: %+v after %d runs, want ErrUnavailable and none", o, calls.Load())
				}
			} else if o.Err != nil || !o.Result.Done {
				t.Fatalf("not abandoned: %+v, want it done", o)
			}
			res, err := b.Accept(context.Background(), event("Ev20", "busy"), time.Second)
			if err != nil || res.Duplicate == queuing || calls.Load() != 1 {
				t.Fatalf("redelivery: %+v, %v after %d runs; stored before: %v", res, err, calls.Load(), !queuing)
			}
		})
	}
}

// Ensure an internal failure keeps the event (it is acknowledged), undoes
// only the processing, and a retry then completes it exactly once.
func TestAccept_FailureKeepsEventForRetry(t *testing.T) {
	db := openDB(t, "")
	var calls atomic.Int32
	// A unit may run more than once before it commits (the store retries a
	// failed batch with savepoints), so fail the first two runs: the whole
	// first attempt.
	flaky := routerFunc(func(ctx context.Context, req *bot.Request) error {
		if calls.Add(1) <= 2 {
			req.Tx.CreateDepartment(&bot.Department{Name: "Half-done"})
			return errors.New("transient database hiccup")
		}
		req.ReplyText(bot.T("done at last", "终于完成"))
		return req.Tx.CreateDepartment(&bot.Department{Name: "Done"})
	})
	b := openBot(t, db, flaky)
	res, err := b.Accept(context.Background(), event("Ev3", "flaky"), time.Second)
	if err != nil || res.Done || res.Duplicate {
		t.Fatalf("accept = %+v, %v (the event must be stored but not done)", res, err)
	}
	// The bot's own sweep, which starts with Open, may be the one to retry
	// it (it runs beside the test); either way it is retried once.
	if _, err := b.ProcessPending(context.Background(), time.Now().Add(time.Minute)); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n, _ := b.ProcessPending(context.Background(), time.Now().Add(time.Minute)); n != 0 {
		t.Fatal("event processed again after it was done")
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("router ran %d times, want 3 (the failed attempt twice, the retry once)", got)
	}
	db.View(context.Background(), func(tx bot.Tx) error {
		if _, err := tx.FindDepartmentByName("Half-done"); bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Errorf("failed attempt's write survived: %v", err)
		}
		if _, err := tx.FindDepartmentByName("Done"); err != nil {
			t.Errorf("retry's write missing: %v", err)
		}
		return nil
	})
	if q := outbox(t, db, bot.OutboxQueued); len(q) != 1 || q[0].Msg.Text != "done at last" {
		t.Fatalf("reply after retry = %+v", q)
	}
}

// Ensure an event stored (acknowledged) before a crash is processed once at
// the next start.
func TestRecovery_PendingAtStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	db := openDB(t, path)
	ev := event("Ev4", "survive")
	if err := db.Update(context.Background(), func(tx bot.Tx) error { _, err := tx.InsertInbound(ev, bot.InboxPending, time.Now()); return err }); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	openBot(t, db, echo(&calls))
	eventually(t, "recovered event", func() bool { return len(outbox(t, db, bot.OutboxQueued)) == 1 })
	if calls.Load() != 1 {
		t.Fatalf("router ran %d times", calls.Load())
	}
}

// Ensure internal errors are retried, then the sender gets one apology.
func TestInternalErrors_GiveUpAfterMaxAttempts(t *testing.T) {
	db := openDB(t, "")
	var calls atomic.Int32
	failing := routerFunc(func(ctx context.Context, req *bot.Request) error {
		calls.Add(1)
		return errors.New("disk on fire")
	})
	b := openBot(t, db, failing)
	res, err := b.Accept(context.Background(), event("Ev5", "x"), time.Second)
	if err != nil || res.Done {
		t.Fatalf("accept = %+v, %v", res, err)
	}
	for i := 0; i < 5; i++ {
		b.ProcessPending(context.Background(), time.Now().Add(time.Minute))
	}
	// Each attempt may run the router more than once before it is recorded;
	// what counts is that it was given up after MaxAttempts recorded tries.
	if calls.Load() < 3 {
		t.Fatalf("router ran %d times, want at least MaxAttempts=3", calls.Load())
	}
	if n, _ := b.ProcessPending(context.Background(), time.Now().Add(time.Hour)); n != 0 {
		t.Fatal("a failed event is still being retried")
	}
	q := outbox(t, db, bot.OutboxQueued)
	if len(q) != 1 || q[0].Msg.Text == "" || q[0].Msg.Text == "disk on fire" {
		t.Fatalf("apology = %+v (internal details must not leak)", q)
	}
}

// Ensure a refused command's writes are undone and the refusal is the reply.
func TestDomainError_RollsBackWrites(t *testing.T) {
	db := openDB(t, "")
	refusing := routerFunc(func(ctx context.Context, req *bot.Request) error {
		if err := req.Tx.CreateDepartment(&bot.Department{Name: "Ghost"}); err != nil {
			return err
		}
		req.ReplyText(bot.T("never sent", "不会发送"))
		return bot.Errorf(bot.EFORBIDDEN, "Not you.", "不行。")
	})
	b := openBot(t, db, refusing)
	res, err := b.Accept(context.Background(), event("Ev6", "x"), time.Second)
	if err != nil || !res.Done || len(res.Replies) != 1 || res.Replies[0].Text != "Not you." {
		t.Fatalf("accept = %+v, %v", res, err)
	}
	db.View(context.Background(), func(tx bot.Tx) error {
		if _, err := tx.FindDepartmentByName("Ghost"); bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Errorf("refused command's write survived: %v", err)
		}
		return nil
	})
}

// Ensure the bot ignores bots (itself included) and survives a panicking command.
func TestIgnoresBotsAndSurvivesPanics(t *testing.T) {
	db := openDB(t, "")
	var calls atomic.Int32
	r := routerFunc(func(ctx context.Context, req *bot.Request) error {
		calls.Add(1)
		if req.Event.Text == "panic" {
			panic("bad command")
		}
		return nil
	})
	b := openBot(t, db, r)
	ev := event("Ev7", "from a bot")
	ev.Sender.IsBot = true
	if res, err := b.Accept(context.Background(), ev, time.Second); err != nil || !res.Done || len(res.Replies) != 0 {
		t.Fatalf("bot message = %+v, %v", res, err)
	}
	if calls.Load() != 0 {
		t.Fatal("router ran for a bot's message")
	}
	if res, err := b.Accept(context.Background(), event("Ev8", "panic"), time.Second); err != nil || res.Done {
		t.Fatalf("panicking command = %+v, %v", res, err)
	}
	if res, err := b.Accept(context.Background(), event("Ev9", "fine"), time.Second); err != nil || !res.Done {
		t.Fatalf("after a panic = %+v, %v", res, err)
	}
}

// Ensure senders are registered on first sight, once, and language follows the message.
func TestRequest_Senders(t *testing.T) {
	db := openDB(t, "")
	var langs []bot.Lang
	r := routerFunc(func(ctx context.Context, req *bot.Request) error {
		langs = append(langs, req.Lang)
		return nil
	})
	b := openBot(t, db, r)
	for i, text := range []string{"task list", "任务 列表"} {
		if _, err := b.Accept(context.Background(), event(fmt.Sprint("L", i), text), time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(langs) != "[en zh-CN]" {
		t.Fatalf("languages = %v", langs)
	}
	db.View(context.Background(), func(tx bot.Tx) error {
		p, err := tx.FindPersonByAccount(bot.Account{Platform: "slack", Workspace: "T1", UserID: "U1"})
		if err != nil || p.Name != "Ann" || p.Handle != "ann" || p.Role != bot.RoleMember {
			t.Errorf("registered person = %+v, %v", p, err)
		}
		return nil
	})
}
