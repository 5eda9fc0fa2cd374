package slack

import (
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/tandemhq/tandem/bot"
)

// Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks). Slack
// rejects a whole message with invalid_blocks when one block breaks them, so
// Blocks cuts or splits rather than let a long title lose the reply.
const (
	maxBlocks         = 50
	maxHeaderText     = 150
	maxSectionText    = 3000
	maxFieldText      = 2000
	maxFieldsPerBlock = 10
	maxButtonText     = 75
	maxButtonValue    = 2000
	maxContextText    = 3000
	// buttonsPerBlock is ours, not Slack's (which allows 25): five buttons
	// still fit on one line on a phone.
	buttonsPerBlock = 5
)

// Blocks renders m as Block Kit: the text as mrkdwn sections, then the card
// as a header, field sections, action rows and a context footer. It is a
// pure function so the rendering can be tested without Slack.
func Blocks(m bot.Message) []slack.Block {
	var bs []slack.Block
	for _, chunk := range splitText(escapeMrkdwn(m.Text), maxSectionText) {
		bs = append(bs, slack.NewSectionBlock(mrkdwn(chunk), nil, nil))
	}
	if m.Card != nil {
		bs = append(bs, cardBlocks(m.Card)...)
	}
	return capBlocks(bs)
}

func cardBlocks(c *bot.Card) []slack.Block {
	var bs []slack.Block
	if title := strings.TrimSpace(c.Title); title != "" {
		bs = append(bs, slack.NewHeaderBlock(plain(truncate(title, maxHeaderText))))
	}
	bs = append(bs, fieldSections(c.Fields)...)
	bs = append(bs, actionRows(c.Buttons)...)
	if footer := strings.TrimSpace(c.Footer); footer != "" {
		bs = append(bs, slack.NewContextBlock("", mrkdwn(truncate(escapeMrkdwn(footer), maxContextText))))
	}
	return bs
}

func fieldSections(fields []bot.Field) []slack.Block {
	var bs []slack.Block
	var cur []*slack.TextBlockObject
	for _, f := range fields {
		text := fieldText(f)
		if text == "" {
			continue
		}
		cur = append(cur, mrkdwn(text))
		if len(cur) == maxFieldsPerBlock {
			bs = append(bs, slack.NewSectionBlock(nil, cur, nil))
			cur = nil
		}
	}
	if len(cur) > 0 {
		bs = append(bs, slack.NewSectionBlock(nil, cur, nil))
	}
	return bs
}

func fieldText(f bot.Field) string {
	label, value := strings.TrimSpace(f.Label), escapeMrkdwn(strings.TrimSpace(f.Value))
	if label == "" {
		return truncate(value, maxFieldText)
	}
	if value == "" {
		value = "—"
	}
	return truncate("*"+escapeMrkdwn(label)+"*\n"+value, maxFieldText)
}

// actionRows puts buttons in rows of buttonsPerBlock. A row also ends before
// an action id it already holds: Slack wants action ids unique within a
// block, and a list card repeats the same action ("task.done") per task.
func actionRows(buttons []bot.Button) []slack.Block {
	var bs []slack.Block
	var row []slack.BlockElement
	seen := map[string]bool{}
	flush := func() {
		if len(row) > 0 {
			bs = append(bs, slack.NewActionBlock("", row...))
		}
		row, seen = nil, map[string]bool{}
	}
	for _, b := range buttons {
		if b.ActionID == "" {
			continue
		}
		if len(row) == buttonsPerBlock || seen[b.ActionID] {
			flush()
		}
		row = append(row, button(b))
		seen[b.ActionID] = true
	}
	flush()
	return bs
}

func button(b bot.Button) *slack.ButtonBlockElement {
	label := firstNonEmpty(strings.TrimSpace(b.Label), b.ActionID)
	el := slack.NewButtonBlockElement(b.ActionID, truncate(b.Value, maxButtonValue), plain(truncate(label, maxButtonText)))
	switch b.Style {
	case "primary":
		el = el.WithStyle(slack.StylePrimary)
	case "danger":
		el = el.WithStyle(slack.StyleDanger)
	}
	return el
}

// capBlocks keeps a message within Slack's block count, saying so in the
// last block rather than failing the whole message.
func capBlocks(bs []slack.Block) []slack.Block {
	if len(bs) <= maxBlocks {
		return bs
	}
	bs = bs[:maxBlocks-1]
	return append(bs, slack.NewContextBlock("", mrkdwn("…")))
}

// fallbackText is the message's top-level text: Slack shows it in
// notifications and to clients that cannot draw blocks.
func fallbackText(m bot.Message) string {
	if m.Text != "" {
		return escapeMrkdwn(m.Text)
	}
	if m.Card != nil {
		return escapeMrkdwn(m.Card.Title)
	}
	return ""
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

// truncate cuts s to at most n runes, ending with an ellipsis when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// splitText cuts s into pieces of at most n runes, preferring line breaks,
// then spaces, so long replies become several sections instead of an error.
func splitText(s string, n int) []string {
	s = strings.TrimSpace(s)
	var out []string
	for s != "" {
		if utf8.RuneCountInString(s) <= n {
			return append(out, s)
		}
		r := []rune(s)
		head := string(r[:n])
		cut := strings.LastIndexByte(head, '\n')
		if cut <= 0 {
			cut = strings.LastIndexByte(head, ' ')
		}
		if cut <= 0 {
			cut = len(head)
		}
		out = append(out, strings.TrimSpace(s[:cut]))
		s = strings.TrimSpace(s[cut:])
	}
	return out
}

// escapeMrkdwn escapes &, < and > as Slack requires of text, so a task
// called "a<b" reads as written. Markup Tandem writes on purpose is kept:
// user mentions <@U…>, channel links <#C…>, special mentions <!here> and
// links <https://…|label>.
func escapeMrkdwn(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			if end := strings.IndexByte(s[i:], '>'); end > 0 && isMarkup(s[i+1:i+end]) {
				b.WriteString(s[i : i+end+1])
				i += end
				continue
			}
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isMarkup(tok string) bool {
	target, _, _ := strings.Cut(tok, "|")
	if len(target) < 2 || strings.ContainsAny(target, "< \n") {
		return false
	}
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "mailto:") {
		return true
	}
	switch target[0] {
	case '@':
		return target[1] == 'U' || target[1] == 'W' || target[1] == 'B'
	case '#':
		return target[1] == 'C' || target[1] == 'G'
	case '!':
		return true
	}
	return false
}
