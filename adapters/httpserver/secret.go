package httpserver

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// EnsureSecret returns the secret kept at path, creating it when there is
// none: 32 random bytes, hex, in a file only its owner can read. what names
// it in errors ("the console secret"). The console's bearer secret and the
// calendar feed's signing key are made this way.
func EnsureSecret(path, what string) (string, error) {
	secret, err := ReadSecret(path, what)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return secret, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	var b [32]byte
	rand.Read(b[:])
	secret = hex.EncodeToString(b[:])
	// O_EXCL: of two processes starting at once, one creates the file and
	// the other reads it.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return ReadSecret(path, what)
	}
	if err != nil {
		return "", err
	}
	_, err = f.WriteString(secret + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return "", fmt.Errorf("write %s: %w", what, err)
	}
	return secret, nil
}

// ReadSecret reads the secret kept at path. A file that others may read is
// refused, as ssh refuses such a key: the secret may have leaked.
func ReadSecret(path, what string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s %s can be read by others (mode %#o): run `chmod 600 %s`, or delete it to have a new one made",
			what, path, st.Mode().Perm(), path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	secret := strings.TrimSpace(string(raw))
	if len(secret) < 32 {
		return "", fmt.Errorf("%s %s is too short; delete it to have a new one made", what, path)
	}
	return secret, nil
}
