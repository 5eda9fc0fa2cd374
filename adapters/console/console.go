// Package console is the local adapter: people chat with the bot from a
// terminal (`tandem chat --as alice`), with no platform credentials. Tests
// and demos drive the whole bot through it.
//
// Over HTTP the console is guarded (auth.go): a request needs the secret the
// server keeps in its data directory, and nothing a web page can send gets
// in, so that the console, which can act as anyone, is no open door.
package console

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tandemhq/tandem/adapters/webhook"
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
	// Secret is the bearer token every HTTP request must carry (see
	// EnsureSecret). While it is empty every request is refused.
	Secret string
	// Hosts are the host names, besides loopback ones, that requests may
	// name in their Host header: http.addr's host and console.hosts.
	Hosts []string
	// AllowRemote admits requests that came through a proxy
	// (console.allow_remote).
	AllowRemote bool
	// Log receives one line per refused request.
	Log *slog.Logger
	// PictureDir is where pictures sent to console users are saved (the
	// data directory's "pictures"); a terminal shows their paths. Empty:
	// pictures are described but not saved.
	PictureDir string
	// FileDir is where files sent to console users are saved (the data
	// directory's "files"), as <digest>-<name>; a terminal shows their
	// paths. Empty: files are named but not saved.
	FileDir string

	mu      sync.Mutex
	arrived chan struct{} // closed and replaced whenever messages are queued
}

// New returns a console adapter.
func New(intake bot.Intake, store bot.Store) *Adapter {
	return &Adapter{Intake: intake, Store: store, Wait: 10 * time.Second, Now: time.Now, arrived: make(chan struct{})}
}

// Wake tells waiting terminals that new messages may be queued. Wire it to
// the commit hooks' OnQueued.
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
		var next time.Time
		now := a.Now()
		var media map[string][]byte
		err := a.Store.Update(ctx, func(tx bot.Tx) (err error) {
			if taken, err = tx.TakeOutgoing(bot.PlatformConsole, user, now, 100); err != nil || len(taken) > 0 {
				if err == nil {
					media, err = mediaOf(tx, taken)
				}
				return err
			}
			// A notification waiting for more changes to its task is
			// queued already but due later: nothing will Wake us for it.
			next, err = tx.NextOutgoingFor(bot.PlatformConsole, user)
			return err
		})
		if err != nil || len(taken) > 0 || wait <= 0 {
			msgs := make([]bot.Message, 0, len(taken))
			for _, o := range taken {
				if o.Msg.Edit != nil && strings.TrimSpace(o.Msg.Text) == "" {
					continue // an edit with nothing to say where it cannot edit (bot.Sender)
				}
				if img := o.Msg.Image; img != nil {
					img.Key = a.save(a.PictureDir, img.SHA256, pictureName(img.Name), media[img.SHA256])
				}
				if f := o.Msg.File; f != nil {
					f.Key = a.save(a.FileDir, f.SHA256, fileName(f.Name), media[f.SHA256])
				}
				msgs = append(msgs, o.Msg)
			}
			return msgs, err
		}
		due := time.NewTimer(wait) // stopped at once when nothing is queued
		if next.IsZero() {
			due.Stop()
		} else {
			due.Reset(max(next.Sub(now), 0))
		}
		select {
		case <-arrived:
		case <-due.C:
		case <-deadline.C:
			due.Stop()
			return nil, nil
		case <-ctx.Done():
			due.Stop()
			return nil, nil
		}
		due.Stop()
	}
}

// mediaOf reads the pictures and files of the taken messages, in the unit
// that takes them: once that unit commits the messages are sent, and their
// bytes may be pruned later.
func mediaOf(tx bot.Tx, taken []*bot.Outgoing) (map[string][]byte, error) {
	var out map[string][]byte
	for _, o := range taken {
		a := o.Msg.Attachment()
		if a == nil || a.Stored() == "" {
			continue
		}
		data, err := tx.MediaPNG(a.Stored())
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string][]byte{}
		}
		out[a.Stored()] = data
	}
	return out, nil
}

// save writes a picture or a file into dir, named by its digest so that
// saving it again (another reader, a retried fetch) writes the same file,
// and returns the path, or "" when it is not saved. It runs after the unit
// that took the message committed: a unit may run more than once.
func (a *Adapter) save(dir, digest, name string, data []byte) string {
	if dir == "" || len(data) == 0 {
		return ""
	}
	path := filepath.Join(dir, digest[:min(16, len(digest))]+"-"+name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		a.log().Warn("console attachment not saved", "err", err)
		return ""
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		a.log().Warn("console attachment not saved", "err", err)
		return ""
	}
	return path
}

// pictureName keeps a picture's name from leaving PictureDir or hiding,
// and ends it in .png.
func pictureName(name string) string {
	name = fileName(name)
	if name == "file" {
		return "picture.png"
	}
	if !strings.HasSuffix(strings.ToLower(name), ".png") {
		name += ".png"
	}
	return name
}

// fileName keeps a file's name from leaving its directory or hiding.
func fileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.TrimLeft(name, ".")
	if name == "" || name == "/" {
		return "file"
	}
	return name
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

// Routes returns the console's HTTP endpoints, each behind guard.
func (a *Adapter) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"/console/messages": a.guard(http.MethodPost, a.serveSay),
		"/console/inbox":    a.guard(http.MethodGet, a.serveInbox),
	}
}

var (
	errUnreadable = bot.Errorf(bot.EINVALID, "The request body could not be read.", "无法读取请求内容。")
	errNoUser     = bot.Errorf(bot.EINVALID, "Say whose mailbox: ?user=NAME.", "请在参数 user 中写明是谁的消息。")
)

func (a *Adapter) serveSay(w http.ResponseWriter, r *http.Request) {
	body, err := webhook.ReadBody(r, maxLine, errUnreadable)
	if err != nil {
		webhook.Fail(w, r, a.log(), "console", err)
		return
	}
	var req sayRequest
	if err := json.Unmarshal(body, &req); err != nil {
		webhook.Fail(w, r, a.log(), "console", bot.Errorf(bot.EINVALID, "Bad JSON: %v", "JSON 格式不正确：%v", err))
		return
	}
	res, err := a.Say(r.Context(), req.User, req.ID, req.Text)
	if err != nil {
		webhook.Fail(w, r, a.log(), "console", err)
		return
	}
	writeJSON(w, Replies{Replies: res.Replies, Pending: !res.Done && !res.Duplicate})
}

func (a *Adapter) serveInbox(w http.ResponseWriter, r *http.Request) {
	user := strings.ToLower(r.URL.Query().Get("user"))
	if user == "" {
		webhook.Fail(w, r, a.log(), "console", errNoUser)
		return
	}
	wait, _ := time.ParseDuration(r.URL.Query().Get("wait"))
	wait = min(max(wait, 0), 60*time.Second)
	msgs, err := a.Take(r.Context(), user, wait)
	if err != nil {
		webhook.Fail(w, r, a.log(), "console", err)
		return
	}
	writeJSON(w, Replies{Replies: msgs})
}

func (a *Adapter) log() *slog.Logger {
	if a.Log == nil {
		return slog.Default()
	}
	return a.Log
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}
