package sqlite_test

import (
	"context"
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
)

// Ensure a merge moves the asks of the person merged away: what they wrote,
// their ledger lines (one line left where both people were asked in one
// step, the kept person's), the lines they were a delegate's principal in,
// and their timeline entries. Ballots name nobody and are untouched.
func TestPeople_MergeMovesAsks(t *testing.T) {
	db := MustOpenDB(t, "")
	from, into, other := mustPerson(t, db, "Ann"), mustPerson(t, db, "Bob"), mustPerson(t, db, "Cy")
	a := &ask.Ask{Kind: ask.Request, Title: "Laptop", AuthorID: from.ID, Status: ask.Open, Options: []string{"a", "b"}, CreatedAt: t0}
	mustUpdate(t, db, func(tx bot.Tx) error {
		st := ask.From(tx)
		if err := st.CreateAsk(a); err != nil {
			return err
		}
		_, err := st.AddRecipients([]*ask.Recipient{
			{AskID: a.ID, PersonID: from.ID, Step: 0, Role: ask.Reader, State: ask.Answered, Answer: "ack"},
			{AskID: a.ID, PersonID: into.ID, Step: 0, Role: ask.Reader, State: ask.Pending},
			{AskID: a.ID, PersonID: from.ID, Step: 1, Role: ask.Approver, State: ask.Pending},
			{AskID: a.ID, PersonID: other.ID, Step: 2, Role: ask.Approver, OnBehalfOf: from.ID, State: ask.Pending},
		})
		if err != nil {
			return err
		}
		if err := st.CastBallot(a.ID, ask.Token([]byte("s"), from.ID), 1); err != nil {
			return err
		}
		if err := st.AddAskEvent(&ask.Event{AskID: a.ID, ActorID: from.ID, Kind: ask.Created, At: t0}); err != nil {
			return err
		}
		return tx.MergePeople(from.ID, into.ID)
	})
	err := db.View(context.Background(), func(tx bot.Tx) error {
		st := ask.From(tx)
		got, err := st.FindAsk(a.ID)
		if err != nil {
			return err
		}
		if got.AuthorID != into.ID {
			t.Errorf("author after the merge = %d, want %d", got.AuthorID, into.ID)
		}
		lines, err := st.Recipients(a.ID, ask.RecipientFilter{Step: -1})
		if err != nil {
			return err
		}
		var kept []string
		for _, r := range lines {
			if r.PersonID == from.ID || r.OnBehalfOf == from.ID {
				t.Errorf("line %+v still names the person merged away", r)
			}
			kept = append(kept, string(r.Role)+"/"+string(r.State))
		}
		if len(lines) != 3 || lines[0].PersonID != into.ID || lines[0].State != ask.Pending || lines[1].Step != 1 ||
			lines[2].OnBehalfOf != into.ID {
			t.Errorf("ledger after the merge = %v, want Bob's own step-0 line, the step-1 line moved to Bob, Cy's for Bob", kept)
		}
		evs, err := st.AskEvents(a.ID, 0)
		if err != nil {
			return err
		}
		if len(evs) != 1 || evs[0].ActorID != into.ID {
			t.Errorf("timeline after the merge = %+v", evs)
		}
		tally, err := st.Tally(a.ID)
		if err == nil && (len(tally) != 2 || tally[1] != 1) {
			t.Errorf("tally after the merge = %v, want [0 1]", tally)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
