package commands

import (
	"strings"
	"unicode"
)

// Token is one word of a command as people type it.
type Token struct {
	Text   string // the word, with quotes removed; for options, the value
	Raw    string // the word as typed
	Quoted bool   // it was written in quotes ("…", “…”, 「…」)
	Key    string // for option words like due:fri or 截止：周五, the lower-cased key
}

// IsMention reports whether the token names a person: "<@ID>" (the adapters'
// canonical mention) or "@name" (Tokenize reads a full-width "＠name" as
// "@name").
func (t Token) IsMention() bool {
	return !t.Quoted && t.Key == "" && (strings.HasPrefix(t.Text, "<@") && strings.HasSuffix(t.Text, ">") ||
		strings.HasPrefix(t.Text, "@") && len(t.Text) > 1)
}

// quotePairs are the quotes people use in English and Chinese input methods.
var quotePairs = map[rune]rune{'"': '"', '“': '”', '「': '」', '『': '』', '＂': '＂'}

// Tokenize splits a command into words. Quoted text stays one word; an
// unterminated quote runs to the end. Words of the form key:value (ASCII or
// full-width colon) carry their key when the key is made of letters only, so
// "18:00" and URLs are plain words. Trailing commas and full stops are
// dropped from mentions so "@bob," works, and the full-width "＠" of Chinese
// input methods starts a mention as "@" does.
//
// Invalid UTF-8 is replaced by U+FFFD first; platforms deliver JSON strings,
// so it only happens with hand-made input.
func Tokenize(s string) []Token {
	var out []Token
	rs := []rune(strings.ToValidUTF8(s, "\uFFFD"))
	for i := 0; i < len(rs); {
		if isSpace(rs[i]) {
			i++
			continue
		}
		if closer, ok := quotePairs[rs[i]]; ok {
			j := i + 1
			for j < len(rs) && rs[j] != closer {
				j++
			}
			text := string(rs[i+1 : j])
			end := min(j+1, len(rs))
			out = append(out, Token{Text: text, Raw: string(rs[i:end]), Quoted: true})
			i = end
			continue
		}
		j := i
		for j < len(rs) && !isSpace(rs[j]) {
			// key:"quoted value" keeps the quoted part, spaces included.
			if closer, ok := quotePairs[rs[j]]; ok && j > i && (rs[j-1] == ':' || rs[j-1] == '：') {
				k := j + 1
				for k < len(rs) && rs[k] != closer {
					k++
				}
				j = min(k+1, len(rs))
				break
			}
			j++
		}
		out = append(out, wordToken(string(rs[i:j])))
		i = j
	}
	return out
}

func isSpace(r rune) bool { return unicode.IsSpace(r) || r == '\u3000' }

func wordToken(raw string) Token {
	t := Token{Text: raw, Raw: raw}
	if k, v, ok := cutColon(raw); ok && isLetters(k) {
		t.Key = strings.ToLower(k)
		if len(v) >= 2 {
			if closer, ok := quotePairs[[]rune(v)[0]]; ok {
				v = strings.TrimPrefix(v, string([]rune(v)[0]))
				v = strings.TrimSuffix(v, string(closer))
				t.Quoted = true
			}
		}
		t.Text = v
		return t
	}
	// Chinese input methods type the full-width "＠": it is a mention like "@".
	if name, ok := strings.CutPrefix(raw, "＠"); ok {
		t.Text = "@" + name
	}
	if strings.HasPrefix(t.Text, "@") || strings.HasPrefix(t.Text, "<@") {
		t.Text = strings.TrimRight(t.Text, ",，.。;；!！?？、")
	}
	return t
}

func cutColon(s string) (string, string, bool) {
	i := strings.IndexAny(s, ":：")
	if i <= 0 {
		return "", "", false
	}
	_, size := firstRune(s[i:])
	return s[:i], s[i+size:], true
}

func firstRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

func isLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
}

// Words returns the tokens' texts.
func Words(ts []Token) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Text
	}
	return out
}

// JoinRaw rebuilds free text (a comment, a description) from tokens as typed.
func JoinRaw(ts []Token) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.Raw
	}
	return strings.Join(parts, " ")
}
