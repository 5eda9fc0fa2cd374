package feishu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	larkevent "github.com/larksuite/oapi-sdk-go/v3/event"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"
	larkws "github.com/larksuite/oapi-sdk-go/v3/ws"

	"github.com/tandemhq/tandem/bot"
)

// ignoredEvents are event types an app commonly subscribes to alongside
// messages. The SDK answers an event without a handler with an error, which
// makes Feishu redeliver it for hours, so these are acknowledged and dropped.
var ignoredEvents = []string{
	"im.message.message_read_v1",
	"im.message.recalled_v1",
	"im.message.reaction.created_v1",
	"im.message.reaction.deleted_v1",
	"im.chat.member.bot.added_v1",
	"im.chat.member.bot.deleted_v1",
	"im.chat.member.user.added_v1",
	"im.chat.member.user.deleted_v1",
	"im.chat.disbanded_v1",
	"application.bot.menu_v6",
	"p2p_chat_create",
}

var errStopped = errors.New("feishu: shutting down; leaving the event for redelivery")

// Run receives events over the long connection until ctx ends, for
// deployments that cannot expose a public URL. In HTTP mode there is nothing
// to run, and it just waits, so the caller can treat both modes alike.
//
// The connection is the SDK's ws client, which has quirks this has to live
// with. Its Start ignores ctx and never returns once connected, so it runs
// in its own goroutine and shutdown cannot close the connection cleanly:
// when ctx ends Run returns, and from then on every event the still-open
// connection brings is refused (the SDK answers it 500), so Feishu
// delivers it again, to another connection or after the restart. It
// acknowledges a frame only when the handler returns, so handlers store
// the event and return; work happens later. Its reconnect path has a data
// race (disconnect writes connID while the ping loop reads it unlocked;
// v3.5.3 ws/client.go), which -race reports whenever a connection drops;
// only replacing the client would fix it. It reaches Feishu with
// http.DefaultClient, not Config.HTTPClient. And it drops frames of the
// legacy card-callback type; subscribe to card.action.trigger (the
// new-style callback), which arrives as an event.
func (a *Adapter) Run(ctx context.Context) error {
	if a.cfg.Mode != ModeWS {
		<-ctx.Done()
		return nil
	}
	cli := larkws.NewClient(a.cfg.AppID, a.cfg.AppSecret,
		larkws.WithEventHandler(a.dispatcher(ctx)),
		larkws.WithDomain(a.base),
		larkws.WithLogger(sdkLogger{l: a.log, conn: &a.conn}),
		larkws.WithAutoReconnect(true),
	)
	errc := make(chan error, 1)
	go func() { errc <- cli.Start(context.WithoutCancel(ctx)) }()
	defer a.conn.Down("stopped")
	select {
	case <-ctx.Done():
		a.log.Info("feishu: stopped; the long connection stays open until the process exits, refusing events")
		return nil
	case err := <-errc:
		if err == nil {
			err = errors.New("connection ended")
		}
		return fmt.Errorf("feishu: long connection: %w", err)
	}
}

// dispatcher routes the SDK's events to the shared handler. Events arrive
// raw (OnCustomizedEvent) so that they go through the same parsing as HTTP.
func (a *Adapter) dispatcher(run context.Context) *dispatcher.EventDispatcher {
	d := dispatcher.NewEventDispatcher("", "")
	d.InitConfig(larkevent.WithLogger(sdkLogger{l: a.log}))
	d.OnCustomizedEvent(eventMessage, func(ctx context.Context, req *larkevent.EventReq) error {
		_, err := a.handleFrame(run, ctx, req.Body)
		return err
	})
	d.OnP2CardActionTrigger(func(ctx context.Context, ev *callback.CardActionTriggerEvent) (*callback.CardActionTriggerResponse, error) {
		if ev == nil || ev.EventReq == nil {
			return nil, errMalformed
		}
		resp, err := a.handleFrame(run, ctx, ev.EventReq.Body)
		if err != nil {
			return nil, err
		}
		return callbackResponse(resp), nil
	})
	for _, t := range ignoredEvents {
		d.OnCustomizedEvent(t, func(context.Context, *larkevent.EventReq) error { return nil })
	}
	return d
}

// handleFrame handles one event from the long connection. The connection
// is authenticated, so there is no signature, decryption or token to check.
// A malformed event is acknowledged (redelivering it cannot help); one that
// could not be stored is not, so Feishu delivers it again.
func (a *Adapter) handleFrame(run, ctx context.Context, body []byte) (any, error) {
	start := time.Now()
	if run.Err() != nil {
		return nil, errStopped
	}
	p, err := parsePayload(body)
	var resp any
	if err == nil {
		resp, err = a.handle(ctx, p, start)
	}
	if err != nil {
		if bot.ErrorCode(err) == bot.EINVALID {
			a.log.Warn("feishu: malformed event on the long connection", "err", err)
			return nil, nil
		}
		a.log.Error("feishu: event not acknowledged", "err", err)
		return nil, err
	}
	return resp, nil
}

// callbackResponse converts our answer to the SDK's type. An empty answer
// is {} rather than null.
func callbackResponse(resp any) *callback.CardActionTriggerResponse {
	out := &callback.CardActionTriggerResponse{}
	r, ok := resp.(*cardResponse)
	if !ok || r == nil {
		return out
	}
	if r.Toast != nil {
		out.Toast = &callback.Toast{Type: r.Toast.Type, Content: r.Toast.Content}
	}
	if r.Card != nil {
		out.Card = &callback.Card{Type: r.Card.Type, Data: r.Card.Data}
	}
	return out
}

// sdkLogger routes the SDK's logs to slog. Debug lines are dropped: they
// hold raw payloads, verification token included. URLs lose their query,
// which carries the connection's ticket.
//
// It also follows the connection's state into conn (when set): the SDK's
// client exposes none, and its "connected to" and "disconnected to" lines
// (ws/client.go, v3.5.3) are the only sign of it.
type sdkLogger struct {
	l    *slog.Logger
	conn *bot.ConnState
}

// Connection is the long connection's state, for /readyz.
func (a *Adapter) Connection() *bot.ConnState { return &a.conn }

func (s sdkLogger) Debug(context.Context, ...any) {}
func (s sdkLogger) Info(ctx context.Context, args ...any) {
	line := fmt.Sprint(args...)
	if s.conn != nil {
		switch {
		case strings.Contains(line, "disconnected to "):
			s.conn.Down("the SDK reported the connection closed")
		case strings.Contains(line, "connected to "):
			s.conn.Up()
		}
	}
	s.l.InfoContext(ctx, "feishu sdk: "+redact(line))
}
func (s sdkLogger) Warn(ctx context.Context, args ...any) {
	s.l.WarnContext(ctx, "feishu sdk: "+redact(fmt.Sprint(args...)))
}
func (s sdkLogger) Error(ctx context.Context, args ...any) {
	s.l.ErrorContext(ctx, "feishu sdk: "+redact(fmt.Sprint(args...)))
}

// redact cuts the query string off every URL in s.
func redact(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			break
		}
		end := strings.IndexAny(s[i:], " \t\n,]\"'")
		if end < 0 {
			end = len(s) - i
		}
		u := s[i : i+end]
		if q := strings.IndexByte(u, '?'); q >= 0 {
			u = u[:q] + "?…"
		}
		b.WriteString(s[:i])
		b.WriteString(u)
		s = s[i+end:]
	}
	b.WriteString(s)
	return b.String()
}
