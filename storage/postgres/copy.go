package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// TableCount is how many rows one table holds after a copy, the same on
// both sides.
type TableCount struct {
	Table string
	Rows  int64
}

// CopyFromSQLite copies every table of src, a Tandem SQLite database at the
// same schema version, into db, which must be migrated and empty
// (`tandem migrate`). src should not change meanwhile: the caller holds its
// lock.
//
// It is one transaction, not batches with a resumable marker: a team's
// database is megabytes to a few gigabytes, which PostgreSQL takes in one
// transaction in minutes, and all or nothing means a failed copy leaves
// the target empty, so the remedy is to run it again; a marker would have
// to prove that the rows before it had not changed in SQLite since. Rows go
// through COPY (pgx's CopyFrom), in id order, so new ids follow the old.
//
// The foreign keys are made deferrable for the copy and checked at its end
// (departments and people refer to each other, so no table order satisfies
// them row by row), then put back; PostgreSQL's DDL is transactional, so a
// failed copy leaves them as they were. Each identity's sequence is set
// past the largest id copied. The counts of rows are compared per table
// before the commit.
func (db *DB) CopyFromSQLite(ctx context.Context, src *sql.DB) ([]TableCount, error) {
	stx, err := src.BeginTx(ctx, nil) // one snapshot of the source
	if err != nil {
		return nil, fmt.Errorf("read sqlite: %w", err)
	}
	defer stx.Rollback()
	if err := sameMigrations(ctx, stx, db.db); err != nil {
		return nil, err
	}
	tables, err := targetTables(ctx, db.db)
	if err != nil {
		return nil, err
	}
	if err := everySourceTableCopied(ctx, stx, tables); err != nil {
		return nil, err
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close()
	var counts []TableCount
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		if err := refuseNonEmpty(ctx, tx, tables); err != nil {
			return err
		}
		fks, err := deferForeignKeys(ctx, tx)
		if err != nil {
			return err
		}
		for _, t := range tables {
			n, err := copyTable(ctx, stx, tx, t)
			if err != nil {
				return fmt.Errorf("copy %s: %w", t.name, err)
			}
			counts = append(counts, TableCount{Table: t.name, Rows: n})
		}
		if _, err := tx.Exec(ctx, `SET CONSTRAINTS ALL IMMEDIATE`); err != nil {
			return fmt.Errorf("check foreign keys: %w", err)
		}
		for _, fk := range fks {
			if _, err := tx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{fk[0]}.Sanitize()+` ALTER CONSTRAINT `+pgx.Identifier{fk[1]}.Sanitize()+` NOT DEFERRABLE`); err != nil {
				return fmt.Errorf("restore foreign key %s: %w", fk[1], err)
			}
		}
		if err := resetIdentities(ctx, tx, tables); err != nil {
			return err
		}
		if err := verifyCounts(ctx, stx, tx, counts); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

type copyColumn struct {
	name, typ string
	identity  bool
}

type copyTableSpec struct {
	name string
	cols []copyColumn
}

// targetTables reads the migrated target's tables and columns; they, not
// SQLite's, say what is copied, so SQLite's internal tables (FTS5's shadow
// tables, sqlite_sequence) are left out by construction.
func targetTables(ctx context.Context, db *sql.DB) ([]copyTableSpec, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT c.table_name, c.column_name, c.data_type, c.is_identity = 'YES'
		FROM information_schema.columns AS c
		JOIN information_schema.tables AS t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name <> 'schema_migrations'
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("read postgres tables: %w", err)
	}
	defer rows.Close()
	var out []copyTableSpec
	for rows.Next() {
		var table string
		var c copyColumn
		if err := rows.Scan(&table, &c.name, &c.typ, &c.identity); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].name != table {
			out = append(out, copyTableSpec{name: table})
		}
		out[len(out)-1].cols = append(out[len(out)-1].cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("the postgres database has no tables: is it migrated?")
	}
	return out, nil
}

// sameMigrations refuses a source and target at different schema
// versions: a column added on one side only would be lost or missing.
func sameMigrations(ctx context.Context, stx *sql.Tx, db *sql.DB) error {
	read := func(q interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}) ([]string, error) {
		rows, err := q.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var vs []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return nil, err
			}
			vs = append(vs, v)
		}
		return vs, rows.Err()
	}
	from, err := read(stx)
	if err != nil {
		return fmt.Errorf("read sqlite migrations: %w", err)
	}
	to, err := read(db)
	if err != nil {
		return fmt.Errorf("read postgres migrations: %w", err)
	}
	if !slices.Equal(from, to) {
		return fmt.Errorf("sqlite has %d migrations applied and postgres %d: open both with this version of tandem first", len(from), len(to))
	}
	return nil
}

// everySourceTableCopied refuses a SQLite table the target lacks, so that
// nothing is silently left behind.
func everySourceTableCopied(ctx context.Context, stx *sql.Tx, tables []copyTableSpec) error {
	rows, err := stx.QueryContext(ctx, `SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'`)
	if err != nil {
		return fmt.Errorf("read sqlite tables: %w", err)
	}
	defer rows.Close()
	var names, virtual []string
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			return err
		}
		names = append(names, name)
		if strings.HasPrefix(ddl, "CREATE VIRTUAL TABLE") {
			virtual = append(virtual, name)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var missing []string
	for _, name := range names {
		// An FTS5 table keeps its index in shadow tables named after it;
		// its rows are copied from the virtual table itself.
		shadow := slices.ContainsFunc(virtual, func(v string) bool { return strings.HasPrefix(name, v+"_") })
		if !shadow && !slices.ContainsFunc(tables, func(t copyTableSpec) bool { return t.name == name }) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("postgres has no table for sqlite's %s", strings.Join(missing, ", "))
	}
	return nil
}

func refuseNonEmpty(ctx context.Context, tx pgx.Tx, tables []copyTableSpec) error {
	var full []string
	for _, t := range tables {
		var hasRows bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{t.name}.Sanitize()+`)`).Scan(&hasRows); err != nil {
			return fmt.Errorf("read %s: %w", t.name, err)
		}
		if hasRows {
			full = append(full, t.name)
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("the postgres database is not empty (%s have rows): migrate into a new database", strings.Join(full, ", "))
	}
	return nil
}

// deferForeignKeys makes every foreign key that is not deferrable so, and
// deferred, for this transaction's copy; it returns them (table,
// constraint) to be put back.
func deferForeignKeys(ctx context.Context, tx pgx.Tx) ([][2]string, error) {
	rows, err := tx.Query(ctx, `
		SELECT c.conrelid::regclass::text, c.conname FROM pg_constraint AS c
		WHERE c.contype = 'f' AND NOT c.condeferrable AND c.connamespace = current_schema()::regnamespace
		ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("read foreign keys: %w", err)
	}
	fks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var fk [2]string
		return fk, r.Scan(&fk[0], &fk[1])
	})
	if err != nil {
		return nil, fmt.Errorf("read foreign keys: %w", err)
	}
	for _, fk := range fks {
		// regclass::text is already quoted where it needs to be.
		if _, err := tx.Exec(ctx, `ALTER TABLE `+fk[0]+` ALTER CONSTRAINT `+pgx.Identifier{fk[1]}.Sanitize()+` DEFERRABLE INITIALLY DEFERRED`); err != nil {
			return nil, fmt.Errorf("defer foreign key %s: %w", fk[1], err)
		}
	}
	if _, err := tx.Exec(ctx, `SET CONSTRAINTS ALL DEFERRED`); err != nil {
		return nil, err
	}
	return fks, nil
}

// copyTable streams one table from SQLite into COPY, in id order.
func copyTable(ctx context.Context, stx *sql.Tx, tx pgx.Tx, t copyTableSpec) (int64, error) {
	names := make([]string, len(t.cols))
	selected := make([]string, len(t.cols))
	order := ""
	for i, c := range t.cols {
		names[i] = c.name
		selected[i] = `"` + c.name + `"`
		if c.name == "rowid" { // FTS5's hidden column: a quoted name could be read as a string
			selected[i] = "rowid"
		}
		if c.name == "id" {
			order = " ORDER BY id"
		}
	}
	rows, err := stx.QueryContext(ctx, `SELECT `+strings.Join(selected, ", ")+` FROM "`+t.name+`"`+order)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	vals := make([]any, len(t.cols))
	ptrs := make([]any, len(t.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, names, pgx.CopyFromFunc(func() ([]any, error) {
		if !rows.Next() {
			return nil, rows.Err()
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = asColumn(v, t.cols[i].typ)
		}
		return out, nil
	}))
	return n, err
}

// asColumn converts what SQLite's dynamic typing returned into the Go type
// of the PostgreSQL column's type, which COPY's binary format requires:
// SQLite may keep text in a BLOB column and bytes in a TEXT one.
func asColumn(v any, typ string) any {
	switch x := v.(type) {
	case string:
		if typ == "bytea" {
			return []byte(x)
		}
	case []byte:
		if typ == "text" {
			return string(x)
		}
		if typ == "bytea" {
			// A copy, as the driver may reuse its buffer; never nil, which
			// COPY would write as NULL where SQLite had an empty blob.
			return append([]byte{}, x...)
		}
	case int64:
		if typ == "boolean" {
			return x != 0
		}
	}
	return v
}

// resetIdentities sets each identity's sequence past the largest id
// copied, so that the next row PostgreSQL numbers does not collide.
func resetIdentities(ctx context.Context, tx pgx.Tx, tables []copyTableSpec) error {
	for _, t := range tables {
		for _, c := range t.cols {
			if !c.identity {
				continue
			}
			q := `SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(` + pgx.Identifier{c.name}.Sanitize() +
				`) FROM ` + pgx.Identifier{t.name}.Sanitize() + `), 0) + 1, false)`
			if _, err := tx.Exec(ctx, q, pgx.Identifier{t.name}.Sanitize(), c.name); err != nil {
				return fmt.Errorf("reset the sequence of %s.%s: %w", t.name, c.name, err)
			}
		}
	}
	return nil
}

// verifyCounts compares each table's rows on both sides before the commit.
func verifyCounts(ctx context.Context, stx *sql.Tx, tx pgx.Tx, counts []TableCount) error {
	for _, c := range counts {
		var from, to int64
		if err := stx.QueryRowContext(ctx, `SELECT count(*) FROM "`+c.Table+`"`).Scan(&from); err != nil {
			return fmt.Errorf("count sqlite's %s: %w", c.Table, err)
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{c.Table}.Sanitize()).Scan(&to); err != nil {
			return fmt.Errorf("count postgres's %s: %w", c.Table, err)
		}
		if from != to || to != c.Rows {
			return fmt.Errorf("%s: sqlite has %d rows, postgres %d after copying %d", c.Table, from, to, c.Rows)
		}
	}
	return nil
}
