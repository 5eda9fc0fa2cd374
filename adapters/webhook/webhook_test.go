package webhook_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

func TestStatus(t *testing.T) {
	for err, want := range map[error]int{
		nil:                                     200,
		bot.Errorf(bot.EINVALID, "x", "x"):      400,
		bot.Errorf(bot.EUNAUTHORIZED, "x", "x"): 401,
		bot.Errorf(bot.EFORBIDDEN, "x", "x"):    403,
		bot.Errorf(bot.ENOTFOUND, "x", "x"):     404,
		bot.Errorf(bot.ECONFLICT, "x", "x"):     409,
		bot.Errorf(bot.ETOOLARGE, "x", "x"):     413,
		errors.New("disk"):                      500,
	} {
		if got := webhook.Status(err); got != want {
			t.Errorf("StatusCode(%v) = %d, want %d", err, got, want)
		}
	}
}

// Ensure bodies are bounded, whether or not their length is declared.
func TestReadBody(t *testing.T) {
	malformed := bot.Errorf(bot.EINVALID, "bad", "坏")
	r := httptest.NewRequest("POST", "/", strings.NewReader("hello"))
	if b, err := webhook.ReadBody(r, 5, malformed); err != nil || string(b) != "hello" {
		t.Fatalf("at the limit: %q %v", b, err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader("hello!"))
	if _, err := webhook.ReadBody(r, 5, malformed); bot.ErrorCode(err) != bot.ETOOLARGE {
		t.Fatalf("declared over the limit: %v", err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader("hello!"))
	r.ContentLength = -1 // chunked: the length is not known up front
	if _, err := webhook.ReadBody(r, 5, malformed); bot.ErrorCode(err) != bot.ETOOLARGE {
		t.Fatalf("undeclared over the limit: %v", err)
	}
	r = httptest.NewRequest("POST", "/", errReader{})
	r.ContentLength = -1
	if _, err := webhook.ReadBody(r, 5, malformed); err != malformed {
		t.Fatalf("unreadable: %v", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

// blockingIntake answers Accept when release is closed.
type blockingIntake struct {
	release chan struct{}
	res     bot.Result
	err     error
}

func (b *blockingIntake) Accept(ctx context.Context, ev *bot.Event, wait time.Duration) (bot.Result, error) {
	<-b.release
	return b.res, b.err
}

// asyncIntake delivers its outcome on the channel the test holds, and
// fails the test if AcceptBy falls back to the blocking Accept.
type asyncIntake struct {
	t       *testing.T
	outcome chan bot.Outcome
	waits   []time.Duration
}

func (a *asyncIntake) Accept(context.Context, *bot.Event, time.Duration) (bot.Result, error) {
	a.t.Error("Accept called on an intake that accepts asynchronously")
	return bot.Result{}, nil
}

func (a *asyncIntake) AcceptAsync(_ context.Context, _ *bot.Event, wait time.Duration) <-chan bot.Outcome {
	a.waits = append(a.waits, wait)
	return a.outcome
}

// Ensure AcceptBy takes the outcome from AcceptAsync when the intake has it
// (the bot does), in time and late alike.
func TestAcceptBy_Async(t *testing.T) {
	ev := &bot.Event{DedupKey: "k2"}
	in := &asyncIntake{t: t, outcome: make(chan bot.Outcome, 1)}
	in.outcome <- bot.Outcome{Result: bot.Result{Done: true}}
	res, onTime, err := webhook.AcceptBy(context.Background(), in, ev, -time.Second, time.Now().Add(time.Minute),
		func(bot.Result, error) { t.Error("late called for an Accept in time") })
	if !onTime || err != nil || !res.Done || len(in.waits) != 1 || in.waits[0] != 0 {
		t.Fatalf("in time: %+v %v %v, waits %v (a negative wait is passed as 0)", res, onTime, err, in.waits)
	}

	got := make(chan bot.Result, 1)
	res, onTime, _ = webhook.AcceptBy(context.Background(), in, ev, 0, time.Now(), func(res bot.Result, _ error) { got <- res })
	if onTime || res.Done {
		t.Fatalf("past the deadline: %+v %v", res, onTime)
	}
	in.outcome <- bot.Outcome{Result: bot.Result{Done: true, Replies: []bot.Message{{Text: "late"}}}}
	if r := <-got; !r.Done || len(r.Replies) != 1 {
		t.Fatalf("late got %+v", r)
	}
}

// Ensure AcceptBy returns Accept's outcome when it is in time, and when it
// is not, returns at the deadline and hands the outcome to late once it
// comes.
func TestAcceptBy(t *testing.T) {
	ev := &bot.Event{DedupKey: "k1"}
	fast := &blockingIntake{release: make(chan struct{}), res: bot.Result{Done: true}}
	close(fast.release)
	res, onTime, err := webhook.AcceptBy(context.Background(), fast, ev, time.Second, time.Now().Add(time.Minute),
		func(bot.Result, error) { t.Error("late called for an Accept in time") })
	if !onTime || err != nil || !res.Done {
		t.Fatalf("in time: %+v %v %v", res, onTime, err)
	}

	slow := &blockingIntake{release: make(chan struct{}), err: errors.New("disk full")}
	got := make(chan error, 1)
	res, onTime, err = webhook.AcceptBy(context.Background(), slow, ev, 0, time.Now(),
		func(_ bot.Result, err error) { got <- err })
	if onTime || err != nil || res.Done {
		t.Fatalf("past the deadline: %+v %v %v", res, onTime, err)
	}
	select {
	case err := <-got:
		t.Fatalf("late called before Accept finished: %v", err)
	default:
	}
	close(slow.release)
	if err := <-got; err == nil || err.Error() != "disk full" {
		t.Fatalf("late got %v, want Accept's error", err)
	}
}
