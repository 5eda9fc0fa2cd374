package console

import (
	"strings"

	"github.com/tandemhq/tandem/bot"
)

// Render turns a message into terminal text. A card becomes a framed block;
// its buttons are shown with the command that does the same, since a
// terminal cannot click.
//
// A terminal cannot change what it printed, so an edit of a card
// (Message.Edit) is what every platform that cannot edit posts: its
// one-line follow-up alone (Take leaves out edits without one). A picture is
// shown as its name and description and, once the console saved it, the
// path of the file.
func Render(m bot.Message) string {
	if m.Edit != nil {
		return m.Text
	}
	var b strings.Builder
	if m.Text != "" {
		b.WriteString(m.Text)
	}
	if img := m.Image; img != nil {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("🖼 " + img.Name)
		if img.Alt != "" {
			b.WriteString(" (" + img.Alt + ")")
		}
		if img.Key != "" {
			b.WriteString(colon(img.Name) + img.Key)
		}
	}
	if f := m.File; f != nil {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("📎 " + f.Name)
		if f.Key != "" {
			b.WriteString(colon(f.Name) + f.Key)
		}
	}
	if c := m.Card; c != nil {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("┌ " + c.Title)
		for _, f := range c.Fields {
			b.WriteString("\n│ " + f.Label + colon(f.Label) + strings.ReplaceAll(f.Value, "\n", "\n│   "))
		}
		if len(c.Buttons) > 0 {
			var bs []string
			for _, btn := range c.Buttons {
				bs = append(bs, "["+btn.Label+colon(btn.Label)+ButtonCommand(btn)+"]")
			}
			b.WriteString("\n│ " + strings.Join(bs, "  "))
		}
		if c.Footer != "" {
			b.WriteString("\n│ " + c.Footer)
		}
		b.WriteString("\n└")
	}
	return b.String()
}

// ButtonCommand is the typed command equivalent to a button: action ids are
// "command.sub" and values the arguments.
func ButtonCommand(btn bot.Button) string {
	if btn.Typed != "" {
		return btn.Typed
	}
	cmd, sub, _ := strings.Cut(btn.ActionID, ".")
	return strings.TrimSpace(cmd + " " + sub + " " + btn.Value)
}

// colon follows a label: the full-width "：" after a Chinese one, as Chinese
// text is punctuated, ": " after any other.
func colon(label string) string {
	if bot.ContainsHan(label) {
		return "："
	}
	return ": "
}
