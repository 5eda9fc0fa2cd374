package timeparse_test

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/commands/timeparse"
)

// FuzzLongest feeds arbitrary words (split on single spaces, so empty words
// occur) to Longest, Parse, LongestRule and LongestMeetingRule and checks
// their invariants.
func FuzzLongest(f *testing.F) {
	for _, cases := range [][]longestCase{morningCases, lateCases, sundayCases} {
		for _, c := range cases {
			f.Add(c.in)
		}
	}
	for _, c := range ruleCases {
		f.Add(c.in)
	}
	for _, s := range []string{"every 2 weeks on tue 14:00", "每月第一个工作日 15:00", "每隔一周的周二", "first workday of the month"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words := strings.Split(s, " ")
		r, ok := timeparse.Longest(words, morningNow, shanghai)
		if r.Words < 0 || r.Words > len(words) {
			t.Fatalf("Words = %d for %d words", r.Words, len(words))
		}
		if ok {
			if r.Words < 1 {
				t.Fatalf("ok with Words = %d", r.Words)
			}
			if r.Time.Location() != shanghai {
				t.Fatalf("location %v", r.Time.Location())
			}
			// The consumed prefix alone parses the same way.
			again, ok2 := timeparse.Longest(words[:r.Words], morningNow, shanghai)
			if !ok2 || again != r {
				t.Fatalf("prefix %q: %+v, %v; want %+v", words[:r.Words], again, ok2, r)
			}
		} else if r.Words != 0 {
			t.Fatalf("not ok with Words = %d", r.Words)
		}

		// Parse succeeds exactly when Longest consumes every field.
		fields := strings.Fields(s)
		pr, err := timeparse.Parse(s, morningNow, shanghai)
		lr, lok := timeparse.Longest(fields, morningNow, shanghai)
		if full := lok && lr.Words == len(fields); (err == nil) != full || err == nil && pr != lr {
			t.Fatalf("Parse(%q) = %+v, %v; Longest(fields) = %+v, %v", s, pr, err, lr, lok)
		}

		rule, n, ok := timeparse.LongestRule(words, shanghai)
		if n < 0 || n > len(words) || ok != (n >= 1) {
			t.Fatalf("LongestRule: n = %d, ok = %v for %d words", n, ok, len(words))
		}
		if ok && (rule.Hour < 0 || rule.Hour > 23 || rule.Minute < 0 || rule.Minute > 59) {
			t.Fatalf("LongestRule: bad clock %+v", rule)
		}

		// A meeting rule is always one bot/meeting reads back.
		mr, n, ok := timeparse.LongestMeetingRule(words)
		if n < 0 || n > len(words) || ok != (n >= 1) {
			t.Fatalf("LongestMeetingRule: n = %d, ok = %v for %d words", n, ok, len(words))
		}
		if ok {
			if _, err := meeting.ParseRule(mr.Recurrence.String()); err != nil || mr.Hour < 0 || mr.Hour > 23 || mr.Minute < 0 || mr.Minute > 59 {
				t.Fatalf("LongestMeetingRule(%q) = %+v: %v", words[:n], mr, err)
			}
		}
	})
}
