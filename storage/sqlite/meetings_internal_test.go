package sqlite

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot/meeting"
)

// Ensure every form of meeting list reads each of its arms from an index
// in the order it is shown, so that a page costs its offset and its size
// however many meetings the years have kept.
func TestFindMeetingsArms_UseIndexes(t *testing.T) {
	db := openTestDB(t)
	from := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		f    meeting.Filter
		// the index each arm reads: series then one-offs; for a person,
		// organizer then attendee in each
		index []string
	}{
		{"meeting list all", meeting.Filter{From: from, Limit: 21},
			[]string{"meetings_start", "meetings_start"}},
		{"meeting list this week page 2", meeting.Filter{From: from, To: from.AddDate(0, 0, 7), Offset: 20, Limit: 21},
			[]string{"meetings_start", "meetings_start"}},
		{"meeting list dept:Design", meeting.Filter{DeptID: 3, From: from, To: from.AddDate(0, 0, 7), Limit: 21},
			[]string{"meetings_dept", "meetings_dept"}},
		{"meeting list mine", meeting.Filter{PersonID: 7, From: from, To: from.AddDate(0, 0, 7), Limit: 21},
			[]string{"meetings_organizer", "meeting_attendees_person", "meetings_organizer", "meeting_attendees_person"}},
		{"meeting list mine dept:Design", meeting.Filter{PersonID: 7, DeptID: 3, From: from, Limit: 21},
			[]string{"meetings_organizer", "meeting_attendees_person", "meetings_organizer", "meeting_attendees_person"}},
	} {
		arms := findMeetingsArms(c.f)
		if len(arms) != len(c.index) {
			t.Fatalf("%s: %d arms, want %d", c.name, len(arms), len(c.index))
		}
		for i, arm := range arms {
			plan := queryPlan(t, db, arm.q, arm.args)
			table := "meetings"
			if strings.HasPrefix(c.index[i], "meeting_attendees") {
				table = "a"
				if !strings.Contains(plan, "SEARCH meetings USING INTEGER PRIMARY KEY") {
					t.Errorf("%s arm %d: plan %q does not read each meeting by its id", c.name, i, plan)
				}
			}
			assertIndexedPlan(t, c.name, plan, table, c.index[i])
		}
	}
}

// Ensure a conflict check reads a person's meetings from indexes by person:
// one-offs by their end (what is ahead of them, not their history), series
// by their start.
func TestMeetingsOfQueries_UseIndexes(t *testing.T) {
	db := openTestDB(t)
	args := []any{7, int64(1_780_000_000_000), int64(1_780_100_000_000), 100}
	want := []string{"meetings_organizer", "meeting_attendees_person", "meetings_organizer_ends", "meeting_attendees_person_ends"}
	for i, q := range meetingsOfQueries {
		plan := queryPlan(t, db, q, args)
		table := "meetings"
		if strings.HasPrefix(want[i], "meeting_attendees") {
			table = "a"
		}
		assertIndexedPlan(t, want[i], plan, table, want[i])
		if strings.HasSuffix(want[i], "_ends") && !strings.Contains(plan, "ends_at>?") {
			t.Errorf("query %d: plan %q does not read one range of ends", i, plan)
		}
	}
}

// Ensure a meeting's attendees, agenda and minutes, and the chats bound to
// a department, are read from their indexes in the order shown.
func TestMeetingDetailQueries_UseIndexes(t *testing.T) {
	db := openTestDB(t)
	for _, c := range []struct {
		q     string
		args  []any
		table string
		index string
	}{
		{`SELECT meeting_id, person_id, answer, answered_at FROM meeting_attendees WHERE meeting_id = ? ORDER BY id`, []any{1}, "meeting_attendees", "meeting_attendees_meeting"},
		{`SELECT id FROM meeting_agenda WHERE meeting_id = ? ORDER BY position`, []any{1}, "meeting_agenda", "meeting_agenda_meeting"},
		{`SELECT id FROM meeting_minutes WHERE meeting_id = ? AND occurrence = ? ORDER BY id`, []any{1, 2}, "meeting_minutes", "meeting_minutes_occurrence"},
		{boundChatsQuery, []any{"dept", "3", 50}, "chat_bindings", "chat_bindings_ref"},
		{`SELECT kind FROM chat_bindings WHERE platform = ? AND workspace = ? AND chat_id = ? ORDER BY kind`, []any{"slack", "T1", "C1"}, "chat_bindings", ""},
	} {
		assertIndexedPlan(t, c.q, queryPlan(t, db, c.q, c.args), c.table, c.index)
	}
}
