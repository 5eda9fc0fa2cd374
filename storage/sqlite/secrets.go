package sqlite

import (
	"errors"

	"github.com/tandemhq/tandem/bot"
)

var _ bot.SecretTx = (*tx)(nil)

// KeepSecret implements bot.SecretTx: an insert that a stored value wins
// over, then the stored value. On PostgreSQL a racing insert of the same
// name waits on the first one's row and then does nothing, so both read
// the first.
func (t *tx) KeepSecret(name string, candidate []byte) ([]byte, error) {
	if _, err := t.exec(`INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)`, name, candidate); err != nil {
		return nil, internal(err, "keep secret")
	}
	var kept []byte
	found, err := t.queryRow(`SELECT value FROM secrets WHERE name = ?`, []any{name}, &kept)
	if err == nil && !found {
		err = errors.New("the row just kept is missing")
	}
	if err != nil {
		return nil, internal(err, "read secret")
	}
	return kept, nil
}
