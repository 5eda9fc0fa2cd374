package sqlite

import (
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
)

// The unit implements the asks' store contract (ask.From).
var _ ask.Store = (*tx)(nil)

const askRowColumns = `asks.id, asks.kind, asks.title, asks.body, asks.author_id, asks.dept_id, asks.status, asks.audience,
	asks.options, asks.fields, asks.subject, asks.deadline, asks.step, asks.anonymous, asks.salt, asks.origin,
	asks.created_at, asks.sent_at, asks.closed_at`

func scanAskRow(scan func(...any) error) (*ask.Ask, error) {
	a := &ask.Ask{}
	var author, dept, deadline, created, sent, closed sql.NullInt64
	var kind, status, audience, options, fields, origin string
	if err := scan(&a.ID, &kind, &a.Title, &a.Body, &author, &dept, &status, &audience, &options, &fields, &a.Subject,
		&deadline, &a.Step, &a.Anonymous, &a.Salt, &origin, &created, &sent, &closed); err != nil {
		return nil, err
	}
	a.Kind, a.Status, a.AuthorID, a.DeptID = ask.Kind(kind), ask.Status(status), author.Int64, dept.Int64
	for _, j := range []struct {
		text string
		into any
	}{{audience, &a.Audience}, {options, &a.Options}, {fields, &a.Fields}, {origin, &a.Origin}} {
		if err := json.Unmarshal([]byte(j.text), j.into); err != nil {
			return nil, err
		}
	}
	// None is nil, as an ask is made.
	if len(a.Options) == 0 {
		a.Options = nil
	}
	if len(a.Fields) == 0 {
		a.Fields = nil
	}
	if len(a.Salt) == 0 {
		a.Salt = nil
	}
	a.Deadline, a.CreatedAt, a.SentAt, a.ClosedAt = fromMS(deadline), fromMS(created), fromMS(sent), fromMS(closed)
	return a, nil
}

// askJSON is what an ask keeps as JSON: its audience, options, fields and
// origin. Nil options and fields are stored as empty arrays.
func askJSON(a *ask.Ask) (audience, options, fields, origin string, err error) {
	var out [4][]byte
	opts, flds := a.Options, a.Fields
	if opts == nil {
		opts = []string{}
	}
	if flds == nil {
		flds = []ask.Field{}
	}
	for i, v := range []any{a.Audience, opts, flds, a.Origin} {
		if out[i], err = json.Marshal(v); err != nil {
			return "", "", "", "", err
		}
	}
	return string(out[0]), string(out[1]), string(out[2]), string(out[3]), nil
}

// CreateAsk implements ask.Store.
func (t *tx) CreateAsk(a *ask.Ask) error {
	audience, options, fields, origin, err := askJSON(a)
	if err != nil {
		return internal(err, "create ask")
	}
	salt := a.Salt
	if salt == nil {
		salt = []byte{}
	}
	res, err := t.exec(`INSERT INTO asks (kind, title, body, author_id, dept_id, status, audience, options, fields, subject,
		deadline, step, anonymous, salt, origin, created_at, sent_at, closed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(a.Kind), a.Title, a.Body, nullID(a.AuthorID), nullID(a.DeptID), string(a.Status), audience, options, fields,
		a.Subject, ms(a.Deadline), a.Step, a.Anonymous, salt, origin, a.CreatedAt.UnixMilli(), ms(a.SentAt), ms(a.ClosedAt))
	id, err := insertedID(res, err)
	if err != nil {
		return askRefs(err, "create ask")
	}
	a.ID = id
	return nil
}

// FindAsk implements ask.Store.
func (t *tx) FindAsk(id int64) (*ask.Ask, error) {
	asks, err := t.findAsks(`SELECT `+askRowColumns+` FROM asks WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(asks) == 0 {
		return nil, noAsk(id)
	}
	return asks[0], nil
}

func noAsk(id int64) error {
	return bot.Errorf(bot.ENOTFOUND, "There is no ask A-%d.", "没有事项 A-%d。", id)
}

// UpdateAsk implements ask.Store: every field but the id, kind, salt and
// creation time.
func (t *tx) UpdateAsk(a *ask.Ask) error {
	audience, options, fields, origin, err := askJSON(a)
	if err != nil {
		return internal(err, "update ask")
	}
	res, err := t.exec(`UPDATE asks SET title = ?, body = ?, author_id = ?, dept_id = ?, status = ?, audience = ?,
		options = ?, fields = ?, subject = ?, deadline = ?, step = ?, anonymous = ?, origin = ?, sent_at = ?, closed_at = ?
		WHERE id = ?`,
		a.Title, a.Body, nullID(a.AuthorID), nullID(a.DeptID), string(a.Status), audience, options, fields, a.Subject,
		ms(a.Deadline), a.Step, a.Anonymous, origin, ms(a.SentAt), ms(a.ClosedAt), a.ID)
	if err != nil {
		return askRefs(err, "update ask")
	}
	if n, err := res.RowsAffected(); err != nil {
		return internal(err, "update ask")
	} else if n == 0 {
		return noAsk(a.ID)
	}
	return nil
}

// FindAsks implements ask.Store: newest first, from the index of the kind,
// status or author asked for (id order is every index's last column).
func (t *tx) FindAsks(f ask.Filter) ([]*ask.Ask, error) {
	q, args := findAsksQuery(f)
	return t.findAsks(q, args...)
}

func findAsksQuery(f ask.Filter) (string, []any) {
	var where []string
	var args []any
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, string(f.Kind))
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.AuthorID != 0 {
		where, args = append(where, "author_id = ?"), append(args, f.AuthorID)
	}
	if f.Subject != "" {
		where, args = append(where, "subject = ?"), append(args, f.Subject)
	}
	q := `SELECT ` + askRowColumns + ` FROM asks`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	return q + ` ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, limitOrAll(f.Limit), f.Offset)
}

// limitOrAll is a LIMIT for SQLite: none (-1) when limit <= 0.
func limitOrAll(limit int) int {
	if limit <= 0 {
		return -1
	}
	return limit
}

func (t *tx) findAsks(q string, args ...any) ([]*ask.Ask, error) {
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, internal(err, "find asks")
	}
	defer rows.Close()
	var out []*ask.Ask
	for rows.Next() {
		a, err := scanAskRow(rows.Scan)
		if err != nil {
			return nil, internal(err, "scan ask")
		}
		out = append(out, a)
	}
	return out, internal(rows.Err(), "find asks")
}

// recipientBatch is how many ledger lines one INSERT adds: 16 columns
// each, well under SQLite's 32,766 bound parameters.
const recipientBatch = 500

const recipientColumns = `ask_id, person_id, step, role, on_behalf_of, state, answer, comment, via, outbox_id,
	sent_at, answered_at, read_at, read_via, reminders, reminded_at, escalated_at`

// AddRecipients implements ask.Store: one INSERT per batch of lines, each
// line already in the ledger (ask, person, step) skipped.
func (t *tx) AddRecipients(rs []*ask.Recipient) (int, error) {
	added := 0
	for len(rs) > 0 {
		batch := rs[:min(len(rs), recipientBatch)]
		rs = rs[len(batch):]
		var q strings.Builder
		q.WriteString(`INSERT INTO ask_recipients (` + recipientColumns + `) VALUES `)
		args := make([]any, 0, 17*len(batch))
		for i, r := range batch {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			state := r.State
			if state == "" {
				state = ask.Pending
			}
			args = append(args, r.AskID, r.PersonID, r.Step, string(r.Role), nullID(r.OnBehalfOf), string(state),
				r.Answer, r.Comment, r.Via, nullID(r.OutboxID), ms(r.SentAt), ms(r.AnsweredAt), ms(r.ReadAt), r.ReadVia,
				r.Reminders, ms(r.RemindedAt), ms(r.EscalatedAt))
		}
		q.WriteString(` ON CONFLICT (ask_id, person_id, step) DO NOTHING`)
		res, err := t.exec(q.String(), args...)
		if err != nil {
			return added, askRefs(err, "add recipients")
		}
		n, err := res.RowsAffected()
		if err != nil {
			return added, internal(err, "add recipients")
		}
		added += int(n)
	}
	return added, nil
}

func scanRecipient(scan func(...any) error) (*ask.Recipient, error) {
	r := &ask.Recipient{}
	var behalf, outbox, sent, answered, read, reminded, escalated sql.NullInt64
	var role, state string
	if err := scan(&r.AskID, &r.PersonID, &r.Step, &role, &behalf, &state, &r.Answer, &r.Comment, &r.Via, &outbox,
		&sent, &answered, &read, &r.ReadVia, &r.Reminders, &reminded, &escalated); err != nil {
		return nil, err
	}
	r.Role, r.State, r.OnBehalfOf, r.OutboxID = ask.Role(role), ask.State(state), behalf.Int64, outbox.Int64
	r.SentAt, r.AnsweredAt, r.ReadAt = fromMS(sent), fromMS(answered), fromMS(read)
	r.RemindedAt, r.EscalatedAt = fromMS(reminded), fromMS(escalated)
	return r, nil
}

func (t *tx) findRecipients(q string, args ...any) ([]*ask.Recipient, error) {
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, internal(err, "list recipients")
	}
	defer rows.Close()
	var out []*ask.Recipient
	for rows.Next() {
		r, err := scanRecipient(rows.Scan)
		if err != nil {
			return nil, internal(err, "scan recipient")
		}
		out = append(out, r)
	}
	return out, internal(rows.Err(), "list recipients")
}

// FindRecipient implements ask.Store.
func (t *tx) FindRecipient(askID, personID int64, step int) (*ask.Recipient, error) {
	rs, err := t.findRecipients(`SELECT `+recipientColumns+` FROM ask_recipients WHERE ask_id = ? AND person_id = ? AND step = ?`,
		askID, personID, step)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, bot.Errorf(bot.ENOTFOUND, "They are not asked in A-%d.", "此人不在事项 A-%d 的名单中。", askID)
	}
	return rs[0], nil
}

// UpdateRecipient implements ask.Store: the role, delegation, answer, read,
// reminder, escalation and outbox fields of the line (ask, person, step).
func (t *tx) UpdateRecipient(r *ask.Recipient) error {
	res, err := t.exec(`UPDATE ask_recipients SET role = ?, on_behalf_of = ?, state = ?, answer = ?, comment = ?, via = ?,
		outbox_id = ?, sent_at = ?, answered_at = ?, read_at = ?, read_via = ?, reminders = ?, reminded_at = ?, escalated_at = ?
		WHERE ask_id = ? AND person_id = ? AND step = ?`,
		string(r.Role), nullID(r.OnBehalfOf), string(r.State), r.Answer, r.Comment, r.Via, nullID(r.OutboxID),
		ms(r.SentAt), ms(r.AnsweredAt), ms(r.ReadAt), r.ReadVia, r.Reminders, ms(r.RemindedAt), ms(r.EscalatedAt),
		r.AskID, r.PersonID, r.Step)
	if err != nil {
		return askRefs(err, "update recipient")
	}
	if n, err := res.RowsAffected(); err != nil {
		return internal(err, "update recipient")
	} else if n == 0 {
		return bot.Errorf(bot.ENOTFOUND, "They are not asked in A-%d.", "此人不在事项 A-%d 的名单中。", r.AskID)
	}
	return nil
}

// skipPendingQuery names ask_recipients_state, as the pages by state do:
// without table statistics SQLite would walk the whole ask by its key.
const skipPendingQuery = `UPDATE ask_recipients INDEXED BY ask_recipients_state SET state = 'skipped'
	WHERE ask_id = ? AND state = 'pending'`

// SkipPending implements ask.Store: the ask's pending lines, a range of
// ask_recipients_state.
func (t *tx) SkipPending(askID int64) (int, error) {
	res, err := t.exec(skipPendingQuery, askID)
	if err != nil {
		return 0, internal(err, "skip pending recipients")
	}
	n, err := res.RowsAffected()
	return int(n), internal(err, "skip pending recipients")
}

// Recipients implements ask.Store: by person id (then step), a range of
// the table's key, or of ask_recipients_state for one state. A step other
// than -1 is checked on each line of the range: only requests have more
// than one step, and their ledgers are a few approvers long. With every
// step, a page holds whole lines, and a person asked at two steps may have
// the second on the next page only if the page ends between them: callers
// page with AfterPersonID, so ledgers with several steps (requests) are
// read in pages longer than the chain.
func (t *tx) Recipients(askID int64, f ask.RecipientFilter) ([]*ask.Recipient, error) {
	q, args := recipientsQuery(askID, f)
	return t.findRecipients(q, args...)
}

func recipientsQuery(askID int64, f ask.RecipientFilter) (string, []any) {
	// Without statistics (nothing runs ANALYZE) SQLite prefers the table's
	// own key, which holds every column, and would check the state on
	// every line after the person: the state's index is named.
	q := `SELECT ` + recipientColumns + ` FROM ask_recipients WHERE ask_id = ?`
	args := []any{askID}
	if f.State != "" {
		q = `SELECT ` + recipientColumns + ` FROM ask_recipients INDEXED BY ask_recipients_state WHERE ask_id = ? AND state = ?`
		args = append(args, string(f.State))
	}
	if f.Step >= 0 {
		q, args = q+` AND step = ?`, append(args, f.Step)
	}
	q += ` AND person_id > ? ORDER BY person_id, step LIMIT ?`
	return q, append(args, f.AfterPersonID, limitOrAll(f.Limit))
}

// countRecipientsQuery sums an ask's ledger in one pass over its lines (a
// range of the table's key: it costs the ask's size, not the table's).
const countRecipientsQuery = `SELECT count(*), coalesce(sum(state = 'answered'), 0), coalesce(sum(state = 'pending'), 0),
	coalesce(sum(state = 'skipped'), 0), count(read_at), coalesce(sum(read_at IS NOT NULL AND state != 'answered'), 0),
	count(escalated_at)
	FROM ask_recipients WHERE ask_id = ?1 AND (?2 < 0 OR step = ?2)`

// CountRecipients implements ask.Store. ReadNotAnswered counts the lines
// read but not answered, whether still pending or skipped since.
func (t *tx) CountRecipients(askID int64, step int) (ask.Counts, error) {
	var c ask.Counts
	_, err := t.queryRow(countRecipientsQuery, []any{askID, step},
		&c.Total, &c.Answered, &c.Pending, &c.Skipped, &c.Read, &c.ReadNotAnswered, &c.Escalated)
	return c, internal(err, "count recipients")
}

// pendingAsksQuery reads a person's pending lines from
// ask_recipients_person, oldest ask first, and keeps those of asks still
// waiting for answers: open, or in review (a reviewer's line). A person
// asked at two steps of one request sees it once.
const pendingAsksQuery = `SELECT ` + askRowColumns + `
	FROM ask_recipients AS r JOIN asks ON asks.id = r.ask_id
	WHERE r.person_id = ?1 AND r.state = 'pending' AND asks.status IN ('open', 'review') AND (?2 = '' OR asks.kind = ?2)
	GROUP BY r.ask_id ORDER BY r.ask_id LIMIT ?3 OFFSET ?4`

// PendingAsks implements ask.Store.
func (t *tx) PendingAsks(personID int64, kind ask.Kind, offset, limit int) ([]*ask.Ask, error) {
	return t.findAsks(pendingAsksQuery, personID, string(kind), limitOrAll(limit), offset)
}

// unreadDeliveriesQuery reads the ask's delivered, pending, unread lines
// from the partial index ask_recipients_unread (its condition is written
// here literally: SQLite uses a partial index only for a query whose WHERE
// implies it; and named, as SQLite without statistics would prefer the
// table's key), by person id, and each line's direct message from the
// outbox by its id: sent, with the platform's message id (MarkSent).
const unreadDeliveriesQuery = `SELECT r.person_id, o.platform, coalesce(json_extract(o.destination, '$.workspace'), ''),
	o.remote_id, o.sent_at
	FROM ask_recipients AS r INDEXED BY ask_recipients_unread JOIN outbox AS o ON o.id = r.outbox_id
	WHERE r.ask_id = ? AND r.state = 'pending' AND r.read_at IS NULL AND r.outbox_id IS NOT NULL AND r.person_id > ?
		AND o.platform = ? AND o.state = 'sent' AND o.remote_id != '' AND o.sent_at > ?
	ORDER BY r.person_id, r.step LIMIT ?`

// UnreadDeliveries implements ask.Store.
func (t *tx) UnreadDeliveries(askID int64, platform string, since time.Time, afterPersonID int64, limit int) ([]ask.Unread, error) {
	rows, err := t.query(unreadDeliveriesQuery, askID, afterPersonID, platform, since.UnixMilli(), limitOrAll(limit))
	if err != nil {
		return nil, internal(err, "list unread deliveries")
	}
	defer rows.Close()
	var out []ask.Unread
	for rows.Next() {
		var u ask.Unread
		var sent sql.NullInt64
		if err := rows.Scan(&u.PersonID, &u.Platform, &u.Workspace, &u.RemoteID, &sent); err != nil {
			return nil, internal(err, "scan unread delivery")
		}
		u.SentAt = fromMS(sent)
		out = append(out, u)
	}
	return out, internal(rows.Err(), "list unread deliveries")
}

// CastBallot implements ask.Store: the token and the tally are two rows of
// two tables, written in the caller's unit, so both are kept or neither.
// A choice outside the vote's options is EINVALID.
func (t *tx) CastBallot(askID int64, token string, choice int) error {
	options, err := t.askOptions(askID)
	if err != nil {
		return err
	}
	if choice < 0 || choice >= options {
		return bot.Errorf(bot.EINVALID, "A-%d has no choice %d.", "事项 A-%d 没有选项 %d。", askID, choice+1)
	}
	res, err := t.exec(`INSERT INTO ask_ballot_tokens (ask_id, token) VALUES (?, ?) ON CONFLICT DO NOTHING`, askID, token)
	if err != nil {
		return internal(err, "cast ballot")
	}
	if n, err := res.RowsAffected(); err != nil {
		return internal(err, "cast ballot")
	} else if n == 0 {
		return bot.Errorf(bot.ECONFLICT, "You have voted in A-%d already.", "你已在事项 A-%d 中投过票了。", askID)
	}
	_, err = t.exec(`INSERT INTO ask_tallies (ask_id, choice, votes) VALUES (?, ?, 1)
		ON CONFLICT (ask_id, choice) DO UPDATE SET votes = votes + 1`, askID, choice)
	return internal(err, "count ballot")
}

// askOptions returns how many options the ask has; ENOTFOUND when there is
// no such ask.
func (t *tx) askOptions(askID int64) (int, error) {
	var n int
	found, err := t.queryRow(`SELECT json_array_length(options) FROM asks WHERE id = ?`, []any{askID}, &n)
	if err != nil {
		return 0, internal(err, "read ask options")
	}
	if !found {
		return 0, noAsk(askID)
	}
	return n, nil
}

// Tally implements ask.Store: one count per option, zero for those nobody
// chose.
func (t *tx) Tally(askID int64) ([]int, error) {
	options, err := t.askOptions(askID)
	if err != nil {
		return nil, err
	}
	out := make([]int, options)
	rows, err := t.query(`SELECT choice, votes FROM ask_tallies WHERE ask_id = ?`, askID)
	if err != nil {
		return nil, internal(err, "tally")
	}
	defer rows.Close()
	for rows.Next() {
		var choice, votes int
		if err := rows.Scan(&choice, &votes); err != nil {
			return nil, internal(err, "scan tally")
		}
		if choice >= 0 && choice < options {
			out[choice] = votes
		}
	}
	return out, internal(rows.Err(), "tally")
}

// AddAskEvent implements ask.Store; an event of an ask or actor that does
// not exist is ENOTFOUND.
func (t *tx) AddAskEvent(e *ask.Event) error {
	res, err := t.exec(`INSERT INTO ask_events (ask_id, actor_id, kind, text, at) VALUES (?, ?, ?, ?, ?)`,
		e.AskID, nullID(e.ActorID), string(e.Kind), e.Text, e.At.UnixMilli())
	id, err := insertedID(res, err)
	if err != nil {
		return askRefs(err, "add ask event")
	}
	e.ID = id
	return nil
}

// AskEvents implements ask.Store; limit <= 0 returns the whole timeline.
func (t *tx) AskEvents(askID int64, limit int) ([]*ask.Event, error) {
	rows, err := t.query(`SELECT id, ask_id, actor_id, kind, text, at FROM ask_events WHERE ask_id = ? ORDER BY id LIMIT ?`,
		askID, limitOrAll(limit))
	if err != nil {
		return nil, internal(err, "list ask events")
	}
	defer rows.Close()
	var out []*ask.Event
	for rows.Next() {
		e := &ask.Event{}
		var actor, at sql.NullInt64
		var kind string
		if err := rows.Scan(&e.ID, &e.AskID, &actor, &kind, &e.Text, &at); err != nil {
			return nil, internal(err, "scan ask event")
		}
		e.ActorID, e.Kind, e.At = actor.Int64, ask.EventKind(kind), fromMS(at)
		out = append(out, e)
	}
	return out, internal(rows.Err(), "list ask events")
}

// askRefs turns a broken reference (an ask, person or department that does
// not exist) into ENOTFOUND.
func askRefs(err error, what string) error {
	if err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
		return bot.Errorf(bot.ENOTFOUND, "The ask, person or department it names does not exist.",
			"所指的事项、人员或部门不存在。")
	}
	return internal(err, what)
}
