package wecom

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Group robots (群机器人) post into any group they were added to, through a
// webhook URL whose key is a credential. WeCom allows a robot 20 messages a
// minute [reported in the developer community; see platforms.md §3.5].
const (
	robotPerMinute = 20
	robotWindow    = time.Minute
)

// sendRobot posts m as markdown to the named robot, then its picture or
// file. The
// outbox already paces robots (Limits().PerChat); the adapter keeps its own
// count as well, over a sliding minute, because WeCom enforces the limit per
// robot for everyone posting through it and a message over it is refused.
// Robots return no message id, and their messages cannot be edited.
func (a *Adapter) sendRobot(ctx context.Context, name string, m bot.Message) error {
	hook, ok := a.cfg.Robots[name]
	if !ok {
		return &bot.DeliveryError{Err: fmt.Errorf("wecom: no robot named %q is configured", name), Permanent: true}
	}
	content := robotMarkdown(m)
	if strings.TrimSpace(content) == "" && m.Attachment() == nil {
		return &bot.DeliveryError{Err: errEmptyMessage, Permanent: true}
	}
	if strings.TrimSpace(content) != "" {
		body := map[string]any{"msgtype": "markdown", "markdown": map[string]any{"content": content}}
		if err := a.postRobot(ctx, name, hook, body); err != nil {
			return err
		}
	}
	if m.Image != nil {
		body, err := robotImage(m.Image)
		if err != nil {
			return err
		}
		return a.postRobot(ctx, name, hook, body)
	}
	if m.File != nil {
		body, err := a.robotFile(ctx, name, m.File)
		if err != nil {
			return err
		}
		return a.postRobot(ctx, name, hook, body)
	}
	return nil
}

// postRobot posts one robot message, within the robot's pace.
func (a *Adapter) postRobot(ctx context.Context, name, hook string, body map[string]any) error {
	if wait := a.reserveRobot(name); wait > 0 {
		return &bot.DeliveryError{Err: fmt.Errorf("wecom: robot %s: %d messages in the last minute", name, robotPerMinute), RetryAfter: wait}
	}
	var res apiResult
	return classify(a.postJSON(ctx, hook, "robot "+name, body, &res))
}

// reserveRobot counts a message to the robot now, or returns how long to
// wait until one may go.
func (a *Adapter) reserveRobot(name string) time.Duration {
	now := a.now()
	a.robotMu.Lock()
	defer a.robotMu.Unlock()
	sent := a.robotSent[name]
	i := 0
	for i < len(sent) && now.Sub(sent[i]) >= robotWindow {
		i++
	}
	sent = sent[i:]
	if len(sent) >= robotPerMinute {
		a.robotSent[name] = sent
		return sent[0].Add(robotWindow).Sub(now)
	}
	a.robotSent[name] = append(sent, now)
	return 0
}
