package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/interplay"
)

// activity is a generated world: people in departments (index 0 has
// none), and what the matrix of [from, to) must say about it, worked out
// here the plain way.
type activity struct {
	from, to time.Time
	deptOf   map[int64]int64 // person → department (0: none)
	tasks    map[[2]int64]int
	tickets  map[[2]int64]int
	acksW    map[[2]int64][]int64
	acksB    map[[2]int64][]int64
	meetings map[[2]int64]int
}

// generateMonth fills db with November 2026 of activity across three
// departments, with work just outside the month, within one department,
// by people without a department, declined invitations, cancelled
// meetings and series, and returns what the matrix must count.
func generateMonth(t *testing.T, db *DB, seed uint64) *activity {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	a := &activity{
		from: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), to: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		deptOf: map[int64]int64{}, tasks: map[[2]int64]int{}, tickets: map[[2]int64]int{},
		acksW: map[[2]int64][]int64{}, acksB: map[[2]int64][]int64{}, meetings: map[[2]int64]int{},
	}
	in := func(at time.Time) bool { return !at.Before(a.from) && at.Before(a.to) }
	// Instants from a week before the month to a week after.
	when := func() time.Time {
		return a.from.Add(-7 * 24 * time.Hour).Add(time.Duration(rng.Int64N(int64(44 * 24 * time.Hour))))
	}
	err := db.Update(context.Background(), func(btx bot.Tx) error {
		x := btx.(*tx)
		var depts []int64
		for _, name := range []string{"销售", "Support", "研发"} {
			d := &bot.Department{Name: name}
			if err := btx.CreateDepartment(d); err != nil {
				return err
			}
			depts = append(depts, d.ID)
		}
		var people []int64
		for i := range 13 {
			dept := any(nil)
			if i > 0 {
				dept = depts[i%3]
				a.deptOf[int64(i+1)] = depts[i%3]
			}
			if _, err := x.exec(`INSERT INTO people (id, name, handle, dept_id, created_at) VALUES (?, ?, ?, ?, 0)`,
				i+1, fmt.Sprint("P", i), fmt.Sprint("p", i), dept); err != nil {
				return err
			}
			people = append(people, int64(i+1))
		}
		pick := func() int64 { return people[rng.IntN(len(people))] }
		pair := func(p, q int64) ([2]int64, bool) {
			dp, dq := a.deptOf[p], a.deptOf[q]
			return [2]int64{dp, dq}, dp != 0 && dq != 0 && dp != dq
		}
		for range 400 {
			c, o, at := pick(), pick(), when()
			if _, err := x.exec(`INSERT INTO tasks (title, owner_id, creator_id, priority, status, created_at, updated_at)
				VALUES ('t', ?, ?, 2, 'todo', ?, ?)`, o, c, at.UnixMilli(), at.UnixMilli()); err != nil {
				return err
			}
			if k, ok := pair(c, o); ok && in(at) {
				a.tasks[k]++
			}
		}
		for range 300 {
			r, h, at := pick(), depts[rng.IntN(3)], when()
			var acked, business any
			wall := int64(0)
			if rng.IntN(4) > 0 {
				wall = rng.Int64N(int64(30 * time.Hour / time.Millisecond))
				acked = at.UnixMilli() + wall
				if rng.IntN(5) > 0 {
					business = wall / 3
				}
			}
			if _, err := x.exec(`INSERT INTO tickets (title, priority, status, dept_id, requester_id, opened_at, acked_at,
				ack_wall_ms, ack_business_ms, created_at, updated_at) VALUES ('k', 2, 'open', ?, ?, ?, ?, ?, ?, ?, ?)`,
				h, r, at.UnixMilli(), acked, wall, business, at.UnixMilli(), at.UnixMilli()); err != nil {
				return err
			}
			dr := a.deptOf[r]
			if k := [2]int64{dr, h}; dr != 0 && dr != h && in(at) {
				a.tickets[k]++
				if acked != nil {
					a.acksW[k] = append(a.acksW[k], wall)
					if business != nil {
						a.acksB[k] = append(a.acksB[k], business.(int64))
					}
				}
			}
		}
		for i := range 120 {
			at, series := when(), rng.IntN(6) == 0
			var until any
			if series && rng.IntN(2) == 0 {
				until = at.Add(time.Duration(rng.IntN(20)) * 24 * time.Hour).UnixMilli()
			}
			status := "scheduled"
			if rng.IntN(10) == 0 {
				status = "cancelled"
			}
			organizer := pick()
			res, err := x.exec(`INSERT INTO meetings (title, start_at, duration_ms, until_at, organizer_id, rule, series, status, created_at, updated_at)
				VALUES ('m', ?, 3600000, ?, ?, ?, ?, ?, 0, 0)`, at.UnixMilli(), until, organizer, map[bool]string{true: "weekly"}[series], series, status)
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			present := map[int64]bool{}
			if d := a.deptOf[organizer]; d != 0 {
				present[d] = true
			}
			invited := map[int64]bool{organizer: true}
			for range rng.IntN(4) {
				p := pick()
				if invited[p] {
					continue
				}
				invited[p] = true
				answer := []string{"pending", "accepted", "declined"}[rng.IntN(3)]
				if _, err := x.exec(`INSERT INTO meeting_attendees (meeting_id, person_id, answer, status, series, start_at) VALUES (?, ?, ?, ?, ?, ?)`,
					id, p, answer, status, series, at.UnixMilli()); err != nil {
					return err
				}
				if d := a.deptOf[p]; d != 0 && answer != "declined" {
					present[d] = true
				}
			}
			held := in(at)
			if series {
				held = at.Before(a.to) && (until == nil || until.(int64) >= a.from.UnixMilli())
			}
			if !held || status == "cancelled" {
				continue
			}
			_ = i
			for p := range present {
				for q := range present {
					if p < q {
						a.meetings[[2]int64{p, q}]++
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// median is the middle value (the mean of the two middle ones), as the
// store computes it.
func median(v []int64) time.Duration {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	return time.Duration(float64(s[(n-1)/2]+s[n/2]) / 2 * float64(time.Millisecond))
}

// TestInterplay_CountsAGeneratedMonthExactly checks every figure of the
// store's answer against the generated month, for several seeds.
func TestInterplay_CountsAGeneratedMonthExactly(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			db := openTestDB(t)
			a := generateMonth(t, db, seed)
			var f interplay.Facts
			if err := db.View(context.Background(), func(tx bot.Tx) (err error) {
				f, err = interplay.From(tx).Interplay(a.from, a.to)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			gotFlows := map[[2]int64]interplay.Flow{}
			for _, fl := range f.Flows {
				gotFlows[[2]int64{fl.From, fl.To}] = fl
			}
			keys := map[[2]int64]bool{}
			for k := range a.tasks {
				keys[k] = true
			}
			for k := range a.tickets {
				keys[k] = true
			}
			if len(gotFlows) != len(keys) {
				t.Errorf("%d flows, want %d", len(gotFlows), len(keys))
			}
			acked := 0
			for k := range keys {
				g := gotFlows[k]
				want := interplay.Flow{From: k[0], To: k[1], Tasks: a.tasks[k], Tickets: a.tickets[k],
					Acked: len(a.acksW[k]), BusinessN: len(a.acksB[k])}
				if len(a.acksW[k]) > 0 {
					want.AckWall = median(a.acksW[k])
					acked++
				}
				if len(a.acksB[k]) > 0 {
					want.AckBusiness = median(a.acksB[k])
				}
				if g != want {
					t.Errorf("flow %v = %+v, want %+v", k, g, want)
				}
			}
			if acked == 0 || len(a.meetings) == 0 {
				t.Fatal("the generated month has no answered tickets or shared meetings: the test proves little")
			}
			gotShared := map[[2]int64]int{}
			for _, s := range f.Shared {
				gotShared[[2]int64{s.A, s.B}] = s.Meetings
			}
			if fmt.Sprint(gotShared) != fmt.Sprint(a.meetings) {
				t.Errorf("shared meetings = %v, want %v", gotShared, a.meetings)
			}
		})
	}
}

// TestInterplay_EmptyPeriod: a period before anything happened (series
// without an end go on forever, so not one after) gives no facts.
func TestInterplay_EmptyPeriod(t *testing.T) {
	db := openTestDB(t)
	generateMonth(t, db, 1)
	err := db.View(context.Background(), func(tx bot.Tx) error {
		f, err := interplay.From(tx).Interplay(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC))
		if err == nil && (len(f.Flows) > 0 || len(f.Shared) > 0) {
			t.Errorf("facts of an empty period: %+v", f)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestInterplayQueries_ReadThePeriodFromIndexes: each query reads a range
// of its index by the period, never a scan of its table, and the tasks'
// and tickets' indexes cover their queries.
func TestInterplayQueries_ReadThePeriodFromIndexes(t *testing.T) {
	db := openTestDB(t)
	args := []any{int64(1), int64(2)}
	for _, c := range []struct {
		name, q string
		want    []string
	}{
		{"people", interplayPeopleQuery, []string{"SEARCH people USING COVERING INDEX people_dept (dept_id>?)"}},
		{"tasks", interplayTasksQuery, []string{"SEARCH tasks USING COVERING INDEX tasks_created (created_at>? AND created_at<?)"}},
		{"tickets", interplayTicketsQuery, []string{"SEARCH tickets USING COVERING INDEX tickets_opened (opened_at>? AND opened_at<?)"}},
		{"meetings", interplayMeetingsQuery, []string{"USING COVERING INDEX meetings_start (status=? AND series=? AND start_at>? AND start_at<?)",
			"USING COVERING INDEX meeting_attendees_answer (meeting_id=?)"}},
	} {
		plan := queryPlan(t, db, c.q, args)
		for _, w := range c.want {
			if !strings.Contains(plan, w) {
				t.Errorf("%s: plan %q lacks %q", c.name, plan, w)
			}
		}
		if strings.Contains(plan, "SCAN t ") || strings.Contains(plan, "SCAN k ") || strings.Contains(plan, "SCAN meetings") ||
			strings.Contains(plan, "SCAN tasks") || strings.Contains(plan, "SCAN tickets") {
			t.Errorf("%s: plan scans a table: %q", c.name, plan)
		}
	}
}

// TestInterplay_MillionTasks times the matrix's reads over a month of a
// million tasks (and 100,000 tickets) among 2,000 people in 20
// departments. Minutes to build, so only with TANDEM_BIG=1:
//
//	TANDEM_BIG=1 go test ./storage/sqlite -run TestInterplay_MillionTasks -v
func TestInterplay_MillionTasks(t *testing.T) {
	if os.Getenv("TANDEM_BIG") != "1" {
		t.Skip("set TANDEM_BIG=1 to time the matrix over a million tasks")
	}
	db := openTestDB(t)
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	const people, depts, tasks, tickets = 2000, 20, 1_000_000, 100_000
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(n int, stmt string, row func(i int) []any) {
		for start := 0; start < n; start += 20_000 {
			if err := db.Update(context.Background(), func(btx bot.Tx) error {
				for i := start; i < min(n, start+20_000); i++ {
					if _, err := btx.(*tx).exec(stmt, row(i)...); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	fill(depts, `INSERT INTO departments (id, name, name_key) VALUES (?, ?, ?)`, func(i int) []any {
		return []any{i + 1, fmt.Sprint("D", i), fmt.Sprint("d", i)}
	})
	fill(people, `INSERT INTO people (id, name, handle, dept_id, created_at) VALUES (?, ?, ?, ?, 0)`, func(i int) []any {
		return []any{i + 1, fmt.Sprint("P", i), fmt.Sprint("p", i), i%depts + 1}
	})
	// Two months of tasks: the matrix reads one.
	at := func() int64 { return from.Add(-30*24*time.Hour).UnixMilli() + rng.Int64N(60*24*3600*1000) }
	fill(2*tasks, `INSERT INTO tasks (title, owner_id, creator_id, priority, status, created_at, updated_at) VALUES ('t', ?, ?, 2, 'todo', ?, 0)`,
		func(int) []any { return []any{rng.IntN(people) + 1, rng.IntN(people) + 1, at()} })
	fill(2*tickets, `INSERT INTO tickets (title, priority, status, dept_id, requester_id, opened_at, acked_at, ack_wall_ms, ack_business_ms, created_at, updated_at)
		VALUES ('k', 2, 'open', ?, ?, ?, 1, ?, ?, 0, 0)`,
		func(int) []any {
			w := rng.Int64N(3600_000 * 30)
			return []any{rng.IntN(depts) + 1, rng.IntN(people) + 1, at(), w, w / 3}
		})
	for range 3 {
		t0 := time.Now()
		var f interplay.Facts
		if err := db.View(context.Background(), func(tx bot.Tx) (err error) {
			f, err = interplay.From(tx).Interplay(from, from.AddDate(0, 1, 0))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, fl := range f.Flows {
			n += fl.Tasks
		}
		t.Logf("Interplay over a month (%d cross-department tasks of ~%d in it, %d flows): %v", n, tasks, len(f.Flows), time.Since(t0))
	}
}
