package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/tandemhq/tandem/adapters/xlsx"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/export"
	"github.com/tandemhq/tandem/bot/sheet"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/asks"
	exportcmd "github.com/tandemhq/tandem/commands/export"
	statscmd "github.com/tandemhq/tandem/commands/stats"
)

const exportUsage = `Usage: tandem export KIND [--month YYYY-MM] [--format xlsx|csv] [--dept NAME] [--ask A-ID] [--lang en|zh] --out FILE [--config FILE]
  Writes the export the chat's "export" command sends, from the database
  directly, with the same code: KIND is tasks, tickets, meetings, requests,
  ledger (of --ask) or stats. Everything is exported (an operator's view);
  --dept narrows it to one department. The month is the current one in the
  bot's default zone unless given. It only reads, so it may run beside a
  server.
`

// runExport is `tandem export`: an export written to a file.
func runExport(ctx context.Context, args []string, now time.Time, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("tandem export", flag.ContinueOnError)
	fset.SetOutput(stderr)
	path := fset.String("config", "", "configuration file (YAML); defaults are used when empty")
	month := fset.String("month", "", "the month, YYYY-MM (default: this month)")
	format := fset.String("format", "xlsx", "xlsx or csv")
	dept := fset.String("dept", "", "one department's (default: every department's)")
	askRef := fset.String("ask", "", "the ask whose ledger to export (A-12)")
	langFlag := fset.String("lang", "", "the language of titles: en or zh (default: bot.default_lang)")
	out := fset.String("out", "", "the file to write")
	fset.Usage = func() { fmt.Fprint(stderr, exportUsage); fset.PrintDefaults() }
	// The kind may come before the flags: tandem export tickets --month 2026-11.
	var kinds []string
	for {
		if err := fset.Parse(args); err != nil {
			return err
		}
		if fset.NArg() == 0 {
			break
		}
		kinds = append(kinds, fset.Arg(0))
		args = fset.Args()[1:]
	}
	if len(kinds) != 1 || *out == "" {
		fset.Usage()
		return errors.New("export: give one KIND and --out FILE")
	}
	kind, ok := export.ParseKind(kinds[0])
	if !ok {
		return fmt.Errorf("export: %q is not one of tasks, tickets, meetings, requests, ledger, stats", kinds[0])
	}
	var w sheet.Writer
	switch strings.ToLower(*format) {
	case "xlsx":
		w = xlsx.Writer{}
	case "csv":
		w = sheet.CSVWriter{}
	default:
		return fmt.Errorf("export: --format %q: want xlsx or csv", *format)
	}
	r := exportcmd.Request{Kind: kind}
	if kind == export.Ledger {
		id, ok := asks.ParseRef(*askRef)
		if !ok {
			return fmt.Errorf("export: a ledger needs --ask A-ID")
		}
		r.AskID = id
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	lang, _ := bot.ParseLang(cfg.Bot.DefaultLang)
	if *langFlag != "" {
		if lang, ok = bot.ParseLang(*langFlag); !ok {
			return fmt.Errorf("export: --lang %q: want en or zh", *langFlag)
		}
	}
	loc, err := time.LoadLocation(cfg.Bot.DefaultTZ)
	if err != nil {
		return err
	}
	db, err := openDatabase(cfg.Storage, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer db.Close()
	rd := commands.Reader{Lang: lang, Loc: loc, Now: now}
	var book sheet.Book
	err = db.View(ctx, func(tx bot.Tx) error {
		req, err := exportcmd.Resolve(tx, r, *month, *dept, rd)
		if err != nil {
			return err
		}
		book, err = exportcmd.Build(tx, req, rd, statscmd.ExportSheets)
		return err
	})
	if err != nil && bot.ErrorCode(err) != bot.EINTERNAL {
		return fmt.Errorf("export: %s", bot.ErrorText(err).In(lang))
	}
	if err != nil {
		return err
	}
	f, err := sheet.File(w, book)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, f.Data, 0o600); err != nil {
		return err
	}
	rows := 0
	for _, s := range book.Sheets {
		rows += len(s.Rows)
	}
	fmt.Fprintf(stdout, "%s: %d rows, %d bytes\n", *out, rows, len(f.Data))
	return nil
}
