//go:build !unix

package main

import (
	"errors"
	"os"
)

var errHeld = errors.New("held by another process")

// flock does nothing where there is no flock(2): there Tandem cannot tell
// that another process runs on the same database.
func flock(*os.File) error { return nil }
