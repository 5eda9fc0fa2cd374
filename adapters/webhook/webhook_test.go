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
		bot.ErrUnavailable:                      503,
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
// fails the test if AcceptBy falls back to the blocking Accept. abandon
// answers canAbandon and counts its calls.
type asyncIntake struct {
	t          *testing.T
	outcome    chan bot.Outcome
	waits      []time.Duration
	canAbandon bool
	abandons   int
}

func (a *asyncIntake) Accept(context.Context, *bot.Event, time.Duration) (bot.Result, error) {
	a.t.Error("Accept called on an intake that accepts asynchronously")
	return bot.Result{}, nil
}

func (a *asyncIntake) AcceptAsync(_ context.Context, _ *bot.Event, wait time.Duration) (<-chan bot.Outcome, func() bool) {
	a.waits = append(a.waits, wait)
	return a.outcome, func() bool { a.abandons++; return a.canAbandon }
}

// Ensure AcceptBy takes the outcome from AcceptAsync when the intake has it
// (the bot does): in time, it is returned as it is; past the deadline, the
// event is given up and EUNAVAILABLE returned, never a result without its
// commit; and when it can no longer be given up (it is being committed),
// AcceptBy waits for the outcome and returns it as late.
func TestAcceptBy_Async(t *testing.T) {
	ev := &bot.Event{DedupKey: "k2"}
	in := &asyncIntake{t: t, outcome: make(chan bot.Outcome, 1)}
	in.outcome <- bot.Outcome{Result: bot.Result{Done: true}}
	res, onTime, err := webhook.AcceptBy(context.Background(), in, ev, -time.Second, time.Now().Add(time.Minute))
	if !onTime || err != nil || !res.Done || len(in.waits) != 1 || in.waits[0] != 0 || in.abandons != 0 {
		t.Fatalf("in time: %+v %v %v, waits %v, abandons %d (a negative wait is passed as 0)", res, onTime, err, in.waits, in.abandons)
	}

	in.canAbandon = true
	res, onTime, err = webhook.AcceptBy(context.Background(), in, ev, 0, time.Now())
	if onTime || res.Done || !errors.Is(err, bot.ErrUnavailable) || webhook.Status(err) != 503 || in.abandons != 1 {
		t.Fatalf("past the deadline, given up: %+v %v %v after %d abandons; want ErrUnavailable (503)", res, onTime, err, in.abandons)
	}

	in.canAbandon = false
	go func() {
		time.Sleep(20 * time.Millisecond)
		in.outcome <- bot.Outcome{Result: bot.Result{Done: true, Replies: []bot.Message{{Text: "late"}}}}
	}()
	res, onTime, err = webhook.AcceptBy(context.Background(), in, ev, 0, time.Now())
	if onTime || err != nil || !res.Done || len(res.Replies) != 1 || in.abandons != 2 {
		t.Fatalf("past the deadline, being committed: %+v %v %v; want its outcome, late", res, onTime, err)
	}
}

// Ensure AcceptBy returns a plain Intake's outcome when it is in time, and
// when it is not, waits for it (a plain Intake cannot give an event up) and
// returns it as late.
func TestAcceptBy(t *testing.T) {
	ev := &bot.Event{DedupKey: "k1"}
	fast := &blockingIntake{release: make(chan struct{}), res: bot.Result{Done: true}}
	close(fast.release)
	res, onTime, err := webhook.AcceptBy(context.Background(), fast, ev, time.Second, time.Now().Add(time.Minute))
	if !onTime || err != nil || !res.Done {
		t.Fatalf("in time: %+v %v %v", res, onTime, err)
	}

	slow := &blockingIntake{release: make(chan struct{}), err: errors.New("disk full")}
	go func() {
		time.Sleep(20 * time.Millisecond)
		close(slow.release)
	}()
	res, onTime, err = webhook.AcceptBy(context.Background(), slow, ev, 0, time.Now())
	if onTime || err == nil || err.Error() != "disk full" || res.Done {
		t.Fatalf("past the deadline: %+v %v %v, want Accept's error, late", res, onTime, err)
	}
}
