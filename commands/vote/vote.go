// Package vote is anonymous votes (匿名投票) and anonymous suggestions
// (匿名建议), built on the asks mechanism (commands/asks).
//
// A vote's ballots are not linked to people anywhere Tandem stores them: a
// click casts the ballot with ask.Store.CastBallot (a token, the HMAC of
// the voter's id under the vote's random salt, in one table; the choice's
// count in another) and records only "voted" in the ledger, so the ledger
// shows who took part, never what they chose. No reply, card, timeline
// entry or log line names the choice; the event of the click loses its
// payload once it is done (the inbox). Results are shown only once the vote
// has closed.
//
// A suggestion goes to a department's head with no author: the ask's
// AuthorID is 0, its timeline has no actor, and the card says nothing of
// who wrote it.
package vote

import (
	"crypto/rand"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/asks"
)

// Deps are what votes and suggestions need.
type Deps struct {
	Engine      *asks.Engine
	Notifier    *bot.Notifier
	DefaultLang bot.Lang
	DefaultTZ   *time.Location
	// DueHour and DueMinute are the time a closing date without a clock
	// means.
	DueHour, DueMinute int
}

// Limits of a vote.
const (
	minOptions  = 2
	maxOptions  = 10
	maxTitle    = 200
	maxOption   = 60
	maxSuggest  = 2000
	saltBytes   = 32
	maxGroupsTo = 20
)

type feature struct{ d Deps }

// Module is the vote and suggest commands; it registers their kinds with
// the engine.
func Module(d Deps) commands.Module {
	d.DefaultLang, d.DefaultTZ = bot.Defaults(d.DefaultLang, d.DefaultTZ)
	d.Notifier = bot.NotifierOr(d.Notifier, d.DefaultLang, d.DefaultTZ)
	if d.DueHour == 0 && d.DueMinute == 0 {
		d.DueHour = 18
	}
	f := &feature{d: d}
	d.Engine.Register(ask.Vote, voteKind{f})
	d.Engine.Register(ask.Suggestion, suggestKind{f})
	return commands.Module{Name: "vote", Commands: []*commands.Command{f.voteCommand(), f.suggestCommand()}}
}

// newSalt is a vote's random ballot key (crypto/rand: a guessable salt
// would let anyone with the database recompute every person's token).
func newSalt() []byte {
	b := make([]byte, saltBytes)
	rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return b
}

// splitList splits "a,b，c、d" into its trimmed non-empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
