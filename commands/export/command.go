package export

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/export"
	"github.com/tandemhq/tandem/bot/sheet"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/asks"
)

// Deps is what the export command needs.
type Deps struct {
	// Writers write the formats offered besides CSV (adapters/xlsx's
	// Writer for XLSX); CSV is always offered. The first is the default.
	Writers     []sheet.Writer
	Stats       StatsHook // extra sheets for `export stats`; nil: none
	DefaultLang bot.Lang
	DefaultTZ   *time.Location
}

// Module is the export feature.
func Module(d Deps) commands.Module {
	f := &feature{Deps: d}
	return commands.Module{Name: "export", Commands: []*commands.Command{f.command()}}
}

type feature struct{ Deps }

var usage = bot.T(
	"export <tasks|tickets|meetings|requests|stats> [month:YYYY-MM] [xlsx|csv] [dept:NAME] | export ledger <A-id> [xlsx|csv]",
	"导出 <任务|工单|会议|申请|统计> [月份：YYYY-MM] [xlsx|csv] [部门：名称] | 导出 台账 <A-编号> [xlsx|csv]")

func (f *feature) command() *commands.Command {
	return &commands.Command{
		Name:    "export",
		Aliases: []string{"导出"},
		Summary: bot.T("Send a month of tasks, tickets, meetings, requests, an ask's ledger or the figures as a spreadsheet",
			"把一个月的任务、工单、会议、申请、某项问询的台账或统计导出为表格文件发到聊天中"),
		Usage:   usage,
		Prepare: f.prepare,
		Run:     f.run,
	}
}

// parsed is an export's arguments.
type parsed struct {
	r      Request
	format sheet.Format
	month  string // as typed; "" for this month
	dept   string
}

// usageError is an argument the command cannot read; run answers it with
// the command's form.
type usageError struct{ problem bot.Text }

func (e *usageError) Error() string { return e.problem.EN }

// parse reads the arguments (not yet resolved against the store).
func (f *feature) parse(args []commands.Token) (parsed, error) {
	var p parsed
	p.format = f.formats()[0].Format()
	if len(args) == 0 {
		return p, &usageError{bot.T("Say what to export.", "请说明要导出什么。")}
	}
	kind, ok := export.ParseKind(args[0].Text)
	if !ok || args[0].Key != "" {
		return p, &usageError{bot.Tf("I can't export %q.", "无法导出“%s”。", args[0].Raw)}
	}
	p.r.Kind = kind
	for _, t := range args[1:] {
		switch {
		case t.Key == "month" || t.Key == "月份" || t.Key == "月":
			p.month = t.Text
		case t.Key == "dept" || t.Key == "department" || t.Key == "部门":
			p.dept = t.Text
		case t.Key == "" && f.writer(sheet.Format(strings.ToLower(t.Text))) != nil:
			p.format = sheet.Format(strings.ToLower(t.Text))
		case t.Key == "" && kind == export.Ledger && p.r.AskID == 0:
			id, ok := asks.ParseRef(t.Text)
			if !ok {
				return p, &usageError{bot.Tf("%q is not an ask, such as A-12.", "「%s」不是问询编号，例如 A-12。", t.Raw)}
			}
			p.r.AskID = id
		default:
			return p, &usageError{bot.Tf("I don't understand %q.", "看不懂“%s”。", t.Raw)}
		}
	}
	if kind == export.Ledger && p.r.AskID == 0 {
		return p, &usageError{bot.T("Say which ask's ledger, e.g. export ledger A-12.", "请说明导出哪项问询的台账，例如 导出 台账 A-12。")}
	}
	return p, nil
}

// formats are the writers offered, the default first.
func (f *feature) formats() []sheet.Writer {
	return append(append([]sheet.Writer(nil), f.Writers...), sheet.CSVWriter{})
}

func (f *feature) writer(format sheet.Format) sheet.Writer {
	for _, w := range f.formats() {
		if w.Format() == format {
			return w
		}
	}
	return nil
}

// prepared is what the prepare step made: the file and a line about it.
type prepared struct {
	file *bot.File
	text string
}

// prepare reads and writes the export outside the writer: the sender and
// their rights, then the rows a page at a time (Build), then the file. The
// unit only replies with it.
func (f *feature) prepare(ev *bot.Event, args []commands.Token) bot.PrepareFunc {
	p, perr := f.parse(args)
	return func(ctx context.Context, view bot.Viewer) (any, error) {
		if perr != nil {
			return nil, perr
		}
		var out prepared
		err := view.View(ctx, func(tx bot.Tx) error {
			person, err := tx.FindPersonByAccount(ev.SenderAccount())
			if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
				return err
			}
			rd := commands.ReaderFor(person, ev, f.DefaultLang, f.DefaultTZ)
			r, err := Resolve(tx, p.r, p.month, p.dept, rd)
			if err != nil {
				return err
			}
			if err := Authorize(tx, person, &r); err != nil {
				return err
			}
			book, err := Build(tx, r, rd, f.Stats)
			if err != nil {
				return err
			}
			file, err := sheet.File(f.writer(p.format), book)
			if err != nil {
				return err
			}
			out = prepared{file: file, text: summary(book, file, rd)}
			return nil
		})
		return out, err
	}
}

// Resolve fills in r's period (month, "" for the reader's current month)
// and department (dept, a name; "" for all).
func Resolve(tx bot.Tx, r Request, month, dept string, rd commands.Reader) (Request, error) {
	var err error
	if month == "" {
		r.Period = export.Month(rd.Now, rd.Loc)
	} else if r.Period, err = export.ParseMonth(month, rd.Loc); err != nil {
		return r, err
	}
	if dept != "" {
		d, err := commands.FindDeptIn(tx, dept)
		if err != nil {
			return r, err
		}
		r.DeptID = d.ID
	}
	return r, nil
}

// summary says what the file holds: "tickets-2026-11.xlsx: 42 rows."
func summary(b sheet.Book, f *bot.File, rd commands.Reader) string {
	rows := 0
	for _, s := range b.Sheets {
		rows += len(s.Rows)
	}
	return rd.T("%s: %d rows.", "%s：共 %d 行。", f.Name, rows)
}

// run replies with the file the prepare step made, to the sender alone
// (Private: Slack shares it in their direct messages, other platforms
// send it to them).
func (f *feature) run(c *commands.Ctx) error {
	var ue *usageError
	switch {
	case errors.As(c.PrepareErr, &ue):
		return c.Usage(ue.problem)
	case bot.ErrorCode(c.PrepareErr) == bot.EINVALID || bot.ErrorCode(c.PrepareErr) == bot.ENOTFOUND:
		return c.Usage(bot.ErrorText(c.PrepareErr))
	case c.PrepareErr != nil:
		return c.PrepareErr
	}
	p, ok := c.Prepared.(prepared)
	if !ok {
		return fmt.Errorf("export: nothing prepared (%T)", c.Prepared)
	}
	if err := p.file.Seal(); err != nil {
		return err
	}
	c.Reply(bot.Message{Text: p.text, File: p.file, Private: true})
	return nil
}
