package sqlite_test

import (
	"fmt"
	"testing"

	"github.com/tandemhq/tandem/bot"
)

// Ensure a handle can always be made, however many people share its base:
// after 999 "user"s, every new sender used to get the taken "user" and a
// conflict (issue 12, item 11).
func TestPeople_CrowdedHandleBase(t *testing.T) {
	db := MustOpenDB(t, "")
	const n = 1100
	var seen map[string]bool
	mustUpdate(t, db, func(tx bot.Tx) error {
		seen = map[string]bool{} // the unit may run again
		for i := range n {
			p := &bot.Person{Name: "User"}
			if err := tx.CreatePerson(p, t0); err != nil {
				return fmt.Errorf("person %d: %w", i+1, err)
			}
			if seen[p.Handle] {
				return fmt.Errorf("person %d got the taken handle %q", i+1, p.Handle)
			}
			seen[p.Handle] = true
		}
		return nil
	})
	for _, h := range []string{"user", "user2", "user9"} {
		if !seen[h] {
			t.Errorf("handle %q not given: the first ones are numbered in order", h)
		}
	}
}
