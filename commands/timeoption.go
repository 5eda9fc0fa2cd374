package commands

import (
	"time"

	"github.com/tandemhq/tandem/commands/timeparse"
)

// TimeOption reads a time that starts at args[i] and runs on over the plain
// words after it ("due:fri 18:00", "确认截止：周五"): with fromOption,
// args[i] is an option word whose value (its Text, possibly empty) is the
// first word; otherwise args[i] is the first word itself. The longest
// prefix that is a time expression (timeparse.Longest, relative to now in
// loc) is taken; a date without a clock means hour:minute that day. It
// returns the time, how many tokens it used (the option word included),
// and the words it tried, for a message when ok is false.
func TimeOption(args []Token, i int, fromOption bool, now time.Time, loc *time.Location, hour, minute int) (at time.Time, used int, words []string, ok bool) {
	if !fromOption || args[i].Text != "" {
		words = append(words, args[i].Text)
	}
	first := len(words)
	for _, t := range args[i+1:] {
		if t.Key != "" || t.IsMention() || t.Quoted {
			break
		}
		words = append(words, t.Text)
	}
	res, ok := timeparse.Longest(words, now, loc)
	if !ok {
		return time.Time{}, 0, words, false
	}
	at = res.Time
	if !res.HasClock {
		y, m, d := at.In(loc).Date()
		at = time.Date(y, m, d, hour, minute, 0, 0, loc)
	}
	used = res.Words
	if fromOption {
		used = res.Words - first + 1 // the option word itself plus the words after it
	}
	return at, used, words, true
}
