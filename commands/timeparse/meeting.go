package timeparse

import (
	"slices"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot/meeting"
)

// MeetingRule is a meeting's recurrence as people type it: the rule to store
// on meeting.Meeting.Rule (Recurrence.String()) and the clock of its
// occurrences (09:00 when the words give none), from which the caller makes
// the meeting's first Start.
type MeetingRule struct {
	Recurrence   meeting.Recurrence
	Hour, Minute int
}

// LongestMeetingRule returns the longest prefix of words that is a meeting's
// recurrence. It reads everything LongestRule reads except raw cron specs
// ("every monday 10:00", "每周一 10:00", "weekdays 9:30", "每个工作日 9:30",
// "every month on the 15th", "每月最后一个工作日 17:00") and also what only
// a meeting can repeat on: "first workday of the month 15:00", "每月第一个工作日
// 15:00", "每月第二个工作日", "every 2 weeks on tue 14:00", "every other week on monday",
// "weekly on friday", "每两周周二 14:00", "每隔一周的周二", "隔周周二".
//
// Monday to Friday ("weekdays", "every mon-fri", 每周一到周五) is read as
// every working day of the work calendar (X-WORKDAYS): a meeting held on
// weekdays is held on make-up working days and not on holidays, which a
// fixed set of weekdays could not say. Other sets of days stay weekly.
func LongestMeetingRule(words []string) (MeetingRule, int, bool) {
	for k := prefixLimit(words, maxRuleWords); k > 0; k-- {
		p := &parser{toks: lex(strings.Join(words[:k], " "))}
		for _, kind := range []func() (ruleKind, bool){p.enRuleKind, p.zhRuleKind} {
			p.pos = 0
			rk, ok := kind()
			if !ok {
				continue
			}
			c, ok := p.ruleClock()
			if !ok || !p.eof() {
				continue
			}
			if r, ok := rk.meeting(c); ok {
				return r, k, true
			}
		}
	}
	return MeetingRule{}, 0, false
}

// ParseMeetingRule parses the whole of s as a meeting's recurrence.
func ParseMeetingRule(s string) (MeetingRule, bool) {
	words := strings.Fields(s)
	r, n, ok := LongestMeetingRule(words)
	return r, ok && n == len(words)
}

// meeting turns a kind and a clock into a meeting's recurrence.
func (k ruleKind) meeting(c clockSpec) (MeetingRule, bool) {
	c, ok := ruleClockOf(c)
	if !ok {
		return MeetingRule{}, false
	}
	var r meeting.Recurrence
	interval := max(k.interval, 1)
	switch {
	case k.workdays, interval == 1 && slices.Equal(sortedDows(k.dows), weekdaysMonFri):
		r = meeting.Recurrence{Freq: meeting.Daily, Workdays: true}
	case k.nthWorkday > 0:
		r = meeting.Recurrence{Freq: meeting.Monthly, Workday: k.nthWorkday}
	case k.lastWorkday:
		r = meeting.Recurrence{Freq: meeting.Monthly, Workday: -1}
	case k.daily:
		r = meeting.Recurrence{Freq: meeting.Daily}
	case len(k.dows) > 0 || k.weekly:
		r = meeting.Recurrence{Freq: meeting.Weekly, Interval: interval, Weekdays: sortedDows(k.dows)}
	case k.dom >= 1 && k.dom <= 31:
		r = meeting.Recurrence{Freq: meeting.Monthly, MonthDay: k.dom}
	default:
		return MeetingRule{}, false
	}
	if interval == 1 {
		r.Interval = 0
	}
	return MeetingRule{Recurrence: r, Hour: c.h, Minute: c.m}, true
}

// sortedDows is dows Monday first without duplicates, nil when empty.
func sortedDows(dows []time.Weekday) []time.Weekday {
	if len(dows) == 0 {
		return nil
	}
	out := slices.Clone(dows)
	slices.SortFunc(out, func(a, b time.Weekday) int { return mondayIndex(a) - mondayIndex(b) })
	return slices.Compact(out)
}
