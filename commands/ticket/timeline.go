package ticket

import (
	"strings"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands"
)

// showPage reads `ticket show <id> [page N]`'s page; anything else after
// the id is answered with the form.
func showPage(c *commands.Ctx) (int, error) {
	page, rest, err := commands.PageArg(c, c.Args[1:])
	if err != nil {
		return 0, err
	}
	if len(rest) > 0 {
		return 0, c.Usage(bot.Tf("I don't understand %q here.", "这里的「%s」我没看懂。", rest[0].Raw))
	}
	return page, nil
}

// timelinePage is one page of tk's timeline, oldest first, a page of
// commands.PageSize entries, with how to see the next one. The entries are
// read in order from the timeline's index (ticket_events_ticket), up to the
// end of the page: a page costs its offset and its size, never the whole
// timeline of a long-running ticket.
func timelinePage(c *commands.Ctx, tk *ticket.Ticket, page int) (string, error) {
	first, end := (page-1)*commands.PageSize, page*commands.PageSize
	evs, err := ticket.From(c.Tx).TicketEvents(tk.ID, end+1)
	if err != nil {
		return "", err
	}
	title := bot.T("Timeline", "时间线")
	if first >= len(evs) {
		if page > 1 {
			return title.In(c.Lang) + c.T(": there is no page %d.", "：没有第%d页。", page), nil
		}
		return title.In(c.Lang) + c.T(": empty.", "：暂无记录。"), nil
	}
	more := len(evs) > end
	evs = evs[first:min(len(evs), end)]
	ppl := commands.NewPeople(c.Tx, c.Person)
	rd := readerOf(c)
	var b strings.Builder
	if page == 1 && !more {
		b.WriteString(c.T("Timeline:", "时间线：")) // the whole of it
	} else {
		b.WriteString(commands.PageTitle(c, title, page, len(evs), more))
	}
	for _, e := range evs {
		b.WriteString("\n• " + line(e, ppl, rd))
	}
	if more {
		b.WriteString("\n" + commands.NextPage(c, "ticket show", "工单 查看", c.Args[:1], page))
	}
	return b.String(), nil
}
