package stats

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/picture"
	"github.com/tandemhq/tandem/bot/stats"
	"github.com/tandemhq/tandem/commands"
)

// percent writes a rate, or "—" when there is nothing to rate.
func percent(n, of int) string {
	r, ok := stats.Rate(n, of)
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%d%%", int(math.Round(r*100)))
}

// deptName is how a department is named in words; 0 is "no department".
func deptName(id int64, names map[int64]string, rd commands.Reader) string {
	if n := names[id]; n != "" {
		return n
	}
	if id == 0 {
		return rd.T("no department", "无部门")
	}
	return fmt.Sprintf("#%d", id)
}

// words writes a period's figures for a reader: usage (by platform and,
// for everyone, by department), the most-run commands, task throughput
// and late closures, tickets' SLA and announcements' acknowledgements.
func words(f *stats.Figures, names map[int64]string, d *bot.Department, rd commands.Reader) string {
	who := rd.T("all departments", "全部门")
	if d != nil {
		who = d.Name
	}
	var b strings.Builder
	line := func(en, zh string, args ...any) { b.WriteString(rd.T(en, zh, args...) + "\n") }
	line("Figures for %s (%s):", "%s 数据（%s）：", f.Period.Label(), who)
	line("• Messages: %d, of which commands %d; button clicks %d.", "• 消息 %d 条，其中命令 %d 条；按钮点击 %d 次。",
		f.Total.Messages, f.Total.Commands, f.Total.Clicks)
	if busiest := busiestDay(f); busiest != nil {
		line("• Busiest day: %[1]s (%[2]s).", "• 最忙的一天：%[1]s（%[3]d 条消息）。", busiest.Day, count(busiest.Messages, "message", "messages"), busiest.Messages)
	}
	if len(f.Platforms) > 0 {
		var parts []string
		for _, s := range f.Platforms {
			parts = append(parts, fmt.Sprintf("%s %d", s.Key, s.Messages+s.Clicks))
		}
		line("• By platform: %s.", "• 按平台：%s。", rd.List(parts))
	}
	if d == nil && len(f.Depts) > 0 {
		var parts []string
		for _, s := range f.Depts {
			parts = append(parts, fmt.Sprintf("%s %d", deptName(s.DeptID, names, rd), s.Messages+s.Clicks))
		}
		line("• By department: %s.", "• 按部门：%s。", rd.List(parts))
	}
	if len(f.Top) > 0 {
		var parts []string
		for _, c := range f.Top {
			parts = append(parts, fmt.Sprintf("%s %d", c.Name, c.N))
		}
		line("• Most used commands: %s.", "• 最常用命令：%s。", rd.List(parts))
	}
	line("• Tasks: %d created, %d done; %d of the %d done with a due date %s closed late (overdue rate %s).",
		"• 任务：新建 %d 个，完成 %d 个；有截止时间的 %[4]d 个完成任务中 %[3]d 个逾期完成（逾期率 %[6]s）。",
		f.Tasks.Created, f.Tasks.Done, f.Tasks.DoneLate, f.Tasks.DoneWithDue, pick(f.Tasks.DoneLate, "was", "were"),
		percent(f.Tasks.DoneLate, f.Tasks.DoneWithDue))
	line("• Tickets: %d resolved; response SLA met %s, resolution SLA met %s.", "• 工单：解决 %d 个；响应 SLA 达标率 %s，解决 SLA 达标率 %s。",
		f.Tickets.Resolved, percent(f.Tickets.ResponseMet, f.Tickets.Resolved), percent(f.Tickets.ResolutionMet, f.Tickets.Resolved))
	line("• Announcements: %d sent; %d of %d %s acknowledged (%s).", "• 公告：发布 %d 条；%[3]d 位读者中 %[2]d 位已确认（%[5]s）。",
		f.Announce.Sent, f.Announce.Answered, f.Announce.Total, pick(f.Announce.Total, "reader", "readers"),
		percent(f.Announce.Answered, f.Announce.Total))
	return strings.TrimRight(b.String(), "\n")
}

// pick is one when n is 1, else many: English agreement with a count
// (Chinese words need none).
func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// count is n and its noun in English: "1 message", "2 messages".
func count(n int, one, many string) string { return fmt.Sprintf("%d %s", n, pick(n, one, many)) }

// busiestDay is the day with the most messages; nil when none had any.
func busiestDay(f *stats.Figures) *stats.Day {
	var best *stats.Day
	for i := range f.Days {
		if d := &f.Days[i]; d.Messages > 0 && (best == nil || d.Messages > best.Messages) {
			best = d
		}
	}
	return best
}

// chart is the period's messages and commands per day as a line chart
// for a reader; days off on the calendar are shaded.
func (f *feature) chart(fig *stats.Figures, rd commands.Reader) picture.Lines {
	l := picture.Lines{
		Name:  "stats-" + fig.Period.First() + ".png",
		Title: rd.T("Messages and commands per day, %s", "每日消息与命令（%s）", fig.Period.Label()),
		YName: rd.T("per day", "每日"),
	}
	msgs := picture.Series{Name: rd.T("messages", "消息"), Tone: picture.Active}
	cmds := picture.Series{Name: rd.T("commands", "命令"), Tone: picture.Good}
	for i, d := range fig.Days {
		day, _ := time.ParseInLocation(time.DateOnly, d.Day, f.zone())
		l.XNames = append(l.XNames, day.Format("01-02"))
		if !f.isWorkday(day) {
			l.Shade = append(l.Shade, i)
		}
		msgs.Values = append(msgs.Values, float64(d.Messages))
		cmds.Values = append(cmds.Values, float64(d.Commands))
	}
	l.Series = []picture.Series{msgs, cmds}
	l.Alt = rd.T("Messages and commands per day from %[1]s to %[2]s: %[3]s, %[4]s.", "%[1]s 至 %[2]s 每日消息与命令：消息 %[5]d 条，命令 %[6]d 条。",
		fig.Period.First(), fig.Period.Last(), count(fig.Total.Messages, "message", "messages"), count(fig.Total.Commands, "command", "commands"),
		fig.Total.Messages, fig.Total.Commands)
	return l
}

// isWorkday is the calendar's answer, or Monday to Friday without one.
func (f *feature) isWorkday(day time.Time) bool {
	if f.Calendar != nil {
		return f.Calendar.IsWorkday(day)
	}
	return day.Weekday() != time.Saturday && day.Weekday() != time.Sunday
}

// draw paints the chart; nil without a Painter.
func (f *feature) draw(fig *stats.Figures, rd commands.Reader) (*bot.Image, error) {
	if f.Painter == nil {
		return nil, nil
	}
	return f.Painter.Lines(f.chart(fig, rd))
}
