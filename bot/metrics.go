package bot

import (
	"context"
	"log/slog"
	"strconv"
	"time"
)

// Metrics receives what the operations dashboards count: the bot, the
// scheduler, the outbox and the features call it, and cmd/tandem gives them
// one that exports Prometheus metrics (adapters/prom). It keeps the
// Prometheus library out of everything but that adapter. Calls are made
// after the unit they describe has committed, so a unit run again after a
// rollback is counted once. Implementations must be safe for concurrent use
// and cheap: they are called on the writer's path.
type Metrics interface {
	// EventReceived counts an inbound event stored for the first time
	// (redeliveries are not counted).
	EventReceived(platform string)
	// EventHandled counts a handled event: the command it named ("" when
	// it named none: a greeting, a listener, a bot's message) and its
	// outcome (OutcomeOK, OutcomeRefused, OutcomeError), with its lag from
	// receipt to handling.
	EventHandled(platform, command, outcome string, lag time.Duration)
	// JobRan counts a job run whose outcome was recorded, with its
	// lateness (when it ran minus when it was due) and whether it failed.
	JobRan(kind string, lateness time.Duration, failed bool)
	// RateLimitDeferred counts an outgoing message held back by a rate
	// limit or by its lane's order.
	RateLimitDeferred(platform string)
	// SLABreached counts a ticket's target recorded as breached
	// ("response" or "resolution", as ticket.Target names them).
	SLABreached(target string)
}

// Outcomes of a handled event (Metrics.EventHandled).
const (
	OutcomeOK      = "ok"
	OutcomeRefused = "refused" // a polite refusal or a malformed command
	OutcomeError   = "error"   // an internal failure; the event is retried
)

// NoMetrics counts nothing; it is what a nil Metrics means.
type NoMetrics struct{}

func (NoMetrics) EventReceived(string)                               {}
func (NoMetrics) EventHandled(string, string, string, time.Duration) {}
func (NoMetrics) JobRan(string, time.Duration, bool)                 {}
func (NoMetrics) RateLimitDeferred(string)                           {}
func (NoMetrics) SLABreached(string)                                 {}

// MetricsOr returns m, or NoMetrics when m is nil.
func MetricsOr(m Metrics) Metrics {
	if m == nil {
		return NoMetrics{}
	}
	return m
}

type logKey struct{}

// WithLog returns ctx carrying l, the logger of one handling (an event's,
// with its request id; a job run's, with its id and kind), so that every
// line logged while handling it says which one it was.
func WithLog(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, logKey{}, l)
}

// LogFrom returns the handling's logger carried by ctx (WithLog), or
// fallback when there is none (nil fallback: slog.Default()).
func LogFrom(ctx context.Context, fallback *slog.Logger) *slog.Logger {
	if l, ok := ctx.Value(logKey{}).(*slog.Logger); ok && l != nil {
		return l
	}
	if fallback == nil {
		return slog.Default()
	}
	return fallback
}

// RequestID names one inbound event in logs: the platform's key for the
// delivery (redeliveries share it), or the inbox id when it has none.
func (e *Event) RequestID() string {
	if e.DedupKey != "" {
		return e.Platform + ":" + e.DedupKey
	}
	return e.Platform + ":in" + strconv.FormatInt(e.ID, 10)
}
