package meeting

import (
	"strings"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/commands"
)

// Feeds gives people the addresses of their iCalendar feed (served by
// adapters/icsfeed, wired by cmd/tandem): the whole feed to subscribe to, and
// one meeting as an .ics to add. Nil when Tandem runs without its HTTP
// server: there is no address to give.
type Feeds interface {
	URL(tx bot.Tx, personID int64) (string, error)
	MeetingURL(tx bot.Tx, personID, meetingID int64) (string, error)
}

// calendar answers `meeting calendar` (the sender's feed to subscribe to),
// `meeting calendar <id>` (one meeting as an .ics to add) and `meeting
// calendar reset` (a new address; the old one stops working). The address
// is a secret, so the answer is private.
func (f *feature) calendar(c *commands.Ctx) error {
	if f.Feeds == nil {
		return bot.Errorf(bot.EUNAVAILABLE, "Calendar links need Tandem's HTTP server, which is off here.",
			"日历链接需要 Tandem 的 HTTP 服务，此处未开启。")
	}
	word := ""
	if len(c.Args) > 0 {
		word = strings.ToLower(c.Args[0].Text)
	}
	switch {
	case word == "":
		u, err := f.Feeds.URL(c.Tx, c.Person.ID)
		if err != nil {
			return err
		}
		c.Reply(bot.Message{Private: true, Text: c.T(
			"Your meetings as a calendar (subscribe to it in Google Calendar, Outlook or Apple Calendar; it is private, like a password):\n%s\n`meeting calendar reset` gives a new address and stops this one.",
			"你的会议日历（可在 Google 日历、Outlook 或苹果日历中订阅；此链接如同密码，请勿外传）：\n%s\n输入「会议 日历 重置」可换新地址，旧地址随即失效。", u)})
		return nil
	case word == "reset" || word == "重置" || word == "revoke":
		if _, err := meeting.Feeds(c.Tx).RevokeFeed(c.Person.ID, c.Now); err != nil {
			return err
		}
		u, err := f.Feeds.URL(c.Tx, c.Person.ID)
		if err != nil {
			return err
		}
		c.Reply(bot.Message{Private: true, Text: c.T("Your calendar has a new address; the old one no longer works:\n%s",
			"你的日历已换新地址，旧地址已失效：\n%s", u)})
		return nil
	}
	id, err := commands.ParseID(c.Args[0].Text)
	if err != nil {
		return c.Usage(bot.Tf("%q is neither a meeting number nor `reset`.", "「%s」既不是会议编号，也不是「重置」。", c.Args[0].Text))
	}
	m, err := meeting.From(c.Tx).FindMeetingByID(id)
	if err != nil {
		return err
	}
	if !f.isAttendee(c, m) {
		return bot.Errorf(bot.EFORBIDDEN, "You are not invited to %s.", "你未受邀参加 %s。", m.Ref())
	}
	u, err := f.Feeds.MeetingURL(c.Tx, c.Person.ID, m.ID)
	if err != nil {
		return err
	}
	c.Reply(bot.Message{Private: true, Text: c.T("%s as a calendar file, to add to your calendar:\n%s",
		"%s 的日历文件，可添加到你的日历：\n%s", m.Ref()+" "+m.Title, u)})
	return nil
}

// isAttendee says whether the sender organizes or is invited to m.
func (f *feature) isAttendee(c *commands.Ctx, m *meeting.Meeting) bool {
	if m.OrganizerID == c.Person.ID {
		return true
	}
	as, err := meeting.From(c.Tx).Attendees(m.ID)
	if err != nil {
		return false
	}
	for _, a := range as {
		if a.PersonID == c.Person.ID {
			return true
		}
	}
	return false
}
