package meeting

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/timeparse"
)

// Option keys people type in either language (documented in README).
var (
	deptKeys    = []string{"dept", "department", "for", "部门"}
	roomKeys    = []string{"room", "where", "place", "会议室", "地点", "房间"}
	onlineKeys  = []string{"online", "link", "url", "video", "线上", "链接", "视频"}
	holidayKeys = []string{"holiday", "holidays", "节假日", "假日", "节日"}
	atKeys      = []string{"at", "时间"}
	forceWords  = []string{"anyway", "force", "强制", "仍然安排"}
)

const (
	maxTitleLen = 200
	maxText     = 2000
	// defaultDuration is a meeting's length when none is given.
	defaultDuration = time.Hour
)

// draft is what `meeting new` (or `meeting change`) says, before people
// are resolved: mentions stay tokens, so the prepare step and the unit read
// the same words.
type draft struct {
	title     string
	start     time.Time // zero: not given
	dur       time.Duration
	mentions  []string // "@alice", "<@U1>"
	removed   []string // change: "-@bob"
	dept      string
	room      string
	online    string
	rule      string // bot/meeting's stored Rule ("FREQ=WEEKLY;BYDAY=MO"); "" for a one-off
	ruleWords string
	// ruleClock is the rule's own clock when its words named one ("every
	// monday 10:00"); else the time given, or 09:00.
	ruleHour, ruleMinute int
	ruleHasClock         bool
	holiday              meeting.HolidayRule
	force                bool
	// exact is set by at: (a slot button's time): it is also a series'
	// clock, over the clock its rule's words name.
	exact bool
}

// parseDraft reads the words of `meeting new` at now in loc. A title is
// quoted, or is the words that are nothing else. A rule ("every monday",
// "每周一") makes a series; its clock is the time given, else the rule's.
func parseDraft(args []commands.Token, now time.Time, loc *time.Location, change bool) (*draft, error) {
	d := &draft{}
	var loose []string
	titleQuoted := false
	for _, t := range args {
		switch {
		case t.Key != "" && commands.Contains(deptKeys, t.Key):
			d.dept = strings.TrimSpace(t.Text)
		case t.Key != "" && commands.Contains(roomKeys, t.Key):
			d.room = strings.TrimSpace(t.Text)
		case t.Key != "" && commands.Contains(onlineKeys, t.Key):
			d.online = strings.TrimSpace(t.Text)
		case t.Key != "" && commands.Contains(holidayKeys, t.Key):
			h, ok := parseHoliday(t.Text)
			if !ok {
				return nil, bot.Errorf(bot.EINVALID, "holiday: takes skip or move, not %q.",
					"「节假日」只能是「跳过」或「顺延」，不能是「%s」。", t.Text)
			}
			d.holiday = h
		case t.Key != "" && commands.Contains(atKeys, t.Key):
			// A slot button's exact time: at:2026-11-27T15:00 in loc.
			at, err := time.ParseInLocation("2006-01-02T15:04", t.Text, loc)
			if err != nil {
				return nil, bot.Errorf(bot.EINVALID, "at: takes a time like 2026-11-27T15:00, not %q.",
					"「时间」的格式是 2026-11-27T15:00，不能是「%s」。", t.Text)
			}
			d.start, d.exact = at, true
		case t.Key != "" && (strings.HasPrefix(t.Raw, "http") || strings.HasPrefix(t.Raw, "https")):
			loose = append(loose, t.Raw) // a bare link is material, not an option
		case t.Key != "":
			return nil, bot.Errorf(bot.EINVALID, "I don't know the option %q. Options: dept:, room:, online:, holiday:.",
				"我不认识选项「%s」。可用的选项：部门、会议室、线上、节假日（写作「部门：Design」）。", t.Key)
		case t.IsMention():
			d.mentions = append(d.mentions, t.Text)
		case change && (strings.HasPrefix(t.Text, "+@") || strings.HasPrefix(t.Text, "+＠")):
			d.mentions = append(d.mentions, "@"+strings.TrimLeft(t.Text[1:], "@＠"))
		case change && (strings.HasPrefix(t.Text, "-@") || strings.HasPrefix(t.Text, "-＠")):
			d.removed = append(d.removed, "@"+strings.TrimLeft(t.Text[1:], "@＠"))
		case t.Quoted && !titleQuoted:
			d.title, titleQuoted = strings.TrimSpace(t.Text), true
		case commands.Contains(forceWords, t.Text):
			d.force = true
		default:
			loose = append(loose, t.Text)
		}
	}
	var rest []string
	for i := 0; i < len(loose); {
		w := loose[i]
		if dur, ok := parseDuration(w); ok {
			d.dur = dur
			i++
			continue
		}
		if isRuleStart(w) {
			if r, n, ok := timeparse.LongestMeetingRule(loose[i:]); ok {
				d.rule, d.ruleWords = r.Recurrence.String(), strings.Join(loose[i:i+n], " ")
				d.ruleHour, d.ruleMinute, d.ruleHasClock = r.Hour, r.Minute, ruleHasClock(loose[i:i+n])
				i += n
				continue
			}
		}
		if r, ok := timeparse.Longest(loose[i:], now, loc); ok && r.HasClock {
			if !d.start.IsZero() {
				return nil, bot.Errorf(bot.EINVALID, "Two times given: %q.", "给了两个时间：「%s」。", strings.Join(loose[i:i+r.Words], " "))
			}
			d.start = r.Time
			i += r.Words
			continue
		} else if ok {
			return nil, bot.Errorf(bot.EINVALID, "%q has no time of day: write it like fri 14:00.",
				"「%s」没有具体时刻：请写成「周五 14:00」这样。", strings.Join(loose[i:i+r.Words], " "))
		}
		rest = append(rest, w)
		i++
	}
	if len(rest) > 0 {
		if titleQuoted || change {
			return nil, bot.Errorf(bot.EINVALID, "I don't understand %q.", "我没看懂「%s」。", strings.Join(rest, " "))
		}
		d.title = strings.Join(rest, " ")
	}
	if d.rule != "" {
		d.anchorRule(now, loc)
	}
	switch {
	case utf8.RuneCountInString(d.title) > maxTitleLen:
		return nil, bot.Errorf(bot.EINVALID, "That title is too long (at most %d characters).", "标题太长了（最多 %d 个字）。", maxTitleLen)
	case utf8.RuneCountInString(d.room) > maxTitleLen || utf8.RuneCountInString(d.online) > maxText:
		return nil, bot.Err(bot.EINVALID, bot.T("room: or online: is too long.", "「会议室」或「线上」的内容太长了。"))
	case d.dur < 0 || d.dur > 24*time.Hour:
		return nil, bot.Err(bot.EINVALID, bot.T("A meeting lasts at most 24 hours.", "会议最长 24 小时。"))
	}
	return d, nil
}

// anchorRule makes a series' first start: the day given (else today) at
// the rule's own clock when its words named one ("every monday 10:00"),
// else at the time given ("mon 10:00 every monday"), else 09:00. The
// series' first occurrence is the rule's first day from there (bot/meeting
// Occurrences).
func (d *draft) anchorRule(now time.Time, loc *time.Location) {
	day := now.In(loc)
	h, m := d.ruleHour, d.ruleMinute
	if !d.start.IsZero() {
		day = d.start.In(loc)
		if !d.ruleHasClock || d.exact {
			h, m = day.Hour(), day.Minute()
		}
	}
	d.start = time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc)
}

var clockRe = regexp.MustCompile(`\d{1,2}[:：]\d{2}|\d+\s*(点|am|pm)`)

// ruleHasClock reports whether a rule's words name a time of day.
func ruleHasClock(words []string) bool {
	return clockRe.MatchString(strings.ToLower(strings.Join(words, " ")))
}

func isRuleStart(w string) bool {
	lw := strings.ToLower(w)
	// The words timeparse.LongestMeetingRule starts a rule with.
	for _, p := range []string{"every", "each", "weekdays", "daily", "weekly", "monthly", "first", "last", "每", "工作日", "天天", "隔周", "双周"} {
		if strings.HasPrefix(lw, p) {
			return true
		}
	}
	return false
}

func parseHoliday(s string) (meeting.HolidayRule, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "skip", "跳过", "取消":
		return meeting.Skip, true
	case "move", "next", "顺延", "延后", "改期":
		return meeting.MoveToNextWorkday, true
	}
	return "", false
}

var (
	zhHoursMinutes = regexp.MustCompile(`^(\d+)(?:个)?(?:小时|钟头)(?:(\d+)分(?:钟)?)?$`)
	zhMinutes      = regexp.MustCompile(`^(\d+)分(?:钟)?$`)
	enMinutes      = regexp.MustCompile(`^(\d+)\s*(?:min|mins|minutes)$`)
	enHours        = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*(?:hr|hrs|hour|hours)$`)
)

// parseDuration reads a meeting's length: 90m, 1h30m, 1.5h, 45min, 2hours,
// 90分钟, 1小时, 1小时30分, 半小时, 一个半小时. Written by hand because
// time.ParseDuration reads only the first three forms.
func parseDuration(w string) (time.Duration, bool) {
	w = strings.ToLower(strings.TrimSpace(w))
	switch w {
	case "半小时", "半个小时", "半个钟头":
		return 30 * time.Minute, true
	case "一小时", "一个小时", "一个钟头":
		return time.Hour, true
	case "一个半小时", "一个半钟头":
		return 90 * time.Minute, true
	case "两小时", "两个小时":
		return 2 * time.Hour, true
	}
	if strings.ContainsAny(w, "hm") && !strings.ContainsAny(w, ":：") {
		if d, err := time.ParseDuration(w); err == nil && d > 0 && d%time.Minute == 0 {
			return d, true
		}
	}
	if m := zhHoursMinutes.FindStringSubmatch(w); m != nil {
		h, _ := strconv.Atoi(m[1])
		mins, _ := strconv.Atoi(m[2])
		return time.Duration(h)*time.Hour + time.Duration(mins)*time.Minute, true
	}
	for _, re := range []*regexp.Regexp{zhMinutes, enMinutes} {
		if m := re.FindStringSubmatch(w); m != nil {
			n, _ := strconv.Atoi(m[1])
			return time.Duration(n) * time.Minute, n > 0
		}
	}
	if m := enHours.FindStringSubmatch(w); m != nil {
		f, _ := strconv.ParseFloat(m[1], 64)
		return time.Duration(f * float64(time.Hour)).Round(time.Minute), f > 0
	}
	return 0, false
}

// fmtDuration is "1h30m" / "1小时30分钟".
func fmtDuration(d time.Duration, lang bot.Lang) string {
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	if lang == bot.LangZH {
		switch {
		case h == 0:
			return fmt.Sprintf("%d分钟", m)
		case m == 0:
			return fmt.Sprintf("%d小时", h)
		}
		return fmt.Sprintf("%d小时%d分钟", h, m)
	}
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}
