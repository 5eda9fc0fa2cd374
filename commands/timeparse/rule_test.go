package timeparse_test

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem/commands/timeparse"
)

// splitWords splits on spaces but keeps a "quoted string" whole, quotes
// included, as the command parser does.
func splitWords(s string) []string {
	var words []string
	for s != "" {
		if s[0] == '"' {
			if end := strings.IndexByte(s[1:], '"'); end >= 0 {
				words = append(words, s[:end+2])
				s = strings.TrimPrefix(s[end+2:], " ")
				continue
			}
		}
		word, rest, _ := strings.Cut(s, " ")
		words = append(words, word)
		s = rest
	}
	return words
}

type ruleCase struct {
	in    string // split with splitWords
	want  timeparse.Rule
	words int // 0: ok=false
}

func cronRule(spec string, h, m int) timeparse.Rule {
	return timeparse.Rule{Cron: spec, Hour: h, Minute: m}
}

var ruleCases = []ruleCase{
	{"every day 9:00", cronRule("0 9 * * *", 9, 0), 3},
	{"every day at 9:00", cronRule("0 9 * * *", 9, 0), 4},
	{"Every Day", cronRule("0 9 * * *", 9, 0), 2}, // default clock 09:00
	{"daily 9am", cronRule("0 9 * * *", 9, 0), 2},
	{"daily at 6:15pm", cronRule("15 18 * * *", 18, 15), 3},
	{"every day midnight", cronRule("0 0 * * *", 0, 0), 3},
	{"every weekday 9:30", cronRule("30 9 * * 1-5", 9, 30), 3},
	{"weekdays 9:30", cronRule("30 9 * * 1-5", 9, 30), 2},
	{"every workday 9:30", timeparse.Rule{Workdays: true, Hour: 9, Minute: 30}, 3},
	{"every working day 9:30", timeparse.Rule{Workdays: true, Hour: 9, Minute: 30}, 4},
	{"every business day at 8am", timeparse.Rule{Workdays: true, Hour: 8}, 5},
	{"every monday 10:00", cronRule("0 10 * * 1", 10, 0), 3},
	{"every mon,wed 10am", cronRule("0 10 * * 1,3", 10, 0), 3},
	{"every mon, wed 10am", cronRule("0 10 * * 1,3", 10, 0), 4},
	{"every monday and wednesday at 10am", cronRule("0 10 * * 1,3", 10, 0), 6},
	{"every mon-fri 8:00", cronRule("0 8 * * 1-5", 8, 0), 3},
	{"every sat,sun", cronRule("0 9 * * 0,6", 9, 0), 2},
	{"every month on the 15th 10:00", cronRule("0 10 15 * *", 10, 0), 6},
	{"monthly on the 1st", cronRule("0 9 1 * *", 9, 0), 4},
	{"every last workday of the month 17:00", timeparse.Rule{LastWorkdayOfMonth: true, Hour: 17}, 7},
	{"every weekday", cronRule("0 9 * * 1-5", 9, 0), 2},
	{"every day at noon", cronRule("0 12 * * *", 12, 0), 4},
	{"每周一到日", cronRule("0 9 * * 0-6", 9, 0), 1},
	{"每周一，三 9点", cronRule("0 9 * * 1,3", 9, 0), 2}, // full-width comma
	{"每天晚上12点", cronRule("0 0 * * *", 0, 0), 1},
	{"每月最后一个工作日", timeparse.Rule{LastWorkdayOfMonth: true, Hour: 9}, 1},
	{"every month last workday 17:00", timeparse.Rule{LastWorkdayOfMonth: true, Hour: 17}, 5},
	{"every month on the last working day at 5pm", timeparse.Rule{LastWorkdayOfMonth: true, Hour: 17}, 9},
	{"monthly last workday", timeparse.Rule{LastWorkdayOfMonth: true, Hour: 9}, 3},
	{"every month last", cronRule("", 0, 0), 0}, // "last" what?
	{"every last working day of the month at 5pm", timeparse.Rule{LastWorkdayOfMonth: true, Hour: 17}, 9},
	{"每天9点", cronRule("0 9 * * *", 9, 0), 1},
	{"每天 9:30", cronRule("30 9 * * *", 9, 30), 2},
	{"每日早上8点", cronRule("0 8 * * *", 8, 0), 1},
	{"每天晚上8点", cronRule("0 20 * * *", 20, 0), 1},
	{"每天下午", cronRule("0 15 * * *", 15, 0), 1},
	{"天天", cronRule("0 9 * * *", 9, 0), 1},
	{"每个工作日 9:30", timeparse.Rule{Workdays: true, Hour: 9, Minute: 30}, 2},
	{"每个工作日9点半", timeparse.Rule{Workdays: true, Hour: 9, Minute: 30}, 1},
	{"工作日每天9点半", timeparse.Rule{Workdays: true, Hour: 9, Minute: 30}, 1},
	{"工作日 9:00", timeparse.Rule{Workdays: true, Hour: 9}, 2},
	{"每周一10点", cronRule("0 10 * * 1", 10, 0), 1},
	{"每周一 10:00", cronRule("0 10 * * 1", 10, 0), 2},
	{"每个星期一上午十点", cronRule("0 10 * * 1", 10, 0), 1},
	{"每周一、三 10点", cronRule("0 10 * * 1,3", 10, 0), 2},
	{"每周一、周三10点", cronRule("0 10 * * 1,3", 10, 0), 1},
	{"每周一和周五 下午3点", cronRule("0 15 * * 1,5", 15, 0), 2},
	{"每周一到周五 8点", cronRule("0 8 * * 1-5", 8, 0), 2},
	{"每周一至五8点", cronRule("0 8 * * 1-5", 8, 0), 1},
	{"每周六、日", cronRule("0 9 * * 0,6", 9, 0), 1},
	{"每周日", cronRule("0 9 * * 0", 9, 0), 1},
	{"每月1号9点", cronRule("0 9 1 * *", 9, 0), 1},
	{"每月15日 10:00", cronRule("0 10 15 * *", 10, 0), 2},
	{"每个月1号", cronRule("0 9 1 * *", 9, 0), 1},
	{"每月最后一个工作日 17:00", timeparse.Rule{LastWorkdayOfMonth: true, Hour: 17}, 2},
	{"每月最后一个工作日下午5点", timeparse.Rule{LastWorkdayOfMonth: true, Hour: 17}, 1},
	{`cron "30 9 * * 1-5"`, cronRule("30 9 * * 1-5", 9, 30), 2},
	{"cron 30 9 * * 1-5", cronRule("30 9 * * 1-5", 9, 30), 6},
	{`cron "30 9 * * 1-5" standup`, cronRule("30 9 * * 1-5", 9, 30), 2},
	{`"30 9 * * 1-5"`, cronRule("30 9 * * 1-5", 9, 30), 1},
	{"30 9 * * 1-5", cronRule("30 9 * * 1-5", 9, 30), 5},
	{"30 9 * * 1-5 standup", cronRule("30 9 * * 1-5", 9, 30), 5},
	{"*/15 * * * *", cronRule("*/15 * * * *", 0, 0), 5},
	{"0 9 * * mon-fri", cronRule("0 9 * * mon-fri", 9, 0), 5},

	// Prefix semantics.
	{"every day 9:00 standup", cronRule("0 9 * * *", 9, 0), 3},
	{"每天9点 站会", cronRule("0 9 * * *", 9, 0), 1},
	{"every day 25:00", cronRule("0 9 * * *", 9, 0), 2}, // 25:00 is not consumed

	// Not rules.
	{"every", timeparse.Rule{}, 0},
	{"every bob", timeparse.Rule{}, 0},
	{"每", timeparse.Rule{}, 0},
	{"每天开会", timeparse.Rule{}, 0},
	{"每月32号", timeparse.Rule{}, 0},
	{"每周八", timeparse.Rule{}, 0},
	{"every fri-mon", timeparse.Rule{}, 0},
	{"每周五到一", timeparse.Rule{}, 0},
	{"every monday,", timeparse.Rule{}, 0},
	{"每周一、", timeparse.Rule{}, 0},
	{"cron 30 9 * *", timeparse.Rule{}, 0},
	{"standup", timeparse.Rule{}, 0},
	{"tomorrow 9am", timeparse.Rule{}, 0},
	{"cron", timeparse.Rule{}, 0},
	{`cron "61 9 * * *"`, timeparse.Rule{}, 0},
	{"61 9 * * *", timeparse.Rule{}, 0},
	{"30 9 * *", timeparse.Rule{}, 0},
	{"@daily", timeparse.Rule{}, 0},
	{"cron @daily", timeparse.Rule{}, 0},
	{"TZ=UTC 9 * * *", timeparse.Rule{}, 0},
}

func TestLongestRule(t *testing.T) {
	for _, c := range ruleCases {
		t.Run(c.in, func(t *testing.T) {
			words := splitWords(c.in)
			r, n, ok := timeparse.LongestRule(words, shanghai)
			if c.words == 0 {
				if ok || n != 0 {
					t.Fatalf("LongestRule(%q) = %+v, %d; want ok=false", words, r, n)
				}
				return
			}
			if !ok || n != c.words || r != c.want {
				t.Fatalf("LongestRule(%q) = %+v, %d, %v; want %+v, %d", words, r, n, ok, c.want, c.words)
			}
		})
	}
}
