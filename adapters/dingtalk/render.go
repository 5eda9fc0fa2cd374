package dingtalk

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// maxTextBytes keeps a message under the robot API's 15,000-byte limit on
// msgParam, with room for the JSON around the text; longer texts are cut
// rather than refused.
const maxTextBytes = 12_000

// maxTitleRunes bounds a markdown title, which DingTalk shows in the chat
// list and in notifications.
const maxTitleRunes = 64

// rendered is a message in DingTalk's terms: plain text, or markdown with a
// title, plus the people it @-mentions.
type rendered struct {
	markdown bool
	title    string
	text     string
	atUsers  []string // staff ids named in the text
}

// render turns m into a DingTalk message. A plain message stays text, whose
// line breaks DingTalk keeps as written; a card becomes markdown.
//
// Robot messages (text, markdown, actionCard) cannot carry buttons that call
// a server: actionCard buttons are links only. So on this path each button
// is shown with the command that does the same (Button.Typed), like the
// console. In a one-to-one chat the button is also a
// dtmd://dingtalkclient/sendMessage link, which DingTalk clients turn into
// "send this text" when clicked in a markdown message; in a group that text
// would not @-mention the bot, so it would never reach it, and only the
// command is shown.
//
// Real buttons need an interactive card (互动卡片) built from a template
// the admin creates in DingTalk's card platform: when Config.CardTemplateID
// is set, a card with buttons is sent that way instead (see card.go), and
// clicks come back over Stream (see cardEvent).
//
// Canonical mentions "<@staffId>" become DingTalk's "@staffId", listed in
// atUsers so that a session-webhook reply notifies them.
func render(m bot.Message, direct bool) rendered {
	var r rendered
	text := convertMentions(m.Text, &r.atUsers)
	if m.Card == nil {
		r.text = truncateBytes(text, maxTextBytes)
		return r
	}
	c := m.Card
	r.markdown = true
	var parts []string
	if title := strings.TrimSpace(convertMentions(c.Title, &r.atUsers)); title != "" {
		parts = append(parts, "#### "+oneLine(title))
	}
	parts = append(parts, cardParts(c, text, &r.atUsers, func(b bot.Button) (string, bool) {
		cmd := buttonCommand(b)
		return buttonLine(b, cmd, direct), cmd != ""
	})...)
	r.text = truncateBytes(strings.Join(parts, "\n\n"), maxTextBytes)
	r.title = truncateRunes(oneLine(firstNonEmpty(strings.TrimSpace(c.Title), firstLine(m.Text), "Tandem")), maxTitleRunes)
	return r
}

// cardParts renders a card's body below its title: the message text, the
// fields, one line per button that line returns one for, and the footer,
// as markdown paragraphs.
func cardParts(c *bot.Card, text string, atUsers *[]string, line func(bot.Button) (string, bool)) []string {
	var parts []string
	if text != "" {
		parts = append(parts, paragraphs(text))
	}
	for _, f := range c.Fields {
		label := strings.TrimSpace(convertMentions(f.Label, atUsers))
		value := strings.TrimSpace(convertMentions(f.Value, atUsers))
		switch {
		case label == "" && value == "":
			continue
		case label == "":
			parts = append(parts, paragraphs(value))
		default:
			if value == "" {
				value = "—"
			}
			sep := ":** "
			if bot.ContainsHan(label) {
				sep = "：**" // full-width after Chinese, which takes no space
			}
			parts = append(parts, "**"+oneLine(label)+sep+paragraphs(value))
		}
	}
	var buttons []string
	for _, b := range c.Buttons {
		if l, ok := line(b); ok {
			buttons = append(buttons, l)
		}
	}
	if len(buttons) > 0 {
		parts = append(parts, strings.Join(buttons, "\n"))
	}
	if footer := strings.TrimSpace(convertMentions(c.Footer, atUsers)); footer != "" {
		parts = append(parts, "> "+oneLine(footer))
	}
	return parts
}

// buttonCommand is the typed command equivalent to a button: its Typed text,
// else "command sub value" from an action id "command.sub".
func buttonCommand(b bot.Button) string {
	if b.Typed != "" {
		return b.Typed
	}
	if b.ActionID == "" {
		return ""
	}
	cmd, sub, _ := strings.Cut(b.ActionID, ".")
	return strings.TrimSpace(cmd + " " + sub + " " + b.Value)
}

func buttonLine(b bot.Button, cmd string, direct bool) string {
	label := oneLine(firstNonEmpty(strings.TrimSpace(b.Label), b.ActionID))
	if direct {
		label = "[" + label + "](dtmd://dingtalkclient/sendMessage?content=" + escapeQuery(cmd) + ")"
	} else {
		label = "**" + label + "**"
	}
	return "- " + label + " → `" + cmd + "`"
}

// escapeQuery escapes s for a URL query with %20 for spaces: dtmd links are
// read by the client, which is not known to turn "+" into a space.
func escapeQuery(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// convertMentions rewrites "<@id>" into DingTalk's "@id", adding each id to
// *ids once.
func convertMentions(s string, ids *[]string) string {
	return webhook.RewriteMentions(s, func(id string) string {
		addOnce(ids, id)
		return "@" + id
	})
}

func addOnce(ids *[]string, id string) {
	for _, v := range *ids {
		if v == id {
			return
		}
	}
	*ids = append(*ids, id)
}

// paragraphs makes every line break a paragraph break, since DingTalk's
// markdown joins lines separated by a single newline.
func paragraphs(s string) string {
	lines := strings.Split(strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n"), "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimRight(l, " \t"); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n\n")
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// truncateBytes cuts s to at most n bytes on a rune boundary, ending with an
// ellipsis when cut.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
