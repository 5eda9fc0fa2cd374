package bot

import (
	"context"
	"time"
)

// Intake is what adapters hand inbound events to. It is implemented by *Bot.
type Intake interface {
	// Accept stores ev durably (deduplicated on its DedupKey) and processes it.
	// It waits up to wait for processing to finish; if it does, Result.Done is
	// true and the replies are returned for the adapter to give inline (in the
	// HTTP response). Otherwise replies are delivered later through the outbox
	// to ev.ReplyDestination(). An error means ev was not stored: the adapter
	// must not acknowledge it.
	Accept(ctx context.Context, ev *Event, wait time.Duration) (Result, error)
}

// Result is the outcome of Intake.Accept.
type Result struct {
	Duplicate bool      // the platform had delivered this event before
	Done      bool      // processing finished within the wait
	Replies   []Message // the replies, when Done
}

// Sender delivers outgoing messages to one platform.
type Sender interface {
	// Platform returns the platform this sender serves.
	Platform() string
	// Send delivers o. It returns the platform's id for the message, if any.
	// Errors should be *DeliveryError when the platform says how to retry.
	Send(ctx context.Context, o *Outgoing) (remoteID string, err error)
}

// Router turns a request into effects and replies. It is implemented by the
// commands package.
type Router interface {
	Route(ctx context.Context, req *Request) error
}
