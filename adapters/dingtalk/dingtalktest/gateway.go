package dingtalktest

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The Stream gateway: connections/open hands out a ticket and the
// endpoint ws://<fake>/connect, where one connection per ticket is
// accepted. The test plays the gateway's end (GatewayConn).

// GatewayConn is the gateway's end of one Stream connection.
type GatewayConn struct {
	Ticket string
	ws     *websocket.Conn
	in     chan []byte // frames the adapter wrote, closed when it is gone
	wmu    sync.Mutex
}

var upgrader = websocket.Upgrader{}

func (f *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	f.mu.Lock()
	ok := f.tickets[ticket]
	delete(f.tickets, ticket) // a ticket opens one connection
	f.mu.Unlock()
	if !ok {
		http.Error(w, "bad ticket", http.StatusForbidden)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	g := &GatewayConn{Ticket: ticket, ws: ws, in: make(chan []byte, 64)}
	f.mu.Lock()
	f.conns = append(f.conns, g)
	f.mu.Unlock()
	f.Conns <- g
	defer close(g.in)
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		g.in <- msg
	}
}

func (f *Server) closeConns() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, g := range f.conns {
		g.ws.Close()
	}
}

// NextConn waits for the adapter's next connection.
func (f *Server) NextConn(tb testing.TB) *GatewayConn {
	tb.Helper()
	select {
	case g := <-f.Conns:
		return g
	case <-time.After(5 * time.Second):
		tb.Fatal("the adapter did not connect")
		return nil
	}
}

// Send writes a frame to the adapter.
func (g *GatewayConn) Send(tb testing.TB, typ, topic, messageID, data string) {
	tb.Helper()
	g.SendData(tb, typ, topic, messageID, data)
}

// SendData writes a frame whose data is any JSON value (DingTalk documents
// a string holding JSON).
func (g *GatewayConn) SendData(tb testing.TB, typ, topic, messageID string, data any) {
	tb.Helper()
	frame := map[string]any{
		"specVersion": "1.0",
		"type":        typ,
		"headers": map[string]any{
			"topic": topic, "messageId": messageID, "contentType": "application/json",
			"time": 1700000000000, "appId": "app-1",
		},
		"data": data,
	}
	g.wmu.Lock()
	defer g.wmu.Unlock()
	if err := g.ws.WriteJSON(frame); err != nil {
		tb.Fatal(err)
	}
}

// SendRaw writes raw as one text message, frame or not.
func (g *GatewayConn) SendRaw(tb testing.TB, raw []byte) {
	tb.Helper()
	g.wmu.Lock()
	defer g.wmu.Unlock()
	if err := g.ws.WriteMessage(websocket.TextMessage, raw); err != nil {
		tb.Fatal(err)
	}
}

// Ack is the adapter's answer to a frame.
type Ack struct {
	Code    int               `json:"code"`
	Headers map[string]string `json:"headers"`
	Message string            `json:"message"`
	Data    string            `json:"data"`
}

// NextAck returns the next frame the adapter wrote, or nil if none came
// within d (or the connection ended).
func (g *GatewayConn) NextAck(tb testing.TB, d time.Duration) *Ack {
	tb.Helper()
	select {
	case raw, ok := <-g.in:
		if !ok {
			return nil
		}
		var a Ack
		if err := json.Unmarshal(raw, &a); err != nil {
			tb.Fatalf("undecodable ack %s", raw)
		}
		return &a
	case <-time.After(d):
		return nil
	}
}

// Closed reports whether the adapter's end is gone within d.
func (g *GatewayConn) Closed(d time.Duration) bool {
	deadline := time.After(d)
	for {
		select {
		case _, ok := <-g.in:
			if !ok {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// Drop closes the connection abruptly, as a network failure would.
func (g *GatewayConn) Drop() { g.ws.Close() }
