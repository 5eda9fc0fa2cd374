package stats

import (
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/export"
	"github.com/tandemhq/tandem/bot/sheet"
	"github.com/tandemhq/tandem/bot/stats"
	"github.com/tandemhq/tandem/commands"
)

// ExportSheets are the usage figures of an export's period as sheets for
// `export stats` (commands/export's StatsHook): usage and task throughput
// per day, and usage per platform and per department. The export reads in
// a view, outside the writer, as the stats command does.
func ExportSheets(tx bot.Tx, p export.Period, deptID int64, rd commands.Reader) ([]sheet.Sheet, error) {
	loc := rd.Loc
	if loc == nil {
		loc = time.UTC
	}
	since, until := p.Since.In(loc), p.Until.In(loc)
	from := time.Date(since.Year(), since.Month(), since.Day(), 0, 0, 0, 0, loc)
	to := time.Date(until.Year(), until.Month(), until.Day(), 0, 0, 0, 0, loc)
	if to.Before(until) {
		to = to.AddDate(0, 0, 1)
	}
	fig, names, err := readFigures(tx, stats.Period{From: from, To: to}, deptID)
	if err != nil {
		return nil, err
	}
	n := func(en, zh string) sheet.Column {
		return sheet.Column{Title: bot.T(en, zh).In(rd.Lang), Type: sheet.Number}
	}
	days := sheet.Sheet{Name: rd.T("Usage by day", "每日使用"), Columns: []sheet.Column{
		{Title: rd.T("Day", "日期"), Type: sheet.Date}, n("Messages", "消息"), n("Commands", "命令"), n("Clicks", "点击"),
		n("Tasks created", "新建任务"), n("Tasks done", "完成任务")}}
	for _, d := range fig.Days {
		day, _ := time.ParseInLocation(time.DateOnly, d.Day, loc)
		days.Rows = append(days.Rows, []any{day, d.Messages, d.Commands, d.Clicks, d.TasksCreated, d.TasksDone})
	}
	split := func(name string, key sheet.Column, rows []stats.Split, label func(stats.Split) string) sheet.Sheet {
		s := sheet.Sheet{Name: name, Columns: []sheet.Column{key, n("Messages", "消息"), n("Commands", "命令"), n("Clicks", "点击")}}
		for _, r := range rows {
			s.Rows = append(s.Rows, []any{label(r), r.Messages, r.Commands, r.Clicks})
		}
		return s
	}
	platforms := split(rd.T("Usage by platform", "各平台使用"), sheet.Column{Title: rd.T("Platform", "平台")}, fig.Platforms,
		func(s stats.Split) string { return s.Key })
	depts := split(rd.T("Usage by department", "各部门使用"), sheet.Column{Title: rd.T("Department", "部门")}, fig.Depts,
		func(s stats.Split) string { return deptName(s.DeptID, names, rd) })
	return []sheet.Sheet{days, platforms, depts}, nil
}
