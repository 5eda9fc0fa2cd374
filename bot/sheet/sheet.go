// Package sheet describes the tables Tandem exports (tasks, tickets,
// meetings, requests, an ask's ledger, figures) as plain data — a book of
// sheets with typed columns — and the Writer that turns a book into a file:
// CSV here (encoding/csv, UTF-8 with a byte-order mark so that Excel reads
// Chinese correctly) and XLSX in adapters/xlsx (excelize). Features build a
// book in the reader's language and zone (every title is already words,
// every time already in the reader's zone); a writer only writes. It
// imports bot only.
package sheet

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Type is what a column holds, so that a spreadsheet can show dates as
// dates and numbers as numbers.
type Type int

// Column types. A cell of a Date or Time column is a time.Time (the zero
// time: an empty cell); of a Number column an int, int64 or float64; of a
// Text column a string.
const (
	Text Type = iota
	Number
	Date // a day, "2026-11-03"
	Time // a moment, "2026-11-03 14:05"
)

// Column is one column of a sheet.
type Column struct {
	Title string
	Type  Type
}

// Sheet is one table: a name (at most 31 characters, a spreadsheet's
// limit), its columns and rows, and a note said under the table (e.g. that
// rows were left out past the cap).
type Sheet struct {
	Name    string
	Columns []Column
	Rows    [][]any
	Note    string
}

// Book is what one export writes: one or more sheets, named Name plus the
// format's extension.
type Book struct {
	Name   string
	Sheets []Sheet
}

// Format is a file format an export is written in.
type Format string

// Formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// MIME is the format's media type.
func (f Format) MIME() string {
	if f == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// Writer writes a book as a file in one format. adapters/xlsx implements
// it for XLSX; CSVWriter here for CSV.
type Writer interface {
	Format() Format
	Write(b Book) ([]byte, error)
}

// File writes b with w as a file to send into a chat.
func File(w Writer, b Book) (*bot.File, error) {
	data, err := w.Write(b)
	if err != nil {
		return nil, err
	}
	return bot.NewFile(b.Name+"."+string(w.Format()), w.Format().MIME(), data), nil
}

// bom is UTF-8's byte-order mark: without it Excel reads a CSV file in the
// machine's legacy code page and shows Chinese as mojibake.
const bom = "\ufeff"

// CSVWriter writes CSV: UTF-8 with a byte-order mark, RFC 4180 quoting
// (encoding/csv), CRLF line ends as Excel writes them. A book of several
// sheets is written one table after the other, each under a line with its
// name and followed by an empty line.
type CSVWriter struct{}

// Format implements Writer.
func (CSVWriter) Format() Format { return CSV }

// Write implements Writer.
func (CSVWriter) Write(b Book) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(bom)
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	for i, s := range b.Sheets {
		if len(b.Sheets) > 1 {
			if i > 0 {
				w.Write(nil)
			}
			w.Write([]string{s.Name})
		}
		head := make([]string, len(s.Columns))
		for j, c := range s.Columns {
			head[j] = c.Title
		}
		w.Write(head)
		for _, row := range s.Rows {
			rec := make([]string, len(row))
			for j, v := range row {
				rec[j] = CellText(v, columnType(s.Columns, j))
			}
			w.Write(rec)
		}
		if s.Note != "" {
			w.Write([]string{s.Note})
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func columnType(cs []Column, i int) Type {
	if i < len(cs) {
		return cs[i].Type
	}
	return Text
}

// CellText is a cell as text: a date as 2006-01-02, a moment as
// 2006-01-02 15:04 (in the zone the time carries), a zero time as nothing.
func CellText(v any, t Type) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case time.Time:
		switch {
		case v.IsZero():
			return ""
		case t == Date:
			return v.Format(time.DateOnly)
		}
		return v.Format("2006-01-02 15:04")
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}
