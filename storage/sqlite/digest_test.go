package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/digest"
)

// Ensure the next digest time is kept apart from people's settings: a
// change of digest time, on/off or zone clears it, other changes keep it,
// and a sweep's write applies only where it is still the value it read.
func TestPeople_DigestNext(t *testing.T) {
	db := MustOpenDB(t, "")
	ann := mustPerson(t, db, "Ann")
	nine := t0.Add(23 * time.Hour)
	set := func(was, next time.Time) (ok bool) {
		mustUpdate(t, db, func(tx bot.Tx) (err error) { ok, err = digest.From(tx).SetDigestNext(ann.ID, was, next); return })
		return ok
	}
	due := func(now time.Time) (ids []int64) {
		db.View(context.Background(), func(tx bot.Tx) error {
			ps, err := digest.From(tx).DigestsDue(now, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ps {
				ids = append(ids, p.ID)
			}
			return nil
		})
		return ids
	}
	if got := due(t0); len(got) != 1 || got[0] != ann.ID {
		t.Fatalf("a new person is not due for scheduling: %v", got)
	}
	if !set(time.Time{}, nine) || set(time.Time{}, nine.Add(time.Hour)) {
		t.Fatal("SetDigestNext did not compare with the stored time")
	}
	if got := due(nine.Add(-time.Minute)); len(got) != 0 {
		t.Fatalf("due a minute early: %v", got)
	}
	if got := due(nine); len(got) != 1 {
		t.Fatalf("not due at the time: %v", got)
	}
	update := func(change func(p *bot.Person)) time.Time {
		var p *bot.Person
		mustUpdate(t, db, func(tx bot.Tx) (err error) {
			if p, err = tx.FindPersonByID(ann.ID); err != nil {
				return err
			}
			change(p)
			if err := tx.UpdatePerson(p); err != nil {
				return err
			}
			p, err = tx.FindPersonByID(ann.ID)
			return err
		})
		return p.DigestNext
	}
	if got := update(func(p *bot.Person) { p.Lang, p.Name = bot.LangZH, "Annie" }); !got.Equal(nine) {
		t.Errorf("a change of name and language moved the digest: %v", got)
	}
	for name, change := range map[string]func(*bot.Person){
		"time": func(p *bot.Person) { p.Digest = "08:30" },
		"off":  func(p *bot.Person) { p.DigestOff = true },
		"zone": func(p *bot.Person) { p.TZ = "Europe/Berlin" },
	} {
		mustUpdate(t, db, func(tx bot.Tx) error {
			_, err := digest.From(tx).SetDigestNext(ann.ID, time.Time{}, nine) // whatever it was
			return err
		})
		if got := update(change); !got.IsZero() {
			t.Errorf("a change of %s kept the digest time %v", name, got)
		}
	}
	if got := due(nine); len(got) != 0 {
		t.Errorf("a person whose digest is off is due: %v", got)
	}
	mustUpdate(t, db, func(tx bot.Tx) error {
		p, _ := tx.FindPersonByID(ann.ID)
		if p.Digest != "08:30" || !p.DigestOff {
			t.Errorf("digest settings = %q, off %v", p.Digest, p.DigestOff)
		}
		return nil
	})
}
