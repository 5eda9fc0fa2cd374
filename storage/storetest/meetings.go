package storetest

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/bot/task"
)

// meetingTests hold a store to meeting.Store: what it keeps of a meeting,
// the lists by window, person and department in the order shown, paging,
// conflict candidates, attendees and their answers, the agenda's order and
// the minutes per occurrence.
var meetingTests = map[string]func(*testing.T, bot.Store){
	"create, find, update":                      testMeetingCreateFindUpdate,
	"lists: window, person, department, order":  testMeetingLists,
	"lists are paged":                           testMeetingPaging,
	"attendees: answers, order, follow updates": testMeetingAttendees,
	"conflict candidates (MeetingsOf)":          testMeetingsOf,
	"agenda: insert, append, delete":            testMeetingAgenda,
	"minutes per occurrence":                    testMeetingMinutes,
}

// bindingTests hold a store to bot.BindingTx.
var bindingTests = map[string]func(*testing.T, bot.Store){
	"bind, replace, unbind":                  testBindings,
	"bound chats: oldest first, up to limit": testBoundChats,
}

// meetingWorld is what meetings refer to: three people, two departments.
type meetingWorld struct {
	ann, bob, cy   *bot.Person
	design, market *bot.Department
}

func newMeetingWorld(t *testing.T, s bot.Store) meetingWorld {
	t.Helper()
	w := meetingWorld{ann: &bot.Person{Name: "Ann", Handle: "ann"}, bob: &bot.Person{Name: "Bob", Handle: "bob"},
		cy: &bot.Person{Name: "Cy", Handle: "cy"}, design: &bot.Department{Name: "Design"}, market: &bot.Department{Name: "Marketing"}}
	update(t, s, func(tx bot.Tx) error {
		return errors.Join(tx.CreatePerson(w.ann, t0), tx.CreatePerson(w.bob, t0), tx.CreatePerson(w.cy, t0),
			tx.CreateDepartment(w.design), tx.CreateDepartment(w.market))
	})
	return w
}

// newMeeting is a scheduled one-hour one-off of Ann's for Design, starting
// at t0 + hours.
func (w meetingWorld) newMeeting(title string, hours int) *meeting.Meeting {
	return &meeting.Meeting{Title: title, Start: t0.Add(time.Duration(hours) * time.Hour), Duration: time.Hour,
		TZ: "Asia/Shanghai", DeptID: w.design.ID, OrganizerID: w.ann.ID, Status: meeting.Scheduled,
		Holiday: meeting.MoveToNextWorkday, CreatedAt: t0, UpdatedAt: t0}
}

func createMeetings(t *testing.T, s bot.Store, ms ...*meeting.Meeting) {
	t.Helper()
	update(t, s, func(tx bot.Tx) error {
		for _, m := range ms {
			if err := meeting.From(tx).CreateMeeting(m); err != nil {
				return err
			}
		}
		return nil
	})
}

func invite(t *testing.T, s bot.Store, m *meeting.Meeting, people ...*bot.Person) {
	t.Helper()
	update(t, s, func(tx bot.Tx) error {
		for _, p := range people {
			if err := meeting.From(tx).SetAttendee(&meeting.Attendee{MeetingID: m.ID, PersonID: p.ID}); err != nil {
				return err
			}
		}
		return nil
	})
}

func meetingTitles(ms []*meeting.Meeting) string {
	titles := make([]string, len(ms))
	for i, m := range ms {
		titles[i] = m.Title
	}
	return strings.Join(titles, ", ")
}

func findMeetings(t *testing.T, s bot.Store, f meeting.Filter) string {
	t.Helper()
	return meetingTitles(view(t, s, func(tx bot.Tx) ([]*meeting.Meeting, error) { return meeting.From(tx).FindMeetings(f) }))
}

func findMeeting(t *testing.T, s bot.Store, id int64) *meeting.Meeting {
	t.Helper()
	return view(t, s, func(tx bot.Tx) (*meeting.Meeting, error) { return meeting.From(tx).FindMeetingByID(id) })
}

func testMeetingCreateFindUpdate(t *testing.T, s bot.Store) {
	w := newMeetingWorld(t, s)
	m := w.newMeeting("Q3 marketing plan", 24)
	m.Duration, m.Room, m.Online = 90*time.Minute, "3F-A", "https://meet.example/q3"
	m.Group = bot.Destination{Platform: "feishu", Workspace: "t1", ChatID: "oc_design"}
	m.Reminders = []time.Duration{24 * time.Hour, 15 * time.Minute}
	createMeetings(t, s, m)
	if m.ID == 0 {
		t.Fatal("CreateMeeting set no id")
	}
	if got := findMeeting(t, s, m.ID); !reflect.DeepEqual(got, m) {
		t.Fatalf("stored\n%+v\nwant\n%+v", got, m)
	}

	m.Title, m.Rule, m.Holiday, m.Until = "Weekly review", "weekly mon 10:00", meeting.Skip, t0.AddDate(0, 3, 0)
	m.TZ, m.Room, m.Online, m.DeptID, m.OrganizerID = "Europe/Berlin", "", "", w.market.ID, w.bob.ID
	m.Reminders, m.UpdatedAt = []time.Duration{time.Hour}, t0.Add(time.Hour)
	update(t, s, func(tx bot.Tx) error { return meeting.From(tx).UpdateMeeting(m) })
	if got := findMeeting(t, s, m.ID); !reflect.DeepEqual(got, m) {
		t.Fatalf("updated\n%+v\nwant\n%+v", got, m)
	}
	// Clearing what may be cleared: department, organizer, group, end,
	// reminders.
	m.DeptID, m.OrganizerID, m.Group, m.Until, m.Reminders, m.Status = 0, 0, bot.Destination{}, time.Time{}, nil, meeting.Cancelled
	update(t, s, func(tx bot.Tx) error { return meeting.From(tx).UpdateMeeting(m) })
	if got := findMeeting(t, s, m.ID); !reflect.DeepEqual(got, m) {
		t.Fatalf("cleared\n%+v\nwant\n%+v", got, m)
	}

	err := s.View(context.Background(), func(tx bot.Tx) error { _, err := meeting.From(tx).FindMeetingByID(m.ID + 1); return err })
	wantCode(t, "find a meeting that does not exist", err, bot.ENOTFOUND)
	err = s.Update(context.Background(), func(tx bot.Tx) error {
		return meeting.From(tx).UpdateMeeting(&meeting.Meeting{ID: m.ID + 1, Title: "x", Status: meeting.Scheduled})
	})
	wantCode(t, "update a meeting that does not exist", err, bot.ENOTFOUND)
	err = s.Update(context.Background(), func(tx bot.Tx) error {
		bad := w.newMeeting("x", 0)
		bad.OrganizerID = w.cy.ID + 100
		return meeting.From(tx).CreateMeeting(bad)
	})
	wantCode(t, "create a meeting of nobody", err, bot.ENOTFOUND)
}

// meetingSet is a mix of one-offs and series across organizers,
// attendees, departments and statuses; t0 is the window's start (From),
// t0 + 7 days its end (To).
func meetingSet(w meetingWorld) []*meeting.Meeting {
	week := 7 * 24
	mk := func(title string, hours int, edit func(*meeting.Meeting)) *meeting.Meeting {
		m := w.newMeeting(title, hours)
		if edit != nil {
			edit(m)
		}
		return m
	}
	series := func(rule string, until time.Time) func(*meeting.Meeting) {
		return func(m *meeting.Meeting) { m.Rule, m.Until = rule, until }
	}
	return []*meeting.Meeting{
		mk("tomorrow", 24, nil),
		mk("in an hour", 1, nil),
		mk("yesterday", -24, nil),
		mk("next week", week+1, nil),
		mk("cancelled", 2, func(m *meeting.Meeting) { m.Status = meeting.Cancelled }),
		mk("bob's market sync", 3, func(m *meeting.Meeting) { m.OrganizerID, m.DeptID = w.bob.ID, w.market.ID }),
		mk("weekly since last year", -365*24, series("weekly mon 10:00", time.Time{})),
		mk("weekly ended", -60*24, series("weekly tue 10:00", t0.Add(-24*time.Hour))),
		mk("monthly from next week", week+2, series("monthly first workday 15:00", time.Time{})),
		mk("daily by bob until next month", -48, func(m *meeting.Meeting) {
			series("weekdays 9:30", t0.AddDate(0, 1, 0))(m)
			m.OrganizerID = w.bob.ID
		}),
	}
}

func testMeetingLists(t *testing.T, s bot.Store) {
	w := newMeetingWorld(t, s)
	set := meetingSet(w)
	createMeetings(t, s, set...)
	byTitle := map[string]*meeting.Meeting{}
	for _, m := range set {
		byTitle[m.Title] = m
	}
	// Cy attends two of Ann's and Bob's series; Ann attends Bob's sync
	// (and her own "tomorrow", which must not be listed twice).
	invite(t, s, byTitle["tomorrow"], w.cy, w.ann)
	invite(t, s, byTitle["daily by bob until next month"], w.cy, w.ann)
	invite(t, s, byTitle["bob's market sync"], w.ann)
	week := t0.AddDate(0, 0, 7)
	for _, c := range []struct {
		name string
		f    meeting.Filter
		want string
	}{
		{"this week", meeting.Filter{From: t0, To: week},
			"weekly since last year, daily by bob until next month, in an hour, bob's market sync, tomorrow"},
		{"from now on", meeting.Filter{From: t0},
			"weekly since last year, daily by bob until next month, monthly from next week, in an hour, bob's market sync, tomorrow, next week"},
		{"Design this week", meeting.Filter{DeptID: w.design.ID, From: t0, To: week},
			"weekly since last year, daily by bob until next month, in an hour, tomorrow"},
		{"Marketing", meeting.Filter{DeptID: w.market.ID, From: t0}, "bob's market sync"},
		{"Ann's this week (organizer and attendee)", meeting.Filter{PersonID: w.ann.ID, From: t0, To: week},
			"weekly since last year, daily by bob until next month, in an hour, bob's market sync, tomorrow"},
		{"Bob's", meeting.Filter{PersonID: w.bob.ID, From: t0}, "daily by bob until next month, bob's market sync"},
		{"Cy's", meeting.Filter{PersonID: w.cy.ID, From: t0}, "daily by bob until next month, tomorrow"},
		{"Ann's in Marketing", meeting.Filter{PersonID: w.ann.ID, DeptID: w.market.ID, From: t0}, "bob's market sync"},
		{"after the daily ended", meeting.Filter{PersonID: w.cy.ID, From: t0.AddDate(0, 2, 0)}, ""},
	} {
		if got := findMeetings(t, s, c.f); got != c.want {
			t.Errorf("%s (%+v):\n got %q\nwant %q", c.name, c.f, got, c.want)
		}
	}
}

func testMeetingPaging(t *testing.T, s bot.Store) {
	w := newMeetingWorld(t, s)
	set := meetingSet(w)
	createMeetings(t, s, set...)
	for _, m := range set {
		if m.OrganizerID == w.ann.ID {
			invite(t, s, m, w.cy)
		} else {
			invite(t, s, m, w.cy, w.bob) // Bob organizes these: listed once
		}
	}
	all := "weekly since last year, daily by bob until next month, monthly from next week, in an hour, bob's market sync, tomorrow, next week"
	for _, f := range []meeting.Filter{{From: t0}, {PersonID: w.cy.ID, From: t0}, {PersonID: w.bob.ID, From: t0}} {
		want := all
		if f.PersonID == w.bob.ID {
			want = "daily by bob until next month, bob's market sync"
		}
		var pages []string
		for off := 0; off < 10; off += 2 {
			f.Offset, f.Limit = off, 2
			if got := findMeetings(t, s, f); got != "" {
				pages = append(pages, got)
			}
		}
		if got := strings.Join(pages, ", "); got != want {
			t.Errorf("pages of two (%+v):\n got %q\nwant %q", f, got, want)
		}
	}
}

func testMeetingAttendees(t *testing.T, s bot.Store) {
	w := newMeetingWorld(t, s)
	m := w.newMeeting("review", 24)
	createMeetings(t, s, m)
	invite(t, s, m, w.cy, w.bob)
	update(t, s, func(tx bot.Tx) error {
		return meeting.From(tx).SetAttendee(&meeting.Attendee{MeetingID: m.ID, PersonID: w.cy.ID, Answer: meeting.Declined, AnsweredAt: t0.Add(time.Minute)})
	})
	got := view(t, s, func(tx bot.Tx) ([]*meeting.Attendee, error) { return meeting.From(tx).Attendees(m.ID) })
	want := []*meeting.Attendee{
		{MeetingID: m.ID, PersonID: w.cy.ID, Answer: meeting.Declined, AnsweredAt: t0.Add(time.Minute)},
		{MeetingID: m.ID, PersonID: w.bob.ID, Answer: meeting.Pending},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("attendees %+v, want %+v (in the order invited; an answer replaces the pending one)", got, want)
	}

	// Moved to next week and then cancelled: the attendees' lists follow.
	m.Start = t0.AddDate(0, 0, 8)
	update(t, s, func(tx bot.Tx) error { return meeting.From(tx).UpdateMeeting(m) })
	if got := findMeetings(t, s, meeting.Filter{PersonID: w.bob.ID, From: t0, To: t0.AddDate(0, 0, 7)}); got != "" {
		t.Errorf("Bob's week after the move: %q", got)
	}
	if got := findMeetings(t, s, meeting.Filter{PersonID: w.bob.ID, From: t0}); got != "review" {
		t.Errorf("Bob's meetings after the move: %q", got)
	}
	m.Status = meeting.Cancelled
	update(t, s, func(tx bot.Tx) error { return meeting.From(tx).UpdateMeeting(m) })
	if got := findMeetings(t, s, meeting.Filter{PersonID: w.bob.ID, From: t0}); got != "" {
		t.Errorf("Bob's meetings after the cancellation: %q", got)
	}

	err := s.Update(context.Background(), func(tx bot.Tx) error {
		return meeting.From(tx).SetAttendee(&meeting.Attendee{MeetingID: m.ID + 1, PersonID: w.bob.ID})
	})
	wantCode(t, "invite to a meeting that does not exist", err, bot.ENOTFOUND)
	err = s.Update(context.Background(), func(tx bot.Tx) error {
		return meeting.From(tx).SetAttendee(&meeting.Attendee{MeetingID: m.ID, PersonID: w.cy.ID + 100})
	})
	wantCode(t, "invite nobody", err, bot.ENOTFOUND)
}

func testMeetingsOf(t *testing.T, s bot.Store) {
	w := newMeetingWorld(t, s)
	mk := func(title string, start time.Time, d time.Duration, edit func(*meeting.Meeting)) *meeting.Meeting {
		m := w.newMeeting(title, 0)
		m.Start, m.Duration, m.OrganizerID = start, d, w.bob.ID
		if edit != nil {
			edit(m)
		}
		return m
	}
	// The window: a new meeting at t0 + 2h for an hour.
	from, to := t0.Add(2*time.Hour), t0.Add(3*time.Hour)
	ms := []*meeting.Meeting{
		mk("overlaps the start", t0.Add(time.Hour), 90*time.Minute, nil),
		mk("back to back before", t0.Add(time.Hour), time.Hour, nil),
		mk("back to back after", to, time.Hour, nil),
		mk("inside", from.Add(15*time.Minute), 15*time.Minute, nil),
		mk("all day", t0.Add(-9*time.Hour), 24*time.Hour, nil),
		mk("declined", from, time.Hour, nil),
		mk("cancelled", from, time.Hour, func(m *meeting.Meeting) { m.Status = meeting.Cancelled }),
		mk("ann organizes", from, time.Hour, func(m *meeting.Meeting) { m.OrganizerID = w.ann.ID }),
		mk("weekly", t0.AddDate(0, 0, -14), time.Hour, func(m *meeting.Meeting) { m.Rule = "weekly" }),
		mk("weekly ended", t0.AddDate(0, 0, -14), time.Hour, func(m *meeting.Meeting) { m.Rule, m.Until = "weekly", t0.AddDate(0, 0, -7) }),
		mk("weekly from next week", t0.AddDate(0, 0, 7), time.Hour, func(m *meeting.Meeting) { m.Rule = "weekly" }),
		mk("not invited", from, time.Hour, nil),
	}
	createMeetings(t, s, ms...)
	for _, m := range ms {
		switch m.Title {
		case "not invited":
		case "ann organizes":
			invite(t, s, m, w.cy, w.ann) // also an attendee: listed once
		default:
			invite(t, s, m, w.ann)
		}
	}
	update(t, s, func(tx bot.Tx) error {
		return meeting.From(tx).SetAttendee(&meeting.Attendee{MeetingID: ms[5].ID, PersonID: w.ann.ID, Answer: meeting.Declined, AnsweredAt: t0})
	})
	of := func(p *bot.Person, limit int) string {
		return meetingTitles(view(t, s, func(tx bot.Tx) ([]*meeting.Meeting, error) {
			return meeting.From(tx).MeetingsOf(p.ID, from, to, limit)
		}))
	}
	// Series first by first occurrence, then one-offs by end.
	if got, want := of(w.ann, 0), "weekly, overlaps the start, inside, ann organizes, all day"; got != want {
		t.Errorf("Ann's candidates:\n got %q\nwant %q", got, want)
	}
	if got, want := of(w.bob, 0), "weekly, overlaps the start, inside, declined, not invited, all day"; got != want {
		t.Errorf("Bob's (the organizer's) candidates:\n got %q\nwant %q", got, want)
	}
	if got, want := of(w.ann, 3), "weekly, overlaps the start, inside"; got != want {
		t.Errorf("Ann's first three: %q, want %q", got, want)
	}
}

func testMeetingAgenda(t *testing.T, s bot.Store) {
	w := newMeetingWorld(t, s)
	m := w.newMeeting("plan", 24)
	createMeetings(t, s, m)
	add := func(a *meeting.AgendaItem) {
		t.Helper()
		a.MeetingID = m.ID
		update(t, s, func(tx bot.Tx) error { return meeting.From(tx).AddAgendaItem(a) })
	}
	budget := &meeting.AgendaItem{Title: "budget", OwnerID: w.bob.ID, TimeBox: 20 * time.Minute,
		Links: []string{"https://docs.example/budget", "https://docs.example/q2"}}
	add(budget)
	add(&meeting.AgendaItem{Title: "hiring", Position: 7})  // past the end: appended
	add(&meeting.AgendaItem{Title: "welcome", Position: 1}) // inserted first
	add(&meeting.AgendaItem{Title: "launch", Position: 3})  // before hiring
	agenda := func() string {
		items := view(t, s, func(tx bot.Tx) ([]*meeting.AgendaItem, error) { return meeting.From(tx).Agenda(m.ID) })
		var out []string
		for i, a := range items {
			if a.Position != i+1 {
				t.Errorf("item %q at position %d, listed %d", a.Title, a.Position, i+1)
			}
			out = append(out, a.Title)
			if a.Title == "budget" {
				want := *budget
				want.Position = a.Position
				if !reflect.DeepEqual(*a, want) {
					t.Errorf("budget stored as %+v, want %+v", *a, want)
				}
			}
		}
		return strings.Join(out, ", ")
	}
	if got, want := agenda(), "welcome, budget, launch, hiring"; got != want {
		t.Fatalf("agenda %q, want %q", got, want)
	}
	update(t, s, func(tx bot.Tx) error { return meeting.From(tx).DeleteAgendaItem(m.ID, 2) })
	if got, want := agenda(), "welcome, launch, hiring"; got != want {
		t.Fatalf("after deleting item 2: %q, want %q", got, want)
	}
	err := s.Update(context.Background(), func(tx bot.Tx) error { return meeting.From(tx).DeleteAgendaItem(m.ID, 4) })
	wantCode(t, "delete an item that does not exist", err, bot.ENOTFOUND)
	err = s.Update(context.Background(), func(tx bot.Tx) error {
		return meeting.From(tx).AddAgendaItem(&meeting.AgendaItem{MeetingID: m.ID + 1, Title: "x"})
	})
	wantCode(t, "add to a meeting that does not exist", err, bot.ENOTFOUND)
}

func testMeetingMinutes(t *testing.T, s bot.Store) {
	w := newMeetingWorld(t, s)
	m := w.newMeeting("weekly", 0)
	m.Rule = "weekly"
	createMeetings(t, s, m)
	first, second := m.Start, m.Start.AddDate(0, 0, 7)
	tk := &task.Task{Title: "send the budget", OwnerID: w.cy.ID, CreatorID: w.ann.ID, Status: task.Todo,
		Priority: task.PriorityNormal, CreatedAt: t0, UpdatedAt: t0}
	lines := []*meeting.Minute{
		{MeetingID: m.ID, Occurrence: first, Kind: meeting.Point, Text: "Q3 numbers are in", AuthorID: w.ann.ID, CreatedAt: t0},
		{MeetingID: m.ID, Occurrence: second, Kind: meeting.Decision, Text: "launch in October", AuthorID: w.ann.ID, CreatedAt: t0},
		{MeetingID: m.ID, Occurrence: first, Kind: meeting.Action, Text: "send the budget", OwnerID: w.cy.ID,
			Due: t0.AddDate(0, 0, 2), AuthorID: w.bob.ID, CreatedAt: t0.Add(time.Minute)},
	}
	update(t, s, func(tx bot.Tx) error {
		for _, l := range lines {
			if err := meeting.From(tx).AddMinute(l); err != nil {
				return err
			}
		}
		return task.From(tx).CreateTask(tk)
	})
	// The action item became a task.
	lines[2].TaskID, lines[2].Text = tk.ID, "send the Q3 budget"
	update(t, s, func(tx bot.Tx) error { return meeting.From(tx).UpdateMinute(lines[2]) })
	minutes := func(occ time.Time) []*meeting.Minute {
		return view(t, s, func(tx bot.Tx) ([]*meeting.Minute, error) { return meeting.From(tx).Minutes(m.ID, occ) })
	}
	if got, want := minutes(first), []*meeting.Minute{lines[0], lines[2]}; !reflect.DeepEqual(got, want) {
		t.Errorf("first occurrence's minutes %+v, want %+v", got, want)
	}
	if got, want := minutes(second), []*meeting.Minute{lines[1]}; !reflect.DeepEqual(got, want) {
		t.Errorf("second occurrence's minutes %+v, want %+v", got, want)
	}
	err := s.Update(context.Background(), func(tx bot.Tx) error {
		return meeting.From(tx).UpdateMinute(&meeting.Minute{ID: lines[2].ID + 10, Kind: meeting.Point, Text: "x"})
	})
	wantCode(t, "update a line that does not exist", err, bot.ENOTFOUND)
	err = s.Update(context.Background(), func(tx bot.Tx) error {
		return meeting.From(tx).AddMinute(&meeting.Minute{MeetingID: m.ID, Occurrence: first, Kind: meeting.Action,
			Text: "x", TaskID: tk.ID + 10, CreatedAt: t0})
	})
	wantCode(t, "link a task that does not exist", err, bot.ENOTFOUND)
}

var (
	designChat = bot.Destination{Platform: "feishu", Workspace: "t1", ChatID: "oc_design"}
	slackChat  = bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "C1"}
)

func bind(t *testing.T, s bot.Store, b *bot.Binding) {
	t.Helper()
	update(t, s, func(tx bot.Tx) error { return bot.Bindings(tx).Bind(b) })
}

func testBindings(t *testing.T, s bot.Store) {
	w := newMeetingWorld(t, s)
	bind(t, s, &bot.Binding{Chat: designChat, Kind: "dept", Ref: "1", BoundByID: w.ann.ID, BoundAt: t0})
	bind(t, s, &bot.Binding{Chat: designChat, Kind: "project", Ref: "apollo", BoundByID: w.ann.ID, BoundAt: t0})
	// Bound again to another department: replaces the chat's dept binding.
	// A thread of the chat is the chat.
	thread := designChat
	thread.ThreadID = "om_1"
	bind(t, s, &bot.Binding{Chat: thread, Kind: "dept", Ref: "2", BoundByID: w.bob.ID, BoundAt: t0.Add(time.Hour)})
	of := func(chat bot.Destination) []*bot.Binding {
		return view(t, s, func(tx bot.Tx) ([]*bot.Binding, error) { return bot.Bindings(tx).BindingsOf(chat) })
	}
	want := []*bot.Binding{
		{Chat: designChat, Kind: "dept", Ref: "2", BoundByID: w.bob.ID, BoundAt: t0.Add(time.Hour)},
		{Chat: designChat, Kind: "project", Ref: "apollo", BoundByID: w.ann.ID, BoundAt: t0},
	}
	if got := of(designChat); !reflect.DeepEqual(got, want) {
		t.Fatalf("bindings %+v, want %+v", got, want)
	}
	if got := of(slackChat); len(got) != 0 {
		t.Fatalf("an unbound chat has bindings %+v", got)
	}
	update(t, s, func(tx bot.Tx) error { return bot.Bindings(tx).Unbind(designChat, "project") })
	if got := of(designChat); !reflect.DeepEqual(got, want[:1]) {
		t.Fatalf("after unbinding the project: %+v", got)
	}
	err := s.Update(context.Background(), func(tx bot.Tx) error { return bot.Bindings(tx).Unbind(designChat, "project") })
	wantCode(t, "unbind what is not bound", err, bot.ENOTFOUND)
	err = s.Update(context.Background(), func(tx bot.Tx) error {
		return bot.Bindings(tx).Bind(&bot.Binding{Chat: bot.Destination{Platform: "slack", Workspace: "T1"}, Kind: "dept", Ref: "1", BoundAt: t0})
	})
	wantCode(t, "bind no chat", err, bot.EINVALID)
}

func testBoundChats(t *testing.T, s bot.Store) {
	newMeetingWorld(t, s)
	wecom := bot.Destination{Platform: "wecom", Workspace: "corp", ChatID: "wr1"}
	bind(t, s, &bot.Binding{Chat: slackChat, Kind: "dept", Ref: "1", BoundAt: t0.Add(2 * time.Hour)})
	bind(t, s, &bot.Binding{Chat: designChat, Kind: "dept", Ref: "1", BoundAt: t0})
	bind(t, s, &bot.Binding{Chat: wecom, Kind: "dept", Ref: "1", BoundAt: t0.Add(time.Hour)})
	bind(t, s, &bot.Binding{Chat: wecom, Kind: "project", Ref: "1", BoundAt: t0})
	bind(t, s, &bot.Binding{Chat: bot.Destination{Platform: "dingtalk", Workspace: "d", ChatID: "cid"}, Kind: "dept", Ref: "2", BoundAt: t0})
	chats := func(limit int) string {
		bs := view(t, s, func(tx bot.Tx) ([]*bot.Binding, error) { return bot.Bindings(tx).BoundChats("dept", "1", limit) })
		var out []string
		for _, b := range bs {
			out = append(out, b.Chat.Platform)
		}
		return strings.Join(out, ", ")
	}
	if got, want := chats(0), "feishu, wecom, slack"; got != want {
		t.Errorf("dept 1's chats: %q, want %q", got, want)
	}
	if got, want := chats(2), "feishu, wecom"; got != want {
		t.Errorf("dept 1's first two chats: %q, want %q", got, want)
	}
}
