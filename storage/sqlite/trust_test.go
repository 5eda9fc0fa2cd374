package sqlite_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Ensure the audit log pages newest first, whole or by person, and that a
// merge files the merged person's records under the one who remains while
// the handles recorded stay as they were.
func TestAuditLog(t *testing.T) {
	db := MustOpenDB(t, "")
	alice, bob := mustPerson(t, db, "Alice"), mustPerson(t, db, "Bob")
	mustUpdate(t, db, func(tx bot.Tx) error {
		for i := range 5 {
			subject := alice
			if i%2 == 1 {
				subject = bob
			}
			e := bot.AuditEntry{Kind: bot.AuditRole, From: "member", To: "head", Via: bot.ViaChat}
			if err := bot.Audit(tx, e, alice, subject, t0.Add(time.Duration(i)*time.Minute)); err != nil {
				return err
			}
		}
		return nil
	})
	ids := func(f bot.AuditFilter) []int64 {
		var out []int64
		mustUpdate(t, db, func(tx bot.Tx) error {
			es, err := tx.AuditLog(f)
			for _, e := range es {
				out = append(out, e.ID)
			}
			return err
		})
		return out
	}
	if got := ids(bot.AuditFilter{Limit: 2}); !slices.Equal(got, []int64{5, 4}) {
		t.Fatalf("first page = %v, want [5 4]", got)
	}
	if got := ids(bot.AuditFilter{Limit: 2, Offset: 4}); !slices.Equal(got, []int64{1}) {
		t.Fatalf("last page = %v, want [1]", got)
	}
	if got := ids(bot.AuditFilter{SubjectID: bob.ID}); !slices.Equal(got, []int64{4, 2}) {
		t.Fatalf("bob's = %v, want [4 2]", got)
	}
	mustUpdate(t, db, func(tx bot.Tx) error { return tx.MergePeople(bob.ID, alice.ID) })
	if got := ids(bot.AuditFilter{SubjectID: alice.ID}); !slices.Equal(got, []int64{5, 4, 3, 2, 1}) {
		t.Fatalf("alice's after the merge = %v, want all five", got)
	}
	mustUpdate(t, db, func(tx bot.Tx) error {
		es, err := tx.AuditLog(bot.AuditFilter{SubjectID: alice.ID, Limit: 1, Offset: 1})
		if err == nil && (es[0].Subject != "bob" || es[0].Actor != "alice" || es[0].ActorID != alice.ID || !es[0].At.Equal(t0.Add(3*time.Minute))) {
			t.Errorf("record 4 after the merge = %+v", es[0])
		}
		return err
	})
}

// Ensure a consent is answered once, not after it expired, and that a merge
// moves pending ones and the config's seed to the person who remains.
func TestConsents(t *testing.T) {
	db := MustOpenDB(t, "")
	alice, bob, carol := mustPerson(t, db, "Alice"), mustPerson(t, db, "Bob"), mustPerson(t, db, "Carol")
	var first, second *bot.Consent
	mustUpdate(t, db, func(tx bot.Tx) error {
		first = &bot.Consent{Kind: bot.ConsentDeptJoin, RequesterID: alice.ID, SubjectID: bob.ID, DeptID: 3, ExpiresAt: t0.Add(time.Hour)}
		second = &bot.Consent{Kind: bot.ConsentLink, RequesterID: alice.ID, SubjectID: bob.ID, ExpiresAt: t0.Add(time.Hour)}
		if err := tx.CreateConsent(first, t0); err != nil {
			return err
		}
		if err := tx.CreateConsent(second, t0); err != nil {
			return err
		}
		return tx.SetPersonSeed(bob.ID, bot.PersonSeed{Lang: "zh-CN", Role: "admin"})
	})
	mustUpdate(t, db, func(tx bot.Tx) error {
		if c, err := tx.PendingConsent(bot.ConsentDeptJoin, bob.ID, 3, t0); err != nil || c.ID != first.ID {
			t.Errorf("pending dept join = %+v, %v", c, err)
		}
		if _, err := tx.PendingConsent(bot.ConsentDeptJoin, bob.ID, 4, t0); bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Errorf("pending for another department: %v", err)
		}
		if err := tx.AnswerConsent(first.ID, true, t0.Add(time.Minute)); err != nil {
			return err
		}
		if err := tx.AnswerConsent(first.ID, false, t0.Add(2*time.Minute)); bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Errorf("second answer: %v", err)
		}
		if err := tx.AnswerConsent(second.ID, true, t0.Add(time.Hour)); bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Errorf("answer after expiry: %v", err)
		}
		c, err := tx.FindConsent(first.ID)
		if err != nil || c.State != bot.ConsentAccepted || c.DeptID != 3 {
			t.Errorf("answered consent = %+v, %v", c, err)
		}
		return nil
	})
	// A pending request to bob, and bob's seed, follow him into carol.
	mustUpdate(t, db, func(tx bot.Tx) error {
		third := &bot.Consent{Kind: bot.ConsentDeptJoin, RequesterID: alice.ID, SubjectID: bob.ID, DeptID: 5, ExpiresAt: t0.Add(time.Hour)}
		if err := tx.CreateConsent(third, t0); err != nil {
			return err
		}
		return tx.MergePeople(bob.ID, carol.ID)
	})
	mustUpdate(t, db, func(tx bot.Tx) error {
		if _, err := tx.PendingConsent(bot.ConsentDeptJoin, carol.ID, 5, t0); err != nil {
			t.Errorf("the merged person's pending request: %v", err)
		}
		s, ok, err := tx.PersonSeed(carol.ID)
		if err != nil || !ok || s.Lang != "zh-CN" || s.Role != "admin" {
			t.Errorf("carol's seed after the merge = %+v %v %v", s, ok, err)
		}
		if _, ok, _ := tx.PersonSeed(bob.ID); ok {
			t.Error("bob's seed outlived him")
		}
		return nil
	})
}

// Ensure the handles near a name are read from both sides, a few each.
func TestHandlesNear(t *testing.T) {
	db := MustOpenDB(t, "")
	for _, n := range []string{"Adam", "Bea", "Gwen", "Gwendolyn", "Hugo", "Zoe"} {
		mustPerson(t, db, n)
	}
	mustUpdate(t, db, func(tx bot.Tx) error {
		got, err := tx.HandlesNear("GHOST", 2)
		if want := []string{"gwen", "gwendolyn", "bea", "adam"}; err != nil || !slices.Equal(got, want) {
			t.Errorf("HandlesNear(ghost, 2) = %v %v, want %v", got, err, want)
		}
		if s, err := bot.SuggestHandle(tx, "ghost"); err != nil || s != "gwen" {
			t.Errorf("SuggestHandle(ghost) = %q %v, want gwen", s, err)
		}
		if s, err := bot.SuggestHandle(tx, "xavier"); err != nil || s != "" {
			t.Errorf("SuggestHandle(xavier) = %q %v, want none", s, err)
		}
		return nil
	})
}
