package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
)

// projectTests hold a store to project.Store: what it keeps of a project
// (departments in their order, times not set staying zero), unique keys,
// lists by status and member in id order and paged, members admins first,
// milestones unique by name and listed by due date, a task or ticket in one
// project at most, the project's work and the dependencies among its own
// tasks, and the timeline. The lead is an admin member, so a member's list
// has the projects they lead.
var projectTests = map[string]func(*testing.T, bot.Store){
	"create, find, update; keys unique":                testProjectCreateFindUpdate,
	"zero times stay zero":                             testProjectZeroTimes,
	"lists by status and member, by id, paged":         testFindProjects,
	"members: set, change, order, role, remove":        testProjectMembers,
	"milestones: one name once, by due date, update":   testProjectMilestones,
	"milestones: removed, their work kept":             testProjectRemoveMilestone,
	"items: one project each, missing work, update":    testProjectItems,
	"work: tasks, tickets, blocks among its own tasks": testProjectWork,
	"timeline: oldest first, limited; newest first":    testProjectTimeline,
}

type projectWorld struct {
	ann, bob, cy    *bot.Person
	design, sales   *bot.Department
	tasks           []*task.Task // t1 … t5, in id order
	ticket1         *ticket.Ticket
	projectA, projB *project.Project
}

func newProjectWorld(t *testing.T, s bot.Store) *projectWorld {
	t.Helper()
	w := &projectWorld{
		ann: &bot.Person{Name: "Ann", Handle: "ann"}, bob: &bot.Person{Name: "Bob", Handle: "bob"},
		cy: &bot.Person{Name: "Cy", Handle: "cy"}, design: &bot.Department{Name: "Design"}, sales: &bot.Department{Name: "Sales"},
	}
	update(t, s, func(tx bot.Tx) error {
		if err := errors.Join(tx.CreatePerson(w.ann, t0), tx.CreatePerson(w.bob, t0), tx.CreatePerson(w.cy, t0),
			tx.CreateDepartment(w.design), tx.CreateDepartment(w.sales)); err != nil {
			return err
		}
		for i := range 5 {
			tk := &task.Task{Title: fmt.Sprintf("t%d", i+1), OwnerID: w.ann.ID, CreatorID: w.ann.ID, Priority: task.PriorityNormal,
				Status: task.Todo, CreatedAt: t0, UpdatedAt: t0}
			if err := task.From(tx).CreateTask(tk); err != nil {
				return err
			}
			w.tasks = append(w.tasks, tk)
		}
		w.ticket1 = &ticket.Ticket{Title: "printer", Priority: ticket.P3, Status: ticket.Open, RequesterID: w.bob.ID, Cycle: 1,
			OpenedAt: t0, CreatedAt: t0, UpdatedAt: t0, Origin: bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "C1"}}
		if err := ticket.From(tx).CreateTicket(w.ticket1); err != nil {
			return err
		}
		w.projectA, w.projB = w.newProject("a"), w.newProject("b")
		return errors.Join(project.From(tx).CreateProject(w.projectA), project.From(tx).CreateProject(w.projB))
	})
	return w
}

func (w *projectWorld) newProject(key string) *project.Project {
	return &project.Project{Key: key, Name: "Project " + key, LeadID: w.ann.ID, CreatorID: w.ann.ID, Status: project.Active,
		Start: t0, CreatedAt: t0, UpdatedAt: t0}
}

func findProject(t *testing.T, s bot.Store, id int64) *project.Project {
	t.Helper()
	return view(t, s, func(tx bot.Tx) (*project.Project, error) { return project.From(tx).FindProjectByID(id) })
}

// storeErr runs fn in a unit and returns its error.
func storeErr(t *testing.T, s bot.Store, fn func(project.Store) error) error {
	t.Helper()
	return s.Update(t.Context(), func(tx bot.Tx) error { return fn(project.From(tx)) })
}

func testProjectCreateFindUpdate(t *testing.T, s bot.Store) {
	w := newProjectWorld(t, s)
	p := &project.Project{Key: "q3-launch", Name: "Q3 launch",
		Goal:   project.Goal{Text: "Launch the new plan", Metric: "signups", Target: "5000", Baseline: "1200"},
		LeadID: w.bob.ID, CreatorID: w.ann.ID, DeptIDs: []int64{w.sales.ID, w.design.ID},
		Start: t0, End: t0.AddDate(0, 2, 0), Status: project.Active,
		Review:    project.Weekly{Weekday: time.Friday, Clock: 16*time.Hour + 30*time.Minute},
		CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx bot.Tx) error { return project.From(tx).CreateProject(p) })
	if p.ID == 0 || p.ID == w.projectA.ID || p.ID == w.projB.ID {
		t.Fatalf("id %d: want a new one", p.ID)
	}
	if got := findProject(t, s, p.ID); !reflect.DeepEqual(got, p) {
		t.Errorf("FindProjectByID = %+v, want %+v", got, p)
	}
	if got := view(t, s, func(tx bot.Tx) (*project.Project, error) { return project.From(tx).FindProjectByKey("q3-launch") }); got.ID != p.ID {
		t.Errorf("FindProjectByKey = project %d, want %d", got.ID, p.ID)
	}

	leadRole := func(pid, personID int64) project.Role {
		var r project.Role
		if err := s.View(t.Context(), func(tx bot.Tx) (err error) { r, _, err = project.From(tx).MemberRole(pid, personID); return err }); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := leadRole(p.ID, w.bob.ID); r != project.Admin {
		t.Errorf("the lead's role = %q, want admin (the lead is an admin member)", r)
	}

	noKey := &project.Project{Name: "无名", Status: project.Active, CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx bot.Tx) error { return project.From(tx).CreateProject(noKey) })
	if want := project.DefaultKey(noKey.ID); noKey.Key != want || findProject(t, s, noKey.ID).Key != want {
		t.Errorf("key of a project created without one = %q, want %q", noKey.Key, want)
	}
	err := storeErr(t, s, func(st project.Store) error {
		return st.CreateProject(&project.Project{Key: "q3-launch", Name: "again", Status: project.Active, CreatedAt: t0, UpdatedAt: t0})
	})
	wantCode(t, "a taken key", err, bot.ECONFLICT)
	_, err = view2(t, s, func(st project.Store) (*project.Project, error) { return st.FindProjectByKey("nope") })
	wantCode(t, "find by an unknown key", err, bot.ENOTFOUND)
	_, err = view2(t, s, func(st project.Store) (*project.Project, error) { return st.FindProjectByID(noKey.ID + 100) })
	wantCode(t, "find by an unknown id", err, bot.ENOTFOUND)

	// Everything but the id, key and creation time changes; the
	// departments are replaced, in their new order.
	changed := *p
	changed.Key, changed.CreatedAt = "other", t0.Add(time.Hour)
	changed.Name, changed.Goal = "Q3 launch!", project.Goal{Text: "Launch", Metric: "签约客户数", Target: "≥ 20"}
	changed.LeadID, changed.DeptIDs = w.cy.ID, []int64{w.design.ID}
	changed.Status, changed.Result, changed.Review = project.Closed, "4800 signups", project.Weekly{Off: true, Weekday: time.Monday}
	changed.ClosedAt, changed.UpdatedAt = t0.Add(48*time.Hour), t0.Add(48*time.Hour)
	changed.WarnedSlip, changed.WarnedAt = 3, t0.Add(24*time.Hour)
	update(t, s, func(tx bot.Tx) error { return project.From(tx).UpdateProject(&changed) })
	want := changed
	want.Key, want.CreatedAt = p.Key, p.CreatedAt
	if got := findProject(t, s, p.ID); !reflect.DeepEqual(got, &want) {
		t.Errorf("after update = %+v, want %+v", got, &want)
	}
	if r := leadRole(p.ID, w.cy.ID); r != project.Admin {
		t.Errorf("the new lead's role = %q, want admin", r)
	}
	changed.DeptIDs = nil
	update(t, s, func(tx bot.Tx) error { return project.From(tx).UpdateProject(&changed) })
	if got := findProject(t, s, p.ID); got.DeptIDs != nil {
		t.Errorf("departments after clearing them = %v, want none", got.DeptIDs)
	}
	missing := changed
	missing.ID = noKey.ID + 100
	wantCode(t, "update a project that does not exist",
		storeErr(t, s, func(st project.Store) error { return st.UpdateProject(&missing) }), bot.ENOTFOUND)
}

// view2 is view over the unit's project store, returning the error too.
func view2[T any](t *testing.T, s bot.Store, fn func(project.Store) (T, error)) (T, error) {
	t.Helper()
	var v T
	err := s.View(t.Context(), func(tx bot.Tx) (err error) { v, err = fn(project.From(tx)); return err })
	return v, err
}

func testProjectZeroTimes(t *testing.T, s bot.Store) {
	w := newProjectWorld(t, s)
	p := &project.Project{Key: "bare", Name: "Bare", Status: project.Active, CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx bot.Tx) error { return project.From(tx).CreateProject(p) })
	got := findProject(t, s, p.ID)
	if !got.Start.IsZero() || !got.End.IsZero() || !got.ClosedAt.IsZero() || got.LeadID != 0 || got.CreatorID != 0 || got.DeptIDs != nil {
		t.Errorf("a project with nothing set = %+v, want zero times, no lead, creator or departments", got)
	}
	if !reflect.DeepEqual(got, p) {
		t.Errorf("round trip = %+v, want %+v", got, p)
	}
	// A date set and then cleared is zero again.
	pa := findProject(t, s, w.projectA.ID)
	pa.End = t0.AddDate(0, 1, 0)
	update(t, s, func(tx bot.Tx) error { return project.From(tx).UpdateProject(pa) })
	pa.Start, pa.End = time.Time{}, time.Time{}
	update(t, s, func(tx bot.Tx) error { return project.From(tx).UpdateProject(pa) })
	if got := findProject(t, s, pa.ID); !got.Start.IsZero() || !got.End.IsZero() {
		t.Errorf("dates after clearing = %v, %v; want zero", got.Start, got.End)
	}
	m := &project.Milestone{ProjectID: p.ID, Name: "undated"}
	it := &project.Item{ProjectID: p.ID, Kind: project.TaskItem, RefID: w.tasks[0].ID, AddedAt: t0}
	update(t, s, func(tx bot.Tx) error {
		return errors.Join(project.From(tx).AddMilestone(m), project.From(tx).AddItem(it))
	})
	ms := view(t, s, func(tx bot.Tx) ([]*project.Milestone, error) { return project.From(tx).Milestones(p.ID) })
	if len(ms) != 1 || !reflect.DeepEqual(ms[0], m) || !ms[0].Due.IsZero() || !ms[0].DoneAt.IsZero() || !ms[0].WarnedAt.IsZero() {
		t.Errorf("undated milestone = %+v, want %+v with zero times", ms, m)
	}
	gotItem := view(t, s, func(tx bot.Tx) (*project.Item, error) { return project.From(tx).ItemOf(project.TaskItem, it.RefID) })
	if !gotItem.Start.IsZero() || gotItem.MilestoneID != 0 || gotItem.Days != 1 {
		t.Errorf("item without start, milestone or days = %+v; want zero start, no milestone, 1 day", gotItem)
	}
}

func projectKeys(ps []*project.Project) string {
	out := ""
	for i, p := range ps {
		if i > 0 {
			out += ","
		}
		out += p.Key
	}
	return out
}

func testFindProjects(t *testing.T, s bot.Store) {
	w := newProjectWorld(t, s) // a and b
	var more []*project.Project
	for _, key := range []string{"c", "d", "e"} {
		more = append(more, w.newProject(key))
	}
	more[1].Status = project.Closed // d
	update(t, s, func(tx bot.Tx) error {
		st := project.From(tx)
		for _, p := range more {
			if err := st.CreateProject(p); err != nil {
				return err
			}
		}
		w.projB.Status = project.Closed
		// Bob is in b, c and e (e added first: the list is still by id);
		// Cy only in d.
		return errors.Join(st.UpdateProject(w.projB),
			st.SetMember(&project.Member{ProjectID: more[2].ID, PersonID: w.bob.ID, Role: project.Viewer, AddedAt: t0}),
			st.SetMember(&project.Member{ProjectID: w.projB.ID, PersonID: w.bob.ID, Role: project.Admin, AddedAt: t0.Add(time.Minute)}),
			st.SetMember(&project.Member{ProjectID: more[0].ID, PersonID: w.bob.ID, Role: project.Editor, AddedAt: t0.Add(2 * time.Minute)}),
			st.SetMember(&project.Member{ProjectID: more[1].ID, PersonID: w.cy.ID, Role: project.Editor, AddedAt: t0}))
	})
	for _, c := range []struct {
		f    project.Filter
		want string
	}{
		{project.Filter{}, "a,b,c,d,e"},
		{project.Filter{Status: project.Active}, "a,c,e"},
		{project.Filter{Status: project.Closed}, "b,d"},
		{project.Filter{MemberID: w.bob.ID}, "b,c,e"},
		{project.Filter{MemberID: w.bob.ID, Status: project.Active}, "c,e"},
		{project.Filter{MemberID: w.cy.ID, Status: project.Active}, ""},
		{project.Filter{MemberID: w.ann.ID}, "a,b,c,d,e"}, // the lead of them all
		{project.Filter{Limit: 2}, "a,b"},
		{project.Filter{Offset: 2, Limit: 2}, "c,d"},
		{project.Filter{Offset: 4, Limit: 2}, "e"},
		{project.Filter{Offset: 5, Limit: 2}, ""},
		{project.Filter{Status: project.Active, Offset: 1, Limit: 1}, "c"},
		{project.Filter{MemberID: w.bob.ID, Offset: 1, Limit: 1}, "c"},
	} {
		got := view(t, s, func(tx bot.Tx) ([]*project.Project, error) { return project.From(tx).FindProjects(c.f) })
		if keys := projectKeys(got); keys != c.want {
			t.Errorf("FindProjects(%+v) = %q, want %q", c.f, keys, c.want)
		}
	}
}

func testProjectMembers(t *testing.T, s bot.Store) {
	w := newProjectWorld(t, s)
	pid := w.projectA.ID
	set := func(person *bot.Person, role project.Role, at time.Time) {
		update(t, s, func(tx bot.Tx) error {
			return project.From(tx).SetMember(&project.Member{ProjectID: pid, PersonID: person.ID, Role: role, AddedAt: at})
		})
	}
	set(w.bob, project.Viewer, t0)
	set(w.cy, project.Editor, t0.Add(time.Minute))
	// Bob becomes an admin: his role changes, when he was added does not.
	set(w.bob, project.Admin, t0.Add(time.Hour))
	got := view(t, s, func(tx bot.Tx) ([]*project.Member, error) { return project.From(tx).Members(pid) })
	// Ann, the lead, has been an admin since the project was created.
	want := []*project.Member{
		{ProjectID: pid, PersonID: w.ann.ID, Role: project.Admin, AddedAt: t0},
		{ProjectID: pid, PersonID: w.bob.ID, Role: project.Admin, AddedAt: t0},
		{ProjectID: pid, PersonID: w.cy.ID, Role: project.Editor, AddedAt: t0.Add(time.Minute)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Members = %+v, want admins first, then by when added: %+v", got, want)
	}
	if other := view(t, s, func(tx bot.Tx) ([]*project.Member, error) { return project.From(tx).Members(w.projB.ID) }); len(other) != 1 || other[0].PersonID != w.ann.ID {
		t.Errorf("members of another project = %+v, want its lead alone", other)
	}
	role := func(person *bot.Person) string {
		var r project.Role
		var ok bool
		err := s.View(t.Context(), func(tx bot.Tx) (err error) { r, ok, err = project.From(tx).MemberRole(pid, person.ID); return err })
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%s/%v", r, ok)
	}
	if got := role(w.cy); got != "editor/true" {
		t.Errorf("Cy's role = %s, want editor/true", got)
	}
	update(t, s, func(tx bot.Tx) error { return project.From(tx).RemoveMember(pid, w.cy.ID) })
	if got := role(w.cy); got != "/false" {
		t.Errorf("Cy's role once removed = %s, want none", got)
	}
	wantCode(t, "remove someone who is not a member",
		storeErr(t, s, func(st project.Store) error { return st.RemoveMember(pid, w.cy.ID) }), bot.ENOTFOUND)
}

func testProjectMilestones(t *testing.T, s bot.Store) {
	w := newProjectWorld(t, s)
	pid := w.projectA.ID
	late := &project.Milestone{ProjectID: pid, Name: "GA", Due: t0.AddDate(0, 0, 20)}
	early := &project.Milestone{ProjectID: pid, Name: "Beta", Due: t0.AddDate(0, 0, 10)}
	sameDay := &project.Milestone{ProjectID: pid, Name: "Docs", Due: t0.AddDate(0, 0, 10)}
	elsewhere := &project.Milestone{ProjectID: w.projB.ID, Name: "Beta", Due: t0}
	update(t, s, func(tx bot.Tx) error {
		st := project.From(tx)
		return errors.Join(st.AddMilestone(late), st.AddMilestone(early), st.AddMilestone(sameDay), st.AddMilestone(elsewhere))
	})
	list := func() []*project.Milestone {
		return view(t, s, func(tx bot.Tx) ([]*project.Milestone, error) { return project.From(tx).Milestones(pid) })
	}
	if got, want := list(), []*project.Milestone{early, sameDay, late}; !reflect.DeepEqual(got, want) {
		t.Errorf("Milestones = %+v, want by due, then id: %+v", got, want)
	}
	wantCode(t, "a milestone name the project has",
		storeErr(t, s, func(st project.Store) error { return st.AddMilestone(&project.Milestone{ProjectID: pid, Name: "Beta"}) }),
		bot.ECONFLICT)

	late.Due, late.DoneAt, late.WarnedSlip, late.WarnedAt = t0.AddDate(0, 0, 5), t0.AddDate(0, 0, 4), 3, t0.Add(time.Hour)
	late.ProjectID = w.projB.ID // not stored: a milestone stays in its project
	update(t, s, func(tx bot.Tx) error { return project.From(tx).UpdateMilestone(late) })
	late.ProjectID = pid
	if got, want := list(), []*project.Milestone{late, early, sameDay}; !reflect.DeepEqual(got, want) {
		t.Errorf("after moving GA first = %+v, want %+v", got, want)
	}
	renamed := *sameDay
	renamed.Name = "Beta"
	wantCode(t, "renaming a milestone to a name the project has",
		storeErr(t, s, func(st project.Store) error { return st.UpdateMilestone(&renamed) }), bot.ECONFLICT)
	wantCode(t, "update a milestone that does not exist",
		storeErr(t, s, func(st project.Store) error {
			return st.UpdateMilestone(&project.Milestone{ID: elsewhere.ID + 100, ProjectID: pid, Name: "x"})
		}), bot.ENOTFOUND)
}

func testProjectItems(t *testing.T, s bot.Store) {
	w := newProjectWorld(t, s)
	beta := &project.Milestone{ProjectID: w.projectA.ID, Name: "Beta", Due: t0.AddDate(0, 0, 10)}
	taskItem := &project.Item{ProjectID: w.projectA.ID, Kind: project.TaskItem, RefID: w.tasks[0].ID, MilestoneID: 0,
		Days: 3, Start: t0.AddDate(0, 0, 1), AddedAt: t0}
	ticketItem := &project.Item{ProjectID: w.projectA.ID, Kind: project.TicketItem, RefID: w.ticket1.ID, Days: 1, AddedAt: t0}
	update(t, s, func(tx bot.Tx) error {
		st := project.From(tx)
		return errors.Join(st.AddMilestone(beta), st.AddItem(taskItem), st.AddItem(ticketItem))
	})
	itemOf := func(kind project.ItemKind, id int64) (*project.Item, error) {
		return view2(t, s, func(st project.Store) (*project.Item, error) { return st.ItemOf(kind, id) })
	}
	if got, err := itemOf(project.TaskItem, w.tasks[0].ID); err != nil || !reflect.DeepEqual(got, taskItem) {
		t.Errorf("ItemOf(task) = %+v, %v; want %+v", got, err, taskItem)
	}
	if got, err := itemOf(project.TicketItem, w.ticket1.ID); err != nil || !reflect.DeepEqual(got, ticketItem) {
		t.Errorf("ItemOf(ticket) = %+v, %v; want %+v", got, err, ticketItem)
	}
	_, err := itemOf(project.TaskItem, w.tasks[1].ID)
	wantCode(t, "ItemOf a task in no project", err, bot.ENOTFOUND)

	add := func(it *project.Item) error {
		return storeErr(t, s, func(st project.Store) error { return st.AddItem(it) })
	}
	wantCode(t, "a task in a project already, added to another",
		add(&project.Item{ProjectID: w.projB.ID, Kind: project.TaskItem, RefID: w.tasks[0].ID, AddedAt: t0}), bot.ECONFLICT)
	wantCode(t, "a task added to its project twice",
		add(&project.Item{ProjectID: w.projectA.ID, Kind: project.TaskItem, RefID: w.tasks[0].ID, AddedAt: t0}), bot.ECONFLICT)
	wantCode(t, "a ticket in a project already",
		add(&project.Item{ProjectID: w.projB.ID, Kind: project.TicketItem, RefID: w.ticket1.ID, AddedAt: t0}), bot.ECONFLICT)
	wantCode(t, "a task that does not exist",
		add(&project.Item{ProjectID: w.projB.ID, Kind: project.TaskItem, RefID: w.tasks[4].ID + 100, AddedAt: t0}), bot.ENOTFOUND)
	wantCode(t, "a ticket that does not exist",
		add(&project.Item{ProjectID: w.projB.ID, Kind: project.TicketItem, RefID: w.ticket1.ID + 100, AddedAt: t0}), bot.ENOTFOUND)
	wantCode(t, "a project that does not exist",
		add(&project.Item{ProjectID: w.projB.ID + 100, Kind: project.TaskItem, RefID: w.tasks[1].ID, AddedAt: t0}), bot.ENOTFOUND)
	wantCode(t, "a milestone of another project",
		add(&project.Item{ProjectID: w.projB.ID, Kind: project.TaskItem, RefID: w.tasks[1].ID, MilestoneID: beta.ID, AddedAt: t0}), bot.ENOTFOUND)
	if got, err := itemOf(project.TaskItem, w.tasks[0].ID); err != nil || got.ProjectID != w.projectA.ID {
		t.Errorf("after refused attachments the task is in %+v, %v; want still in project a", got, err)
	}

	taskItem.MilestoneID, taskItem.Days, taskItem.Start = beta.ID, 5, t0.AddDate(0, 0, 2)
	update(t, s, func(tx bot.Tx) error { return project.From(tx).UpdateItem(taskItem) })
	if got, _ := itemOf(project.TaskItem, w.tasks[0].ID); !reflect.DeepEqual(got, taskItem) {
		t.Errorf("after UpdateItem = %+v, want %+v", got, taskItem)
	}
	count := func(pid int64) int {
		return view(t, s, func(tx bot.Tx) (int, error) { return project.From(tx).CountItems(pid) })
	}
	if a, b := count(w.projectA.ID), count(w.projB.ID); a != 2 || b != 0 {
		t.Errorf("CountItems = %d, %d; want 2, 0", a, b)
	}
	update(t, s, func(tx bot.Tx) error { return project.From(tx).RemoveItem(project.TaskItem, w.tasks[0].ID) })
	if _, err := itemOf(project.TaskItem, w.tasks[0].ID); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("ItemOf a removed task: %v, want ENOTFOUND", err)
	}
	wantCode(t, "remove a task in no project",
		storeErr(t, s, func(st project.Store) error { return st.RemoveItem(project.TaskItem, w.tasks[0].ID) }), bot.ENOTFOUND)
	if a := count(w.projectA.ID); a != 1 {
		t.Errorf("CountItems after removing = %d, want 1", a)
	}
	// Once removed, the task can go to another project.
	if err := add(&project.Item{ProjectID: w.projB.ID, Kind: project.TaskItem, RefID: w.tasks[0].ID, AddedAt: t0}); err != nil {
		t.Errorf("attach a removed task elsewhere: %v", err)
	}
}

func testProjectWork(t *testing.T, s bot.Store) {
	w := newProjectWorld(t, s)
	a, b := w.projectA.ID, w.projB.ID
	t1, t2, t3, t4, t5 := w.tasks[0], w.tasks[1], w.tasks[2], w.tasks[3], w.tasks[4]
	items := map[int64]*project.Item{}
	update(t, s, func(tx bot.Tx) error {
		st := project.From(tx)
		// Attached out of id order: the lists are by task id.
		for _, c := range []struct {
			pid int64
			tk  *task.Task
		}{{a, t3}, {a, t1}, {b, t4}, {a, t2}} {
			it := &project.Item{ProjectID: c.pid, Kind: project.TaskItem, RefID: c.tk.ID, Days: 2, AddedAt: t0}
			if err := st.AddItem(it); err != nil {
				return err
			}
			items[c.tk.ID] = it
		}
		if err := st.AddItem(&project.Item{ProjectID: a, Kind: project.TicketItem, RefID: w.ticket1.ID, AddedAt: t0}); err != nil {
			return err
		}
		ts := task.From(tx)
		// t2 waits for t1, t3 for t2 and for t5 (in no project), t4 (in
		// project b) for t1: only the first two are project a's.
		return errors.Join(ts.AddTaskBlock(t1.ID, t2.ID, t0), ts.AddTaskBlock(t2.ID, t3.ID, t0),
			ts.AddTaskBlock(t5.ID, t3.ID, t0), ts.AddTaskBlock(t1.ID, t4.ID, t0))
	})
	tasks := view(t, s, func(tx bot.Tx) ([]project.TaskOf, error) { return project.From(tx).ProjectTasks(a) })
	if len(tasks) != 3 {
		t.Fatalf("ProjectTasks = %d tasks, want 3", len(tasks))
	}
	for i, want := range []*task.Task{t1, t2, t3} {
		if !reflect.DeepEqual(tasks[i].Task, want) || !reflect.DeepEqual(tasks[i].Item, items[want.ID]) {
			t.Errorf("ProjectTasks[%d] = %+v %+v, want %+v %+v", i, tasks[i].Item, tasks[i].Task, items[want.ID], want)
		}
	}
	tickets := view(t, s, func(tx bot.Tx) ([]project.TicketOf, error) { return project.From(tx).ProjectTickets(a) })
	if len(tickets) != 1 || tickets[0].Ticket.ID != w.ticket1.ID || tickets[0].Ticket.Title != "printer" ||
		tickets[0].Item.Kind != project.TicketItem || tickets[0].Item.ProjectID != a {
		t.Errorf("ProjectTickets = %+v, want T-%d", tickets, w.ticket1.ID)
	}
	if got := view(t, s, func(tx bot.Tx) ([]project.TicketOf, error) { return project.From(tx).ProjectTickets(b) }); len(got) != 0 {
		t.Errorf("tickets of project b = %+v, want none", got)
	}
	blocks := view(t, s, func(tx bot.Tx) ([]project.Block, error) { return project.From(tx).ProjectBlocks(a) })
	if want := []project.Block{{BlockerID: t1.ID, DependantID: t2.ID}, {BlockerID: t2.ID, DependantID: t3.ID}}; !reflect.DeepEqual(blocks, want) {
		t.Errorf("ProjectBlocks = %+v, want only those among the project's tasks: %+v", blocks, want)
	}
	if got := view(t, s, func(tx bot.Tx) ([]project.Block, error) { return project.From(tx).ProjectBlocks(b) }); len(got) != 0 {
		t.Errorf("blocks of project b (t4 waits for t1 of project a) = %+v, want none", got)
	}
}

func testProjectTimeline(t *testing.T, s bot.Store) {
	w := newProjectWorld(t, s)
	evs := []*project.Event{
		{ProjectID: w.projectA.ID, ActorID: w.ann.ID, Kind: project.Created, Text: "Project a", At: t0},
		{ProjectID: w.projB.ID, ActorID: w.ann.ID, Kind: project.Created, At: t0},
		{ProjectID: w.projectA.ID, ActorID: w.bob.ID, Kind: project.MemberSet, Text: "@bob editor", At: t0.Add(time.Minute)},
		{ProjectID: w.projectA.ID, Kind: project.Warned, Text: "Beta: 3 days late", At: t0.Add(time.Hour)},
	}
	updateEach(t, s, evs, func(tx bot.Tx, e *project.Event) error { return project.From(tx).AddProjectEvent(e) })
	if evs[0].ID == 0 || evs[0].ID == evs[2].ID {
		t.Fatalf("event ids %d, %d: want distinct ids", evs[0].ID, evs[2].ID)
	}
	events := func(limit int) []*project.Event {
		return view(t, s, func(tx bot.Tx) ([]*project.Event, error) { return project.From(tx).ProjectEvents(w.projectA.ID, limit) })
	}
	if got, want := events(0), []*project.Event{evs[0], evs[2], evs[3]}; !reflect.DeepEqual(got, want) {
		t.Errorf("ProjectEvents = %+v, want %+v", got, want)
	}
	if got, want := events(2), []*project.Event{evs[0], evs[2]}; !reflect.DeepEqual(got, want) {
		t.Errorf("ProjectEvents limit 2 = %+v, want the oldest two %+v", got, want)
	}
	recent := func(kind project.EventKind, limit int) []*project.Event {
		return view(t, s, func(tx bot.Tx) ([]*project.Event, error) {
			return project.From(tx).RecentProjectEvents(w.projectA.ID, kind, limit)
		})
	}
	if got, want := recent("", 2), []*project.Event{evs[3], evs[2]}; !reflect.DeepEqual(got, want) {
		t.Errorf("RecentProjectEvents 2 = %+v, want the newest two, newest first %+v", got, want)
	}
	if got, want := recent("", 10), []*project.Event{evs[3], evs[2], evs[0]}; !reflect.DeepEqual(got, want) {
		t.Errorf("RecentProjectEvents 10 = %+v, want project a's three, newest first %+v", got, want)
	}
	if got, want := recent(project.MemberSet, 1), []*project.Event{evs[2]}; !reflect.DeepEqual(got, want) {
		t.Errorf("RecentProjectEvents of kind member = %+v, want %+v", got, want)
	}
	if got := recent(project.Reviewed, 1); len(got) != 0 {
		t.Errorf("RecentProjectEvents of kind reviewed = %+v, want none", got)
	}
	count := func(id int64) int {
		return view(t, s, func(tx bot.Tx) (int, error) { return project.From(tx).CountProjectEvents(id) })
	}
	if a, b := count(w.projectA.ID), count(w.projB.ID); a != 3 || b != 1 {
		t.Errorf("CountProjectEvents = %d and %d, want 3 and 1", a, b)
	}
}

func testProjectRemoveMilestone(t *testing.T, s bot.Store) {
	w := newProjectWorld(t, s)
	pid := w.projectA.ID
	beta := &project.Milestone{ProjectID: pid, Name: "Beta", Due: t0.AddDate(0, 0, 10)}
	ga := &project.Milestone{ProjectID: pid, Name: "GA", Due: t0.AddDate(0, 0, 20)}
	update(t, s, func(tx bot.Tx) error {
		st := project.From(tx)
		if err := errors.Join(st.AddMilestone(beta), st.AddMilestone(ga)); err != nil {
			return err
		}
		return errors.Join(
			st.AddItem(&project.Item{ProjectID: pid, Kind: project.TaskItem, RefID: w.tasks[0].ID, MilestoneID: beta.ID, Days: 1, AddedAt: t0}),
			st.AddItem(&project.Item{ProjectID: pid, Kind: project.TaskItem, RefID: w.tasks[1].ID, MilestoneID: ga.ID, Days: 1, AddedAt: t0}))
	})
	var detached int
	update(t, s, func(tx bot.Tx) (err error) {
		detached, err = project.From(tx).RemoveMilestone(beta.ID)
		return err
	})
	if detached != 1 {
		t.Errorf("RemoveMilestone detached %d items, want 1", detached)
	}
	ms := view(t, s, func(tx bot.Tx) ([]*project.Milestone, error) { return project.From(tx).Milestones(pid) })
	if len(ms) != 1 || ms[0].ID != ga.ID {
		t.Errorf("after removing Beta, milestones = %+v, want GA only", ms)
	}
	kept, _ := view2(t, s, func(st project.Store) (*project.Item, error) { return st.ItemOf(project.TaskItem, w.tasks[0].ID) })
	if kept.ProjectID != pid || kept.MilestoneID != 0 {
		t.Errorf("Beta's task after the removal: %+v, want in the project under no milestone", kept)
	}
	other, _ := view2(t, s, func(st project.Store) (*project.Item, error) { return st.ItemOf(project.TaskItem, w.tasks[1].ID) })
	if other.MilestoneID != ga.ID {
		t.Errorf("GA's task lost its milestone: %+v", other)
	}
	wantCode(t, "remove a milestone twice",
		storeErr(t, s, func(st project.Store) error { _, err := st.RemoveMilestone(beta.ID); return err }), bot.ENOTFOUND)
}
