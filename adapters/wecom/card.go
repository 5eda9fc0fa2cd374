package wecom

import (
	"strings"
	"unicode/utf8"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// Template card limits (发送应用消息 → 模板卡片消息 → 按钮交互型,
// developer.work.weixin.qq.com/document/path/90236). The counts and the key
// length are hard limits; the text lengths are WeCom's recommendations
// ("建议不超过…"), which the client shortens on screen anyway. Keynames and
// button texts are recommended at 5 and 10 characters, which English labels
// ("Department", "Ready for review") exceed; they are cut at 16 instead.
const (
	maxButtons     = 6   // button_list: "列表长度不超过6"
	maxHorizontal  = 6   // horizontal_content_list: "列表长度不超过6"
	maxTitle       = 26  // main_title.title
	maxDesc        = 30  // main_title.desc
	maxSubTitle    = 112 // sub_title_text
	maxKeyname     = 16  // horizontal_content_list.keyname (recommended 5)
	maxValue       = 26  // horizontal_content_list.value
	maxButtonText  = 16  // button_list.text (recommended 10)
	maxTextBytes   = 2048
	maxRobotBytes  = 4096 // group robot markdown content
	maxTextChunks  = 4
	styleBlue      = 1 // WeCom's default button style
	styleGrey      = 2
	buttonCallback = 0 // button_list.type: a click is a callback event
)

// TemplateCard renders m as a WeCom template card of type
// button_interaction, the card whose buttons call back. It returns nil when
// m has no card or no button that can be rendered; such a message is sent
// as text (a button-less template card needs a link to open, which Tandem's
// cards do not have).
//
//   - The card's title is main_title.title; the message text is its desc
//     when it is short and on one line, else the start of sub_title_text.
//   - Fields fill horizontal_content_list, up to six whose value is short;
//     the others become "Label: value" lines of sub_title_text.
//   - Up to six buttons are kept (WeCom's limit), keyed by ButtonKey; the
//     ones dropped, and any whose key would exceed 1024 bytes or repeat, are
//     listed in sub_title_text by the command that does the same (Typed), so
//     nothing becomes impossible. The footer ends sub_title_text.
//   - "primary" buttons are blue, others grey.
//
// The task_id that WeCom also requires is set by Send: it must be unique per
// app, which a pure function cannot know. TemplateCard is pure so that the
// rendering can be tested without WeCom.
func TemplateCard(m bot.Message) map[string]any {
	c := m.Card
	if c == nil {
		return nil
	}
	var buttons []map[string]any
	var hints []string
	seen := map[string]bool{}
	for _, b := range c.Buttons {
		key := ButtonKey(b)
		if b.ActionID == "" || len(key) > maxButtonKey || seen[key] || len(buttons) == maxButtons {
			if h := buttonHint(b); h != "" {
				hints = append(hints, h)
			}
			continue
		}
		seen[key] = true
		style := styleGrey
		if b.Style == "primary" {
			style = styleBlue
		}
		buttons = append(buttons, map[string]any{
			"type":  buttonCallback,
			"text":  truncate(firstNonEmpty(strings.TrimSpace(b.Label), b.ActionID), maxButtonText),
			"style": style,
			"key":   key,
		})
	}
	if len(buttons) == 0 {
		return nil
	}

	heading := plainMentions(strings.TrimSpace(c.Title))
	text := plainMentions(strings.TrimSpace(m.Text))
	if heading == "" { // main_title.title is required
		heading, _, _ = strings.Cut(text, "\n")
		if heading == text && utf8.RuneCountInString(text) <= maxTitle {
			text = ""
		}
	}
	title := map[string]any{"title": truncate(firstNonEmpty(heading, "·"), maxTitle)}
	var sub []string
	if text != "" {
		if utf8.RuneCountInString(text) <= maxDesc && !strings.Contains(text, "\n") {
			title["desc"] = text
		} else {
			sub = append(sub, text)
		}
	}
	if len(hints) > 0 {
		sub = append(sub, "» "+strings.Join(hints, " · "))
	}
	var rows []map[string]any
	for _, f := range c.Fields {
		label, value := strings.TrimSpace(f.Label), plainMentions(strings.TrimSpace(f.Value))
		if label == "" && value == "" {
			continue
		}
		if value == "" {
			value = "—"
		}
		if len(rows) < maxHorizontal && label != "" && utf8.RuneCountInString(value) <= maxValue && !strings.Contains(value, "\n") {
			rows = append(rows, map[string]any{"keyname": truncate(label, maxKeyname), "value": value})
			continue
		}
		sub = append(sub, fieldLine(label, value))
	}
	if footer := plainMentions(strings.TrimSpace(c.Footer)); footer != "" {
		sub = append(sub, footer)
	}

	card := map[string]any{
		"card_type":   "button_interaction",
		"main_title":  title,
		"button_list": buttons,
	}
	if len(sub) > 0 {
		card["sub_title_text"] = truncate(strings.Join(sub, "\n"), maxSubTitle)
	}
	if len(rows) > 0 {
		card["horizontal_content_list"] = rows
	}
	return card
}

// buttonHint is how a button that is not on the card is offered instead.
func buttonHint(b bot.Button) string {
	return firstNonEmpty(strings.TrimSpace(b.Typed), strings.TrimSpace(b.Label))
}

func fieldLine(label, value string) string {
	if label == "" {
		return value
	}
	return label + colon(label) + value
}

// colon follows a label: the full-width "：" after a Chinese one, as Chinese
// text is punctuated, ": " after any other.
func colon(label string) string {
	if bot.ContainsHan(label) {
		return "："
	}
	return ": "
}

// plainText renders m as a text message: the text, then the card's title,
// fields, the commands its buttons stand for, and its footer. Mentions
// become "@userid": app text messages have no mention markup.
func plainText(m bot.Message) string {
	var parts []string
	if t := strings.TrimSpace(m.Text); t != "" {
		parts = append(parts, t)
	}
	if c := m.Card; c != nil {
		var lines []string
		if t := strings.TrimSpace(c.Title); t != "" {
			lines = append(lines, "【"+t+"】")
		}
		for _, f := range c.Fields {
			if l := fieldLine(strings.TrimSpace(f.Label), strings.TrimSpace(f.Value)); l != "" {
				lines = append(lines, l)
			}
		}
		var hints []string
		for _, b := range c.Buttons {
			if h := buttonHint(b); h != "" {
				hints = append(hints, h)
			}
		}
		if len(hints) > 0 {
			lines = append(lines, "» "+strings.Join(hints, " · "))
		}
		if f := strings.TrimSpace(c.Footer); f != "" {
			lines = append(lines, f)
		}
		if len(lines) > 0 {
			parts = append(parts, strings.Join(lines, "\n"))
		}
	}
	return plainMentions(strings.Join(parts, "\n\n"))
}

// robotMarkdown renders m for a group robot: WeCom markdown, in which
// "<@userid>", Tandem's canonical mention, is already a mention. Buttons
// cannot be clicked in a robot's message (robots have no callback), so the
// commands they stand for are shown instead, to be sent to the app.
func robotMarkdown(m bot.Message) string {
	var parts []string
	if t := strings.TrimSpace(m.Text); t != "" {
		parts = append(parts, t)
	}
	if c := m.Card; c != nil {
		var lines []string
		if t := strings.TrimSpace(c.Title); t != "" {
			lines = append(lines, "**"+t+"**")
		}
		for _, f := range c.Fields {
			label, value := strings.TrimSpace(f.Label), strings.TrimSpace(f.Value)
			switch {
			case label != "" && value != "":
				lines = append(lines, "> "+label+colon(label)+value)
			case label+value != "":
				lines = append(lines, "> "+label+value)
			}
		}
		var hints []string
		for _, b := range c.Buttons {
			if h := strings.TrimSpace(b.Typed); h != "" {
				hints = append(hints, "`"+h+"`")
			}
		}
		if len(hints) > 0 {
			lines = append(lines, "» "+strings.Join(hints, " · "))
		}
		if f := strings.TrimSpace(c.Footer); f != "" {
			lines = append(lines, `<font color="comment">`+f+`</font>`)
		}
		if len(lines) > 0 {
			parts = append(parts, strings.Join(lines, "\n"))
		}
	}
	return truncateBytes(strings.Join(parts, "\n\n"), maxRobotBytes)
}

// plainMentions rewrites canonical "<@userid>" mentions as "@userid".
func plainMentions(s string) string {
	return webhook.RewriteMentions(s, func(id string) string { return "@" + id })
}

// splitText cuts s into pieces of at most max bytes, at line breaks where it
// can and never inside a UTF-8 sequence; past maxTextChunks the rest is cut.
func splitText(s string, max int) []string {
	var out []string
	for s != "" {
		if len(out) == maxTextChunks-1 {
			out = append(out, truncateBytes(s, max))
			break
		}
		if len(s) <= max {
			out = append(out, s)
			break
		}
		cut := strings.LastIndexByte(s[:max], '\n')
		if cut <= 0 {
			cut = runeBoundary(s, max)
		}
		out = append(out, strings.TrimRight(s[:cut], "\n"))
		s = strings.TrimLeft(s[cut:], "\n")
	}
	return out
}

// runeBoundary returns the largest index ≤ n that starts a rune of s.
func runeBoundary(s string, n int) int {
	if n >= len(s) {
		return len(s)
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// truncate cuts s to max runes, ending with "…" when cut.
func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// truncateBytes cuts s to max bytes at a rune boundary, ending with "…".
func truncateBytes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return s[:runeBoundary(s, max-len("…"))] + "…"
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
