// Package link is the domain of linking one person's accounts on several
// platforms: the store contract for the one-time link codes. It imports bot
// only; the chat surface is commands/link.
package link

import (
	"fmt"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Store is the link feature's store contract, implemented by the same unit
// as bot.Tx (see From). Expired codes are pruned by the core
// (bot.PruneTx.PruneLinkCodes).
type Store interface {
	// CreateLinkCode stores a one-time code for linking another account to
	// the person; ECONFLICT if the code is taken.
	CreateLinkCode(code string, personID int64, expires time.Time) error
	// UseLinkCode consumes a code and returns its person; ENOTFOUND if it
	// does not exist or has expired.
	UseLinkCode(code string, now time.Time) (personID int64, err error)
	// FindLinkCode returns the person of a code that has not expired,
	// without using it up; ENOTFOUND otherwise.
	FindLinkCode(code string, now time.Time) (personID int64, err error)
}

// From returns the link store of the unit tx, by type assertion (see
// task.From). A unit without one fails every call with an internal error.
func From(tx bot.Tx) Store {
	if s, ok := bot.Contract[Store](tx); ok {
		return s
	}
	return missing{fmt.Errorf("link: the unit %T does not implement link.Store", tx)}
}

type missing struct{ err error }

func (m missing) CreateLinkCode(string, int64, time.Time) error { return m.err }
func (m missing) UseLinkCode(string, time.Time) (int64, error)  { return 0, m.err }
func (m missing) FindLinkCode(string, time.Time) (int64, error) { return 0, m.err }
