package xlsx_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tandemhq/tandem/adapters/xlsx"
	"github.com/tandemhq/tandem/bot/sheet"
)

// Ensure a book opens in excelize with its sheets named (Excel's limits
// kept), a bold header row, Chinese text as written, numbers as numbers and
// dates as dates (a date number format, the reader's wall clock), and the
// note under the table.
func TestWrite(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	opened := time.Date(2026, 11, 3, 9, 30, 0, 0, shanghai)
	book := sheet.Book{Name: "tickets-2026-11", Sheets: []sheet.Sheet{
		{
			Name:    "工单",
			Columns: []sheet.Column{{Title: "编号", Type: sheet.Number}, {Title: "标题"}, {Title: "创建于", Type: sheet.Time}, {Title: "截止", Type: sheet.Date}},
			Rows: [][]any{
				{int64(7), "打印机坏了，请修理", opened, opened},
				{int64(8), "VPN: 连不上", opened.Add(time.Hour), time.Time{}},
			},
			Note: "只列出前 2 行。",
		},
		{Name: "a/very:long [name] that Excel would refuse", Columns: []sheet.Column{{Title: "x"}}},
	}}
	data, err := xlsx.Writer{}.Write(book)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := f.GetSheetList()
	if len(names) != 2 || names[0] != "工单" || len([]rune(names[1])) > 31 || strings.ContainsAny(names[1], `/:[]`) {
		t.Fatalf("sheets %q", names)
	}
	rows, err := f.GetRows("工单")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || strings.Join(rows[0], "|") != "编号|标题|创建于|截止" || rows[1][1] != "打印机坏了，请修理" || rows[4][0] != "只列出前 2 行。" {
		t.Fatalf("rows %q", rows)
	}
	if rows[1][2] != "2026-11-03 09:30" || rows[1][3] != "2026-11-03" || len(rows[2]) > 3 && rows[2][3] != "" {
		t.Errorf("dates shown as %q and %q, want the wall clock in date formats", rows[1][2], rows[1][3])
	}
	if typ, _ := f.GetCellType("工单", "A2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("id cell type %v, want a number", typ)
	}
	raw, _ := f.GetCellValue("工单", "C2", excelize.Options{RawCellValue: true})
	if !strings.HasPrefix(raw, "46") { // 2026-11-03 is day 46,329 of Excel's calendar
		t.Errorf("C2 raw %q, want a date serial number", raw)
	}
	style, _ := f.GetCellStyle("工单", "A1")
	if s, _ := f.GetStyle(style); s == nil || s.Font == nil || !s.Font.Bold {
		t.Error("header not bold")
	}
}
