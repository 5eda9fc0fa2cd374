package sqlite

import (
	"database/sql"
	"slices"
	"time"

	"github.com/tandemhq/tandem/bot/interplay"
)

var _ interplay.Store = (*tx)(nil)

// Departments are the people's departments as they are now (people.dept_id):
// a person who moved counts for their new department, which is what a
// reader of "who works with whom" expects. People without a department,
// and work within one department, are left out.

// The tasks and the tickets of the period are read as one range of their
// covering index each and counted here, by a map of the people's
// departments, rather than by a GROUP BY over the rows joined to people:
// SQLite sorts every joined row in a temporary b-tree for that, which
// measured 15 times slower (1.7 s against 0.11 s for 200,000 tasks on a
// busy machine; TestInterplay_MillionTasks prints the figures at scale).
// The medians need each pair's times anyway.

// interplayPeopleQuery is every person with a department, read from the
// covering people_dept index: as many rows as the organisation has people.
const interplayPeopleQuery = `SELECT id, dept_id FROM people INDEXED BY people_dept WHERE dept_id IS NOT NULL`

// interplayTasksQuery is the creator and owner of each task created in
// [?1, ?2), one range of tasks_created.
const interplayTasksQuery = `SELECT creator_id, owner_id FROM tasks INDEXED BY tasks_created
	WHERE created_at >= ?1 AND created_at < ?2 AND owner_id IS NOT NULL AND owner_id <> creator_id`

// interplayTicketsQuery is the requester, handling department and first
// response times of each ticket opened in [?1, ?2), one range of
// tickets_opened.
const interplayTicketsQuery = `SELECT requester_id, dept_id, acked_at IS NOT NULL, ack_business_ms, ack_wall_ms
	FROM tickets INDEXED BY tickets_opened
	WHERE opened_at >= ?1 AND opened_at < ?2 AND requester_id IS NOT NULL AND dept_id IS NOT NULL`

// interplayMeetingsQuery counts, per unordered pair of departments, the
// meetings held in [?1, ?2) with people of both among the organizer and
// the attendees who did not decline. A one-off is held in the period when
// it starts in it; a series when its first occurrence is before the end
// and it does not end before the start (counted once, however many of its
// occurrences fall in the period).
const interplayMeetingsQuery = `WITH m AS (
		SELECT id, organizer_id FROM meetings INDEXED BY meetings_start
		WHERE status = 'scheduled' AND series = 0 AND start_at >= ?1 AND start_at < ?2
		UNION ALL
		SELECT id, organizer_id FROM meetings INDEXED BY meetings_start
		WHERE status = 'scheduled' AND series = 1 AND start_at < ?2 AND (until_at IS NULL OR until_at >= ?1)
	), d AS (
		SELECT m.id, p.dept_id FROM m JOIN people p ON p.id = m.organizer_id WHERE p.dept_id IS NOT NULL
		UNION
		SELECT m.id, p.dept_id FROM m
		JOIN meeting_attendees a INDEXED BY meeting_attendees_answer ON a.meeting_id = m.id
		JOIN people p ON p.id = a.person_id
		WHERE a.answer <> 'declined' AND p.dept_id IS NOT NULL
	)
	SELECT x.dept_id, y.dept_id, count(*) FROM d x JOIN d y ON y.id = x.id AND x.dept_id < y.dept_id
	GROUP BY x.dept_id, y.dept_id`

// Interplay counts a period's tasks, tickets and meetings across
// departments (interplay.Store).
func (t *tx) Interplay(from, to time.Time) (interplay.Facts, error) {
	var f interplay.Facts
	deptOf := map[int64]int64{}
	err := t.scan(interplayPeopleQuery, nil, func(rows *sql.Rows) error {
		var id, dept int64
		err := rows.Scan(&id, &dept)
		deptOf[id] = dept
		return err
	})
	if err != nil {
		return f, internal(err, "interplay people")
	}
	flows := map[[2]int64]*interplay.Flow{}
	// flow is the flow from department a to department b, or nil when
	// either is none or both are the same.
	flow := func(a, b int64) *interplay.Flow {
		if a == 0 || b == 0 || a == b {
			return nil
		}
		k := [2]int64{a, b}
		if flows[k] == nil {
			flows[k] = &interplay.Flow{From: a, To: b}
		}
		return flows[k]
	}
	period := []any{ms(from), ms(to)}
	err = t.scan(interplayTasksQuery, period, func(rows *sql.Rows) error {
		var creator, owner int64
		if err := rows.Scan(&creator, &owner); err != nil {
			return err
		}
		if fl := flow(deptOf[creator], deptOf[owner]); fl != nil {
			fl.Tasks++
		}
		return nil
	})
	if err != nil {
		return f, internal(err, "interplay tasks")
	}
	business, wall := map[*interplay.Flow][]int64{}, map[*interplay.Flow][]int64{}
	err = t.scan(interplayTicketsQuery, period, func(rows *sql.Rows) error {
		var requester, dept, w int64
		var acked bool
		var b sql.NullInt64
		if err := rows.Scan(&requester, &dept, &acked, &b, &w); err != nil {
			return err
		}
		fl := flow(deptOf[requester], dept)
		if fl == nil {
			return nil
		}
		fl.Tickets++
		if acked {
			fl.Acked++
			wall[fl] = append(wall[fl], w)
			if b.Valid {
				business[fl] = append(business[fl], b.Int64)
			}
		}
		return nil
	})
	if err != nil {
		return f, internal(err, "interplay tickets")
	}
	for fl, ws := range wall {
		fl.AckWall = medianMS(ws)
		if bs := business[fl]; len(bs) > 0 {
			fl.BusinessN, fl.AckBusiness = len(bs), medianMS(bs)
		}
	}
	err = t.scan(interplayMeetingsQuery, period, func(rows *sql.Rows) error {
		var s interplay.Shared
		err := rows.Scan(&s.A, &s.B, &s.Meetings)
		f.Shared = append(f.Shared, s)
		return err
	})
	if err != nil {
		return f, internal(err, "interplay meetings")
	}
	for _, fl := range flows {
		f.Flows = append(f.Flows, *fl)
	}
	return f, nil
}

// medianMS is the median of milliseconds: the middle value, or the mean
// of the two middle ones.
func medianMS(v []int64) time.Duration {
	slices.Sort(v)
	n := len(v)
	return time.Duration(v[(n-1)/2]+v[n/2]) * time.Millisecond / 2
}

// scan runs q and hands each row to row, stopping at its first error.
func (t *tx) scan(q string, args []any, row func(*sql.Rows) error) error {
	rows, err := t.query(q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
