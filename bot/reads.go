package bot

import (
	"context"
	"time"
)

// ReadReporter is implemented by a Sender whose platform reports which of
// the bot's own messages a user has read: Feishu (im/v1/messages/:id/
// read_users, for messages up to 7 days old) and DingTalk (robot
// oToMessages/readStatus). Slack and WeCom report no reads; there the
// explicit acknowledgement (a button) is all there is. A read is a fact
// kept apart from an acknowledgement: it never counts as one.
type ReadReporter interface {
	// MessageReads asks who read each message (remote ids as Send returned
	// them) of the app in workspace. A message the platform no longer
	// answers for (too old, recalled) is left out, not an error.
	MessageReads(ctx context.Context, workspace string, remoteIDs []string) ([]MessageRead, error)
	// ReadWindow is how long after sending a message the platform still
	// answers for it.
	ReadWindow() time.Duration
}

// MessageRead is one reader of one message.
type MessageRead struct {
	RemoteID string
	UserID   string // the platform's user id of the reader
	At       time.Time
}
