package sheet_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot/sheet"
)

// Ensure a CSV starts with UTF-8's byte-order mark (which Excel needs to
// read Chinese), quotes what needs quoting, writes dates and moments
// readably, and reads back to the same Chinese cells.
func TestCSV(t *testing.T) {
	at := time.Date(2026, 11, 3, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
	book := sheet.Book{Name: "t", Sheets: []sheet.Sheet{{
		Name:    "工单",
		Columns: []sheet.Column{{Title: "编号", Type: sheet.Number}, {Title: "标题"}, {Title: "创建于", Type: sheet.Time}, {Title: "截止", Type: sheet.Date}},
		Rows:    [][]any{{int64(7), "打印机坏了，\"急\", 请修理", at, time.Time{}}, {8, "VPN\n连不上", at, at}},
	}}}
	f, err := sheet.File(sheet.CSVWriter{}, book)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "t.csv" || !strings.HasPrefix(f.MIME, "text/csv") || f.Size != len(f.Data) {
		t.Errorf("file %s %s %d", f.Name, f.MIME, f.Size)
	}
	if !bytes.HasPrefix(f.Data, []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatalf("starts % x, want the BOM", f.Data[:3])
	}
	recs, err := csv.NewReader(bytes.NewReader(f.Data[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"编号", "标题", "创建于", "截止"},
		{"7", "打印机坏了，\"急\", 请修理", "2026-11-03 09:30", ""},
		{"8", "VPN\n连不上", "2026-11-03 09:30", "2026-11-03"},
	}
	if len(recs) != len(want) {
		t.Fatalf("records %q", recs)
	}
	for i := range want {
		if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("record %d = %q, want %q", i, recs[i], want[i])
		}
	}
}
