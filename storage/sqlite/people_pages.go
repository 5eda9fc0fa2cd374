package sqlite

import "github.com/tandemhq/tandem/bot"

// peopleAfterQuery pages everyone by id, from the primary key.
const peopleAfterQuery = `SELECT ` + personColumns + ` FROM people WHERE id > ? ORDER BY id LIMIT ?`

// PeopleAfter implements ask.Everyone: an all-hands audience, a page at a
// time.
func (t *tx) PeopleAfter(afterID int64, limit int) ([]*bot.Person, error) {
	rows, err := t.query(peopleAfterQuery, afterID, limit)
	return scanPeople(rows, err, "page people")
}
