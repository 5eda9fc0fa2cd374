// Package xlsx writes exports (bot/sheet books) as Excel workbooks with
// excelize: one worksheet a sheet, a bold header row, dates and moments as
// real dates (so they sort and filter as dates), numbers as numbers. Rows are
// streamed (excelize's StreamWriter), so a sheet of 100,000 rows is written
// without holding a cell object per cell.
package xlsx

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tandemhq/tandem/bot/sheet"
)

// Writer is the sheet.Writer for XLSX.
type Writer struct{}

var _ sheet.Writer = Writer{}

// Format implements sheet.Writer.
func (Writer) Format() sheet.Format { return sheet.XLSX }

// Number formats of date and moment cells.
const (
	dateFormat = "yyyy-mm-dd"
	timeFormat = "yyyy-mm-dd hh:mm"
)

// Write implements sheet.Writer.
func (Writer) Write(b sheet.Book) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	styles, err := newStyles(f)
	if err != nil {
		return nil, err
	}
	first := f.GetSheetName(0)
	used := map[string]bool{}
	for i, s := range b.Sheets {
		name := sheetName(s.Name, i, used)
		if i == 0 {
			err = f.SetSheetName(first, name)
		} else {
			_, err = f.NewSheet(name)
		}
		if err != nil {
			return nil, fmt.Errorf("xlsx: sheet %q: %w", name, err)
		}
		if err := writeSheet(f, name, s, styles); err != nil {
			return nil, fmt.Errorf("xlsx: sheet %q: %w", name, err)
		}
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return out.Bytes(), nil
}

type styles struct{ header, date, moment int }

func newStyles(f *excelize.File) (styles, error) {
	var s styles
	var err error
	if s.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return s, err
	}
	df, tf := dateFormat, timeFormat
	if s.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &df}); err != nil {
		return s, err
	}
	s.moment, err = f.NewStyle(&excelize.Style{CustomNumFmt: &tf})
	return s, err
}

func writeSheet(f *excelize.File, name string, s sheet.Sheet, st styles) error {
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for i, c := range s.Columns {
		width := 14.0
		switch c.Type {
		case sheet.Text:
			width = 24
		case sheet.Time:
			width = 17
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	head := make([]any, len(s.Columns))
	for i, c := range s.Columns {
		head[i] = excelize.Cell{StyleID: st.header, Value: c.Title}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	row := 2
	for _, r := range s.Rows {
		cells := make([]any, len(r))
		for i, v := range r {
			cells[i] = cell(v, columnType(s.Columns, i), st)
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", row), cells); err != nil {
			return err
		}
		row++
	}
	if s.Note != "" {
		if err := sw.SetRow(fmt.Sprintf("A%d", row+1), []any{s.Note}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func columnType(cs []sheet.Column, i int) sheet.Type {
	if i < len(cs) {
		return cs[i].Type
	}
	return sheet.Text
}

// cell is one value as excelize writes it. A time is written as the wall
// clock it shows in its own zone: excelize counts from the instant in UTC,
// and a reader in Shanghai expects 09:00 where the book says 09:00.
func cell(v any, t sheet.Type, st styles) any {
	tm, ok := v.(time.Time)
	if !ok {
		return v
	}
	if tm.IsZero() {
		return nil
	}
	wall := time.Date(tm.Year(), tm.Month(), tm.Day(), tm.Hour(), tm.Minute(), tm.Second(), 0, time.UTC)
	if t == sheet.Date {
		return excelize.Cell{StyleID: st.date, Value: wall}
	}
	return excelize.Cell{StyleID: st.moment, Value: wall}
}

// sheetName is a worksheet name Excel accepts: at most 31 characters, none
// of : \ / ? * [ ], not empty, unique in the book.
func sheetName(name string, i int, used map[string]bool) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" {
		name = fmt.Sprintf("Sheet%d", i+1)
	}
	if r := []rune(name); len(r) > 31 {
		name = string(r[:31])
	}
	for base, n := name, 2; used[name]; n++ {
		suffix := fmt.Sprintf(" (%d)", n)
		r := []rune(base)
		name = string(r[:min(len(r), 31-len(suffix))]) + suffix
	}
	used[name] = true
	return name
}
