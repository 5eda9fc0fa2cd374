package timeparse

import "fmt"

// parser is a backtracking recursive-descent parser over tokens. Every
// production either succeeds and advances pos, or fails and leaves pos where it
// was (callers that try several alternatives rely on that).
type parser struct {
	toks []token
	pos  int
	err  error // the first semantic problem seen, e.g. "hour 25 is out of range"
}

func (p *parser) eof() bool { return p.pos >= len(p.toks) }

func (p *parser) peek() (token, bool) {
	if p.eof() {
		return token{}, false
	}
	return p.toks[p.pos], true
}

// fail records why an otherwise well-formed expression is invalid; only the
// first reason is kept, for error messages.
func (p *parser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf(format, args...)
	}
}

// word consumes one English word equal to one of ws and returns it.
func (p *parser) word(ws ...string) (string, bool) {
	t, ok := p.peek()
	if !ok || t.kind != tWord {
		return "", false
	}
	for _, w := range ws {
		if t.text == w {
			p.pos++
			return w, true
		}
	}
	return "", false
}

// phrase consumes the English words ws in order, or nothing.
func (p *parser) phrase(ws ...string) bool {
	save := p.pos
	for _, w := range ws {
		if _, ok := p.word(w); !ok {
			p.pos = save
			return false
		}
	}
	return true
}

// punct consumes one punctuation token that is one of the runes in set.
func (p *parser) punct(set string) (rune, bool) {
	t, ok := p.peek()
	if !ok || t.kind != tPunct {
		return 0, false
	}
	for _, r := range set {
		if t.r == r {
			p.pos++
			return r, true
		}
	}
	return 0, false
}

// han consumes the non-ASCII text s, one token per rune, or nothing.
func (p *parser) han(s string) bool {
	save := p.pos
	for _, r := range s {
		t, ok := p.peek()
		if !ok || t.kind != tHan || t.r != r {
			p.pos = save
			return false
		}
		p.pos++
	}
	return true
}

// hanOneOf consumes the first of ss that matches; list longer words before
// their prefixes ("大后天" before "后天").
func (p *parser) hanOneOf(ss ...string) (string, bool) {
	for _, s := range ss {
		if p.han(s) {
			return s, true
		}
	}
	return "", false
}

// num consumes a run of at most maxLen digits and returns its value and
// length.
func (p *parser) num(maxLen int) (val, digits int, ok bool) {
	t, ok := p.peek()
	if !ok || t.kind != tNum || len(t.text) > maxLen || t.val < 0 {
		return 0, 0, false
	}
	p.pos++
	return t.val, len(t.text), true
}

var cnDigits = map[rune]int{
	'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4,
	'五': 5, '六': 6, '七': 7, '八': 8, '九': 9,
}

func (p *parser) cnDigit() (int, bool) {
	t, ok := p.peek()
	if !ok || t.kind != tHan {
		return 0, false
	}
	d, ok := cnDigits[t.r]
	if ok {
		p.pos++
	}
	return d, ok
}

// cnNumber consumes a Chinese numeral from 0 to 99: 三, 十, 十二, 二十, 二十五,
// and 零五 (= 5, as in 三点零五).
func (p *parser) cnNumber() (int, bool) {
	save := p.pos
	d, hasD := p.cnDigit()
	if p.han("十") {
		tens := 1
		if hasD {
			if d == 0 {
				p.pos = save
				return 0, false
			}
			tens = d
		}
		before := p.pos
		if u, ok := p.cnDigit(); ok && u != 0 {
			return tens*10 + u, true
		}
		p.pos = before
		return tens * 10, true
	}
	if hasD && d == 0 {
		// 零五: a leading zero before a digit.
		before := p.pos
		if u, ok := p.cnDigit(); ok && u != 0 {
			return u, true
		}
		p.pos = before
	}
	if hasD {
		return d, true
	}
	p.pos = save
	return 0, false
}

// smallNum consumes a one- or two-digit number or a Chinese numeral.
func (p *parser) smallNum() (int, bool) {
	if v, _, ok := p.num(2); ok {
		return v, true
	}
	return p.cnNumber()
}

// try runs f and restores the position if it fails.
func try[T any](p *parser, f func() (T, bool)) (T, bool) {
	save := p.pos
	v, ok := f()
	if !ok {
		p.pos = save
	}
	return v, ok
}
