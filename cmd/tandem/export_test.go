package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// Ensure `tandem export tickets --month 2026-11 --format xlsx --out F`
// writes the month's tickets from the database (the chat's code), in the
// language asked, and that bad arguments are refused.
func TestRunExport(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "t.db")
	cfgPath := filepath.Join(dir, "tandem.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf("storage: {path: %q}\nbot: {default_tz: Asia/Shanghai}\n", dbPath)), 0o644); err != nil {
		t.Fatal(err)
	}
	db := sqlite.NewDB(dbPath)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	nov := time.Date(2026, 11, 3, 1, 30, 0, 0, time.UTC)
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		p := &bot.Person{Name: "Sally", Handle: "sally"}
		if err := tx.CreatePerson(p, nov); err != nil {
			return err
		}
		for _, at := range []time.Time{nov, nov.AddDate(0, 1, 0)} {
			tk := &ticket.Ticket{Title: "打印机坏了 " + at.Format("01"), RequesterID: p.ID, Category: "it", Priority: ticket.P3,
				Status: ticket.Open, Cycle: 1, OpenedAt: at, CreatedAt: at, UpdatedAt: at}
			if err := ticket.From(tx).CreateTicket(tk); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "tickets.xlsx")
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"export", "tickets", "--month", "2026-11", "--format", "xlsx", "--lang", "zh",
		"--out", out, "--config", cfgPath}, nil, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "tickets.xlsx: 1 rows") {
		t.Errorf("stdout %q", stdout.String())
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("工单")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][1] != "标题" || rows[1][1] != "打印机坏了 11" || rows[1][8] != "2026-11-03 09:30" {
		t.Fatalf("rows %q", rows)
	}

	for _, args := range [][]string{
		{"export", "tickets"},                                                        // no --out
		{"export", "invoices", "--out", out},                                         // no such kind
		{"export", "tickets", "--format", "pdf", "--out", out},                       // no such format
		{"export", "tickets", "--month", "11/26", "--out", out, "--config", cfgPath}, // bad month
	} {
		if err := run(context.Background(), args, nil, &stdout, &stderr); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
