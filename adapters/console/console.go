// Package console is the local adapter: people chat with the bot from a
// terminal (`tandem chat --as alice`), with no platform credentials. Tests
// and demos drive the whole bot through it.
package console

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Workspace is the one workspace of the console platform.
const Workspace = "local"

// Adapter receives console lines and hands console users the messages the
// bot queued for them. A console user's mailbox is the outbox itself: a
// message stays queued in the database until their terminal fetches it, so
// nothing is lost when tandem restarts while they are away, and fetching
// marks it sent, so nothing is shown twice.
type Adapter struct {
	Intake bot.Intake
	Store  bot.Store
	// Wait bounds how long a line waits for its replies before they are left
	// to arrive through the mailbox.
	Wait time.Duration
	Now  func() time.Time

	mu      sync.Mutex
	arrived chan struct{} // closed and replaced whenever messages are queued
}

// New returns a console adapter.
func New(intake bot.Intake, store bot.Store) *Adapter {
	return &Adapter{Intake: intake, Store: store, Wait: 10 * time.Second, Now: time.Now, arrived: make(chan struct{})}
}

// Wake tells waiting terminals that new messages may be queued. Wire it to
// the bot's OnOutbox.
func (a *Adapter) Wake() {
	a.mu.Lock()
	close(a.arrived)
	a.arrived = make(chan struct{})
	a.mu.Unlock()
}

// Take returns the messages queued for user, oldest first, waiting up to
// wait for some to arrive when there are none.
func (a *Adapter) Take(ctx context.Context, user string, wait time.Duration) ([]bot.Message, error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		a.mu.Lock()
		arrived := a.arrived
		a.mu.Unlock()
		var taken []*bot.Outgoing
		err := a.Store.Update(ctx, func(tx bot.Tx) (err error) {
			taken, err = tx.TakeOutgoing(bot.PlatformConsole, user, a.Now(), 100)
			return err
		})
		if err != nil || len(taken) > 0 || wait <= 0 {
			msgs := make([]bot.Message, len(taken))
			for i, o := range taken {
				msgs[i] = o.Msg
			}
			return msgs, err
		}
		select {
		case <-arrived:
		case <-deadline.C:
			return nil, nil
		case <-ctx.Done():
			return nil, nil
		}
	}
}

// Say sends one line from user to the bot and returns the replies. id makes a
// retried line count once.
func (a *Adapter) Say(ctx context.Context, user, id, text string) (bot.Result, error) {
	user = strings.ToLower(strings.TrimSpace(user))
	if user == "" {
		return bot.Result{}, bot.Errorf(bot.EINVALID, "Say who you are (--as NAME).", "请说明你是谁（--as 名字）。")
	}
	ev := &bot.Event{
		Platform:  bot.PlatformConsole,
		Workspace: Workspace,
		DedupKey:  id,
		ChatID:    "dm:" + user,
		ChatType:  bot.ChatDirect,
		Sender:    bot.Author{UserID: user, Name: user},
		Text:      strings.TrimSpace(text),
	}
	// An @name in the text (or ＠name) is left to the commands, which
	// look it up among known people. It is not listed in Mentions: that
	// would make it a console account, registered on first mention, and a
	// typo would create a person.
	return a.Intake.Accept(ctx, ev, a.Wait)
}

// maxLine bounds one console request; chat lines are short.
const maxLine = 64 << 10

type sayRequest struct {
	User string `json:"user"`
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Replies is the JSON answer of the console endpoints.
type Replies struct {
	Replies []bot.Message `json:"replies"`
	// Pending is true when the bot took longer than the wait; the replies
	// will arrive in the mailbox.
	Pending bool `json:"pending,omitempty"`
}

// Routes returns the console's HTTP endpoints. They are meant for loopback:
// the server binds 127.0.0.1 by default and the console has no credentials.
func (a *Adapter) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"/console/messages": http.HandlerFunc(a.serveSay),
		"/console/inbox":    http.HandlerFunc(a.serveInbox),
	}
}

func (a *Adapter) serveSay(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	var req sayRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxLine))
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "line too long", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	res, err := a.Say(r.Context(), req.User, req.ID, req.Text)
	if err != nil {
		if bot.ErrorCode(err) == bot.EINVALID {
			http.Error(w, bot.ErrorText(err).EN, http.StatusBadRequest)
			return
		}
		http.Error(w, "could not store the message", http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, Replies{Replies: res.Replies, Pending: !res.Done && !res.Duplicate})
}

func (a *Adapter) serveInbox(w http.ResponseWriter, r *http.Request) {
	user := strings.ToLower(r.URL.Query().Get("user"))
	if user == "" {
		http.Error(w, "user is required", http.StatusBadRequest)
		return
	}
	wait, _ := time.ParseDuration(r.URL.Query().Get("wait"))
	wait = min(max(wait, 0), 60*time.Second)
	msgs, err := a.Take(r.Context(), user, wait)
	if err != nil {
		http.Error(w, "could not read the mailbox", http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, Replies{Replies: msgs})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}
