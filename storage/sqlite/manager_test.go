package sqlite_test

import (
	"context"
	"testing"

	"github.com/tandemhq/tandem/bot"
)

// Ensure position, manager and a pending manager are stored, and that a
// merge moves the merged person's reports to the one kept and never leaves
// the one kept reporting to itself.
func TestPeople_ManagerStoredAndMerged(t *testing.T) {
	db := MustOpenDB(t, "")
	boss, deputy, ann, cy := mustPerson(t, db, "Boss"), mustPerson(t, db, "Deputy"), mustPerson(t, db, "Ann"), mustPerson(t, db, "Cy")
	waiting := bot.Account{Platform: "feishu", Workspace: "t1", UserID: "ou_lead"}
	mustUpdate(t, db, func(tx bot.Tx) error {
		ann.Position, ann.ManagerID = "Designer", deputy.ID
		if err := tx.UpdatePerson(ann); err != nil {
			return err
		}
		boss.ManagerID = deputy.ID // boss and deputy are one human, merged below
		if err := tx.UpdatePerson(boss); err != nil {
			return err
		}
		cy.PendingManager = waiting.String()
		return tx.UpdatePerson(cy)
	})
	db.View(context.Background(), func(tx bot.Tx) error {
		got, err := tx.FindPersonByID(ann.ID)
		if err != nil || got.Position != "Designer" || got.ManagerID != deputy.ID {
			t.Errorf("ann = %+v, %v; want Designer reporting to %d", got, err, deputy.ID)
		}
		awaiting, err := tx.PeopleAwaitingManager(waiting, 10)
		if err != nil || len(awaiting) != 1 || awaiting[0].ID != cy.ID {
			t.Errorf("awaiting %s = %v, %v; want cy", waiting, awaiting, err)
		}
		return nil
	})
	mustUpdate(t, db, func(tx bot.Tx) error { return tx.MergePeople(deputy.ID, boss.ID) })
	db.View(context.Background(), func(tx bot.Tx) error {
		if got, _ := tx.FindPersonByID(ann.ID); got.ManagerID != boss.ID {
			t.Errorf("ann reports to %d after the merge; want %d", got.ManagerID, boss.ID)
		}
		if got, _ := tx.FindPersonByID(boss.ID); got.ManagerID != 0 {
			t.Errorf("boss reports to %d after the merge; want nobody", got.ManagerID)
		}
		return nil
	})
}
