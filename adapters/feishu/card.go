package feishu

import (
	"strings"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
)

// Limits of our own, chosen to keep a card well under Feishu's 30 KB card
// size even in Chinese (3 bytes a character), and a text message under its
// 150 KB. Feishu rejects a whole message that is too large (230025), so
// rendering cuts rather than lose the reply.
const (
	maxTitle      = 100
	maxCardText   = 2500
	maxField      = 150
	maxFields     = 20
	maxButtons    = 20
	maxButtonText = 40
	maxFooter     = 200
	maxText       = 20000
	maxToast      = 100
	// shortField is the longest field shown half-width, two to a row.
	shortField = 40
)

// Card renders m as a Feishu interactive card (message card JSON 1.0): the
// card's title in the header, m.Text as markdown, the fields two to a row as
// "**Label**\nValue", the picture (an uploaded image_key) as an img element,
// the buttons in one action element, the footer as a note. Each button's value is a ButtonValue object, which a click brings
// back in card.action.trigger. Mentions "<@ou_…>" become <at id=ou_…></at>.
// The card is shared (update_multi), so an answer to a click updates it for
// everyone. It is a pure function so the rendering can be tested without
// Feishu.
func Card(m bot.Message) map[string]any {
	c := m.Card
	if c == nil {
		c = &bot.Card{}
	}
	var elements []any
	if text := strings.TrimSpace(m.Text); text != "" {
		elements = append(elements, div(larkMD(truncate(text, maxCardText))))
	}
	if fs := fields(c.Fields); len(fs) > 0 {
		elements = append(elements, map[string]any{"tag": "div", "fields": fs})
	}
	if img := m.Image; img != nil && img.Key != "" {
		elements = append(elements, map[string]any{
			"tag": "img", "img_key": img.Key,
			"alt": textObject("plain_text", truncate(firstNonEmpty(strings.TrimSpace(img.Alt), img.Name), maxField)),
		})
	}
	if bs := buttons(c.Buttons); len(bs) > 0 {
		elements = append(elements, map[string]any{"tag": "action", "layout": "flow", "actions": bs})
	}
	if footer := strings.TrimSpace(c.Footer); footer != "" {
		elements = append(elements, map[string]any{
			"tag":      "note",
			"elements": []any{textObject("lark_md", larkMD(truncate(footer, maxFooter)))},
		})
	}
	if elements == nil {
		elements = []any{} // Feishu wants the key
	}
	card := map[string]any{
		"config":   map[string]any{"wide_screen_mode": true, "update_multi": true},
		"elements": elements,
	}
	if title := strings.TrimSpace(c.Title); title != "" {
		card["header"] = map[string]any{
			"title":    textObject("plain_text", truncate(title, maxTitle)),
			"template": "blue",
		}
	}
	return card
}

func div(md string) map[string]any {
	return map[string]any{"tag": "div", "text": textObject("lark_md", md)}
}

func textObject(tag, content string) map[string]any {
	return map[string]any{"tag": tag, "content": content}
}

func fields(fs []bot.Field) []any {
	var out []any
	for _, f := range fs {
		label, value := strings.TrimSpace(f.Label), strings.TrimSpace(f.Value)
		if label == "" && value == "" {
			continue
		}
		if len(out) == maxFields {
			out = append(out, map[string]any{"is_short": false, "text": textObject("lark_md", "…")})
			break
		}
		if value == "" {
			value = "—"
		}
		text := larkMD(truncate(value, maxField))
		if label != "" {
			text = "**" + larkMD(label) + "**\n" + text
		}
		short := utf8.RuneCountInString(value) <= shortField && !strings.Contains(value, "\n")
		out = append(out, map[string]any{"is_short": short, "text": textObject("lark_md", text)})
	}
	return out
}

func buttons(bs []bot.Button) []any {
	var out []any
	for _, b := range bs {
		if b.ActionID == "" {
			continue
		}
		if len(out) == maxButtons {
			break
		}
		typ := "default"
		if b.Style == "primary" || b.Style == "danger" {
			typ = b.Style
		}
		out = append(out, map[string]any{
			"tag":   "button",
			"text":  textObject("plain_text", truncate(firstNonEmpty(strings.TrimSpace(b.Label), b.ActionID), maxButtonText)),
			"type":  typ,
			"value": ButtonValue{ActionID: b.ActionID, Value: b.Value},
		})
	}
	return out
}

// larkMD escapes &, < and > for the card's lark_md, and turns the canonical
// mention "<@ou_…>" into lark_md's <at id=ou_…></at>.
func larkMD(s string) string {
	return rewrite(s, func(id string) string { return "<at id=" + id + "></at>" }, true)
}

// textContent renders text for a text message, where a mention is written
// <at user_id="ou_…"></at> (Feishu fills in the name) and nothing else is
// markup.
func textContent(s string) string {
	return rewrite(truncate(strings.TrimSpace(s), maxText), func(id string) string { return `<at user_id="` + id + `"></at>` }, false)
}

// plainText renders text for a toast: mentions become "@ou_…".
func plainText(s string) string {
	return rewrite(s, func(id string) string { return "@" + id }, false)
}

// rewrite replaces every "<@id>" in s with at(id) and, when escape is set,
// escapes the HTML-significant characters around them.
func rewrite(s string, at func(id string) string, escape bool) string {
	if !strings.ContainsAny(s, "<>&") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '<' {
			if id, n, ok := mentionToken(s[i:]); ok {
				b.WriteString(at(id))
				i += n - 1
				continue
			}
		}
		switch {
		case !escape:
			b.WriteByte(c)
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		case c == '&':
			b.WriteString("&amp;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// mentionToken reads "<@id>" at the start of s, returning the id and the
// token's length. Ids are open_ids ("ou_…"), or "all".
func mentionToken(s string) (id string, n int, ok bool) {
	if !strings.HasPrefix(s, "<@") {
		return "", 0, false
	}
	end := strings.IndexByte(s, '>')
	if end < 3 {
		return "", 0, false
	}
	id = s[2:end]
	for _, r := range id {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return "", 0, false
		}
	}
	return id, end + 1, true
}

// truncate cuts s to at most n runes, ending with an ellipsis when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
