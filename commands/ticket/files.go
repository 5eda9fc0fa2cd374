package ticket

import (
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
	filescmd "github.com/tandemhq/tandem/commands/files"
)

// linkItem is the ticket a `ticket link` names, for commands/files.
func (f *feature) linkItem(c *commands.Ctx) (filescmd.Item, error) {
	tk, err := loadTicket(c)
	if err != nil {
		return filescmd.Item{}, err
	}
	return filescmd.Item{Subject: Subject(tk), Ref: tk.Ref(), DeptID: tk.DeptID,
		Card: func() (func(bot.Lang, *time.Location) *bot.Card, error) {
			v, err := f.load(c.Tx, tk, c.Now)
			if err != nil {
				return nil, err
			}
			return func(lang bot.Lang, loc *time.Location) *bot.Card { return v.card(c.Now, loc, lang) }, nil
		}}, nil
}
