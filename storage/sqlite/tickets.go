package sqlite

import (
	"database/sql"
	"encoding/json"
	"strings"
	"time"
	"unicode"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
)

// The unit implements the ticket feature's store contract (ticket.From).
var _ ticket.Store = (*tx)(nil)

const ticketColumns = `tickets.id, tickets.title, tickets.category, tickets.priority, tickets.impact, tickets.need,
	tickets.status, tickets.dept_id, tickets.owner_id, tickets.requester_id, tickets.origin, tickets.policy,
	tickets.cycle, tickets.response_breached, tickets.resolution_breached, tickets.war_room, tickets.opened_at,
	tickets.acked_at, tickets.resolved_at, tickets.closed_at, tickets.created_at, tickets.updated_at,
	tickets.last_rung_step, tickets.last_rung_round, tickets.last_rung_cycle,
	tickets.ack_wall_ms, tickets.ack_business_ms, tickets.resolve_wall_ms, tickets.resolve_business_ms`

func scanTicket(scan func(...any) error) (*ticket.Ticket, error) {
	tk := &ticket.Ticket{}
	var dept, owner, requester, opened, acked, resolved, closed, created, updated sql.NullInt64
	var ackWall, resolveWall int64
	var ackBusiness, resolveBusiness sql.NullInt64
	var status, origin, policy, warRoom string
	if err := scan(&tk.ID, &tk.Title, &tk.Category, &tk.Priority, &tk.Impact, &tk.Need,
		&status, &dept, &owner, &requester, &origin, &policy,
		&tk.Cycle, &tk.ResponseBreached, &tk.ResolutionBreached, &warRoom, &opened,
		&acked, &resolved, &closed, &created, &updated,
		&tk.LastRung.Step, &tk.LastRung.Round, &tk.LastRungCycle,
		&ackWall, &ackBusiness, &resolveWall, &resolveBusiness); err != nil {
		return nil, err
	}
	tk.AckWall, tk.ResolveWall = time.Duration(ackWall)*time.Millisecond, time.Duration(resolveWall)*time.Millisecond
	tk.AckBusiness, tk.ResolveBusiness = businessFromMS(ackBusiness), businessFromMS(resolveBusiness)
	tk.Status, tk.DeptID, tk.OwnerID, tk.RequesterID = ticket.Status(status), dept.Int64, owner.Int64, requester.Int64
	if err := json.Unmarshal([]byte(origin), &tk.Origin); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(policy), &tk.Policy); err != nil {
		return nil, err
	}
	if warRoom != "" {
		if err := json.Unmarshal([]byte(warRoom), &tk.WarRoom); err != nil {
			return nil, err
		}
	}
	tk.OpenedAt, tk.AckedAt, tk.ResolvedAt, tk.ClosedAt = fromMS(opened), fromMS(acked), fromMS(resolved), fromMS(closed)
	tk.CreatedAt, tk.UpdatedAt = fromMS(created), fromMS(updated)
	return tk, nil
}

// businessFromMS and businessMS keep a business time that was not counted
// (ticket.NotCounted) as NULL, which the stats' sums and counts skip.
func businessFromMS(v sql.NullInt64) time.Duration {
	if !v.Valid {
		return ticket.NotCounted
	}
	return time.Duration(v.Int64) * time.Millisecond
}

func businessMS(d time.Duration) any {
	if d < 0 {
		return nil
	}
	return d.Milliseconds()
}

// ticketJSON is what a ticket keeps as JSON: its origin, its policy
// snapshot, and its war room ("" when it has none).
func ticketJSON(tk *ticket.Ticket) (origin, policy, warRoom string, err error) {
	o, err := json.Marshal(tk.Origin)
	if err != nil {
		return "", "", "", err
	}
	p, err := json.Marshal(tk.Policy)
	if err != nil {
		return "", "", "", err
	}
	if tk.WarRoom != (bot.Destination{}) {
		w, err := json.Marshal(tk.WarRoom)
		if err != nil {
			return "", "", "", err
		}
		warRoom = string(w)
	}
	return string(o), string(p), warRoom, nil
}

// CreateTicket implements ticket.Store.
func (t *tx) CreateTicket(tk *ticket.Ticket) error {
	origin, policy, warRoom, err := ticketJSON(tk)
	if err != nil {
		return internal(err, "create ticket")
	}
	res, err := t.exec(`INSERT INTO tickets (title, category, priority, impact, need, status, dept_id, owner_id,
		requester_id, origin, policy, cycle, response_breached, resolution_breached, war_room, opened_at, acked_at,
		resolved_at, closed_at, created_at, updated_at, last_rung_step, last_rung_round, last_rung_cycle,
		ack_wall_ms, ack_business_ms, resolve_wall_ms, resolve_business_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tk.Title, tk.Category, int(tk.Priority), tk.Impact, tk.Need, string(tk.Status), nullID(tk.DeptID), nullID(tk.OwnerID),
		nullID(tk.RequesterID), origin, policy, tk.Cycle, tk.ResponseBreached, tk.ResolutionBreached, warRoom,
		tk.OpenedAt.UnixMilli(), ms(tk.AckedAt), ms(tk.ResolvedAt), ms(tk.ClosedAt), tk.CreatedAt.UnixMilli(), tk.UpdatedAt.UnixMilli(),
		tk.LastRung.Step, tk.LastRung.Round, tk.LastRungCycle,
		tk.AckWall.Milliseconds(), businessMS(tk.AckBusiness), tk.ResolveWall.Milliseconds(), businessMS(tk.ResolveBusiness))
	id, err := insertedID(res, err)
	if err != nil {
		return ticketRefs(err, "create ticket")
	}
	if _, err := t.exec(`INSERT INTO tickets_words (rowid, words) VALUES (?, ?)`, id, titleWords(tk.Title)); err != nil {
		return internal(err, "index ticket title")
	}
	tk.ID = id
	return nil
}

// FindTicketByID implements ticket.Store.
func (t *tx) FindTicketByID(id int64) (*ticket.Ticket, error) {
	rows, err := t.query(`SELECT `+ticketColumns+` FROM tickets WHERE id = ?`, id)
	if err != nil {
		return nil, internal(err, "find ticket")
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, internal(err, "find ticket")
		}
		return nil, noTicket(id)
	}
	tk, err := scanTicket(rows.Scan)
	return tk, internal(err, "scan ticket")
}

func noTicket(id int64) error {
	return bot.Errorf(bot.ENOTFOUND, "There is no ticket T-%d.", "没有工单 T-%d。", id)
}

// UpdateTicket implements ticket.Store: everything but the id and the
// creation time. The title's words are written again only when it changed.
func (t *tx) UpdateTicket(tk *ticket.Ticket) error {
	origin, policy, warRoom, err := ticketJSON(tk)
	if err != nil {
		return internal(err, "update ticket")
	}
	res, err := t.exec(`UPDATE tickets SET title = ?, category = ?, priority = ?, impact = ?, need = ?, status = ?,
		dept_id = ?, owner_id = ?, requester_id = ?, origin = ?, policy = ?, cycle = ?, response_breached = ?,
		resolution_breached = ?, war_room = ?, opened_at = ?, acked_at = ?, resolved_at = ?, closed_at = ?, updated_at = ?,
		last_rung_step = ?, last_rung_round = ?, last_rung_cycle = ?,
		ack_wall_ms = ?, ack_business_ms = ?, resolve_wall_ms = ?, resolve_business_ms = ?
		WHERE id = ?`,
		tk.Title, tk.Category, int(tk.Priority), tk.Impact, tk.Need, string(tk.Status),
		nullID(tk.DeptID), nullID(tk.OwnerID), nullID(tk.RequesterID), origin, policy, tk.Cycle, tk.ResponseBreached,
		tk.ResolutionBreached, warRoom, tk.OpenedAt.UnixMilli(), ms(tk.AckedAt), ms(tk.ResolvedAt), ms(tk.ClosedAt),
		tk.UpdatedAt.UnixMilli(), tk.LastRung.Step, tk.LastRung.Round, tk.LastRungCycle,
		tk.AckWall.Milliseconds(), businessMS(tk.AckBusiness), tk.ResolveWall.Milliseconds(), businessMS(tk.ResolveBusiness), tk.ID)
	if err != nil {
		return ticketRefs(err, "update ticket")
	}
	if n, err := res.RowsAffected(); err != nil {
		return internal(err, "update ticket")
	} else if n == 0 {
		return noTicket(tk.ID)
	}
	_, err = t.exec(`UPDATE tickets_words SET words = ?1 WHERE rowid = ?2 AND words IS NOT ?1`, titleWords(tk.Title), tk.ID)
	return internal(err, "index ticket title")
}

// FindTickets implements ticket.Store.
func (t *tx) FindTickets(f ticket.Filter) ([]*ticket.Ticket, error) {
	q, args, ok := findTicketsQuery(f)
	if !ok {
		return nil, nil
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, internal(err, "find tickets")
	}
	defer rows.Close()
	var out []*ticket.Ticket
	for rows.Next() {
		tk, err := scanTicket(rows.Scan)
		if err != nil {
			return nil, internal(err, "scan ticket")
		}
		out = append(out, tk)
	}
	return out, internal(rows.Err(), "find tickets")
}

// Conditions of the partial ticket indexes (0080_tickets.sql), written into
// queries literally: SQLite uses a partial index only for a query whose
// WHERE contains its condition (a bound parameter does not imply it).
const (
	activeTicket   = "tickets.status NOT IN ('resolved', 'closed')"
	finishedTicket = "tickets.status IN ('resolved', 'closed')"
	breachedTicket = "(tickets.response_breached = 1 OR tickets.resolution_breached = 1)"
	// finishedAt is the archive's order: when closed, or resolved while
	// only resolved (the expression the closed indexes are keyed by).
	finishedAt = "coalesce(tickets.closed_at, tickets.resolved_at)"
)

// findTicketsQuery builds FindTickets' query so that it is answered from an
// index in the order it is shown (query_internal_test.go checks the plans):
//
//   - active tickets, most urgent first (priority, opened, id), from
//     tickets_active or the owner's, requester's, department's, category's
//     or breached ones' index;
//   - resolved and closed tickets, most recently finished first, from
//     tickets_closed and its like;
//   - a search by title words from the full-text index tickets_words,
//     newest first (its rowid order), the other conditions checked on each
//     match.
//
// ok is false when the search text has no word to look for: nothing matches.
func findTicketsQuery(f ticket.Filter) (q string, args []any, ok bool) {
	var where []string
	if f.OwnerID != 0 {
		where, args = append(where, "tickets.owner_id = ?"), append(args, f.OwnerID)
	}
	if f.RequesterID != 0 {
		where, args = append(where, "tickets.requester_id = ?"), append(args, f.RequesterID)
	}
	if f.DeptID != 0 {
		where, args = append(where, "tickets.dept_id = ?"), append(args, f.DeptID)
	}
	if f.Category != "" {
		where, args = append(where, "tickets.category = ?"), append(args, f.Category)
	}
	if f.Active {
		where = append(where, activeTicket)
	} else {
		where = append(where, finishedTicket)
	}
	if f.Breached {
		where = append(where, breachedTicket)
	}
	from := "tickets"
	order := " ORDER BY tickets.priority, tickets.opened_at, tickets.id"
	if !f.Active {
		order = " ORDER BY " + finishedAt + " DESC, tickets.id DESC"
	}
	if strings.TrimSpace(f.Text) != "" {
		match := wordsMatch(f.Text)
		if match == "" {
			return "", nil, false
		}
		from = "tickets_words JOIN tickets ON tickets.id = tickets_words.rowid"
		where = append([]string{"tickets_words MATCH ?"}, where...)
		args = append([]any{match}, args...)
		order = " ORDER BY tickets_words.rowid DESC"
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q = `SELECT ` + ticketColumns + ` FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") + order + ` LIMIT ? OFFSET ?`
	return q, append(args, limit, max(f.Offset, 0)), true
}

// titleWords spells a title for the full-text index: its Latin words and
// numbers lowercased, and each run of Chinese characters as its single
// characters and its overlapping pairs, all separated by spaces. Written by
// hand because neither of FTS5's tokenizers finds a two-character Chinese
// word inside an unspaced title (see 0080_tickets.sql); the pairs make
// "标签" a token of "批次标签脱落".
func titleWords(title string) string {
	var words []string
	for _, w := range splitWords(title) {
		if !w.han {
			words = append(words, w.text)
			continue
		}
		rs := []rune(w.text)
		for _, r := range rs {
			words = append(words, string(r))
		}
		for i := 0; i+1 < len(rs); i++ {
			words = append(words, string(rs[i:i+2]))
		}
	}
	return strings.Join(words, " ")
}

// wordsMatch is the FTS5 query for a search text: every word must match, a
// Latin word as the start of a title word ("label" finds "labels"), a
// Chinese run by each of its pairs (or its one character). Each token is
// quoted, so nothing in the text is read as FTS5 syntax. "" when the text
// has no word.
func wordsMatch(text string) string {
	var terms []string
	quote := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	for _, w := range splitWords(text) {
		if !w.han {
			terms = append(terms, quote(w.text)+"*")
			continue
		}
		rs := []rune(w.text)
		if len(rs) == 1 {
			terms = append(terms, quote(w.text))
		}
		for i := 0; i+1 < len(rs); i++ {
			terms = append(terms, quote(string(rs[i:i+2])))
		}
	}
	return strings.Join(terms, " ")
}

type word struct {
	text string
	han  bool
}

// splitWords cuts s into runs of Chinese characters and runs of other
// letters and digits (lowercased); everything else separates them.
func splitWords(s string) []word {
	var out []word
	var cur []rune
	curHan := false
	flush := func() {
		if len(cur) > 0 {
			out = append(out, word{strings.ToLower(string(cur)), curHan})
		}
		cur = cur[:0]
	}
	for _, r := range s {
		han := unicode.Is(unicode.Han, r)
		switch {
		case han || unicode.IsLetter(r) || unicode.IsDigit(r):
			if len(cur) > 0 && han != curHan {
				flush()
			}
			cur, curHan = append(cur, r), han
		default:
			flush()
		}
	}
	flush()
	return out
}

// AddTicketEvent implements ticket.Store; an event of a ticket or actor
// that does not exist is ENOTFOUND.
func (t *tx) AddTicketEvent(e *ticket.Event) error {
	res, err := t.exec(`INSERT INTO ticket_events (ticket_id, actor_id, kind, from_value, to_value, at) VALUES (?, ?, ?, ?, ?, ?)`,
		e.TicketID, nullID(e.ActorID), string(e.Kind), e.From, e.To, e.At.UnixMilli())
	id, err := insertedID(res, err)
	if err != nil {
		return ticketRefs(err, "add ticket event")
	}
	e.ID = id
	return nil
}

// TicketEvents implements ticket.Store; limit <= 0 returns the whole
// timeline.
func (t *tx) TicketEvents(ticketID int64, limit int) ([]*ticket.Event, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := t.query(`SELECT id, ticket_id, actor_id, kind, from_value, to_value, at FROM ticket_events
		WHERE ticket_id = ? ORDER BY id LIMIT ?`, ticketID, limit)
	if err != nil {
		return nil, internal(err, "list ticket events")
	}
	defer rows.Close()
	var out []*ticket.Event
	for rows.Next() {
		e := &ticket.Event{}
		var actor, at sql.NullInt64
		var kind string
		if err := rows.Scan(&e.ID, &e.TicketID, &actor, &kind, &e.From, &e.To, &at); err != nil {
			return nil, internal(err, "scan ticket event")
		}
		e.ActorID, e.Kind, e.At = actor.Int64, ticket.EventKind(kind), fromMS(at)
		out = append(out, e)
	}
	return out, internal(rows.Err(), "list ticket events")
}

// AddClockEvent implements ticket.Store.
func (t *tx) AddClockEvent(e *ticket.ClockEvent) error {
	_, err := t.exec(`INSERT INTO ticket_clock (ticket_id, cycle, kind, at) VALUES (?, ?, ?, ?)`,
		e.TicketID, e.Cycle, string(e.Kind), e.At.UnixMilli())
	return ticketRefs(err, "add clock event")
}

// ClockEvents implements ticket.Store: by time, and in the order they were
// added at one time.
func (t *tx) ClockEvents(ticketID int64, cycle int) ([]*ticket.ClockEvent, error) {
	rows, err := t.query(`SELECT ticket_id, cycle, kind, at FROM ticket_clock WHERE ticket_id = ? AND cycle = ? ORDER BY at, id`,
		ticketID, cycle)
	if err != nil {
		return nil, internal(err, "list clock events")
	}
	defer rows.Close()
	var out []*ticket.ClockEvent
	for rows.Next() {
		e := &ticket.ClockEvent{}
		var at sql.NullInt64
		var kind string
		if err := rows.Scan(&e.TicketID, &e.Cycle, &kind, &at); err != nil {
			return nil, internal(err, "scan clock event")
		}
		e.Kind, e.At = ticket.ClockKind(kind), fromMS(at)
		out = append(out, e)
	}
	return out, internal(rows.Err(), "list clock events")
}

// LinkTicketTask implements ticket.Store: linking a task twice is
// ECONFLICT, linking a ticket or task that does not exist ENOTFOUND.
func (t *tx) LinkTicketTask(ticketID, taskID int64) error {
	_, err := t.exec(`INSERT INTO ticket_tasks (ticket_id, task_id) VALUES (?, ?)`, ticketID, taskID)
	return ticketRefs(err, "link ticket task")
}

// TicketTasks implements ticket.Store: oldest task (lowest id) first.
func (t *tx) TicketTasks(ticketID int64) ([]int64, error) {
	rows, err := t.query(`SELECT task_id FROM ticket_tasks WHERE ticket_id = ? ORDER BY task_id`, ticketID)
	if err != nil {
		return nil, internal(err, "list ticket tasks")
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, internal(err, "scan ticket task")
		}
		out = append(out, id)
	}
	return out, internal(rows.Err(), "list ticket tasks")
}

// ticketStatsQueries are TicketStats' two reads, each answered from an
// index alone (0115_ticket_stats.sql; tickets_internal_test.go checks the
// plans): the department's active tickets, and the breached ones among
// them, from tickets_dept_open, and the window's resolved ones as one range
// of tickets_dept_resolved, which carries every column summed.
var ticketStatsQueries = [2]string{
	`SELECT count(*), coalesce(sum(` + breachedTicket + `), 0) FROM tickets WHERE tickets.dept_id = ? AND ` + activeTicket,
	`SELECT count(*), coalesce(sum(response_breached = 0), 0), coalesce(sum(resolution_breached = 0), 0),
		count(acked_at), coalesce(sum(CASE WHEN acked_at IS NOT NULL THEN ack_wall_ms END), 0),
		coalesce(sum(CASE WHEN acked_at IS NOT NULL THEN ack_business_ms END), 0),
		count(CASE WHEN acked_at IS NOT NULL THEN ack_business_ms END),
		coalesce(sum(resolve_wall_ms), 0), coalesce(sum(resolve_business_ms), 0), count(resolve_business_ms)
	FROM tickets WHERE tickets.dept_id = ? AND ` + finishedTicket + ` AND tickets.resolved_at >= ? AND tickets.resolved_at < ?`,
}

// TicketStats implements ticket.Store.
func (t *tx) TicketStats(deptID int64, since, until time.Time) (ticket.Stats, error) {
	var s ticket.Stats
	if _, err := t.queryRow(ticketStatsQueries[0], []any{deptID}, &s.Open, &s.OpenBreached); err != nil {
		return s, internal(err, "count active tickets")
	}
	var ackWall, ackBusiness, resolveWall, resolveBusiness int64
	_, err := t.queryRow(ticketStatsQueries[1], []any{deptID, since.UnixMilli(), until.UnixMilli()}, &s.Resolved,
		&s.ResponseMet, &s.ResolutionMet, &s.Acked, &ackWall, &ackBusiness, &s.AckCounted,
		&resolveWall, &resolveBusiness, &s.ResolveCounted)
	if err != nil {
		return s, internal(err, "sum resolved tickets")
	}
	msDur := func(v int64) time.Duration { return time.Duration(v) * time.Millisecond }
	s.AckWall, s.AckBusiness, s.ResolveWall, s.ResolveBusiness = msDur(ackWall), msDur(ackBusiness), msDur(resolveWall), msDur(resolveBusiness)
	return s, nil
}

// ticketRefs turns a broken reference (a ticket, task, person or
// department that does not exist) into ENOTFOUND, and a duplicate into
// ECONFLICT (internal).
func ticketRefs(err error, what string) error {
	if err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
		return bot.Errorf(bot.ENOTFOUND, "The ticket, task, person or department it names does not exist.",
			"所指的工单、任务、人员或部门不存在。")
	}
	return internal(err, what)
}
