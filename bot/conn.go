package bot

import (
	"errors"
	"sync"
)

// ConnState is the state of a long connection a platform delivers events
// through (Slack Socket Mode, Feishu's long connection, DingTalk Stream),
// for readiness probes: the adapter marks it up when connected and down,
// with the reason, when the connection drops. The zero value is "not
// connected yet".
type ConnState struct {
	mu  sync.Mutex
	up  bool
	why string
}

// Up marks the connection established.
func (c *ConnState) Up() {
	c.mu.Lock()
	c.up, c.why = true, ""
	c.mu.Unlock()
}

// Down marks the connection lost, saying why.
func (c *ConnState) Down(why string) {
	c.mu.Lock()
	c.up, c.why = false, why
	c.mu.Unlock()
}

// Check is nil while the connection is up, and says why it is not
// otherwise.
func (c *ConnState) Check() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.up:
		return nil
	case c.why == "":
		return errors.New("not connected yet")
	}
	return errors.New("disconnected: " + c.why)
}
