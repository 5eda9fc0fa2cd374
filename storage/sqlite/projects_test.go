package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// Ensure a merge moves a person's projects to the person kept: the projects
// they lead and created, their memberships (a project both were members of
// keeps one row, with the higher role) and their timeline entries.
func TestPeople_MergeMovesProjects(t *testing.T) {
	db := MustOpenDB(t, "")
	from, into := mustPerson(t, db, "Ann"), mustPerson(t, db, "Bob")
	both := &project.Project{Key: "both", Name: "Both", LeadID: from.ID, CreatorID: from.ID, Status: project.Active, CreatedAt: t0, UpdatedAt: t0}
	only := &project.Project{Key: "only", Name: "Only", CreatorID: into.ID, Status: project.Active, CreatedAt: t0, UpdatedAt: t0}
	ev := &project.Event{ActorID: from.ID, Kind: project.Created, At: t0}
	mustUpdate(t, db, func(tx bot.Tx) error {
		st := project.From(tx)
		if err := errors.Join(st.CreateProject(both), st.CreateProject(only)); err != nil {
			return err
		}
		ev.ProjectID = both.ID
		return errors.Join(
			st.SetMember(&project.Member{ProjectID: both.ID, PersonID: from.ID, Role: project.Admin, AddedAt: t0}),
			st.SetMember(&project.Member{ProjectID: both.ID, PersonID: into.ID, Role: project.Viewer, AddedAt: t0}),
			st.SetMember(&project.Member{ProjectID: only.ID, PersonID: from.ID, Role: project.Editor, AddedAt: t0}),
			st.AddProjectEvent(ev),
			tx.MergePeople(from.ID, into.ID))
	})
	db.View(context.Background(), func(tx bot.Tx) error {
		st := project.From(tx)
		p, err := st.FindProjectByID(both.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.LeadID != into.ID || p.CreatorID != into.ID {
			t.Errorf("lead %d, creator %d; want both %d", p.LeadID, p.CreatorID, into.ID)
		}
		for _, c := range []struct {
			pid  int64
			want string
		}{{both.ID, "admin"}, {only.ID, "editor"}} {
			ms, err := st.Members(c.pid)
			if err != nil || len(ms) != 1 || ms[0].PersonID != into.ID || string(ms[0].Role) != c.want {
				t.Errorf("members of %d = %+v, %v; want Bob alone as %s", c.pid, ms, err, c.want)
			}
		}
		evs, err := st.ProjectEvents(both.ID, 0)
		if err != nil || len(evs) != 1 || evs[0].ActorID != into.ID {
			t.Errorf("timeline = %+v, %v; want Bob's", evs, err)
		}
		return nil
	})
}

// fillProjects writes nProjects projects of itemsEach tasks each (every
// task but the first waiting for the one before it), every tenth project
// closed, Bob a member of every hundredth. It returns Bob.
func fillProjects(tb testing.TB, db *sqlite.DB, nProjects, itemsEach int) *bot.Person {
	tb.Helper()
	owner, bob := mustPerson(tb, db, "Owner"), mustPerson(tb, db, "Bob")
	const perUnit = 20 // projects per write unit: a unit stays small
	for start := 0; start < nProjects; start += perUnit {
		mustUpdate(tb, db, func(tx bot.Tx) error {
			st, ts := project.From(tx), task.From(tx)
			for n := start; n < min(start+perUnit, nProjects); n++ {
				p := &project.Project{Key: fmt.Sprintf("big-%d", n), Name: "Big", LeadID: owner.ID, CreatorID: owner.ID,
					Status: project.Active, CreatedAt: t0, UpdatedAt: t0}
				if n%10 == 9 {
					p.Status = project.Closed
				}
				if err := st.CreateProject(p); err != nil {
					return err
				}
				if n%100 == 0 {
					if err := st.SetMember(&project.Member{ProjectID: p.ID, PersonID: bob.ID, Role: project.Viewer, AddedAt: t0}); err != nil {
						return err
					}
				}
				var prev int64
				for range itemsEach {
					tk := &task.Task{Title: "work", OwnerID: owner.ID, CreatorID: owner.ID, Priority: task.PriorityNormal,
						Status: task.Todo, CreatedAt: t0, UpdatedAt: t0}
					if err := ts.CreateTask(tk); err != nil {
						return err
					}
					if err := st.AddItem(&project.Item{ProjectID: p.ID, Kind: project.TaskItem, RefID: tk.ID, AddedAt: t0}); err != nil {
						return err
					}
					if prev != 0 {
						if err := ts.AddTaskBlock(prev, tk.ID, t0); err != nil {
							return err
						}
					}
					prev = tk.ID
				}
			}
			return nil
		})
	}
	return bob
}

// Measure one project's reads and the lists among many projects. With
// TANDEM_BIG=1, TestProjects_Big fills 10,000 projects of 100 tasks each
// (1,000,000 items) and prints the figures:
//
//	TANDEM_BIG=1 go test ./storage/sqlite -run TestProjects_Big -v -timeout 60m
func TestProjects_Big(t *testing.T) {
	if os.Getenv("TANDEM_BIG") != "1" {
		t.Skip("set TANDEM_BIG=1 to fill 1,000,000 project items and time the reads")
	}
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "big.db"))
	began := time.Now()
	bob := fillProjects(t, db, 10_000, 100)
	t.Logf("filled 10,000 projects, 1,000,000 items in %v", time.Since(began).Round(time.Second))
	middle := int64(5_002)
	for _, c := range []struct {
		name string
		fn   func(project.Store) (int, error)
	}{
		{"ProjectTasks (100 tasks)", func(st project.Store) (int, error) { ts, err := st.ProjectTasks(middle); return len(ts), err }},
		{"ProjectBlocks (99 blocks)", func(st project.Store) (int, error) { bs, err := st.ProjectBlocks(middle); return len(bs), err }},
		{"CountItems", func(st project.Store) (int, error) { return st.CountItems(middle) }},
		{"FindProjects active, page 50", func(st project.Store) (int, error) {
			ps, err := st.FindProjects(project.Filter{Status: project.Active, Offset: 1000, Limit: 20})
			return len(ps), err
		}},
		{"FindProjects member", func(st project.Store) (int, error) {
			ps, err := st.FindProjects(project.Filter{MemberID: bob.ID, Limit: 50})
			return len(ps), err
		}},
	} {
		const rounds = 200
		var n int
		began := time.Now()
		for range rounds {
			if err := db.View(context.Background(), func(tx bot.Tx) (err error) { n, err = c.fn(project.From(tx)); return err }); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%-30s %4d rows  %v per call", c.name, n, (time.Since(began) / rounds).Round(time.Microsecond))
	}
}

// BenchmarkProjectTasks reads one project's 100 tasks among 200 projects.
//
//	go test ./storage/sqlite -run '^$' -bench BenchmarkProject
func BenchmarkProjectTasks(b *testing.B) {
	db := MustOpenDB(b, filepath.Join(b.TempDir(), "bench.db"))
	fillProjects(b, db, 200, 100)
	for b.Loop() {
		db.View(context.Background(), func(tx bot.Tx) error { _, err := project.From(tx).ProjectTasks(101); return err })
	}
}

// BenchmarkProjectFindActive reads a page of active projects among 200.
func BenchmarkProjectFindActive(b *testing.B) {
	db := MustOpenDB(b, filepath.Join(b.TempDir(), "bench.db"))
	fillProjects(b, db, 200, 1)
	for b.Loop() {
		db.View(context.Background(), func(tx bot.Tx) error {
			_, err := project.From(tx).FindProjects(project.Filter{Status: project.Active, Offset: 100, Limit: 20})
			return err
		})
	}
}
