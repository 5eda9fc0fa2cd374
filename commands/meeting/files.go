package meeting

import (
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
	filescmd "github.com/tandemhq/tandem/commands/files"
)

// linkItem is the meeting a `meeting link` names, for commands/files.
func (f *feature) linkItem(c *commands.Ctx) (filescmd.Item, error) {
	m, err := loadMeeting(c)
	if err != nil {
		return filescmd.Item{}, err
	}
	return filescmd.Item{Subject: m.Subject(), Ref: m.Ref(), DeptID: m.DeptID,
		Card: func() (func(bot.Lang, *time.Location) *bot.Card, error) {
			v, err := f.load(c.Tx, m, c.Now)
			if err != nil {
				return nil, err
			}
			return func(lang bot.Lang, loc *time.Location) *bot.Card { return v.card(c.Now, loc, lang) }, nil
		}}, nil
}
