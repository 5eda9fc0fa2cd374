package meeting

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/commands"
)

// maxAgendaItems bounds one meeting's agenda.
const maxAgendaItems = 50

// mayEdit refuses anyone but the attendees, the organizer, the
// department's head and admins: they keep the agenda and the minutes.
func mayEdit(tx bot.Tx, actor *bot.Person, m *meeting.Meeting, doing bot.Text) error {
	if MayChange(tx, actor, m, doing) == nil {
		return nil
	}
	if a, err := attends(tx, m, actor); err != nil {
		return err
	} else if a != nil {
		return nil
	}
	return bot.Err(bot.EFORBIDDEN, bot.T("Only the attendees, the organizer, the department's head or an admin may "+doing.EN+".",
		bot.ZHConcat("只有参会人、组织者、部门负责人或管理员可以", doing.ZH+"。")))
}

// agenda is `meeting agenda add|list|remove <id> …`.
func (f *feature) agenda(c *commands.Ctx) error {
	if len(c.Args) < 2 {
		return c.Usage(bot.T("Say add, list or remove, and the meeting's number.", "请写「添加」「列表」或「删除」，以及会议编号。"))
	}
	verb := strings.ToLower(c.Args[0].Text)
	m, err := findMeeting(c, c.Args[1].Text)
	if err != nil {
		return err
	}
	rest := c.Args[2:]
	switch verb {
	case "list", "ls", "show", "列表", "查看":
		v, err := f.load(c.Tx, m, c.Now)
		if err != nil {
			return err
		}
		lines := v.agendaLines(commands.ReaderOf(c))
		if len(lines) == 0 {
			c.ReplyText(bot.Tf("%s has no agenda yet.", "会议 %s 还没有议程。", m.Ref()))
			return nil
		}
		c.Reply(bot.Message{Text: c.T("Agenda of %s:", "会议 %s 的议程：", m.Ref()) + "\n" + strings.Join(lines, "\n"), Private: true})
		return nil
	case "add", "new", "添加", "新增", "加":
		if err := mayEdit(c.Tx, c.Person, m, bot.T("change the agenda of "+m.Ref(), "修改会议 "+m.Ref()+" 的议程")); err != nil {
			return err
		}
		return f.agendaAdd(c, m, rest)
	case "remove", "rm", "delete", "删除", "移除":
		if err := mayEdit(c.Tx, c.Person, m, bot.T("change the agenda of "+m.Ref(), "修改会议 "+m.Ref()+" 的议程")); err != nil {
			return err
		}
		if len(rest) != 1 {
			return c.Usage(bot.T("Which item? Give its number in the agenda.", "删除哪一项？请写议程中的序号。"))
		}
		pos, err := commands.ParseID(rest[0].Text)
		if err != nil {
			return c.Usage(bot.Tf("%q is not an item number.", "「%s」不是议程序号。", rest[0].Text))
		}
		if err := meeting.From(c.Tx).DeleteAgendaItem(m.ID, int(pos)); err != nil {
			return err
		}
		return f.agendaChanged(c, m, c.T("Removed item %d from %s's agenda.", "已从会议 %[2]s 的议程中删除第 %[1]d 项。", pos, m.Ref()))
	}
	return c.Usage(bot.Tf("I don't know %q here: say add, list or remove.", "这里不认识「%s」：请写「添加」「列表」或「删除」。", c.Args[0].Text))
}

// agendaAdd reads `"title" @owner 10m link…`.
func (f *feature) agendaAdd(c *commands.Ctx, m *meeting.Meeting, args []commands.Token) error {
	it := &meeting.AgendaItem{MeetingID: m.ID}
	var loose []string
	for _, t := range args {
		switch {
		case t.IsMention():
			p, err := c.ResolvePerson(t.Text)
			if err != nil {
				return err
			}
			it.OwnerID = p.ID
		case t.Quoted && it.Title == "":
			it.Title = strings.TrimSpace(t.Text)
		case strings.HasPrefix(t.Raw, "http://") || strings.HasPrefix(t.Raw, "https://"):
			it.Links = append(it.Links, t.Raw)
		default:
			if d, ok := parseDuration(t.Text); ok && it.TimeBox == 0 {
				it.TimeBox = d
				continue
			}
			loose = append(loose, t.Raw)
		}
	}
	if it.Title == "" {
		it.Title = strings.Join(loose, " ")
	} else if len(loose) > 0 {
		return c.Usage(bot.Tf("I don't understand %q after the item.", "议程事项后面的「%s」我没看懂。", strings.Join(loose, " ")))
	}
	if it.Title == "" {
		return c.Usage(bot.T("An agenda item needs a title.", "议程事项需要一个标题。"))
	}
	if utf8.RuneCountInString(it.Title) > maxTitleLen {
		return c.Usage(bot.Tf("That item is too long (at most %d characters).", "事项太长了（最多 %d 个字）。", maxTitleLen))
	}
	items, err := meeting.From(c.Tx).Agenda(m.ID)
	if err != nil {
		return err
	}
	if len(items) >= maxAgendaItems {
		return bot.Errorf(bot.ECONFLICT, "%s's agenda is full (%d items).", "会议 %s 的议程已满（%d 项）。", m.Ref(), maxAgendaItems)
	}
	it.Position = len(items) + 1
	if len(items) > 0 {
		it.Position = items[len(items)-1].Position + 1
	}
	if err := meeting.From(c.Tx).AddAgendaItem(it); err != nil {
		return err
	}
	return f.agendaChanged(c, m, c.T("Added item %d to %s's agenda.", "已在会议 %[2]s 的议程中加入第 %[1]d 项。", it.Position, m.Ref()))
}

// agendaChanged answers and edits every copy of the card (the invitation
// shows the agenda).
func (f *feature) agendaChanged(c *commands.Ctx, m *meeting.Meeting, text string) error {
	v, err := f.load(c.Tx, m, c.Now)
	if err != nil {
		return err
	}
	c.Reply(bot.Message{Text: text, Card: v.card(c.Now, c.Loc, c.Lang)})
	return c.UpdateCards(m.Subject(), func(lang bot.Lang, loc *time.Location) bot.Message {
		return bot.Message{Card: v.card(c.Now, loc, lang)}
	})
}
