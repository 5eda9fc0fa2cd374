package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tandemhq/tandem/storage/postgres"
	"github.com/tandemhq/tandem/storage/sqlite"
)

const migrateUsage = "usage: tandem migrate --from sqlite:PATH --to postgres:ENV_VAR (or postgres:DSN)"

// runMigrate copies a SQLite database into an empty PostgreSQL one
// (docs/postgres.md, "Migrating from SQLite"): both are brought to this
// version's schema first, the SQLite file is locked as a server would lock
// it (so none writes to it meanwhile), and the copy is one transaction
// (postgres.DB.CopyFromSQLite), so a failure leaves the target empty.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tandem migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the SQLite database: sqlite:PATH")
	to := fs.String("to", "", "the PostgreSQL database: postgres:ENV_VAR (the variable holding the DSN) or postgres:DSN")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *from == "" || *to == "" {
		return errors.New(migrateUsage)
	}
	path, ok := strings.CutPrefix(*from, "sqlite:")
	if !ok || path == "" {
		return fmt.Errorf("--from %q: want sqlite:PATH\n%s", *from, migrateUsage)
	}
	target, ok := strings.CutPrefix(*to, "postgres:")
	if !ok || target == "" {
		return fmt.Errorf("--to %q: want postgres:ENV_VAR or postgres:DSN\n%s", *to, migrateUsage)
	}
	dsn := target
	if envNameRE.MatchString(target) {
		if dsn = strings.TrimSpace(os.Getenv(target)); dsn == "" {
			return fmt.Errorf("--to postgres:%s: the environment variable %s is empty; set it to the PostgreSQL connection string", target, target)
		}
	} else {
		fmt.Fprintln(stderr, "note: a DSN on the command line is visible to other users (ps) and kept in shell history; "+
			"prefer --to postgres:ENV_VAR")
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	start := time.Now()

	unlock, err := lockDatabase(path, "migrate")
	if err != nil {
		return err
	}
	defer unlock()
	// Opening migrates: both sides at this version's schema.
	lite := sqlite.NewDB(path)
	lite.Log = log
	if err := lite.Open(); err != nil {
		return err
	}
	if err := lite.Close(); err != nil {
		return err
	}
	pg := postgres.NewDB(dsn)
	pg.Log = log
	if err := pg.Open(); err != nil {
		return err
	}
	defer pg.Close()
	src, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer src.Close()
	counts, err := pg.CopyFromSQLite(ctx, src)
	if err != nil {
		return fmt.Errorf("migrate: %w (nothing was written to postgres)", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	var total int64
	for _, c := range counts {
		if c.Rows > 0 {
			fmt.Fprintf(tw, "%s\t%d\t\n", c.Table, c.Rows)
		}
		total += c.Rows
	}
	tw.Flush()
	fmt.Fprintf(stdout, "copied %d rows in %d tables from %s to postgres in %s; the counts match on both sides\n",
		total, len(counts), path, time.Since(start).Round(time.Millisecond))
	return nil
}
