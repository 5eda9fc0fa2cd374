package vote

import (
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
)

// voteKind is a vote's words for the engine.
type voteKind struct{ f *feature }

// Voluntary implements asks.Voluntary: nobody's head is told who did not
// vote (that would press people in a secret ballot).
func (voteKind) Voluntary() bool { return true }

// Card is the ballot: one button per option while the reader has not
// voted; afterwards only "your ballot is in" — the card never shows what
// they chose (it is not stored anywhere it could be read from).
func (voteKind) Card(a *ask.Ask, r *ask.Recipient, lang bot.Lang, loc *time.Location) bot.Card {
	t := func(en, zh string, args ...any) string { return bot.Tf(en, zh, args...).In(lang) }
	card := bot.Card{Title: t("Anonymous vote %s: %s", "匿名投票 %s：%s", a.Ref(), a.Title), Fields: []bot.Field{
		{Label: t("Closes", "截止"), Value: a.Deadline.In(loc).Format("2006-01-02 15:04")},
	}}
	switch {
	case a.Status.Ended():
		card.Footer = t("This vote has closed: `vote results %s`.", "投票已截止：「投票 结果 %s」。", a.Ref())
	case r.State == ask.Answered:
		card.Fields = append(card.Fields, bot.Field{Label: t("Your ballot", "你的选票"), Value: t("Your ballot is in.", "已投出。")})
		card.Footer = t("Ballots are secret and cannot be changed. The result comes when the vote closes.", "投票匿名，选票不能更改。截止后公布结果。")
	default:
		for i, o := range a.Options {
			n := strconv.Itoa(i + 1)
			card.Buttons = append(card.Buttons, bot.Button{ActionID: "vote.cast", Value: a.Ref() + " " + n, Label: o,
				Typed: t("vote %s %s", "投票 %s %s", a.Ref(), n)})
		}
		card.Footer = t("Secret ballot: who voted is recorded, never what. One vote each, and it cannot be changed. The result comes when the vote closes.",
			"匿名投票：只记录谁投了票，不记录投给了谁。每人一票，投出后不能更改。截止后公布结果。")
	}
	return card
}

// Reminder implements asks.Kind.
func (voteKind) Reminder(a *ask.Ask, r *ask.Recipient, lang bot.Lang, loc *time.Location) string {
	return bot.Tf("Reminder: vote %s (%s) closes %s; you have not voted yet.", "提醒：投票 %s（%s）将于 %s 截止，你还没有投票。",
		a.Ref(), a.Title, a.Deadline.In(loc).Format("01-02 15:04")).In(lang)
}

// Expired closes the vote at its deadline and posts the result.
func (k voteKind) Expired(tx bot.Tx, a *ask.Ask, now time.Time) error { return k.f.finish(tx, a, now) }

// suggestKind is an anonymous suggestion's words: the head's card with
// one "noted" button, and no author anywhere.
type suggestKind struct{ f *feature }

// Voluntary implements asks.Voluntary: a suggestion has no deadline, and
// nobody to escalate to.
func (suggestKind) Voluntary() bool { return true }

func (suggestKind) Card(a *ask.Ask, r *ask.Recipient, lang bot.Lang, loc *time.Location) bot.Card {
	t := func(en, zh string, args ...any) string { return bot.Tf(en, zh, args...).In(lang) }
	card := bot.Card{Title: t("Anonymous suggestion %s", "匿名建议 %s", a.Ref()), Fields: []bot.Field{
		{Label: t("Suggestion", "建议"), Value: a.Body},
	}, Footer: t("Sent anonymously: Tandem does not know who wrote it.", "匿名提交：Tandem 不记录提交人。")}
	if r.State == ask.Answered {
		card.Fields = append(card.Fields, bot.Field{Label: t("Status", "状态"), Value: t("Noted", "已阅")})
	} else if r.PersonID != 0 {
		card.Buttons = []bot.Button{{ActionID: "suggest.noted", Value: a.Ref(), Label: t("Noted", "已阅"), Style: "primary",
			Typed: t("suggest noted %s", "建议 已阅 %s", a.Ref())}}
	}
	return card
}

func (suggestKind) Reminder(a *ask.Ask, r *ask.Recipient, lang bot.Lang, loc *time.Location) string {
	return bot.Tf("Reminder: the anonymous suggestion %s is waiting for you (`suggest noted %s` once read).",
		"提醒：匿名建议 %s 还未阅（阅后请点「已阅」或输入「建议 已阅 %s」）。", a.Ref(), a.Ref()).In(lang)
}

func (suggestKind) Expired(bot.Tx, *ask.Ask, time.Time) error { return nil }
