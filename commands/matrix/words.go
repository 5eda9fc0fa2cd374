package matrix

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/interplay"
	"github.com/tandemhq/tandem/bot/picture"
	"github.com/tandemhq/tandem/commands"
)

// What the words show: the most active pairs, the table of every pair up
// to maxTable departments (more would be a wall of text: the picture shows
// them), the slowest responders.
const (
	maxTop     = 5
	maxTable   = 8
	maxSlowest = 3
)

// heatMap is the matrix as a picture: a row per department the work comes
// from, a column per department it goes to, each cell the pair's
// interactions (tasks and tickets from the row to the column, and their
// shared meetings); a department with itself is blank.
func heatMap(m interplay.Matrix, p period, rd commands.Reader) picture.HeatMap {
	h := picture.HeatMap{
		Name:    "matrix.png",
		Title:   rd.T("Who works with whom · %s", "部门协作矩阵 · %s", p.Label.In(rd.Lang)),
		Alt:     headline(m, p, rd),
		RowName: rd.T("from", "发起"), ColumnName: rd.T("to", "接收"),
		Legend: rd.T("interactions (tasks + tickets + meetings)", "互动次数（任务＋工单＋会议）"),
	}
	for _, d := range m.Depts {
		h.Rows = append(h.Rows, d.Name)
		h.Columns = append(h.Columns, d.Name)
	}
	for _, a := range m.Depts {
		row := make([]float64, len(m.Depts))
		for j, b := range m.Depts {
			if a.ID == b.ID {
				row[j] = math.NaN()
			} else {
				row[j] = float64(m.Cell(a.ID, b.ID).Total())
			}
		}
		h.Values = append(h.Values, row)
	}
	return h
}

// headline is the first line: the period and its totals.
func headline(m interplay.Matrix, p period, rd commands.Reader) string {
	label := p.Label.In(rd.Lang)
	if m.Empty() {
		return rd.T("Who works with whom, %s: nothing crossed departments.", "部门协作矩阵（%s）：没有跨部门的互动。", label)
	}
	tasks, tickets, meetings := m.Totals()
	return rd.T("Who works with whom, %s: %d tasks assigned across departments, %d tickets between them, %d shared meetings.",
		"部门协作矩阵（%s）：跨部门分派任务 %d 个，部门间工单 %d 个，共同参会 %d 次。", label, tasks, tickets, meetings)
}

// words is the matrix in words: the headline, the top pairs, the table
// (for a few departments) and the slowest responders.
func words(m interplay.Matrix, p period, rd commands.Reader) string {
	lines := []string{headline(m, p, rd)}
	if m.Empty() {
		return lines[0]
	}
	lines = append(lines, rd.T("Most interplay:", "互动最多："))
	for _, t := range m.TopPairs(maxTop) {
		lines = append(lines, "• "+rd.T("%s ↔ %s: %d (%s)", "%s ↔ %s：%d（%s）", t.A.Name, t.B.Name, t.Total(),
			parts(t.Tasks, t.Tickets, t.Meetings, rd)))
	}
	if len(m.Depts) <= maxTable {
		lines = append(lines, rd.T("By pair (from → to):", "明细（发起 → 接收）："))
		for _, a := range m.Depts {
			for _, b := range m.Depts {
				c := m.Cell(a.ID, b.ID)
				if a.ID == b.ID || c.Total() == 0 {
					continue
				}
				s := "• " + rd.T("%s → %s: %s", "%s → %s：%s", a.Name, b.Name, parts(c.Tasks, c.Tickets, c.Meetings, rd))
				if d, business, ok := c.Response(); ok {
					s += rd.T("; first response %s (median of %d)", "；首次响应中位数 %s（%d 个工单）", duration(d, business, rd), answered(c, business))
				}
				lines = append(lines, s)
			}
		}
	} else {
		lines = append(lines, rd.T("(%d departments: the picture shows every pair.)", "（共 %d 个部门：各部门之间的明细见图。）", len(m.Depts)))
	}
	if slow := m.Slowest(maxSlowest); len(slow) > 0 {
		lines = append(lines, rd.T("Slowest to answer:", "响应最慢："))
		for _, s := range slow {
			d, business, _ := s.Response()
			n := answered(s.Cell, business)
			lines = append(lines, "• "+rd.T("%s answering %s: %s (median of "+plural(n, "ticket", "tickets")+")", "%s 响应 %s：%s（%d 个工单的中位数）",
				s.To.Name, s.From.Name, duration(d, business, rd), n))
		}
	}
	return strings.Join(lines, "\n")
}

// answered is how many tickets a response figure is the median of.
func answered(c interplay.Cell, business bool) int {
	if business {
		return c.BusinessN
	}
	return c.Acked
}

// parts names the non-zero counts: "3 tasks, 5 tickets, 2 meetings".
func parts(tasks, tickets, meetings int, rd commands.Reader) string {
	var out []string
	if tasks > 0 {
		out = append(out, rd.T(plural(tasks, "task", "tasks"), "任务 %d", tasks))
	}
	if tickets > 0 {
		out = append(out, rd.T(plural(tickets, "ticket", "tickets"), "工单 %d", tickets))
	}
	if meetings > 0 {
		out = append(out, rd.T(plural(meetings, "meeting", "meetings"), "会议 %d", meetings))
	}
	if rd.Lang == bot.LangZH {
		return strings.Join(out, "，")
	}
	return strings.Join(out, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "%d " + one
	}
	return "%d " + many
}

// duration is a response time: minutes under an hour, else hours to one
// decimal; business hours say so, wall-clock ones say "elapsed".
func duration(d time.Duration, business bool, rd commands.Reader) string {
	var n string
	var min bool
	if d < time.Hour {
		n, min = strconv.Itoa(int(d.Round(time.Minute)/time.Minute)), true
	} else {
		n = strconv.FormatFloat(math.Round(d.Hours()*10)/10, 'f', -1, 64)
	}
	switch {
	case business && min:
		return rd.T("%s working minutes", "%s 分钟（工作时间）", n)
	case business:
		return rd.T("%s working hours", "%s 个工作小时", n)
	case min:
		return rd.T("%s minutes elapsed", "%s 分钟（自然时间）", n)
	}
	return rd.T("%s hours elapsed", "%s 小时（自然时间）", n)
}
