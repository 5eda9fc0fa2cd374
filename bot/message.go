package bot

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Message is one normalized outgoing message: text plus an optional card.
// Adapters render it into their platform's format (Block Kit, Feishu cards,
// WeCom template cards, DingTalk cards, or plain text on the console).
type Message struct {
	Text string `json:"text"`
	Card *Card  `json:"card,omitempty"`
	// Private asks the platform to show the message only to the addressee when
	// it can (Slack ephemeral replies); others ignore it.
	Private bool `json:"private,omitempty"`
	// Image is a picture sent with the message (see Image).
	Image *Image `json:"image,omitempty"`
	// File is a document sent with the message (see File); a message
	// carries a picture or a file, not both.
	File *File `json:"file,omitempty"`
	// Edit makes the message the new state of a card posted earlier
	// (Request.UpdateCards): it replaces that message where the platform can
	// edit it, and Text is posted as a short follow-up where it cannot.
	Edit *Edit `json:"edit,omitempty"`
}

// Card is a titled block of fields with buttons.
type Card struct {
	Title   string   `json:"title"`
	Fields  []Field  `json:"fields,omitempty"`
	Buttons []Button `json:"buttons,omitempty"`
	Footer  string   `json:"footer,omitempty"`
	// Subject names what a live card shows ("task/3"); its posted copies are
	// remembered and edited when it changes (Request.UpdateCards). Empty:
	// a card that is never updated.
	Subject string `json:"subject,omitempty"`
	// Lang and TZ are the reader the card was rendered for, so that an
	// update is rendered for the same reader.
	Lang Lang   `json:"lang,omitempty"`
	TZ   string `json:"tz,omitempty"`
}

// Field is one label/value line on a card.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Button is a card button. A click comes back as an Event with Action{ID, Value}.
type Button struct {
	ActionID string `json:"action_id"`
	Value    string `json:"value"`
	Label    string `json:"label"`
	Style    string `json:"style,omitempty"` // "primary", "danger" or ""
	// Typed is the command that does the same as the button, in the
	// reader's language, for platforms without buttons (the console).
	Typed string `json:"typed,omitempty"`
}

// Destination says where an outgoing message goes. With ChatID empty and UserID
// set, it is a direct message to that user.
type Destination struct {
	Platform    string `json:"platform"`
	Workspace   string `json:"workspace"`
	ChatID      string `json:"chat_id,omitempty"`
	UserID      string `json:"user_id,omitempty"`
	ThreadID    string `json:"thread_id,omitempty"`
	ReplyHandle string `json:"reply_handle,omitempty"`
}

// OutboxState is the delivery state of an outgoing message.
type OutboxState string

// Outbox states.
const (
	OutboxQueued OutboxState = "queued" // waiting for (another) delivery attempt
	OutboxSent   OutboxState = "sent"   // the platform accepted it
	OutboxDead   OutboxState = "dead"   // gave up; visible to admins
)

// Outgoing is a stored outgoing message. Key is an idempotency key: enqueueing
// the same key twice stores one message.
type Outgoing struct {
	ID  int64  `json:"id"`
	Key string `json:"key"`
	// Coalesce names what the message is about for its one recipient (e.g.
	// "console/local/bob/task/3"). While a queued message with the same
	// Coalesce has not been tried and is not yet due, a new one is merged
	// into it (MergeMessages) instead of being stored beside it. Empty: never
	// merged.
	Coalesce    string      `json:"coalesce,omitempty"`
	To          Destination `json:"to"`
	Msg         Message     `json:"msg"`
	State       OutboxState `json:"state"`
	Attempts    int         `json:"attempts"`
	NextAttempt time.Time   `json:"next_attempt"`
	LastError   string      `json:"last_error,omitempty"`
	RemoteID    string      `json:"remote_id,omitempty"`
	CreatedAt   time.Time   `json:"created_at"`
}

// DefaultNotifyWindow is how long a notification about a task waits before
// it is sent (Bot.NotifyWindow), so that the changes made to the task in
// that time reach each recipient as one message. Someone editing a task
// usually sets its due time, priority and description one after another
// within a minute; a minute's delay costs little for news about a task,
// while one message per field (a full card each) buried one new user under
// 27 of them.
const DefaultNotifyWindow = 60 * time.Second

// maxMergedLines bounds the text of a merged message: a task edited in a
// loop must not grow one message without end.
const maxMergedLines = 30

// MergeMessages is the message that says what earlier and later say: the
// lines of earlier's text, then those of later's that earlier lacks, and
// later's card (the latest state of what the message is about), or
// earlier's when later has none. Past maxMergedLines lines, the oldest after
// the first give way to an ellipsis.
func MergeMessages(earlier, later Message) Message {
	lines := splitLines(earlier.Text)
	for _, l := range splitLines(later.Text) {
		if !slices.Contains(lines, l) {
			lines = append(lines, l)
		}
	}
	if len(lines) > maxMergedLines {
		lines = append([]string{lines[0], "…"}, lines[len(lines)-(maxMergedLines-2):]...)
	}
	out := later
	out.Text = strings.Join(lines, "\n")
	if out.Card == nil {
		out.Card = earlier.Card
	}
	if out.Image == nil && out.File == nil {
		out.Image, out.File = earlier.Image, earlier.File
	}
	out.Private = earlier.Private && later.Private
	return out
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// DeliveryError is returned by Sender.Send to say how a failed delivery should
// be retried. Any other error is treated as transient.
type DeliveryError struct {
	Err        error
	Permanent  bool          // retrying cannot help (bad channel, revoked token)
	RetryAfter time.Duration // the platform asked us to wait this long
}

func (e *DeliveryError) Error() string {
	switch {
	case e.Permanent:
		return fmt.Sprintf("permanent: %v", e.Err)
	case e.RetryAfter > 0:
		return fmt.Sprintf("retry after %s: %v", e.RetryAfter, e.Err)
	}
	return e.Err.Error()
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// AsDeliveryError extracts a *DeliveryError from err.
func AsDeliveryError(err error) (*DeliveryError, bool) {
	var d *DeliveryError
	ok := errors.As(err, &d)
	return d, ok
}
