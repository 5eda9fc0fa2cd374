package postgres_test

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/bot/meeting"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/storage/postgres"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// populated is what populateSQLite wrote, to be read back after the copy.
type populated struct {
	ann, bob bot.Person
	dept     bot.Department
	acct     bot.Account
	tasks    []*task.Task
	tk       *ticket.Ticket
	mt       *meeting.Meeting
	pr       *project.Project
	as       *ask.Ask
	outgoing *bot.Outgoing
	job      *bot.Job
	picture  []byte
}

// populateSQLite writes a little of everything through the real SQLite
// store: people with accounts, a department headed by one of them (people
// and departments refer to each other), tasks, a ticket (with its search
// words), a meeting, a project, an ask, an outgoing message with a picture,
// a job.
func populateSQLite(t *testing.T, path string) populated {
	t.Helper()
	db := sqlite.NewDB(path)
	db.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var w populated
	w.ann, w.bob = bot.Person{Name: "Ann", Handle: "ann", Email: "ann@example.com"}, bot.Person{Name: "Bob", Handle: "bob"}
	w.acct = bot.Account{Platform: "slack", Workspace: "T1", UserID: "U1"}
	w.picture = []byte("\x89PNG not really")
	err := db.Update(t.Context(), func(tx bot.Tx) error {
		if err := errors.Join(tx.CreatePerson(&w.ann, at), tx.CreatePerson(&w.bob, at),
			tx.LinkAccount(w.ann.ID, w.acct, "Ann S", at)); err != nil {
			return err
		}
		w.dept = bot.Department{Name: "Design", HeadID: w.ann.ID}
		if err := tx.CreateDepartment(&w.dept); err != nil {
			return err
		}
		w.ann.DeptID = w.dept.ID
		if err := tx.UpdatePerson(&w.ann); err != nil {
			return err
		}
		for i, title := range []string{"draft the plan", "review the plan", "ship it"} {
			tk := &task.Task{Title: title, OwnerID: w.bob.ID, CreatorID: w.ann.ID, Priority: task.PriorityNormal,
				Status: task.Todo, CreatedAt: at.Add(time.Duration(i) * time.Minute), UpdatedAt: at}
			if err := task.From(tx).CreateTask(tk); err != nil {
				return err
			}
			w.tasks = append(w.tasks, tk)
		}
		w.tk = &ticket.Ticket{Title: "printer jammed", Priority: ticket.P3, Status: ticket.Open, RequesterID: w.bob.ID,
			DeptID: w.dept.ID, Cycle: 1, OpenedAt: at, CreatedAt: at, UpdatedAt: at,
			Origin: bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "C1"}}
		w.mt = &meeting.Meeting{Title: "weekly", Start: at.Add(24 * time.Hour), Duration: time.Hour, TZ: "Asia/Shanghai",
			DeptID: w.dept.ID, OrganizerID: w.ann.ID, Status: meeting.Scheduled, Holiday: meeting.MoveToNextWorkday,
			CreatedAt: at, UpdatedAt: at}
		w.pr = &project.Project{Key: "q3-launch", Name: "Q3 launch", LeadID: w.bob.ID, CreatorID: w.ann.ID,
			DeptIDs: []int64{w.dept.ID}, Start: at, End: at.AddDate(0, 2, 0), Status: project.Active, CreatedAt: at, UpdatedAt: at}
		w.as = &ask.Ask{Kind: ask.Announcement, Title: "new office", AuthorID: w.ann.ID, Status: ask.Open, CreatedAt: at,
			Audience: ask.Audience{DeptIDs: []int64{w.dept.ID}}}
		if err := errors.Join(ticket.From(tx).CreateTicket(w.tk), meeting.From(tx).CreateMeeting(w.mt),
			project.From(tx).CreateProject(w.pr), ask.From(tx).CreateAsk(w.as)); err != nil {
			return err
		}
		w.outgoing = &bot.Outgoing{Key: "copy/1", To: bot.Destination{Platform: "slack", Workspace: "T1", UserID: "U1"},
			Msg: bot.Message{Text: "hello", Image: &bot.Image{PNG: w.picture, Key: "pic-1"}}}
		if _, err := tx.Enqueue(w.outgoing, at); err != nil {
			return err
		}
		w.job = &bot.Job{Kind: "reminder", Payload: []byte(`{"task":1}`), RunAt: at.Add(time.Hour), DedupKey: "remind/1"}
		_, err := tx.ScheduleJob(w.job, at)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestCopyFromSQLite migrates a populated SQLite file into an empty
// PostgreSQL database and reads everything back through the contracts;
// a task created afterwards gets the next id, so the sequences were reset;
// a second copy into the now full database is refused.
func TestCopyFromSQLite(t *testing.T) {
	dsn := freshDSN(t)
	path := filepath.Join(t.TempDir(), "tandem.db")
	w := populateSQLite(t, path)

	pg := postgres.NewDB(dsn)
	pg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := pg.Open(); err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	src, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	counts, err := pg.CopyFromSQLite(t.Context(), src)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int64{}
	for _, c := range counts {
		rows[c.Table] = c.Rows
	}
	for table, want := range map[string]int64{"people": 2, "tasks": 3, "tickets": 1, "tickets_words": 1, "meetings": 1,
		"projects": 1, "asks": 1, "outbox": 1, "jobs": 1, "departments": 1, "accounts": 1} {
		if rows[table] != want {
			t.Errorf("copied %d rows of %s, want %d (all: %v)", rows[table], table, want, rows)
		}
	}

	err = pg.View(t.Context(), func(tx bot.Tx) error {
		p, err := tx.FindPersonByAccount(w.acct)
		if err != nil {
			return err
		}
		if p.ID != w.ann.ID || p.Name != "Ann" || p.Email != "ann@example.com" || p.DeptID != w.dept.ID {
			t.Errorf("ann on postgres = %+v, want %+v", p, w.ann)
		}
		d, err := tx.FindDepartmentByName("design")
		if err != nil {
			return err
		}
		if d.ID != w.dept.ID || d.HeadID != w.ann.ID {
			t.Errorf("department on postgres = %+v, want %+v", d, w.dept)
		}
		for _, want := range w.tasks {
			got, err := task.From(tx).FindTaskByID(want.ID)
			if err != nil {
				return err
			}
			if got.Title != want.Title || got.OwnerID != w.bob.ID || !got.CreatedAt.Equal(want.CreatedAt) {
				t.Errorf("task %d on postgres = %+v, want %+v", want.ID, got, want)
			}
		}
		tk, err := ticket.From(tx).FindTicketByID(w.tk.ID)
		if err != nil {
			return err
		}
		if tk.Title != w.tk.Title || tk.DeptID != w.dept.ID || tk.Origin != w.tk.Origin {
			t.Errorf("ticket on postgres = %+v, want %+v", tk, w.tk)
		}
		mt, err := meeting.From(tx).FindMeetingByID(w.mt.ID)
		if err != nil {
			return err
		}
		if mt.Title != "weekly" || !mt.Start.Equal(w.mt.Start) || mt.OrganizerID != w.ann.ID {
			t.Errorf("meeting on postgres = %+v, want %+v", mt, w.mt)
		}
		pr, err := project.From(tx).FindProjectByID(w.pr.ID)
		if err != nil {
			return err
		}
		if pr.Key != "q3-launch" || pr.LeadID != w.bob.ID || len(pr.DeptIDs) != 1 || pr.DeptIDs[0] != w.dept.ID {
			t.Errorf("project on postgres = %+v, want %+v", pr, w.pr)
		}
		as, err := ask.From(tx).FindAsk(w.as.ID)
		if err != nil {
			return err
		}
		if as.Title != "new office" || len(as.Audience.DeptIDs) != 1 {
			t.Errorf("ask on postgres = %+v, want %+v", as, w.as)
		}
		out, err := tx.FindOutgoing(bot.OutboxQueued, 10)
		if err != nil {
			return err
		}
		if len(out) != 1 || out[0].Key != "copy/1" || out[0].Msg.Text != "hello" {
			t.Fatalf("queued on postgres = %+v, want the one message", out)
		}
		if out[0].Msg.Image == nil {
			t.Fatalf("queued on postgres lost its picture: %+v", out[0].Msg)
		}
		if png, err := tx.MediaPNG(out[0].Msg.Image.SHA256); err != nil || string(png) != string(w.picture) {
			t.Errorf("its picture on postgres = %q, %v; want %q", png, err, w.picture)
		}
		js, err := tx.FindJobs(bot.JobFilter{DedupKey: "remind/1"})
		if err != nil {
			return err
		}
		if len(js) != 1 || js[0].ID != w.job.ID || string(js[0].Payload) != `{"task":1}` || !js[0].RunAt.Equal(w.job.RunAt) {
			t.Errorf("job on postgres = %+v, want %+v", js, w.job)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The sequences continue after the copied ids.
	next := &task.Task{Title: "after the move", OwnerID: w.bob.ID, CreatorID: w.bob.ID, Priority: task.PriorityNormal,
		Status: task.Todo, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := pg.Update(t.Context(), func(tx bot.Tx) error { return task.From(tx).CreateTask(next) }); err != nil {
		t.Fatalf("a new task on postgres after the copy: %v", err)
	}
	if last := w.tasks[len(w.tasks)-1].ID; next.ID != last+1 {
		t.Errorf("new task got id %d, want %d (after the copied ones)", next.ID, last+1)
	}

	if _, err := pg.CopyFromSQLite(t.Context(), src); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("a second copy into the full database: %v, want refused as not empty", err)
	}
}

// Ensure OutboxQueues reads the queued messages per platform on
// PostgreSQL, for /metrics, with the oldest one's time.
func TestOutboxQueues(t *testing.T) {
	db := postgres.NewDB(emptiedDatabase(t))
	db.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.UnixMilli(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).UnixMilli())
	err := db.Update(t.Context(), func(tx bot.Tx) error {
		for i, platform := range []string{"slack", "slack", "feishu"} {
			o := &bot.Outgoing{Key: "q/" + string(rune('a'+i)), To: bot.Destination{Platform: platform, Workspace: "W", ChatID: "C"},
				Msg: bot.Message{Text: "hi"}}
			if _, err := tx.Enqueue(o, at.Add(time.Duration(i)*time.Minute)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	qs, err := db.OutboxQueues(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 2 || qs[0].Platform != "feishu" || qs[0].Depth != 1 || qs[1].Platform != "slack" || qs[1].Depth != 2 ||
		!qs[1].Oldest.Equal(at) || !qs[0].Oldest.Equal(at.Add(2*time.Minute)) {
		t.Errorf("OutboxQueues = %+v, want feishu 1 (at +2m) and slack 2 (at %v)", qs, at)
	}
}

// BenchmarkCopyFromSQLite copies a SQLite file of 20,000 tasks and 20,000
// sent messages into a new PostgreSQL database per iteration, and reports
// rows per second (the foreign keys' deferred checks included).
//
//	TANDEM_TEST_PG_DSN=… go test ./storage/postgres -run '^$' -bench CopyFromSQLite -benchtime 3x
func BenchmarkCopyFromSQLite(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.db")
	lite := sqlite.NewDB(path)
	lite.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := lite.Open(); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var owner bot.Person
	owner.Name, owner.Handle = "Ann", "ann"
	if err := lite.Update(b.Context(), func(tx bot.Tx) error { return tx.CreatePerson(&owner, at) }); err != nil {
		b.Fatal(err)
	}
	const n, perUnit = 20000, 500
	for i := 0; i < n; i += perUnit {
		err := lite.Update(b.Context(), func(tx bot.Tx) error {
			for j := i; j < i+perUnit; j++ {
				tk := &task.Task{Title: fmt.Sprint("task ", j), OwnerID: owner.ID, CreatorID: owner.ID, Priority: task.PriorityNormal,
					Status: task.Todo, CreatedAt: at, UpdatedAt: at}
				if err := task.From(tx).CreateTask(tk); err != nil {
					return err
				}
				o := &bot.Outgoing{Key: fmt.Sprint("bench/", j), To: bot.Destination{Platform: "slack", Workspace: "T1", UserID: "U1"},
					Msg: bot.Message{Text: fmt.Sprint("message ", j)}}
				if _, err := tx.Enqueue(o, at); err != nil {
					return err
				}
				if err := tx.MarkSent(o.ID, fmt.Sprint("r", j), at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	lite.Close()
	src, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	var rows int64
	for b.Loop() {
		b.StopTimer()
		pg := postgres.NewDB(freshDSN(b))
		pg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
		if err := pg.Open(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		counts, err := pg.CopyFromSQLite(b.Context(), src)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		pg.Close()
		rows = 0
		for _, c := range counts {
			rows += c.Rows
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(rows), "rows")
}
