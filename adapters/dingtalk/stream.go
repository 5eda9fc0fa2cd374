package dingtalk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tandemhq/tandem/bot"
)

// Stream mode (https://open-dingtalk.github.io/developerpedia/docs/learn/stream/protocol):
// POST /v1.0/gateway/connections/open with the app's credentials and the
// topics wanted returns an endpoint and a one-use ticket; a WebSocket to
// endpoint?ticket=… then carries JSON frames {specVersion, type, headers,
// data}, each answered by an ack {code, headers{messageId, contentType},
// message, data}. SYSTEM frames are "ping" (answered with its data) and
// "disconnect" (the server closes the socket ten seconds later).

// Stream topics.
const (
	TopicBotMessage   = "/v1.0/im/bot/messages/get"
	TopicCardCallback = "/v1.0/card/instances/callback"
)

const (
	// pingInterval is how often the client pings; readTimeout is how long
	// the connection may stay silent (no frame, no pong) before it is taken
	// for dead and replaced.
	pingInterval = 30 * time.Second
	readTimeout  = 75 * time.Second
	writeTimeout = 10 * time.Second
	// maxFrame bounds one frame; bot messages are a few kilobytes.
	maxFrame = 1 << 20
	// drainTimeout is how long a connection the server asked to leave is
	// kept for the acks of frames still being handled; the server closes
	// it after ten seconds anyway.
	drainTimeout = 15 * time.Second
	// maxInFlight bounds the frames handled at once. When all are busy
	// the reader waits, which slows DingTalk down rather than piling up
	// goroutines behind a slow store.
	maxInFlight = 100
	userAgent   = "tandem-sdk-go/1.0"
)

// errDisconnect is how a connection ends when the gateway asked for it.
var errDisconnect = errors.New("dingtalk: the gateway asked to reconnect")

// Run receives bot messages and card clicks over Stream mode until ctx
// ends, reconnecting with backoff (ReconnectWait doubling to a minute, with
// jitter) when the connection fails or cannot be opened, and at once when
// the gateway asks for it. It returns nil once ctx is done, after closing
// the socket and waiting for the frames being handled. In http mode there
// is nothing to run, and it just waits, so the caller can treat both modes
// alike.
func (a *Adapter) Run(ctx context.Context) error {
	if a.cfg.Mode != ModeStream {
		<-ctx.Done()
		return nil
	}
	var wg sync.WaitGroup // connection goroutines and frame handlers
	defer wg.Wait()
	slots := make(chan struct{}, maxInFlight)
	wait := a.cfg.ReconnectWait
	for {
		connected, err := a.connect(ctx, &wg, slots)
		if ctx.Err() != nil {
			return nil
		}
		if connected {
			wait = a.cfg.ReconnectWait
		}
		if errors.Is(err, errDisconnect) {
			a.log.Info("dingtalk: stream gateway asked to reconnect")
			continue
		}
		d := wait + rand.N(wait/5+1)
		a.log.Warn("dingtalk: stream connection failed; reconnecting", "err", err, "in", d)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		wait = min(wait*2, maxReconnectWait)
	}
}

// connect opens one connection and serves it until it fails, ctx ends or
// the gateway asks for a new one; in that last case the old connection
// goes on serving (and acking) in the background for a while, so the next
// one can be opened at once. connected reports whether the socket was
// established, for the backoff.
// Connection is the Stream connection's state, for /readyz.
func (a *Adapter) Connection() *bot.ConnState { return &a.conn }

func (a *Adapter) connect(ctx context.Context, wg *sync.WaitGroup, slots chan struct{}) (connected bool, err error) {
	ep, err := a.openConnection(ctx)
	if err != nil {
		a.conn.Down(err.Error())
		return false, err
	}
	ws, err := a.dial(ctx, ep)
	if err != nil {
		return false, err
	}
	a.log.Info("dingtalk: stream connected", "host", hostOf(ep.Endpoint))
	a.conn.Up()
	defer a.conn.Down("the stream connection ended")
	cctx, cancel := context.WithCancelCause(ctx)
	c := &streamConn{a: a, ws: ws, out: make(chan []byte, 64), gone: make(chan struct{}), cancel: cancel, slots: slots, wg: wg}
	wg.Go(func() { c.write(cctx) })
	wg.Go(func() { c.read(cctx) })
	select {
	case <-cctx.Done():
		return true, context.Cause(cctx)
	case <-c.gone:
		time.AfterFunc(drainTimeout, func() { cancel(errDisconnect) })
		return true, errDisconnect
	}
}

type endpoint struct {
	Endpoint string `json:"endpoint"`
	Ticket   string `json:"ticket"`
}

type subscription struct {
	Type  string `json:"type"`
	Topic string `json:"topic"`
}

// openConnection registers a connection with the gateway and returns where
// to connect.
func (a *Adapter) openConnection(ctx context.Context) (*endpoint, error) {
	req := struct {
		ClientID      string         `json:"clientId"`
		ClientSecret  string         `json:"clientSecret"`
		Subscriptions []subscription `json:"subscriptions"`
		UA            string         `json:"ua"`
	}{
		ClientID:     a.cfg.ClientID,
		ClientSecret: a.cfg.ClientSecret,
		Subscriptions: []subscription{
			{Type: "CALLBACK", Topic: TopicBotMessage},
			{Type: "CALLBACK", Topic: TopicCardCallback},
		},
		UA: userAgent,
	}
	status, header, raw, err := a.postJSON(ctx, a.cfg.APIURL+pathOpen, req, nil)
	if err != nil {
		return nil, fmt.Errorf("dingtalk: connections/open: %w", err)
	}
	if e := parseAPIError(status, header, raw); e != nil {
		return nil, fmt.Errorf("dingtalk: connections/open: %w", e)
	}
	var ep endpoint
	if err := json.Unmarshal(raw, &ep); err != nil || ep.Endpoint == "" || ep.Ticket == "" {
		return nil, errors.New("dingtalk: connections/open: answer without endpoint and ticket")
	}
	return &ep, nil
}

func (a *Adapter) dial(ctx context.Context, ep *endpoint) (*websocket.Conn, error) {
	u, err := url.Parse(ep.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("dingtalk: stream endpoint: %w", err)
	}
	q := u.Query()
	q.Set("ticket", ep.Ticket)
	u.RawQuery = q.Encode()
	d := websocket.Dialer{HandshakeTimeout: writeTimeout, Proxy: http.ProxyFromEnvironment}
	ws, resp, err := d.DialContext(ctx, u.String(), nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		// The ticket is single-use and expires in 90 s, but it stays out of
		// the logs anyway.
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		msg := strings.ReplaceAll(err.Error(), url.QueryEscape(ep.Ticket), "…")
		return nil, fmt.Errorf("dingtalk: stream connect to %s (HTTP %d): %s", u.Host, status, strings.ReplaceAll(msg, ep.Ticket, "…"))
	}
	return ws, nil
}

// streamConn is one WebSocket connection: a reader goroutine that decodes
// frames and starts a handler per data frame, and a writer goroutine, the
// only one to write data, that sends acks and pings and closes the socket.
// Either one ending cancels the connection's context, which stops the other.
// No channel is ever closed while others may send on it (the v0.9.1 SDK's
// crash): acks are dropped once the context is done.
type streamConn struct {
	a      *Adapter
	ws     *websocket.Conn
	out    chan []byte
	cancel context.CancelCauseFunc
	slots  chan struct{}
	wg     *sync.WaitGroup

	goneOnce sync.Once
	gone     chan struct{} // closed when the gateway says disconnect
}

// frame is a message from the gateway.
type frame struct {
	SpecVersion string  `json:"specVersion"`
	Type        string  `json:"type"`
	Headers     headers `json:"headers"`
	Data        data    `json:"data"`
}

// data is a frame's payload: a string holding JSON, as documented, or the
// JSON itself, which is taken as written.
type data string

func (d *data) UnmarshalJSON(raw []byte) error {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		*d = data(s)
		return nil
	}
	*d = data(raw)
	return nil
}

// headers are a frame's headers. The protocol documents them as strings
// but shows numbers for some (time); both are read as text.
type headers map[string]string

func (h *headers) UnmarshalJSON(raw []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	*h = make(headers, len(m))
	for k, v := range m {
		(*h)[k] = rawString(v)
	}
	return nil
}

// ack answers a frame.
type ack struct {
	Code    int               `json:"code"`
	Headers map[string]string `json:"headers"`
	Message string            `json:"message"`
	Data    string            `json:"data"`
}

func (c *streamConn) read(ctx context.Context) {
	ws := c.ws
	ws.SetReadLimit(maxFrame)
	alive := func() { _ = ws.SetReadDeadline(time.Now().Add(readTimeout)) }
	alive()
	ws.SetPongHandler(func(string) error { alive(); return nil })
	ws.SetPingHandler(func(data string) error {
		alive()
		err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeTimeout))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	for {
		typ, raw, err := ws.ReadMessage()
		if err != nil {
			c.cancel(fmt.Errorf("dingtalk: stream read: %w", err))
			return
		}
		alive()
		if typ == websocket.TextMessage {
			c.dispatch(ctx, raw)
		}
	}
}

func (c *streamConn) write(ctx context.Context) {
	ping := time.NewTicker(pingInterval)
	defer ping.Stop()
	defer c.ws.Close()
	for {
		select {
		case <-ctx.Done():
			_ = c.ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			return
		case b := <-c.out:
			_ = c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
			if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				c.cancel(fmt.Errorf("dingtalk: stream write: %w", err))
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout)); err != nil {
				c.cancel(fmt.Errorf("dingtalk: stream ping: %w", err))
				return
			}
		}
	}
}

// dispatch routes one frame. Data frames are handled in their own
// goroutine so that a slow Accept does not hold back pings and other acks.
func (c *streamConn) dispatch(ctx context.Context, raw []byte) {
	var f frame
	if err := json.Unmarshal(raw, &f); err != nil {
		c.a.log.Warn("dingtalk: undecodable stream frame", "len", len(raw), "err", err)
		return
	}
	id, topic := f.Headers["messageId"], f.Headers["topic"]
	switch f.Type {
	case "SYSTEM":
		switch topic {
		case "ping":
			c.send(ctx, id, 200, "OK", string(f.Data))
		case "disconnect":
			c.goneOnce.Do(func() { close(c.gone) })
		}
	case "CALLBACK":
		if topic != TopicBotMessage && topic != TopicCardCallback {
			c.send(ctx, id, 404, "topic not handled", "")
			return
		}
		select {
		case c.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		c.wg.Go(func() {
			defer func() { <-c.slots }()
			c.handle(ctx, topic, id, string(f.Data))
		})
	case "EVENT":
		// Not subscribed to; acknowledged so that it is not pushed again.
		c.send(ctx, id, 200, "OK", `{"status":"SUCCESS","message":"not handled"}`)
	}
}

// handle normalizes and stores one data frame, then acks it: 200 once the
// event is stored (or was malformed, which no redelivery can fix), 500
// when it could not be stored, which is not a success.
func (c *streamConn) handle(ctx context.Context, topic, id, data string) {
	a := c.a
	var ev *bot.Event
	var err error
	okData := `{"response":null}` // the gateway ignores a bot message's ack data
	switch topic {
	case TopicBotMessage:
		var cb *Callback
		if cb, err = ParseCallback([]byte(data)); err == nil {
			ev, err = a.message(cb, id)
		}
	case TopicCardCallback:
		ev, err = a.cardEvent([]byte(data), id)
		// The answer could carry the clicked card's new cardData; it
		// carries none (an empty CardResponse leaves the card as it is).
		// The click's outcome is not known within the ack, and every copy
		// of the card, the clicked one among them (its outTrackId is the
		// click's MessageID), is updated through the outbox (PUT
		// /v1.0/card/instances), which is durable and retried.
		okData = `{"response":{}}`
	}
	if err == nil && ev != nil {
		err = a.accept(ctx, ev)
	}
	switch {
	case err == nil:
		c.send(ctx, id, 200, "OK", okData)
	case bot.ErrorCode(err) == bot.EINVALID:
		a.log.Warn("dingtalk: malformed stream frame", "topic", topic, "message_id", id, "err", err)
		c.send(ctx, id, 200, "OK", okData)
	default:
		a.log.Error("dingtalk: stream frame not stored", "topic", topic, "message_id", id, "err", err)
		c.send(ctx, id, 500, "internal error", "")
	}
}

// send queues an ack for the writer; it is dropped when the connection is
// gone, since acks are only valid on the connection that got the frame.
func (c *streamConn) send(ctx context.Context, id string, code int, message, data string) {
	raw, err := json.Marshal(ack{
		Code:    code,
		Headers: map[string]string{"contentType": "application/json", "messageId": id},
		Message: message,
		Data:    data,
	})
	if err != nil {
		return
	}
	select {
	case c.out <- raw:
	case <-ctx.Done():
	}
}
