package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands/commandstest"
)

// world is a harness with QA (head @quinn, member @qa1) and Sales (head
// @sam, member @sally), admin @ann, and tickets and tasks in October and
// November 2026.
func world(t *testing.T) *commandstest.Harness {
	h := commandstest.New(t)
	h.Org(map[string][]string{"QA": {"quinn", "qa1"}, "Sales": {"sam", "sally"}})
	h.Admin("ann")
	qa, sales := h.Person("quinn").DeptID, h.Person("sam").DeptID
	sally, qa1 := h.Person("sally"), h.Person("qa1")
	nov := time.Date(2026, 11, 3, 9, 30, 0, 0, commandstest.Shanghai)
	oct := time.Date(2026, 10, 31, 23, 0, 0, 0, commandstest.Shanghai)
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		for _, tk := range []*ticket.Ticket{
			{Title: "打印机坏了", DeptID: qa, RequesterID: sally.ID, CreatedAt: nov, OpenedAt: nov},
			{Title: "VPN down", DeptID: sales, RequesterID: qa1.ID, CreatedAt: nov.Add(time.Hour), OpenedAt: nov.Add(time.Hour)},
			{Title: "October's", DeptID: qa, RequesterID: sally.ID, CreatedAt: oct, OpenedAt: oct},
		} {
			tk.Category, tk.Priority, tk.Status, tk.Cycle, tk.UpdatedAt = "it", ticket.P3, ticket.Open, 1, tk.CreatedAt
			if err := ticket.From(tx).CreateTicket(tk); err != nil {
				return err
			}
		}
		for _, tk := range []*task.Task{
			{Title: "sally's", OwnerID: sally.ID, DeptID: sales},
			{Title: "qa1's", OwnerID: qa1.ID, DeptID: qa},
		} {
			tk.CreatorID, tk.Priority, tk.Status, tk.CreatedAt, tk.UpdatedAt = tk.OwnerID, task.PriorityNormal, task.Todo, nov, nov
			if err := task.From(tx).CreateTask(tk); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// exported is the file last queued for user, with its bytes.
func exported(t *testing.T, h *commandstest.Harness, user string) *bot.File {
	t.Helper()
	msgs := h.QueuedTo(bot.Destination{Platform: bot.PlatformConsole, ChatID: "dm:" + user})
	for i := len(msgs) - 1; i >= 0; i-- {
		if f := msgs[i].File; f != nil {
			err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) { f.Data, err = tx.MediaPNG(f.SHA256); return })
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no file queued for %s: %+v", user, msgs)
	return nil
}

func csvRows(t *testing.T, f *bot.File) [][]string {
	t.Helper()
	if !bytes.HasPrefix(f.Data, []byte("\ufeff")) {
		t.Fatalf("%s starts % x, want the BOM", f.Name, f.Data[:min(3, len(f.Data))])
	}
	r := csv.NewReader(bytes.NewReader(f.Data[3:]))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// Ensure an admin's `export tickets month:2026-11` sends an XLSX of that
// month's tickets (not October's) into the chat, to them alone.
func TestExport_TicketsXLSX(t *testing.T) {
	h := world(t)
	h.Say("ann", "export tickets month:2026-11")
	f := exported(t, h, "ann")
	if f.Name != "tickets-2026-11.xlsx" || !strings.Contains(f.MIME, "spreadsheetml") {
		t.Fatalf("file %s %s", f.Name, f.MIME)
	}
	x, err := excelize.OpenReader(bytes.NewReader(f.Data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows("tickets")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][1] != "Title" || rows[1][1] != "打印机坏了" || rows[2][1] != "VPN down" || rows[1][8] != "2026-11-03 09:30" {
		t.Fatalf("rows %q", rows)
	}
	if msgs := h.QueuedTo(bot.Destination{Platform: bot.PlatformConsole, ChatID: "dm:ann"}); !msgs[len(msgs)-1].Private ||
		!strings.Contains(msgs[len(msgs)-1].Text, "tickets-2026-11.xlsx: 2 rows.") {
		t.Errorf("message %+v", msgs[len(msgs)-1])
	}
}

// Ensure the Chinese form works and a CSV opens with Chinese headers and
// cells (UTF-8 with a BOM).
func TestExport_ChineseCSV(t *testing.T) {
	h := world(t)
	h.Say("ann", "导出 工单 月份：2026-11 csv 部门：QA")
	f := exported(t, h, "ann")
	rows := csvRows(t, f)
	if f.Name != "工单-2026-11.csv" || len(rows) != 2 || rows[0][1] != "标题" || rows[1][1] != "打印机坏了" || rows[1][5] != "QA" {
		t.Fatalf("%s: %q", f.Name, rows)
	}
}

// Ensure who may export what: a head their department's only (another is
// refused), a member their own tasks only (anything else refused).
func TestExport_Permissions(t *testing.T) {
	h := world(t)
	h.Say("sam", "export tickets month:2026-11 csv")
	if rows := csvRows(t, exported(t, h, "sam")); len(rows) != 2 || rows[1][1] != "VPN down" {
		t.Errorf("head of Sales got %q, want Sales's ticket only", rows)
	}
	h.Expect("sam", "export tickets month:2026-11 dept:QA", "own department")
	h.Expect("sally", "export tickets month:2026-11", "your own tasks")
	h.Expect("sally", "导出 会议", "自己的任务")
	h.Say("sally", "export tasks month:2026-11 csv")
	if rows := csvRows(t, exported(t, h, "sally")); len(rows) != 2 || rows[1][1] != "sally's" {
		t.Errorf("member got %q, want their own task only", rows)
	}
}

// Ensure malformed exports are answered with the form, in the sender's
// language.
func TestExport_Usage(t *testing.T) {
	h := world(t)
	h.Expect("ann", "export", "Say what to export.", "Usage: export <tasks|tickets")
	h.Expect("ann", "export spreadsheets", `I can't export "spreadsheets".`, "Usage:")
	h.Expect("ann", "export tickets month:11/2026", "YYYY-MM", "Usage:")
	h.Expect("ann", "export tickets dept:Nowhere", "Usage:")
	h.Expect("ann", "导出 东西", "无法导出“东西”。", "用法：导出")
	h.Expect("ann", "导出 台账", "请说明导出哪项问询的台账", "用法：")
	h.Expect("ann", "export tickets pdf", `I don't understand "pdf".`)
}

// Ensure the figures export carries each department's ticket and task
// figures as two sheets (CSV: one after the other).
func TestExport_Stats(t *testing.T) {
	h := world(t)
	h.Say("ann", "export stats month:2026-11 csv")
	rows := csvRows(t, exported(t, h, "ann"))
	text := ""
	for _, r := range rows {
		text += strings.Join(r, ",") + "\n"
	}
	if !strings.Contains(text, "Tickets\n") || !strings.Contains(text, "QA,2,0,0") || !strings.Contains(text, "Tasks\n") || !strings.Contains(text, "Sales,1,0,1") {
		t.Errorf("stats:\n%s", text)
	}
	// The usage analytics' sheets (commands/stats.ExportSheets): a row per
	// day of the month, and the usage by platform, counted as the bot
	// handled the commands typed above.
	for _, want := range []string{"Usage by day\n", "Day,Messages,Commands,Clicks,Tasks created,Tasks done\n", "2026-11-30,",
		"Usage by platform\n", "Usage by department\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("stats export lacks %q:\n%s", want, text)
		}
	}
}
