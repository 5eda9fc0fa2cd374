package sqlite

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot/project"
)

// groupConcatSort is the plan's step that puts a project's departments in
// their order: a sort of that one project's few rows, read from
// project_departments' primary key, not of a list.
const groupConcatSort = "USE TEMP B-TREE FOR group_concat(ORDER BY); "

// Ensure every form of project list reads its page in id order from an
// index (or, for everyone's, from the table in rowid order, stopping after
// offset+limit rows), so that a page costs its offset and its size however
// many projects there are.
func TestFindProjectsQuery_UsesIndexes(t *testing.T) {
	db := openTestDB(t)
	for _, c := range []struct {
		name  string
		f     project.Filter
		table string
		index string // "" : the table itself in rowid order
	}{
		{"project list all", project.Filter{Limit: 21}, "projects", ""},
		{"project list all page 3", project.Filter{Offset: 40, Limit: 21}, "projects", ""},
		{"project list active", project.Filter{Status: project.Active, Limit: 21}, "projects", "projects_status"},
		{"project list closed page 2", project.Filter{Status: project.Closed, Offset: 20, Limit: 21}, "projects", "projects_status"},
		{"project list mine", project.Filter{MemberID: 7, Limit: 21}, "m", "project_members_person"},
		{"project list mine active page 2", project.Filter{MemberID: 7, Status: project.Active, Offset: 20, Limit: 21}, "m", "project_members_person"},
	} {
		q, args := findProjectsQuery(c.f)
		if !strings.HasSuffix(q, "LIMIT ? OFFSET ?") {
			t.Errorf("%s: %q is not paged", c.name, q)
		}
		plan := strings.Replace(queryPlan(t, db, q, args), groupConcatSort, "", 1)
		if !strings.Contains(plan, "SEARCH d USING PRIMARY KEY (project_id=?)") {
			t.Errorf("%s: plan %q does not read each project's departments by its key", c.name, plan)
		}
		if c.index == "" {
			// The rowid order is the list's order: the scan stops at the
			// page's end (LIMIT), and nothing is sorted.
			if !strings.HasPrefix(plan, "SCAN projects;") || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("%s: plan %q does not walk projects in rowid order", c.name, plan)
			}
			continue
		}
		assertIndexedPlan(t, c.name, plan, c.table, c.index)
		assertIndexedPlan(t, c.name, plan, "projects", "")
		if c.table == "m" && !strings.Contains(plan, "SEARCH projects USING INTEGER PRIMARY KEY") {
			t.Errorf("%s: plan %q does not read each project by its id", c.name, plan)
		}
	}
}

// Ensure a project's members, milestones, work, dependencies and timeline,
// and the lookups by key and by task or ticket, are read from their
// indexes in the order shown: each costs the project's rows, not the
// table's.
func TestProjectQueries_UseIndexes(t *testing.T) {
	db := openTestDB(t)
	for _, c := range []struct {
		q     string
		args  []any
		steps []string // each step of the plan, in order
	}{
		{membersQuery, []any{1}, []string{"SEARCH project_members USING INDEX project_members_listed (project_id=?)"}},
		{milestonesQuery, []any{1}, []string{"SEARCH project_milestones USING INDEX project_milestones_due (project_id=?)"}},
		{projectTasksSQL, []any{1}, []string{"SEARCH i USING PRIMARY KEY (project_id=? AND kind=?)",
			"SEARCH t USING INTEGER PRIMARY KEY (rowid=?)"}},
		{projectTicketsSQL, []any{1}, []string{"SEARCH i USING PRIMARY KEY (project_id=? AND kind=?)",
			"SEARCH tickets USING INTEGER PRIMARY KEY (rowid=?)"}},
		{projectBlocksSQL, []any{1}, []string{"SEARCH i USING PRIMARY KEY (project_id=? AND kind=?)",
			"SEARCH b USING PRIMARY KEY (dependant_id=?)",
			"SEARCH j EXISTS USING COVERING INDEX project_items_ref (ref_id=? AND kind=? AND project_id=?)"}},
		{projectEventsQuery, []any{1, 50}, []string{"SEARCH project_events USING INDEX project_events_project (project_id=?)"}},
		// Newest first: the same index walked backwards, nothing sorted.
		{recentProjectEventsQuery, []any{1, "", "", 5}, []string{"SEARCH project_events USING INDEX project_events_project (project_id=?)"}},
		{recentProjectEventsQuery, []any{1, "reviewed", "reviewed", 1}, []string{"SEARCH project_events USING INDEX project_events_project (project_id=?)"}},
		{countProjectEventsQuery, []any{1}, []string{"SEARCH project_events USING COVERING INDEX project_events_project (project_id=?)"}},
		{countItemsQuery, []any{1}, []string{"SEARCH project_items USING PRIMARY KEY (project_id=?)"}},
		{itemOfQuery, []any{"task", 1}, []string{"SEARCH i USING INDEX project_items_ref (ref_id=? AND kind=?)"}},
	} {
		if got, want := queryPlan(t, db, c.q, c.args), strings.Join(c.steps, "; "); got != want {
			t.Errorf("%s:\nplan %q,\nwant %q", c.q, got, want)
		}
	}
	byKey := strings.Replace(queryPlan(t, db, `SELECT `+projectColumns+` FROM projects WHERE key = ?`, []any{"q3"}), groupConcatSort, "", 1)
	assertIndexedPlan(t, "find project by key", byKey, "projects", "sqlite_autoindex_projects_1")
}
