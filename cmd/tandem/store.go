package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/postgres"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// Database is the store Main opens, SQLite or PostgreSQL (storage.driver):
// a bot.Store that also reports its outbox queues for /metrics and closes.
type Database interface {
	bot.Store
	OutboxQueues(ctx context.Context) ([]sqlite.QueueDepth, error)
	Close() error
}

var (
	_ Database = (*sqlite.DB)(nil)
	_ Database = (*postgres.DB)(nil)
)

// envNameRE is what storage.dsn_env must look like: the name of an
// environment variable, never the DSN itself (which carries a password).
var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// dsn reads the PostgreSQL connection string from the environment variable
// storage.dsn_env names, so that the password stays out of the file.
func (s StorageConfig) dsn() (string, error) {
	dsn := strings.TrimSpace(os.Getenv(s.DSNEnv))
	if dsn == "" {
		return "", fmt.Errorf("storage.dsn_env: the environment variable %s is empty; set it to the PostgreSQL "+
			"connection string (postgres://user:password@host/db or host=… user=… dbname=…; docs/postgres.md)", s.DSNEnv)
	}
	return dsn, nil
}

// openDatabase opens (and migrates) the configured store. It takes no
// lock: Main locks a SQLite file (one server per file); several replicas
// share one PostgreSQL database by design.
func openDatabase(cfg StorageConfig, log *slog.Logger) (Database, error) {
	if cfg.Driver == "postgres" {
		dsn, err := cfg.dsn()
		if err != nil {
			return nil, err
		}
		db := postgres.NewDB(dsn)
		db.Log = log
		if err := db.Open(); err != nil {
			return nil, err
		}
		return db, nil
	}
	db := sqlite.NewDB(cfg.Path)
	db.Synchronous = strings.ToUpper(cfg.Synchronous)
	db.Log = log
	if err := db.Open(); err != nil {
		return nil, err
	}
	return db, nil
}

// storeReady is /readyz's store check: the store answers a read, and a
// store that watches its writer (SQLite's committer) says it takes writes.
// PostgreSQL has no single writer to watch; a server that is down or
// refuses connections fails the read.
func storeReady(db Database) func(context.Context) error {
	return func(ctx context.Context) error {
		if w, ok := db.(interface{ Writable(time.Time) error }); ok {
			if err := w.Writable(time.Now()); err != nil {
				return err
			}
		}
		return db.View(ctx, func(tx bot.Tx) error {
			_, err := tx.PendingInboundIDs(time.Time{}, 1)
			return err
		})
	}
}
