package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/standup"
)

// ---- standups ----

var standupTests = map[string]func(*testing.T, bot.Store){
	"save replaces the department's standup of the same day": testStandupSave,
	"members, asks once, open ask, answers, posted once":     testStandupAsks,
	"leave covers its days, cancel ends it":                  testStandupLeave,
	"a leave's delegate is kept, and moved by a merge":       testStandupLeaveDelegate,
}

func standupWorld(t *testing.T, s bot.Store) (design, market *bot.Department, ann, bob, cy *bot.Person) {
	t.Helper()
	design, market = &bot.Department{Name: "Design"}, &bot.Department{Name: "Marketing"}
	ann, bob, cy = &bot.Person{Name: "Ann", Handle: "ann"}, &bot.Person{Name: "Bob", Handle: "bob"}, &bot.Person{Name: "Cy", Handle: "cy"}
	update(t, s, func(tx bot.Tx) error {
		if err := errors.Join(tx.CreateDepartment(design), tx.CreateDepartment(market)); err != nil {
			return err
		}
		ann.DeptID, bob.DeptID, cy.DeptID = design.ID, market.ID, design.ID
		return errors.Join(tx.CreatePerson(ann, t0), tx.CreatePerson(bob, t0), tx.CreatePerson(cy, t0))
	})
	return
}

func testStandupSave(t *testing.T, s bot.Store) {
	design, _, ann, _, _ := standupWorld(t, s)
	daily := &standup.Standup{DeptID: design.ID, Clock: "09:30", Weekday: standup.Workdays,
		Questions: []string{"Yesterday", "Today", "Blockers"}, Cutoff: 2 * time.Hour, TZ: "Asia/Shanghai", CreatedBy: ann.ID, CreatedAt: t0}
	weekly := &standup.Standup{DeptID: design.ID, Clock: "16:00", Weekday: int(time.Friday),
		Questions: []string{"Done"}, Cutoff: time.Hour, TZ: "UTC", CreatedAt: t0}
	update(t, s, func(tx bot.Tx) error {
		return errors.Join(standup.From(tx).SaveStandup(daily), standup.From(tx).SaveStandup(weekly))
	})
	got := view(t, s, func(tx bot.Tx) (*standup.Standup, error) { return standup.From(tx).FindStandup(daily.ID) })
	if !reflect.DeepEqual(got, daily) {
		t.Fatalf("stored\n%+v\nwant\n%+v", got, daily)
	}
	// Setting the daily standup again replaces it, under the same id.
	again := &standup.Standup{DeptID: design.ID, Clock: "10:00", Weekday: standup.Workdays, Questions: []string{"Q"},
		Cutoff: time.Hour, TZ: "UTC", CreatedAt: t0.Add(time.Hour)}
	update(t, s, func(tx bot.Tx) error { return standup.From(tx).SaveStandup(again) })
	if again.ID != daily.ID {
		t.Fatalf("saved again as %d, want %d", again.ID, daily.ID)
	}
	all := view(t, s, func(tx bot.Tx) ([]*standup.Standup, error) { return standup.From(tx).StandupsOfDept(design.ID) })
	if len(all) != 2 || all[0].Clock != "10:00" || all[1].Weekday != int(time.Friday) {
		t.Fatalf("the department's standups: %+v", all)
	}
	update(t, s, func(tx bot.Tx) error { return standup.From(tx).DeleteStandup(daily.ID) })
	err := s.View(t.Context(), func(tx bot.Tx) error { _, err := standup.From(tx).FindStandup(daily.ID); return err })
	wantCode(t, "find a deleted standup", err, bot.ENOTFOUND)
}

func testStandupAsks(t *testing.T, s bot.Store) {
	design, _, ann, _, cy := standupWorld(t, s)
	sd := &standup.Standup{DeptID: design.ID, Clock: "09:30", Weekday: standup.Workdays, Questions: []string{"Q"},
		Cutoff: time.Hour, TZ: "UTC", CreatedAt: t0}
	update(t, s, func(tx bot.Tx) error { return standup.From(tx).SaveStandup(sd) })

	members := view(t, s, func(tx bot.Tx) ([]*bot.Person, error) { return standup.From(tx).StandupMembers(design.ID, 0, 1) })
	if len(members) != 1 || members[0].ID != ann.ID {
		t.Fatalf("first page of Design: %+v", members)
	}
	members = view(t, s, func(tx bot.Tx) ([]*bot.Person, error) {
		return standup.From(tx).StandupMembers(design.ID, ann.ID, 10)
	})
	if len(members) != 1 || members[0].ID != cy.ID {
		t.Fatalf("second page of Design: %+v", members)
	}

	ask := &standup.Ask{StandupID: sd.ID, PersonID: ann.ID, Day: "2026-11-20", AskedAt: t0, CloseAt: t0.Add(3 * time.Hour)}
	for i, want := range []bool{true, false} {
		var got bool
		update(t, s, func(tx bot.Tx) (err error) { got, err = standup.From(tx).RecordStandupAsk(ask); return err })
		if got != want {
			t.Fatalf("record #%d: inserted %v, want %v", i+1, got, want)
		}
	}
	open := func(at time.Time) *standup.Ask {
		return view(t, s, func(tx bot.Tx) (*standup.Ask, error) { return standup.From(tx).OpenStandupAsk(ann.ID, at) })
	}
	if a := open(t0.Add(time.Hour)); a == nil || a.Day != "2026-11-20" || !a.AnsweredAt.IsZero() {
		t.Fatalf("open ask: %+v", a)
	}
	if a := open(t0.Add(3 * time.Hour)); a != nil {
		t.Fatalf("an ask open at its close: %+v", a)
	}
	ask.Answer, ask.AnsweredAt = "done", t0.Add(time.Hour)
	update(t, s, func(tx bot.Tx) error { return standup.From(tx).AnswerStandup(ask) })
	asks := view(t, s, func(tx bot.Tx) ([]*standup.Ask, error) {
		return standup.From(tx).StandupAsks(sd.ID, "2026-11-20", 0, 10)
	})
	if len(asks) != 1 || !reflect.DeepEqual(asks[0], ask) {
		t.Fatalf("the day's asks: %+v, want %+v", asks, ask)
	}
	if other := view(t, s, func(tx bot.Tx) ([]*standup.Ask, error) {
		return standup.From(tx).StandupAsks(sd.ID, "2026-11-21", 0, 10)
	}); len(other) != 0 {
		t.Fatalf("another day's asks: %+v", other)
	}
	for i, want := range []bool{true, false} {
		var got bool
		update(t, s, func(tx bot.Tx) (err error) {
			got, err = standup.From(tx).MarkStandupPosted(sd.ID, "2026-11-20", t0)
			return err
		})
		if got != want {
			t.Fatalf("mark posted #%d: %v, want %v", i+1, got, want)
		}
	}
}

func testStandupLeave(t *testing.T, s bot.Store) {
	_, _, ann, bob, _ := standupWorld(t, s)
	update(t, s, func(tx bot.Tx) error {
		return standup.From(tx).AddLeave(&standup.Leave{PersonID: ann.ID, From: "2026-10-08", To: "2026-10-09"}, t0)
	})
	for day, want := range map[string]bool{"2026-10-07": false, "2026-10-08": true, "2026-10-09": true, "2026-10-10": false} {
		l := view(t, s, func(tx bot.Tx) (*standup.Leave, error) { return standup.From(tx).LeaveOn(ann.ID, day) })
		if (l != nil) != want {
			t.Errorf("Ann on leave on %s: %+v, want %v", day, l, want)
		}
		if l := view(t, s, func(tx bot.Tx) (*standup.Leave, error) { return standup.From(tx).LeaveOn(bob.ID, day) }); l != nil {
			t.Errorf("Bob on leave on %s: %+v", day, l)
		}
	}
	var n int
	update(t, s, func(tx bot.Tx) (err error) { n, err = standup.From(tx).CancelLeaves(ann.ID, "2026-10-09"); return err })
	if n != 1 {
		t.Fatalf("cancelled %d leaves, want 1", n)
	}
	if l := view(t, s, func(tx bot.Tx) (*standup.Leave, error) { return standup.From(tx).LeaveOn(ann.ID, "2026-10-08") }); l != nil {
		t.Fatalf("a cancelled leave: %+v", l)
	}
}

func testStandupLeaveDelegate(t *testing.T, s bot.Store) {
	_, _, ann, bob, cy := standupWorld(t, s)
	update(t, s, func(tx bot.Tx) error {
		return standup.From(tx).AddLeave(&standup.Leave{PersonID: ann.ID, From: "2026-10-08", To: "2026-10-09", DelegateID: bob.ID}, t0)
	})
	l := view(t, s, func(tx bot.Tx) (*standup.Leave, error) { return standup.From(tx).LeaveOn(ann.ID, "2026-10-08") })
	if l == nil || l.DelegateID != bob.ID {
		t.Fatalf("Ann's leave: %+v, want Bob (%d) as the delegate", l, bob.ID)
	}
	update(t, s, func(tx bot.Tx) error { return tx.MergePeople(bob.ID, cy.ID) })
	l = view(t, s, func(tx bot.Tx) (*standup.Leave, error) { return standup.From(tx).LeaveOn(ann.ID, "2026-10-08") })
	if l == nil || l.DelegateID != cy.ID {
		t.Fatalf("after merging Bob into Cy, Ann's leave: %+v, want Cy (%d) as the delegate", l, cy.ID)
	}
}

func testStandupMerge(t *testing.T, s bot.Store) {
	design, _, ann, _, cy := standupWorld(t, s)
	sd := &standup.Standup{DeptID: design.ID, Clock: "09:30", Weekday: standup.Workdays, Questions: []string{"Q"},
		Cutoff: time.Hour, TZ: "UTC", CreatedAt: t0}
	update(t, s, func(tx bot.Tx) error {
		st := standup.From(tx)
		if err := st.SaveStandup(sd); err != nil {
			return err
		}
		// Both asked on the 20th, Ann alone on the 19th; Ann on leave.
		for _, a := range []*standup.Ask{{PersonID: ann.ID, Day: "2026-11-19"}, {PersonID: ann.ID, Day: "2026-11-20"}, {PersonID: cy.ID, Day: "2026-11-20"}} {
			a.StandupID, a.AskedAt, a.CloseAt = sd.ID, t0, t0.Add(time.Hour)
			if _, err := st.RecordStandupAsk(a); err != nil {
				return err
			}
		}
		return st.AddLeave(&standup.Leave{PersonID: ann.ID, From: "2026-12-01", To: "2026-12-02"}, t0)
	})
	update(t, s, func(tx bot.Tx) error { return tx.MergePeople(ann.ID, cy.ID) })
	for day, want := range map[string]int{"2026-11-19": 1, "2026-11-20": 1} {
		asks := view(t, s, func(tx bot.Tx) ([]*standup.Ask, error) { return standup.From(tx).StandupAsks(sd.ID, day, 0, 10) })
		if len(asks) != want || asks[0].PersonID != cy.ID {
			t.Fatalf("asks of %s after the merge: %+v", day, asks)
		}
	}
	if l := view(t, s, func(tx bot.Tx) (*standup.Leave, error) { return standup.From(tx).LeaveOn(cy.ID, "2026-12-01") }); l == nil {
		t.Fatal("Ann's leave was not moved to Cy")
	}
}
