package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The database lock: one process runs the bot on a database at a time. Two
// would both sweep the inbox, fire jobs and send the outbox, and a `tandem
// chat` beside a server would answer its console users from a second bot.
// The lock is an flock on a file beside the database, which the kernel
// releases when the process ends however it ends, so a crash leaves no lock
// behind. The file says who holds it, for the error the next one gets.

// errLocked is returned by lockDatabase when another process holds the lock.
type errLocked struct {
	db     string
	holder string // "server", "chat" or "migrate", from the lock file
	pid    int
}

func (e *errLocked) Error() string {
	who := "another tandem"
	switch e.holder {
	case "server":
		who = "a tandem server"
	case "chat":
		who = "a `tandem chat` running the bot itself"
	case "migrate":
		who = "a `tandem migrate` copying it"
	}
	if e.pid > 0 {
		who += fmt.Sprintf(" (pid %d)", e.pid)
	}
	return fmt.Sprintf("%s already runs on %s; stop it first, or give this one another storage.path", who, e.db)
}

// lockDatabase takes the lock on the database at dbPath for role ("server"
// or "chat") and returns what releases it.
func lockDatabase(dbPath, role string) (unlock func() error, err error) {
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o755); err != nil {
		return nil, err
	}
	path := dbPath + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open the database lock: %w", err)
	}
	if err := flock(f); err != nil {
		defer f.Close()
		if errors.Is(err, errHeld) {
			return nil, lockHolder(f, dbPath)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// Only the holder writes the file, and only after taking the lock.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(fmt.Sprintf("%d %s\n", os.Getpid(), role)), 0)
	}
	return f.Close, nil // closing the file releases the lock
}

// lockHolder reads who holds the lock from its file.
func lockHolder(f *os.File, dbPath string) error {
	e := &errLocked{db: dbPath}
	buf := make([]byte, 64)
	n, _ := f.ReadAt(buf, 0)
	if fields := strings.Fields(string(buf[:n])); len(fields) == 2 {
		e.pid, _ = strconv.Atoi(fields[0])
		e.holder = fields[1]
	}
	return e
}
