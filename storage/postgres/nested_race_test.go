package postgres_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Ensure a unit whose Nested part PostgreSQL refused as racing another
// unit (SQLSTATE 40001), and which went on as if the part had failed on its
// own (as the bot does with a command), is run again from the start rather
// than committed without the part: the bot would otherwise record the
// command as failed and answer nothing. The race is made by hand: the unit
// reads a person, another connection renames the person and commits, and
// the unit's Nested update of the same person is refused.
func TestUpdate_RaceCaughtByNestedRunsTheUnitAgain(t *testing.T) {
	dsn := freshDSN(t)
	db := open(t, dsn)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	p := &bot.Person{Name: "Ann", Handle: "ann"}
	if err := db.Update(ctx, func(tx bot.Tx) error { return tx.CreatePerson(p, now) }); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	runs, caught := 0, 0
	err = db.Update(ctx, func(tx bot.Tx) error {
		runs++
		me, err := tx.FindPersonByID(p.ID)
		if err != nil {
			return err
		}
		if runs == 1 {
			if _, err := other.Exec(`UPDATE people SET name = 'Anna' WHERE id = $1`, p.ID); err != nil {
				return err
			}
		}
		nerr := tx.Nested(func() error {
			me.Lang = "zh-CN"
			return tx.UpdatePerson(me)
		})
		if nerr != nil {
			caught++ // taken for the part's own failure; the unit goes on
		}
		return nil
	})
	if err != nil {
		t.Fatalf("the unit: %v", err)
	}
	if runs != 2 || caught != 1 {
		t.Errorf("the unit ran %d times with %d refusals caught, want 2 runs: the refused one again", runs, caught)
	}
	var name, lang string
	if err := other.QueryRow(`SELECT name, lang FROM people WHERE id = $1`, p.ID).Scan(&name, &lang); err != nil {
		t.Fatal(err)
	}
	if name != "Anna" || lang != "zh-CN" {
		t.Errorf("person is %q with lang %q, want the other's rename and the unit's lang (Anna, zh-CN)", name, lang)
	}
}
