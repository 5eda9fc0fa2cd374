package task

import (
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
	filescmd "github.com/tandemhq/tandem/commands/files"
)

// linkItem is the task a `task link` names, for commands/files.
func linkItem(c *commands.Ctx) (filescmd.Item, error) {
	tk, err := loadTask(c)
	if err != nil {
		return filescmd.Item{}, err
	}
	return filescmd.Item{Subject: Subject(tk), Ref: tk.Ref(), DeptID: tk.DeptID,
		Card: func() (func(bot.Lang, *time.Location) *bot.Card, error) {
			ppl := commands.NewPeople(c.Tx, c.Person)
			return func(lang bot.Lang, loc *time.Location) *bot.Card {
				return taskCard(c.Tx, tk, ppl, c.Now, loc, lang)
			}, nil
		}}, nil
}
