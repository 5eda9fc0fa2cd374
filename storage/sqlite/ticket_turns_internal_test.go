package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
)

// Ensure the rotation reads the department's members from people_dept and
// their turns by primary key: it costs the department, not everyone.
func TestNextTurnQuery_UsesIndexes(t *testing.T) {
	db := openTestDB(t)
	got := queryPlan(t, db, nextTurnQuery, []any{"route/quality/qa", int64(1)})
	if !strings.Contains(got, "people_dept") || !strings.Contains(got, "PRIMARY KEY") {
		t.Errorf("plan = %q, want people_dept and ticket_turns' primary key", got)
	}
}

// Ensure the rotation goes round the department's members, least recently
// given first, with pools apart, and forgets a merged-away person.
func TestTicketTurns_Rotation(t *testing.T) {
	db := openTestDB(t)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var ids []int64
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		d := &bot.Department{Name: "QA"}
		if err := tx.CreateDepartment(d); err != nil {
			return err
		}
		for _, h := range []string{"a", "b", "c"} {
			p := &bot.Person{Name: h, Handle: h, DeptID: d.ID, Role: bot.RoleMember}
			if err := tx.CreatePerson(p, now); err != nil {
				return err
			}
			ids = append(ids, p.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	take := func(pool string) int64 {
		var got int64
		if err := db.Update(context.Background(), func(tx bot.Tx) error {
			var err error
			if got, err = ticket.TurnsFrom(tx).NextTicketTurn(pool, 1); err != nil || got == 0 {
				return err
			}
			return ticket.TurnsFrom(tx).TakeTicketTurn(pool, got)
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	var seq []int64
	for range 4 {
		seq = append(seq, take("p1"))
	}
	if seq[0] != ids[0] || seq[1] != ids[1] || seq[2] != ids[2] || seq[3] != ids[0] {
		t.Errorf("rotation = %v, want %v then %d", seq, ids, ids[0])
	}
	if got := take("p2"); got != ids[0] {
		t.Errorf("another pool starts at %d, want %d", got, ids[0])
	}
	// b merges into c: b's turn goes with b, c keeps its own (3), a has
	// the newest (4), so c is next.
	if err := db.Update(context.Background(), func(tx bot.Tx) error { return tx.MergePeople(ids[1], ids[2]) }); err != nil {
		t.Fatal(err)
	}
	if got := take("p1"); got != ids[2] {
		t.Errorf("after the merge next = %d, want %d", got, ids[2])
	}
}

// Ensure a department's accounts are read from people_dept and
// accounts_person: a war room's roster costs the department, not everyone.
func TestDeptAccountsQuery_UsesIndexes(t *testing.T) {
	db := openTestDB(t)
	got := queryPlan(t, db, deptAccountsQuery, []any{int64(1), 20})
	if !strings.Contains(got, "people_dept") || !strings.Contains(got, "accounts_person") {
		t.Errorf("plan = %q, want people_dept and accounts_person", got)
	}
}

// Ensure a department's accounts come longest-known member first, only
// its members', and no more than the limit.
func TestTicketDeptAccounts(t *testing.T) {
	db := openTestDB(t)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var qa int64
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		for _, name := range []string{"QA", "Sales"} {
			d := &bot.Department{Name: name}
			if err := tx.CreateDepartment(d); err != nil {
				return err
			}
			if name == "QA" {
				qa = d.ID
			}
			for _, h := range []string{"a", "b"} {
				p := &bot.Person{Name: name + h, Handle: name + h, DeptID: d.ID, Role: bot.RoleMember}
				if err := tx.CreatePerson(p, now); err != nil {
					return err
				}
				for _, platform := range []string{bot.PlatformFeishu, bot.PlatformSlack} {
					if err := tx.LinkAccount(p.ID, bot.Account{Platform: platform, Workspace: "w", UserID: platform + "-" + name + h}, h, now); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []bot.LinkedAccount
	err = db.View(context.Background(), func(tx bot.Tx) (err error) {
		got, err = ticket.RosterFrom(tx).TicketDeptAccounts(qa, 3)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range got {
		ids = append(ids, a.UserID)
	}
	if want := "feishu-QAa slack-QAa feishu-QAb"; strings.Join(ids, " ") != want || got[0].PersonID == 0 || got[0].PersonID != got[1].PersonID {
		t.Errorf("accounts = %v (%+v), want %s", ids, got, want)
	}
}
