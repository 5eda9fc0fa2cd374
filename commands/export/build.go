// Package export is the chat surface and the builder of exports: `export
// tickets month:2026-11 xlsx dept:Sales` / `导出 工单 月份：2026-11` sends the
// file into the chat, and `tandem export` (cmd/tandem) writes the same file
// from the command line with the same code (Build). Rows are read outside
// the writer (a prepare step's view), a page at a time from indexes
// (export.Store), up to export.MaxRows; the book is written by a
// sheet.Writer (CSV here, XLSX by adapters/xlsx). docs/exports.md.
package export

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/bot/export"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/bot/sheet"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands"
)

// Request is one export: what, over which period, of which department
// (0: every one), of whose tasks (0: anyone's), which ask's ledger.
type Request struct {
	Kind    export.Kind
	Period  export.Period
	DeptID  int64
	OwnerID int64
	AskID   int64
}

// StatsHook adds sheets of figures to a stats export (the usage analytics,
// when that feature is wired): it is given the view, the period and the
// department (0: all), and returns its sheets for the reader.
type StatsHook func(tx bot.Tx, p export.Period, deptID int64, rd commands.Reader) ([]sheet.Sheet, error)

// Authorize decides who may export what, and narrows r to it:
//   - an admin: everything;
//   - a department head: their department's tasks, tickets, meetings,
//     requests and figures (r.DeptID is set to it; another department is
//     refused), and the ledger of an ask they wrote or that is for their
//     department;
//   - anyone else: their own tasks (r.OwnerID is set to them), and the
//     ledger of an ask they wrote.
func Authorize(tx bot.Tx, p *bot.Person, r *Request) error {
	if p == nil {
		return bot.Errorf(bot.EFORBIDDEN, "Say something to the bot first, so that it knows you.", "请先和机器人说句话，让它认识你。")
	}
	if p.Role == bot.RoleAdmin {
		return nil
	}
	head, err := headsOwnDept(tx, p)
	if err != nil {
		return err
	}
	if r.Kind == export.Ledger {
		a, err := ask.From(tx).FindAsk(r.AskID)
		if err != nil {
			return err
		}
		if a.AuthorID == p.ID || head && a.DeptID != 0 && a.DeptID == p.DeptID {
			return nil
		}
		return bot.Errorf(bot.EFORBIDDEN, "Only its author, the head of its department or an admin may export the ledger of %s.",
			"只有发起人、所属部门负责人或管理员可以导出 %s 的台账。", a.Ref())
	}
	if head {
		if r.DeptID != 0 && r.DeptID != p.DeptID {
			return bot.Errorf(bot.EFORBIDDEN, "A department head exports their own department's; an admin exports any.",
				"部门负责人只能导出本部门的数据；管理员可以导出任何部门。")
		}
		r.DeptID = p.DeptID
		return nil
	}
	if r.Kind != export.Tasks {
		return bot.Errorf(bot.EFORBIDDEN, "You may export your own tasks (export tasks); heads export their department's, admins everything.",
			"你可以导出自己的任务（导出 任务）；部门负责人可导出本部门的数据，管理员可导出全部。")
	}
	r.OwnerID = p.ID
	return nil
}

// headsOwnDept says whether p heads their department: named its head, or
// given the head role (as announcements decide).
func headsOwnDept(tx bot.Tx, p *bot.Person) (bool, error) {
	if p.DeptID == 0 {
		return false, nil
	}
	if p.Role == bot.RoleHead {
		return true, nil
	}
	d, err := tx.FindDepartmentByID(p.DeptID)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return false, nil
	}
	return err == nil && d.HeadID == p.ID, err
}

// Build reads r's rows in tx (a view, outside the writer) and returns them
// as a book for the reader rd: titles in their language, times in their
// zone. A list longer than export.MaxRows is cut there, and says so.
func Build(tx bot.Tx, r Request, rd commands.Reader, hook StatsHook) (sheet.Book, error) {
	b := sheet.Book{Name: fileName(r, rd)}
	var s sheet.Sheet
	var err error
	switch r.Kind {
	case export.Tasks:
		s, err = taskSheet(tx, r, rd)
	case export.Tickets:
		s, err = ticketSheet(tx, r, rd)
	case export.Meetings:
		s, err = meetingSheet(tx, r, rd)
	case export.Requests:
		s, err = requestSheet(tx, r, rd)
	case export.Ledger:
		s, err = ledgerSheet(tx, r, rd)
	case export.Stats:
		var sheets []sheet.Sheet
		if sheets, err = statsSheets(tx, r, rd); err == nil && hook != nil {
			var more []sheet.Sheet
			more, err = hook(tx, r.Period, r.DeptID, rd)
			sheets = append(sheets, more...)
		}
		b.Sheets = sheets
		return b, err
	default:
		return b, fmt.Errorf("export: unknown kind %q", r.Kind)
	}
	b.Sheets = []sheet.Sheet{s}
	return b, err
}

// fileName is "tickets-2026-11" / "工单-2026-11", "ledger-A-12".
func fileName(r Request, rd commands.Reader) string {
	name := kindName(r.Kind, rd.Lang)
	if r.Kind == export.Ledger {
		return name + "-A-" + strconv.FormatInt(r.AskID, 10)
	}
	return name + "-" + r.Period.Label
}

// kindName is a kind in the reader's words.
func kindName(k export.Kind, lang bot.Lang) string {
	names := map[export.Kind]bot.Text{
		export.Tasks: bot.T("tasks", "任务"), export.Tickets: bot.T("tickets", "工单"), export.Meetings: bot.T("meetings", "会议"),
		export.Requests: bot.T("requests", "申请"), export.Ledger: bot.T("ledger", "台账"), export.Stats: bot.T("stats", "统计"),
	}
	return names[k].In(lang)
}

// pages reads a period's rows a page at a time through read, handing each
// row to add, until the rows end or export.MaxRows; it returns the note a
// cut list carries.
func pages[T any](r Request, rd commands.Reader, read func(export.Query) ([]T, error), key func(T) (time.Time, int64), add func(T)) (string, error) {
	q := export.Query{Since: r.Period.Since, Until: r.Period.Until, DeptID: r.DeptID, OwnerID: r.OwnerID, Limit: export.PageSize}
	n := 0
	for {
		rows, err := read(q)
		if err != nil {
			return "", err
		}
		for _, row := range rows {
			if n == export.MaxRows {
				return rd.T("Only the first %d rows are listed: narrow the export (one department, a shorter period).",
					"只列出前 %d 行：请缩小导出范围（单个部门或更短的时段）。", export.MaxRows), nil
			}
			add(row)
			n++
		}
		if len(rows) < q.Limit {
			return "", nil
		}
		at, id := key(rows[len(rows)-1])
		q = q.Next(at, id)
	}
}

// names finds people's handles and departments' names, each read once.
type names struct {
	people *commands.People
	depts  map[int64]string
}

func namesOf(tx bot.Tx) (names, error) {
	ds, err := tx.ListDepartments()
	n := names{people: commands.NewPeople(tx), depts: map[int64]string{}}
	for _, d := range ds {
		n.depts[d.ID] = d.Name
	}
	return n, err
}

// person is a handle, or "" for nobody.
func (n names) person(id int64) string {
	if p := n.people.Get(id); p != nil {
		return "@" + p.Handle
	}
	return ""
}

// local is t in the reader's zone (zero stays zero).
func local(t time.Time, rd commands.Reader) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(rd.Loc)
}

// hours is d in hours, to two decimals; nil (an empty cell) for none.
func hours(d time.Duration) any {
	if d <= 0 {
		return nil
	}
	return float64(d.Round(36*time.Second)) / float64(time.Hour)
}

func yesNo(b bool, rd commands.Reader) string {
	if b {
		return rd.T("yes", "是")
	}
	return rd.T("no", "否")
}

func columns(rd commands.Reader, cs ...any) []sheet.Column {
	var out []sheet.Column
	for i := 0; i+2 < len(cs)+1; i += 3 {
		out = append(out, sheet.Column{Title: bot.T(cs[i].(string), cs[i+1].(string)).In(rd.Lang), Type: cs[i+2].(sheet.Type)})
	}
	return out
}

// listSheet is a sheet of one row per item of r's period: read a page at a
// time (pages), each item made a row by row with the names at hand.
func listSheet[T any](tx bot.Tx, r Request, rd commands.Reader, cols []sheet.Column,
	read func(export.Query) ([]T, error), key func(T) (time.Time, int64), row func(names, T) []any) (sheet.Sheet, error) {
	n, err := namesOf(tx)
	if err != nil {
		return sheet.Sheet{}, err
	}
	s := sheet.Sheet{Name: kindName(r.Kind, rd.Lang), Columns: cols}
	s.Note, err = pages(r, rd, read, key, func(x T) { s.Rows = append(s.Rows, row(n, x)) })
	return s, err
}

func taskSheet(tx bot.Tx, r Request, rd commands.Reader) (sheet.Sheet, error) {
	cols := columns(rd,
		"ID", "编号", sheet.Number, "Title", "标题", sheet.Text, "Status", "状态", sheet.Text, "Priority", "优先级", sheet.Text,
		"Owner", "负责人", sheet.Text, "Creator", "创建人", sheet.Text, "Department", "部门", sheet.Text,
		"Due", "截止", sheet.Time, "Created", "创建于", sheet.Time, "Closed", "关闭于", sheet.Time, "Parent", "父任务", sheet.Number)
	return listSheet(tx, r, rd, cols, export.From(tx).ExportTasks, func(t *task.Task) (time.Time, int64) { return t.CreatedAt, t.ID },
		func(n names, t *task.Task) []any {
			var parent any
			if t.ParentID != 0 {
				parent = t.ParentID
			}
			return []any{t.ID, t.Title, t.Status.Label(rd.Lang), t.Priority.Label(rd.Lang), n.person(t.OwnerID),
				n.person(t.CreatorID), n.depts[t.DeptID], local(t.Due, rd), local(t.CreatedAt, rd), local(t.ClosedAt, rd), parent}
		})
}

func ticketSheet(tx bot.Tx, r Request, rd commands.Reader) (sheet.Sheet, error) {
	cols := columns(rd,
		"ID", "编号", sheet.Text, "Title", "标题", sheet.Text, "Category", "类别", sheet.Text, "Priority", "优先级", sheet.Text,
		"Status", "状态", sheet.Text, "Department", "处理部门", sheet.Text, "Owner", "处理人", sheet.Text, "Requester", "提交人", sheet.Text,
		"Opened", "提交于", sheet.Time, "First response", "首次响应", sheet.Time, "Resolved", "解决于", sheet.Time, "Closed", "关闭于", sheet.Time,
		"Response SLA breached", "响应超时", sheet.Text, "Resolution SLA breached", "解决超时", sheet.Text,
		"Hours to respond", "响应用时（小时）", sheet.Number, "Hours to resolve", "解决用时（小时）", sheet.Number)
	return listSheet(tx, r, rd, cols, export.From(tx).ExportTickets, func(t *ticket.Ticket) (time.Time, int64) { return t.CreatedAt, t.ID },
		func(n names, t *ticket.Ticket) []any {
			return []any{t.Ref(), t.Title, t.Category, t.Priority.Label(rd.Lang), t.Status.Label(rd.Lang),
				n.depts[t.DeptID], n.person(t.OwnerID), n.person(t.RequesterID), local(t.OpenedAt, rd), local(t.AckedAt, rd),
				local(t.ResolvedAt, rd), local(t.ClosedAt, rd), yesNo(t.ResponseBreached, rd), yesNo(t.ResolutionBreached, rd),
				hours(t.AckWall), hours(t.ResolveWall)}
		})
}

func meetingSheet(tx bot.Tx, r Request, rd commands.Reader) (sheet.Sheet, error) {
	cols := columns(rd,
		"ID", "编号", sheet.Text, "Title", "标题", sheet.Text, "Starts", "开始", sheet.Time, "Minutes", "时长（分钟）", sheet.Number,
		"Repeats", "重复", sheet.Text, "Room", "会议室", sheet.Text, "Department", "部门", sheet.Text, "Organizer", "组织者", sheet.Text,
		"Status", "状态", sheet.Text)
	return listSheet(tx, r, rd, cols, export.From(tx).ExportMeetings, func(m *meeting.Meeting) (time.Time, int64) { return m.Start, m.ID },
		func(n names, m *meeting.Meeting) []any {
			return []any{m.Ref(), m.Title, local(m.Start, rd), int64(m.Duration / time.Minute), m.Rule, m.Room,
				n.depts[m.DeptID], n.person(m.OrganizerID), string(m.Status)}
		})
}

func requestSheet(tx bot.Tx, r Request, rd commands.Reader) (sheet.Sheet, error) {
	cols := columns(rd,
		"ID", "编号", sheet.Text, "Title", "标题", sheet.Text, "Status", "状态", sheet.Text, "Author", "申请人", sheet.Text,
		"Department", "部门", sheet.Text, "Step", "当前步骤", sheet.Number, "Details", "详情", sheet.Text,
		"Created", "创建于", sheet.Time, "Decide by", "决定期限", sheet.Time)
	read := func(q export.Query) ([]*ask.Ask, error) { return export.From(tx).ExportAsks(ask.Request, q) }
	return listSheet(tx, r, rd, cols, read, func(a *ask.Ask) (time.Time, int64) { return a.CreatedAt, a.ID },
		func(n names, a *ask.Ask) []any {
			var details []string
			for _, f := range a.Fields {
				details = append(details, f.Key+rd.T(": ", "：")+f.Value)
			}
			return []any{a.Ref(), a.Title, string(a.Status), n.person(a.AuthorID), n.depts[a.DeptID], a.Step,
				strings.Join(details, rd.T("; ", "；")), local(a.CreatedAt, rd), local(a.Deadline, rd)}
		})
}

// ledgerSheet is one ask's recipients, paged by person (ask.Store's own
// page), up to export.MaxRows.
func ledgerSheet(tx bot.Tx, r Request, rd commands.Reader) (sheet.Sheet, error) {
	n, err := namesOf(tx)
	if err != nil {
		return sheet.Sheet{}, err
	}
	a, err := ask.From(tx).FindAsk(r.AskID)
	if err != nil {
		return sheet.Sheet{}, err
	}
	s := sheet.Sheet{Name: a.Ref(), Columns: columns(rd,
		"Person", "成员", sheet.Text, "Department", "部门", sheet.Text, "Step", "步骤", sheet.Number, "Role", "角色", sheet.Text,
		"State", "状态", sheet.Text, "Answer", "回复", sheet.Text, "Comment", "备注", sheet.Text, "Via", "渠道", sheet.Text,
		"Sent", "发送于", sheet.Time, "Answered", "回复于", sheet.Time, "Read", "已读于", sheet.Time)}
	f := ask.RecipientFilter{Step: -1, Limit: export.PageSize}
	for {
		rs, err := ask.From(tx).Recipients(a.ID, f)
		if err != nil {
			return s, err
		}
		for _, x := range rs {
			if len(s.Rows) == export.MaxRows {
				s.Note = rd.T("Only the first %d rows are listed.", "只列出前 %d 行。", export.MaxRows)
				return s, nil
			}
			dept := ""
			if p := n.people.Get(x.PersonID); p != nil {
				dept = n.depts[p.DeptID]
			}
			s.Rows = append(s.Rows, []any{n.person(x.PersonID), dept, x.Step, string(x.Role), string(x.State), x.Answer, x.Comment, x.Via,
				local(x.SentAt, rd), local(x.AnsweredAt, rd), local(x.ReadAt, rd)})
		}
		if len(rs) < f.Limit {
			return s, nil
		}
		f.AfterPersonID = rs[len(rs)-1].PersonID
	}
}

// statsSheets are the figures Tandem keeps sums of: each department's
// tickets (ticket.Store.TicketStats, from indexes) and tasks created in the
// period, done and still open (paged, up to export.MaxRows).
func statsSheets(tx bot.Tx, r Request, rd commands.Reader) ([]sheet.Sheet, error) {
	depts, err := tx.ListDepartments()
	if err != nil {
		return nil, err
	}
	tickets := sheet.Sheet{Name: rd.T("Tickets", "工单"), Columns: columns(rd,
		"Department", "部门", sheet.Text, "Open now", "当前未结", sheet.Number, "Open, breached", "未结超时", sheet.Number,
		"Resolved", "已解决", sheet.Number, "Response met", "响应达标", sheet.Number, "Resolution met", "解决达标", sheet.Number,
		"Breaches", "超时次数", sheet.Number, "Mean hours to respond", "平均响应（小时）", sheet.Number,
		"Mean hours to resolve", "平均解决（小时）", sheet.Number)}
	for _, d := range depts {
		if r.DeptID != 0 && d.ID != r.DeptID {
			continue
		}
		st, err := ticket.From(tx).TicketStats(d.ID, r.Period.Since, r.Period.Until)
		if err != nil {
			return nil, err
		}
		tickets.Rows = append(tickets.Rows, []any{d.Name, st.Open, st.OpenBreached, st.Resolved, st.ResponseMet, st.ResolutionMet,
			st.Breaches(), mean(st.AckWall, st.Acked), mean(st.ResolveWall, st.Resolved)})
	}
	n, err := namesOf(tx)
	if err != nil {
		return nil, err
	}
	type counts struct{ created, done, open int }
	byDept := map[string]*counts{}
	var order []string
	tr := r
	tr.Kind = export.Tasks
	note, err := pages(tr, rd, export.From(tx).ExportTasks, func(t *task.Task) (time.Time, int64) { return t.CreatedAt, t.ID },
		func(t *task.Task) {
			name := n.depts[t.DeptID]
			c := byDept[name]
			if c == nil {
				c = &counts{}
				byDept[name] = c
				order = append(order, name)
			}
			c.created++
			switch {
			case t.Status == task.Done:
				c.done++
			case t.Status.Open():
				c.open++
			}
		})
	tasks := sheet.Sheet{Name: rd.T("Tasks", "任务"), Note: note, Columns: columns(rd,
		"Department", "部门", sheet.Text, "Created", "新建", sheet.Number, "Done", "已完成", sheet.Number, "Still open", "未完成", sheet.Number)}
	for _, name := range order {
		c := byDept[name]
		tasks.Rows = append(tasks.Rows, []any{name, c.created, c.done, c.open})
	}
	return []sheet.Sheet{tickets, tasks}, err
}

func mean(sum time.Duration, n int) any {
	if n == 0 {
		return nil
	}
	return hours(sum / time.Duration(n))
}
