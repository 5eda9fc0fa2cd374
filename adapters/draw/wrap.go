package draw

import (
	"strings"
	"unicode"
)

// wrap breaks s into lines no wider than width (as measured), at most maxLines
// lines; when s does not fit, the last line ends in "…". It is written by
// hand because gg's DrawStringWrapped and WordWrap break only at spaces: a
// Chinese title has none, so it would run off the card. Here Chinese (and
// other CJK) text breaks between any two characters, Latin text between
// words (a word longer than a line is broken per character), and closing
// punctuation such as ，。）never starts a line.
func wrap(s string, width float64, maxLines int, measure func(string) float64) []string {
	s = strings.TrimSpace(s)
	if s == "" || maxLines <= 0 {
		return nil
	}
	var out []string
	line := ""
	for _, tok := range tokens(s) {
		next := line + tok
		if line == "" {
			next = strings.TrimLeft(tok, " ")
		}
		if measure(next) <= width {
			line = next
			continue
		}
		if line != "" && isClosing(tok) && measure(next) <= width*1.08 {
			// A closing mark may overhang a little rather than start a line.
			line = next
			continue
		}
		if line != "" {
			out = append(out, strings.TrimRight(line, " "))
		}
		line = strings.TrimLeft(tok, " ")
		// A word longer than a whole line is broken per character.
		for measure(line) > width && len([]rune(line)) > 1 && len(out) <= maxLines {
			r := []rune(line)
			n := max(fitPrefix(r, "", width, measure), 1)
			out = append(out, string(r[:n]))
			line = string(r[n:])
		}
		if len(out) > maxLines {
			break // enough to know the text goes on: the rest is not measured
		}
	}
	if line != "" {
		out = append(out, strings.TrimRight(line, " "))
	}
	if len(out) <= maxLines {
		return out
	}
	out = out[:maxLines]
	out[maxLines-1] = ellipsis(out[maxLines-1], width, measure, true)
	return out
}

// ellipsis shortens s until s+"…" fits width; forced adds the "…" even
// when s fits (the text went on in a later line).
func ellipsis(s string, width float64, measure func(string) float64, forced bool) string {
	if !forced && measure(s) <= width {
		return s
	}
	r := []rune(strings.TrimRight(s, " "))
	return strings.TrimRight(string(r[:fitPrefix(r, "…", width, measure)]), " ") + "…"
}

// fitPrefix returns the length of the longest prefix of r with
// measure(prefix+suffix) <= width, found by bisection: labels may be
// thousands of runes long, and measuring is linear in their length.
func fitPrefix(r []rune, suffix string, width float64, measure func(string) float64) int {
	lo, hi := 0, len(r) // r[:lo] fits (or lo is 0); r[:hi+1] does not
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if measure(string(r[:mid])+suffix) <= width {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// tokens splits s into the pieces a line may break between: each CJK
// character (with any closing punctuation after it) alone, each Latin
// word with the spaces before it.
func tokens(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range s {
		switch {
		case isClosing(string(r)) && len(out)+len(cur) > 0:
			// Stays with what it closes.
			if len(cur) == 0 {
				out[len(out)-1] += string(r)
			} else {
				cur = append(cur, r)
			}
		case isWide(r):
			flush()
			out = append(out, string(r))
		case r == ' ':
			if len(cur) > 0 && cur[len(cur)-1] != ' ' {
				flush()
			}
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return out
}

// isWide says whether a line may break before and after r: Han, kana,
// Hangul, full-width forms and CJK punctuation.
func isWide(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xffef || r >= 0x2460 && r <= 0x24ff
}

// isClosing says whether tok is a mark that must not begin a line.
func isClosing(tok string) bool {
	return tok != "" && strings.ContainsRune("，。、：；！？）》」』】〕,.:;!?)]}…%‰", []rune(tok)[0])
}
