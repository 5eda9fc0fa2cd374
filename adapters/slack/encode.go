package slack

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// encode writes r as JSON: the JSON slack-go writes for these blocks, but
// the blocks that Blocks makes (sections of text, headers, dividers, rows of
// buttons, context lines) are written here by hand. Every slash command is
// answered with such a card, and encoding/json spent most of that answer's
// cost on reflection and on slack-go's element lists, which it marshals
// twice (a nested json.Marshal whose output the outer encoder validates and
// copies again). Any other block, or one with a field this does not write,
// goes through encoding/json. TestEncodeMatchesSlackGo holds the two
// encodings equal.
func (r *responseMessage) encode() ([]byte, error) {
	b := make([]byte, 0, 2048)
	b = append(b, `{"response_type":`...)
	b = appendJSONString(b, r.ResponseType)
	b = append(b, `,"text":`...)
	b = appendJSONString(b, r.Text)
	if len(r.Blocks) > 0 {
		b = append(b, `,"blocks":[`...)
		for i, block := range r.Blocks {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendBlock(b, block); !ok {
				raw, err := json.Marshal(block)
				if err != nil {
					return nil, err
				}
				b = append(b, raw...)
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"replace_original":`...)
	b = strconv.AppendBool(b, r.ReplaceOriginal)
	return append(b, '}'), nil
}

// appendBlock appends the JSON of the kinds of block Blocks makes, and
// returns ok = false, with b unchanged, for anything else.
func appendBlock(b []byte, block slack.Block) (_ []byte, ok bool) {
	switch bl := block.(type) {
	case *slack.SectionBlock:
		if bl.Accessory != nil {
			return b, false
		}
		b = appendType(b, string(bl.Type))
		if bl.Text != nil {
			b = append(b, `,"text":`...)
			b = appendText(b, bl.Text)
		}
		b = appendBlockID(b, bl.BlockID)
		if len(bl.Fields) > 0 {
			b = append(b, `,"fields":[`...)
			for i, f := range bl.Fields {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendText(b, f)
			}
			b = append(b, ']')
		}
		if bl.Expand {
			b = append(b, `,"expand":true`...)
		}
	case *slack.HeaderBlock:
		b = appendType(b, string(bl.Type))
		if bl.Text != nil {
			b = append(b, `,"text":`...)
			b = appendText(b, bl.Text)
		}
		b = appendBlockID(b, bl.BlockID)
		if bl.Level != 0 {
			b = append(b, `,"level":`...)
			b = strconv.AppendInt(b, int64(bl.Level), 10)
		}
	case *slack.DividerBlock:
		b = appendType(b, string(bl.Type))
		b = appendBlockID(b, bl.BlockID)
	case *slack.ActionBlock:
		if bl.Elements != nil {
			for _, e := range bl.Elements.ElementSet {
				if !plainButton(e) {
					return b, false
				}
			}
		}
		b = appendType(b, string(bl.Type))
		b = appendBlockID(b, bl.BlockID)
		b = append(b, `,"elements":`...)
		if bl.Elements == nil || bl.Elements.ElementSet == nil {
			b = append(b, "null"...)
			break
		}
		b = append(b, '[')
		for i, e := range bl.Elements.ElementSet {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendButton(b, e.(*slack.ButtonBlockElement))
		}
		b = append(b, ']')
	case *slack.ContextBlock:
		for _, e := range bl.ContextElements.Elements {
			if t, ok := e.(*slack.TextBlockObject); !ok || t == nil {
				return b, false
			}
		}
		b = appendType(b, string(bl.Type))
		b = appendBlockID(b, bl.BlockID)
		b = append(b, `,"elements":`...)
		if bl.ContextElements.Elements == nil {
			b = append(b, "null"...)
			break
		}
		b = append(b, '[')
		for i, e := range bl.ContextElements.Elements {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendText(b, e.(*slack.TextBlockObject))
		}
		b = append(b, ']')
	default:
		return b, false
	}
	return append(b, '}'), true
}

// plainButton says whether e is a button with only the fields appendButton
// writes.
func plainButton(e slack.BlockElement) bool {
	bt, ok := e.(*slack.ButtonBlockElement)
	return ok && bt != nil && bt.Confirm == nil && bt.VisibleToUserIDs == nil
}

func appendButton(b []byte, bt *slack.ButtonBlockElement) []byte {
	b = append(b, '{')
	if bt.Type != "" {
		b = append(b, `"type":`...)
		b = appendJSONString(b, string(bt.Type))
		b = append(b, ',')
	}
	b = append(b, `"text":`...)
	if bt.Text == nil {
		b = append(b, "null"...)
	} else {
		b = appendText(b, bt.Text)
	}
	for _, f := range [...]struct{ key, value string }{
		{`,"action_id":`, bt.ActionID},
		{`,"url":`, bt.URL},
		{`,"value":`, bt.Value},
		{`,"style":`, string(bt.Style)},
		{`,"accessibility_label":`, bt.AccessibilityLabel},
		{`,"agent_prompt":`, bt.AgentPrompt},
		{`,"agent_prompt_display":`, bt.AgentPromptDisplay},
	} {
		if f.value != "" {
			b = append(b, f.key...)
			b = appendJSONString(b, f.value)
		}
	}
	return append(b, '}')
}

func appendText(b []byte, t *slack.TextBlockObject) []byte {
	b = append(b, `{"type":`...)
	b = appendJSONString(b, t.Type)
	b = append(b, `,"text":`...)
	b = appendJSONString(b, t.Text)
	if t.Emoji != nil {
		b = append(b, `,"emoji":`...)
		b = strconv.AppendBool(b, *t.Emoji)
	}
	if t.Verbatim {
		b = append(b, `,"verbatim":true`...)
	}
	return append(b, '}')
}

// appendType opens a block's object with its type.
func appendType(b []byte, typ string) []byte {
	b = append(b, `{"type":`...)
	return appendJSONString(b, typ)
}

func appendBlockID(b []byte, id string) []byte {
	if id == "" {
		return b
	}
	b = append(b, `,"block_id":`...)
	return appendJSONString(b, id)
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// does (without its HTML escaping, which JSON does not need): quotes,
// backslashes and control characters escaped, invalid UTF-8 replaced by
// U+FFFD, and U+2028 and U+2029 escaped for JavaScript's sake. The standard
// library offers no way to append one string short of a Marshal call per
// string, which is the cost this file avoids.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
