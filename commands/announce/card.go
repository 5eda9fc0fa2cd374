package announce

import (
	"fmt"
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands/asks"
)

// kind is what the announcements tell the ask mechanism: their cards, the
// reminder, what the ack-by deadline means, and the author's live card.
type kind struct{ f *feature }

var (
	_ asks.Kind          = kind{}
	_ asks.StatusCarder  = kind{}
	_ asks.StatusStepper = kind{}
)

// Card is a reader's card (with the 「已读」 button until they acknowledge),
// the reviewer's card (approve / reject), or the informational copy posted
// in a department's group chat (r.PersonID 0: no button, people
// acknowledge in their own message).
func (k kind) Card(a *ask.Ask, r *ask.Recipient, lang bot.Lang, loc *time.Location) bot.Card {
	t := func(en, zh string, args ...any) string { return bot.Tf(en, zh, args...).In(lang) }
	card := bot.Card{Title: t("📢 Announcement %s: %s", "📢 公告 %s：%s", a.Ref(), a.Title), Fields: fields(a, lang, loc)}
	id := strconv.FormatInt(a.ID, 10)
	switch {
	case r.Role == ask.Reviewer:
		card.Title = t("Review announcement %s: %s", "审核公告 %s：%s", a.Ref(), a.Title)
		switch {
		case r.State == ask.Answered && r.Answer == "approve":
			card.Footer = t("✓ You approved it; it has been sent.", "✓ 你已审核通过，公告已发布。")
		case r.State == ask.Answered:
			card.Footer = t("✗ You rejected it: %s", "✗ 你已驳回：%s", r.Comment)
		case a.Status == ask.Review:
			card.Buttons = []bot.Button{
				button("approve", id, t("Approve and send", "通过并发布"), "primary", t("announce approve %s", "公告 通过 %s", a.Ref())),
				button("reject", id, t("Reject…", "驳回…"), "danger", t("announce reject %s <reason>", "公告 驳回 %s <原因>", a.Ref())),
			}
			card.Footer = t("It goes out when you approve it.", "审核通过后即发布。")
		default:
			card.Footer = ended(a, t)
		}
	case r.PersonID == 0:
		card.Footer = t("Everyone it is for acknowledges it in their own message from Tandem (or types `announce ack %s`).",
			"每位收件人请在 Tandem 发给自己的消息里确认已读（或输入「公告 已读 %s」）。", a.Ref())
	case r.State == ask.Answered:
		card.Footer = t("✓ You acknowledged it (%s).", "✓ 你已确认已读（%s）。", ackBy(r.AnsweredAt, lang, loc))
		if a.Status == ask.Cancelled {
			card.Footer += " " + ended(a, t)
		}
	case a.Status == ask.Open:
		card.Buttons = []bot.Button{button("ack", id, t("I've read it", "已读"), "primary", t("announce ack %s", "公告 已读 %s", a.Ref()))}
	default:
		card.Footer = ended(a, t)
	}
	return card
}

func button(action, id, label, style, typed string) bot.Button {
	return bot.Button{ActionID: "announce." + action, Value: id, Label: label, Style: style, Typed: typed}
}

// fields are what every card of an announcement shows: from, to, ack-by
// (in the reader's zone) and the text.
func fields(a *ask.Ask, lang bot.Lang, loc *time.Location) []bot.Field {
	t := func(en, zh string) string { return bot.T(en, zh).In(lang) }
	to := a.Get("to")
	if lang == bot.LangZH && a.Audience.Everyone {
		to = "全员" + to[len("everyone"):]
	}
	fs := []bot.Field{{Label: t("From", "发布人"), Value: a.Get("from")}, {Label: t("To", "发给"), Value: to}}
	if !a.Deadline.IsZero() {
		fs = append(fs, bot.Field{Label: t("Acknowledge by", "确认截止"), Value: ackBy(a.Deadline, lang, loc)})
	}
	if a.Body != a.Title {
		fs = append(fs, bot.Field{Label: t("Text", "内容"), Value: a.Body})
	}
	return fs
}

// ended says why an announcement no longer asks anything.
func ended(a *ask.Ask, t func(en, zh string, args ...any) string) string {
	switch a.Status {
	case ask.Cancelled:
		return t("Withdrawn by its author.", "发布人已撤回。")
	case ask.Rejected:
		return t("Rejected in review.", "审核未通过。")
	case ask.Closed:
		return t("Closed: the ack-by time has passed.", "已结束：确认截止时间已过。")
	}
	return ""
}

// Reminder asks a reader who has not acknowledged yet.
func (k kind) Reminder(a *ask.Ask, r *ask.Recipient, lang bot.Lang, loc *time.Location) string {
	if r.Role == ask.Reviewer {
		return bot.Tf("Announcement %s (%s) is waiting for your review: `announce approve %s` or `announce reject %s <reason>`.",
			"公告 %s（%s）正在等待你审核：「公告 通过 %s」或「公告 驳回 %s <原因>」。", a.Ref(), a.Title, a.Ref(), a.Ref()).In(lang)
	}
	return bot.Tf("Please acknowledge announcement %s (%s) by %s: press “I've read it” or type `announce ack %s`.",
		"请在 %[3]s 前确认已读公告 %[1]s（%[2]s）：点「已读」或输入「公告 已读 %[4]s」。",
		a.Ref(), a.Title, ackBy(a.Deadline, lang, loc), a.Ref()).In(lang)
}

// Expired closes the announcement at its ack-by time and tells its author
// the final counts (the mechanism has told the heads who is missing). One
// still in review closes unsent. It runs in the deadline job's unit; Engine.End
// cancels that job too, which the scheduler allows (a job may end itself).
func (k kind) Expired(tx bot.Tx, a *ask.Ask, now time.Time) error {
	if a.Status.Ended() {
		return nil
	}
	inReview := a.Status == ask.Review
	// Counted before End skips the lines still pending.
	counts, err := ask.From(tx).CountRecipients(a.ID, 0)
	if err != nil {
		return err
	}
	if err := k.f.Engine.End(tx, a, ask.Closed, now); err != nil {
		return err
	}
	author, err := tx.FindPersonByID(a.AuthorID)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	_, err = k.f.Notifier.Tell(tx, fmt.Sprintf("ask/%d/closed", a.ID), bot.Notice{To: author, Subject: asks.Subject(a)}, now,
		func(lang bot.Lang, loc *time.Location) bot.Message {
			if inReview {
				return bot.Message{Text: bot.Tf("Announcement %s (%s) was still in review at its ack-by time, so it closed unsent.",
					"公告 %s（%s）到确认截止时间仍在审核中，已结束，未发布。", a.Ref(), a.Title).In(lang)}
			}
			return bot.Message{Text: bot.Tf("Announcement %s (%s) closed at its ack-by time: %d of %d acknowledged; %d read it without acknowledging, %d did neither. Who: `asks %s`.",
				"公告 %s（%s）已到确认截止时间：%d/%d 人确认已读；%d 人已读未确认，%d 人均未。名单：「问询 %s」。",
				a.Ref(), a.Title, counts.Answered, counts.Total-counts.Skipped, counts.ReadNotAnswered,
				counts.Pending-counts.ReadNotAnswered, a.Ref()).In(lang)}
		})
	return err
}

// StatusStep is the readers' step: the author's card counts them, not the
// review line (reviewStep).
func (kind) StatusStep(*ask.Ask) int { return 0 }

// StatusCard is the author's live card: where the announcement is and how
// many of its readers have acknowledged it (counted from the readers' step,
// StatusStep).
func (k kind) StatusCard(a *ask.Ask, c ask.Counts, lang bot.Lang, loc *time.Location) bot.Card {
	t := func(en, zh string, args ...any) string { return bot.Tf(en, zh, args...).In(lang) }
	readers := c.Total - c.Skipped
	if a.Status.Ended() {
		readers = c.Total // the lines skipped at the end were readers who did not acknowledge
	}
	fs := fields(a, lang, loc)
	state := map[ask.Status][2]string{
		ask.Draft: {"draft", "草稿"}, ask.Review: {"in review by " + a.Get("reviewer"), a.Get("reviewer") + " 审核中"},
		ask.Open: {"sent", "已发布"}, ask.Closed: {"closed", "已结束"}, ask.Cancelled: {"withdrawn", "已撤回"}, ask.Rejected: {"rejected in review", "审核未通过"},
	}[a.Status]
	fs = append(fs, bot.Field{Label: t("Status", "状态"), Value: bot.T(state[0], state[1]).In(lang)})
	if a.Status != ask.Review && a.Status != ask.Draft && a.Status != ask.Rejected {
		acked := fmt.Sprintf("%d / %d", c.Answered, readers)
		if readers == 0 && a.Status == ask.Open {
			acked = t("0 (sending…)", "0（发送中…）")
		}
		fs = append(fs,
			bot.Field{Label: t("Acknowledged", "已确认"), Value: acked},
			bot.Field{Label: t("Read, not acknowledged", "已读未确认"), Value: strconv.Itoa(c.ReadNotAnswered)})
	}
	card := bot.Card{Title: t("📢 Your announcement %s: %s", "📢 你的公告 %s：%s", a.Ref(), a.Title), Fields: fs,
		Footer: t("Who has acknowledged: `asks %s`", "确认名单：「问询 %s」", a.Ref())}
	if !a.Status.Ended() {
		card.Buttons = []bot.Button{button("cancel", strconv.FormatInt(a.ID, 10), t("Withdraw", "撤回"), "danger",
			t("announce cancel %s", "公告 撤回 %s", a.Ref()))}
	}
	return card
}
