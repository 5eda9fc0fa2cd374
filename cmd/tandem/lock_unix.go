//go:build unix

package main

import (
	"errors"
	"os"
	"syscall"
)

var errHeld = errors.New("held by another process")

// flock takes an exclusive lock on f without waiting (syscall, so no cgo).
func flock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EWOULDBLOCK):
			return errHeld
		case errors.Is(err, syscall.EINTR):
			continue
		default:
			return err
		}
	}
}
