package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// maxAckPayload keeps an inline answer under Socket Mode's 20 KB response
// limit, beyond which Slack silently drops it (see socketmode's
// maxResponseSize); larger answers go through the response_url instead.
const maxAckPayload = 19 * 1024

// Run receives events over Socket Mode until ctx ends, for deployments that
// cannot expose a public URL. In HTTP mode there is nothing to run, and it
// just waits, so the caller can treat both modes alike.
func (a *Adapter) Run(ctx context.Context) error {
	if a.cfg.Mode != ModeSocket {
		<-ctx.Done()
		return nil
	}
	logger := slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)
	return a.runSocket(ctx, socketmode.New(a.api, socketmode.OptionLog(logger)))
}

// runSocket reads the client's events and handles each envelope in its own
// goroutine, so one slow Accept does not hold back the acks of others.
func (a *Adapter) runSocket(ctx context.Context, client *socketmode.Client) error {
	ctx, cancel := context.WithCancel(ctx)
	// Last, once the handlers are done: none can mark it up again after.
	defer a.conn.Down("stopped")
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel() // first, so that handlers blocked on an ack give up
	errc := make(chan error, 1)
	go func() { errc <- client.RunContext(ctx) }()
	for {
		select {
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack: socket mode: %w", err)
		case evt := <-client.Events:
			wg.Go(func() { a.socketEvent(ctx, client, evt) })
		}
	}
}

// acker is the part of socketmode.Client that acknowledges envelopes.
type acker interface {
	AckCtx(ctx context.Context, envelopeID string, payload any) error
}

func (a *Adapter) socketEvent(ctx context.Context, ack acker, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeEventsAPI, socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive:
		if evt.Request != nil {
			a.handleEnvelope(ctx, ack, evt.Request)
		}
	case socketmode.EventTypeErrorBadMessage:
		// The SDK could not parse the payload (for instance an inner event
		// type it does not know). Our own parser may; and either way the
		// envelope must be acknowledged or Slack sends it again.
		if bad, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			var req socketmode.Request
			if json.Unmarshal(bad.Message, &req) == nil && req.EnvelopeID != "" {
				a.handleEnvelope(ctx, ack, &req)
			}
		}
	case socketmode.EventTypeConnected:
		a.conn.Up()
		a.log.Info("slack: socket mode connected")
	case socketmode.EventTypeConnecting, socketmode.EventTypeDisconnect:
		a.conn.Down(string(evt.Type))
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		a.conn.Down(string(evt.Type))
		a.log.Warn("slack: socket mode connection failed", "event", evt.Type, "data", evt.Data)
	}
}

// Connection is the Socket Mode connection's state, for /readyz.
func (a *Adapter) Connection() *bot.ConnState { return &a.conn }

// handleEnvelope processes one envelope and acknowledges it, except when the
// event could not be stored: then Slack is left to deliver it again.
func (a *Adapter) handleEnvelope(ctx context.Context, ack acker, req *socketmode.Request) {
	start := time.Now()
	payload, err := a.envelope(ctx, req, start)
	if err != nil {
		if bot.ErrorCode(err) != bot.EINVALID {
			a.log.Error("slack: envelope not acknowledged", "type", req.Type, "envelope_id", req.EnvelopeID, "err", err)
			return
		}
		// Redelivering malformed bytes cannot help.
		a.log.Warn("slack: malformed envelope", "type", req.Type, "envelope_id", req.EnvelopeID, "err", err)
	}
	if err := ack.AckCtx(ctx, req.EnvelopeID, payload); err != nil {
		a.log.Warn("slack: ack failed", "envelope_id", req.EnvelopeID, "err", err)
	}
}

// envelope returns the ack payload for req: nil except for a slash command
// answered inline.
func (a *Adapter) envelope(ctx context.Context, req *socketmode.Request, start time.Time) (any, error) {
	switch req.Type {
	case socketmode.RequestTypeEventsAPI:
		_, err := a.handleEvents(ctx, req.Payload)
		return nil, err
	case socketmode.RequestTypeInteractive:
		ic, err := parseInteraction(req.Payload)
		if err != nil {
			return nil, err
		}
		return nil, a.handleInteraction(ctx, ic, start)
	case socketmode.RequestTypeSlashCommands:
		var cmd slack.SlashCommand
		if err := json.Unmarshal(req.Payload, &cmd); err != nil {
			return nil, errMalformed
		}
		resp, err := a.handleCommand(ctx, &cmd, start)
		if err != nil || resp == nil {
			return nil, err
		}
		return a.ackPayload(resp, cmd.ResponseURL), nil
	}
	return nil, nil
}

// ackPayload returns resp as the ack payload, or nil after sending it to the
// response_url when it is too large for a Socket Mode response.
func (a *Adapter) ackPayload(resp *responseMessage, responseURL string) any {
	raw, err := json.Marshal(resp)
	if err == nil && len(raw) < maxAckPayload {
		return json.RawMessage(raw)
	}
	if responseURL != "" {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), webhook.AcceptTimeout)
			defer cancel()
			if err := a.respond(ctx, responseURL, resp); err != nil {
				a.log.Error("slack: large command answer not delivered", "err", err)
			}
		}()
	}
	return nil
}
