package sqlite

import (
	"database/sql"
	"time"

	"github.com/tandemhq/tandem/bot/interplay"
)

var _ interplay.Store = (*tx)(nil)

// Departments are the people's departments as they are now (people.dept_id):
// a person who moved counts for their new department, which is what a
// reader of "who works with whom" expects. People without a department,
// and work within one department, are left out.

// interplayTasksQuery counts the tasks created in [?1, ?2) by creator's and
// owner's department, one range of tasks_created.
const interplayTasksQuery = `SELECT c.dept_id, o.dept_id, count(*)
	FROM tasks t INDEXED BY tasks_created
	JOIN people c ON c.id = t.creator_id
	JOIN people o ON o.id = t.owner_id
	WHERE t.created_at >= ?1 AND t.created_at < ?2
		AND c.dept_id IS NOT NULL AND o.dept_id IS NOT NULL AND c.dept_id <> o.dept_id
	GROUP BY c.dept_id, o.dept_id`

// interplayTicketsQuery counts the tickets opened in [?1, ?2) by the
// requester's department and the handling one, with the median first
// response of the answered ones (business and wall-clock): the middle value
// of each pair by row_number over the pair's times (the mean of the two
// middle ones for an even count) — windows over the period's tickets only
// (one range of tickets_opened), sorted by SQLite's sorter.
const interplayTicketsQuery = `WITH t AS (
		SELECT r.dept_id AS f, k.dept_id AS h, k.acked_at IS NOT NULL AS acked, k.ack_business_ms AS b, k.ack_wall_ms AS w
		FROM tickets k INDEXED BY tickets_opened
		JOIN people r ON r.id = k.requester_id
		WHERE k.opened_at >= ?1 AND k.opened_at < ?2
			AND r.dept_id IS NOT NULL AND k.dept_id IS NOT NULL AND r.dept_id <> k.dept_id
	), n AS (
		SELECT f, h, count(*) AS tickets, sum(acked) AS acked, sum(acked AND b IS NOT NULL) AS bn FROM t GROUP BY f, h
	), wm AS (
		SELECT f, h, avg(w) AS w FROM (
			SELECT f, h, w, row_number() OVER (PARTITION BY f, h ORDER BY w) AS i, count(*) OVER (PARTITION BY f, h) AS c
			FROM t WHERE acked)
		WHERE i IN ((c + 1) / 2, c / 2 + 1) GROUP BY f, h
	), bm AS (
		SELECT f, h, avg(b) AS b FROM (
			SELECT f, h, b, row_number() OVER (PARTITION BY f, h ORDER BY b) AS i, count(*) OVER (PARTITION BY f, h) AS c
			FROM t WHERE acked AND b IS NOT NULL)
		WHERE i IN ((c + 1) / 2, c / 2 + 1) GROUP BY f, h
	)
	SELECT n.f, n.h, n.tickets, n.acked, n.bn, bm.b, wm.w
	FROM n LEFT JOIN bm ON bm.f = n.f AND bm.h = n.h LEFT JOIN wm ON wm.f = n.f AND wm.h = n.h`

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
	flows := map[[2]int64]*interplay.Flow{}
	flow := func(a, b int64) *interplay.Flow {
		k := [2]int64{a, b}
		if flows[k] == nil {
			flows[k] = &interplay.Flow{From: a, To: b}
		}
		return flows[k]
	}
	rows, err := t.query(interplayTasksQuery, ms(from), ms(to))
	if err != nil {
		return f, internal(err, "interplay tasks")
	}
	for rows.Next() {
		var a, b int64
		var n int
		if err := rows.Scan(&a, &b, &n); err != nil {
			rows.Close()
			return f, internal(err, "interplay tasks")
		}
		flow(a, b).Tasks = n
	}
	if err := closeRows(rows); err != nil {
		return f, internal(err, "interplay tasks")
	}

	if rows, err = t.query(interplayTicketsQuery, ms(from), ms(to)); err != nil {
		return f, internal(err, "interplay tickets")
	}
	for rows.Next() {
		var a, b int64
		var n, acked, bn int
		var business, wall sql.NullFloat64
		if err := rows.Scan(&a, &b, &n, &acked, &bn, &business, &wall); err != nil {
			rows.Close()
			return f, internal(err, "interplay tickets")
		}
		fl := flow(a, b)
		fl.Tickets, fl.Acked, fl.BusinessN = n, acked, bn
		fl.AckBusiness = time.Duration(business.Float64 * float64(time.Millisecond))
		fl.AckWall = time.Duration(wall.Float64 * float64(time.Millisecond))
	}
	if err := closeRows(rows); err != nil {
		return f, internal(err, "interplay tickets")
	}

	if rows, err = t.query(interplayMeetingsQuery, ms(from), ms(to)); err != nil {
		return f, internal(err, "interplay meetings")
	}
	for rows.Next() {
		var s interplay.Shared
		if err := rows.Scan(&s.A, &s.B, &s.Meetings); err != nil {
			rows.Close()
			return f, internal(err, "interplay meetings")
		}
		f.Shared = append(f.Shared, s)
	}
	if err := closeRows(rows); err != nil {
		return f, internal(err, "interplay meetings")
	}
	for _, fl := range flows {
		f.Flows = append(f.Flows, *fl)
	}
	return f, nil
}

// closeRows closes rows and reports the iteration's error or the close's.
func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}
