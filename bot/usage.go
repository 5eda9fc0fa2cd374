package bot

import "time"

// UsageKind says what an handled event was, for the usage counters.
type UsageKind string

// Usage kinds. A typed message that ran a command is a command, one that
// ran none (chatter, a standup answer, "I don't know") a message; a card
// button is a click. "Messages" in the figures are both typed kinds.
const (
	UsageMessage UsageKind = "message"
	UsageCommand UsageKind = "command"
	UsageClick   UsageKind = "click"
)

// Usage is one handled event as the usage counters see it: one count on
// the row (Day, DeptID, Platform, Kind, Command).
type Usage struct {
	Day      string // YYYY-MM-DD in the usage zone (Bot.UsageZone)
	DeptID   int64  // the sender's department; 0 for none
	Platform string
	Kind     UsageKind
	Command  string // the command's English name, for commands and clicks
}

// UsageCounter is the narrow contract the bot counts handled events
// through, in the unit that handles them: one upsert of one counter row,
// so counting costs the same whatever has been counted before. A unit
// without it (a store that keeps no figures) counts nothing rather than
// fail the event: the figures are a by-product of the work, never a
// condition of it.
type UsageCounter interface {
	CountUsage(u Usage) error
}

// usageOf is what req's event counts as, handled at now and read in loc.
func usageOf(req *Request, now time.Time, loc *time.Location) Usage {
	u := Usage{Day: now.In(loc).Format(time.DateOnly), Platform: req.Event.Platform, Kind: UsageMessage, Command: req.Command}
	if req.Person != nil {
		u.DeptID = req.Person.DeptID
	}
	switch {
	case req.Event.Action != nil:
		u.Kind = UsageClick
	case req.Command != "":
		u.Kind = UsageCommand
	}
	return u
}

// countUsage adds the handled event to the usage counters of tx, if it
// keeps them (UsageCounter).
func (b *Bot) countUsage(tx Tx, req *Request, now time.Time) error {
	c, ok := Contract[UsageCounter](tx)
	if !ok {
		return nil
	}
	loc := b.UsageZone
	if loc == nil {
		loc = b.DefaultTZ
	}
	return c.CountUsage(usageOf(req, now, loc))
}
