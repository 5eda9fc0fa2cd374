package bot

import (
	"strings"
	"unicode/utf8"
)

// EditDistance is the optimal-string-alignment distance between two words,
// in runes: insertions, deletions, substitutions and swaps of neighbours
// ("tsak" → "task") each cost one. Words here are command names and
// handles, so the quadratic table is fine.
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// handlesNearby is how many handles each side of a name are read for a
// suggestion: enough to reach past a few people whose handles share the
// name's start, few enough to cost nothing.
const handlesNearby = 8

// SuggestHandle returns the known handle nearest to name, or "" when none is
// near enough to be what was meant. It reads the handles on either side of
// name in the handle index, so it finds typos after the first letter
// (@gwne, @gw, @gwenn for @gwen), never by reading everyone.
func SuggestHandle(tx Tx, name string) (string, error) {
	name = strings.ToLower(name)
	near, err := tx.HandlesNear(name, handlesNearby)
	if err != nil {
		return "", err
	}
	n := utf8.RuneCountInString(name)
	first, _ := utf8.DecodeRuneInString(name)
	// The fewest edits wins; among equals, one that starts like the name,
	// then the first in order, so the answer does not depend on the read.
	best, bestScore, bestD := "", 1<<30, 0
	for _, h := range near {
		d := EditDistance(name, h)
		score := 2 * d
		if h0, _ := utf8.DecodeRuneInString(h); h0 != first {
			score++
		}
		if score < bestScore || score == bestScore && h < best {
			best, bestScore, bestD = h, score, d
		}
	}
	if best == "" {
		return "", nil
	}
	// A handle within a third of the name's length is a typo; one that
	// starts the same way may be further off (@ghost, @gwen) and is still
	// worth offering, as long as it is not an entirely different word.
	b0, _ := utf8.DecodeRuneInString(best)
	if bestD <= max(1, n/3) || b0 == first && bestD < max(n, utf8.RuneCountInString(best)) {
		return best, nil
	}
	return "", nil
}
