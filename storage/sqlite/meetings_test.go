package sqlite_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
)

// Ensure a merge moves every reference of the meetings and bindings to the
// person merged away: organizer, attendee (once, where both were invited),
// agenda owner, minutes owner and author, and who bound a chat; and that
// the merged person's lists and conflict checks then show those meetings.
func TestPeople_MergeMovesMeetings(t *testing.T) {
	db := MustOpenDB(t, "")
	from, into, other := mustPerson(t, db, "Ann"), mustPerson(t, db, "Bob"), mustPerson(t, db, "Cy")
	chat := bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "C1"}
	var organized, both *meeting.Meeting
	var minute *meeting.Minute
	mustUpdate(t, db, func(tx bot.Tx) error {
		st := meeting.From(tx)
		organized = &meeting.Meeting{Title: "Ann's", Start: t0.Add(time.Hour), Duration: time.Hour, OrganizerID: from.ID,
			Status: meeting.Scheduled, CreatedAt: t0, UpdatedAt: t0}
		both = &meeting.Meeting{Title: "Cy's", Start: t0.Add(2 * time.Hour), Duration: time.Hour, OrganizerID: other.ID,
			Status: meeting.Scheduled, CreatedAt: t0, UpdatedAt: t0}
		for _, m := range []*meeting.Meeting{organized, both} {
			if err := st.CreateMeeting(m); err != nil {
				return err
			}
		}
		for _, a := range []*meeting.Attendee{
			{MeetingID: organized.ID, PersonID: other.ID},
			{MeetingID: both.ID, PersonID: from.ID, Answer: meeting.Accepted, AnsweredAt: t0},
			{MeetingID: both.ID, PersonID: into.ID},
		} {
			if err := st.SetAttendee(a); err != nil {
				return err
			}
		}
		if err := st.AddAgendaItem(&meeting.AgendaItem{MeetingID: both.ID, Title: "budget", OwnerID: from.ID}); err != nil {
			return err
		}
		minute = &meeting.Minute{MeetingID: both.ID, Occurrence: both.Start, Kind: meeting.Action, Text: "send it",
			OwnerID: from.ID, AuthorID: from.ID, CreatedAt: t0}
		if err := st.AddMinute(minute); err != nil {
			return err
		}
		if err := bot.Bindings(tx).Bind(&bot.Binding{Chat: chat, Kind: "dept", Ref: "1", BoundByID: from.ID, BoundAt: t0}); err != nil {
			return err
		}
		return tx.MergePeople(from.ID, into.ID)
	})
	err := db.View(context.Background(), func(tx bot.Tx) error {
		st := meeting.From(tx)
		m, err := st.FindMeetingByID(organized.ID)
		if err != nil {
			return err
		}
		if m.OrganizerID != into.ID {
			t.Errorf("organizer %d, want %d", m.OrganizerID, into.ID)
		}
		as, err := st.Attendees(both.ID)
		if err != nil {
			return err
		}
		if len(as) != 1 || as[0].PersonID != into.ID {
			t.Errorf("attendees of the meeting both were invited to: %+v, want only %d", as, into.ID)
		}
		agenda, err := st.Agenda(both.ID)
		if err != nil {
			return err
		}
		if agenda[0].OwnerID != into.ID {
			t.Errorf("agenda owner %d, want %d", agenda[0].OwnerID, into.ID)
		}
		ms, err := st.Minutes(both.ID, both.Start)
		if err != nil {
			return err
		}
		if ms[0].OwnerID != into.ID || ms[0].AuthorID != into.ID {
			t.Errorf("minute owner %d, author %d, want %d", ms[0].OwnerID, ms[0].AuthorID, into.ID)
		}
		bs, err := bot.Bindings(tx).BindingsOf(chat)
		if err != nil {
			return err
		}
		if bs[0].BoundByID != into.ID {
			t.Errorf("bound by %d, want %d", bs[0].BoundByID, into.ID)
		}
		busy, err := st.MeetingsOf(into.ID, t0, t0.Add(24*time.Hour), 10)
		if err != nil {
			return err
		}
		var got []int64
		for _, m := range busy {
			got = append(got, m.ID)
		}
		if want := []int64{organized.ID, both.ID}; !reflect.DeepEqual(got, want) {
			t.Errorf("Bob's meetings after the merge: %v, want %v", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
