package bot

import (
	"context"
	"time"
)

// Intake is what adapters hand inbound events to. It is implemented by *Bot.
type Intake interface {
	// Accept stores ev durably (deduplicated on its DedupKey) and processes
	// it, returning once both are committed. When wait > 0 the adapter can
	// answer inline (in the HTTP response), and the replies are returned;
	// when wait = 0 they are delivered through the outbox to
	// ev.ReplyDestination(). An error means ev was not stored: the adapter
	// must not acknowledge it, so the platform delivers it again.
	Accept(ctx context.Context, ev *Event, wait time.Duration) (Result, error)
}

// AsyncIntake is an Intake that can also accept an event without waiting,
// so that an adapter which must answer by a deadline waits for the outcome
// in a select of its own rather than in a goroutine per request, and can
// give the event up when the deadline comes first. *Bot implements it.
type AsyncIntake interface {
	Intake
	// AcceptAsync is Accept without the waiting: it returns at once, and the
	// channel (buffered; receiving is optional) yields what Accept would have
	// returned once that is known.
	//
	// abandon gives the event up if it can: true means ev is certain not to
	// be stored by this call (the channel then yields an error), so the
	// platform must be told to deliver it again; false means it is being
	// stored right now, and the channel yields the outcome shortly.
	AcceptAsync(ctx context.Context, ev *Event, wait time.Duration) (outcome <-chan Outcome, abandon func() bool)
}

// Outcome is Accept's return values, as AcceptAsync delivers them.
type Outcome struct {
	Result Result
	Err    error
}

// Result is the outcome of Intake.Accept.
type Result struct {
	Duplicate bool // the platform had delivered this event before
	// Done is true when the event was processed. It is false when processing
	// failed and will be retried: the event is stored, so acknowledge it;
	// its replies will come through the outbox.
	Done    bool
	Replies []Message // the replies to give inline, when Done and wait > 0
}

// Sender delivers outgoing messages to one platform.
type Sender interface {
	// Platform returns the platform this sender serves.
	Platform() string
	// Send delivers o. It returns the platform's id for the message, if any.
	// Errors should be *DeliveryError when the platform says how to retry.
	//
	// When o.Msg.Edit is set, Send replaces the message Edit.RemoteID (an id
	// this Send returned earlier, or a click's Action.MessageID) with
	// o.Msg's card, so the card shows its subject's new state and loses the
	// buttons it no longer has; where the platform cannot edit that message
	// (too old, a single-use code spent, a kind it cannot edit), it posts
	// o.Msg.Text to o.To as a short follow-up instead and succeeds; when
	// o.Msg.Text is empty (the reader is told of the change by a message of
	// its own), it posts nothing and succeeds.
	// When o.Msg.Image is set, the picture goes with the message; Image.PNG
	// holds its bytes, and Image.Key its upload when the Sender is an
	// ImageUploader. When o.Msg.File is set, the file goes with the
	// message likewise (File.Data, and File.Key for a FileUploader).
	Send(ctx context.Context, o *Outgoing) (remoteID string, err error)
}

// Router turns a request into effects and replies. It is implemented by the
// commands package.
type Router interface {
	Route(ctx context.Context, req *Request) error
}
