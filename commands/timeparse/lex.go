package timeparse

import (
	"strconv"
	"strings"
	"unicode"
)

type tokKind uint8

const (
	tNum   tokKind = iota + 1 // a run of ASCII digits
	tWord                     // a run of ASCII letters, lower-cased
	tHan                      // one non-ASCII rune, e.g. a Chinese character
	tPunct                    // one ASCII punctuation or symbol rune
)

type token struct {
	kind tokKind
	text string // the digits, the lower-cased word, or the single rune
	r    rune   // the rune of a tHan or tPunct token
	val  int    // the value of a tNum token; -1 when it has too many digits
}

// maxDigits bounds number tokens so that arithmetic on them cannot overflow.
const maxDigits = 9

// foldWidth maps full-width ASCII variants (U+FF01..U+FF5E), which Chinese
// input methods produce, to ASCII: "１０：３０" becomes "10:30".
func foldWidth(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		return r - 0xFEE0
	}
	return r
}

func isDigit(r rune) bool  { return r >= '0' && r <= '9' }
func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// lex splits s into tokens; whitespace only separates tokens.
func lex(s string) []token {
	rs := []rune(s)
	for i, r := range rs {
		rs[i] = foldWidth(r)
	}
	var toks []token
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case isDigit(r):
			j := i
			for j < len(rs) && isDigit(rs[j]) {
				j++
			}
			text := string(rs[i:j])
			val := -1
			if len(text) <= maxDigits {
				val, _ = strconv.Atoi(text)
			}
			toks = append(toks, token{kind: tNum, text: text, val: val})
			i = j
		case isLetter(r):
			j := i
			for j < len(rs) && isLetter(rs[j]) {
				j++
			}
			toks = append(toks, token{kind: tWord, text: strings.ToLower(string(rs[i:j]))})
			i = j
		case r < 0x80:
			toks = append(toks, token{kind: tPunct, text: string(r), r: r})
			i++
		default:
			toks = append(toks, token{kind: tHan, text: string(r), r: r})
			i++
		}
	}
	return toks
}
