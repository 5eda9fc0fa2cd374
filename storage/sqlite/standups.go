package sqlite

import (
	"database/sql"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/standup"
)

// The unit keeps the standups.
var _ standup.Store = (*tx)(nil)

const standupColumns = `id, dept_id, clock, weekday, questions, cutoff_ms, tz, coalesce(created_by, 0), created_at`

// questionSep separates a standup's questions in their column; the command
// splits what people type on "|", so no question contains it.
const questionSep = "|"

func scanStandup(scan func(...any) error) (*standup.Standup, error) {
	s := &standup.Standup{}
	var questions string
	var cutoff, created int64
	if err := scan(&s.ID, &s.DeptID, &s.Clock, &s.Weekday, &questions, &cutoff, &s.TZ, &s.CreatedBy, &created); err != nil {
		return nil, err
	}
	s.Questions = strings.Split(questions, questionSep)
	s.Cutoff = time.Duration(cutoff) * time.Millisecond
	s.CreatedAt = time.UnixMilli(created).UTC()
	return s, nil
}

// SaveStandup implements standup.Store.
func (t *tx) SaveStandup(s *standup.Standup) error {
	_, err := t.queryRow(`INSERT INTO standups (dept_id, clock, weekday, questions, cutoff_ms, tz, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (dept_id, weekday) DO UPDATE SET clock = excluded.clock, questions = excluded.questions,
			cutoff_ms = excluded.cutoff_ms, tz = excluded.tz, created_by = excluded.created_by, created_at = excluded.created_at
		RETURNING id`, []any{s.DeptID, s.Clock, s.Weekday, strings.Join(s.Questions, questionSep), s.Cutoff.Milliseconds(),
		s.TZ, nullID(s.CreatedBy), ms(s.CreatedAt)}, &s.ID)
	return internal(err, "save standup")
}

// FindStandup implements standup.Store.
func (t *tx) FindStandup(id int64) (*standup.Standup, error) {
	rows, err := t.query(`SELECT `+standupColumns+` FROM standups WHERE id = ?`, id)
	ss, err := scanStandups(rows, err)
	if err != nil {
		return nil, err
	}
	if len(ss) == 0 {
		return nil, bot.Errorf(bot.ENOTFOUND, "There is no standup %d.", "没有站会 %d。", id)
	}
	return ss[0], nil
}

// StandupsOfDept implements standup.Store, from the unique index.
func (t *tx) StandupsOfDept(deptID int64) ([]*standup.Standup, error) {
	rows, err := t.query(`SELECT `+standupColumns+` FROM standups WHERE dept_id = ? ORDER BY weekday`, deptID)
	return scanStandups(rows, err)
}

func scanStandups(rows *sql.Rows, err error) ([]*standup.Standup, error) {
	if err != nil {
		return nil, internal(err, "find standups")
	}
	defer rows.Close()
	var out []*standup.Standup
	for rows.Next() {
		s, err := scanStandup(rows.Scan)
		if err != nil {
			return nil, internal(err, "scan standup")
		}
		out = append(out, s)
	}
	return out, internal(rows.Err(), "find standups")
}

// DeleteStandup implements standup.Store.
func (t *tx) DeleteStandup(id int64) error {
	_, err := t.exec(`DELETE FROM standups WHERE id = ?`, id)
	return internal(err, "delete standup")
}

// StandupMembers implements standup.Store, from the index people_dept.
func (t *tx) StandupMembers(deptID, afterID int64, limit int) ([]*bot.Person, error) {
	rows, err := t.query(standupMembersQuery, deptID, afterID, limit)
	return scanPeople(rows, err, "find standup members")
}

// RecordStandupAsk implements standup.Store.
func (t *tx) RecordStandupAsk(a *standup.Ask) (bool, error) {
	res, err := t.exec(`INSERT INTO standup_asks (standup_id, person_id, day, asked_at, close_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, a.StandupID, a.PersonID, a.Day, ms(a.AskedAt), ms(a.CloseAt))
	if err != nil {
		return false, internal(err, "record standup ask")
	}
	n, err := res.RowsAffected()
	return n == 1, internal(err, "record standup ask")
}

const askColumns = `standup_id, person_id, day, asked_at, close_at, answer, answered_at`

// The standups' lists, each read from an index in the order it is used
// (query_internal_test.go checks their plans).
const (
	standupMembersQuery = `SELECT ` + personColumns + ` FROM people WHERE dept_id = ? AND id > ? ORDER BY id LIMIT ?`
	openAskQuery        = `SELECT ` + askColumns + ` FROM standup_asks WHERE person_id = ? AND close_at > ?
		ORDER BY close_at DESC LIMIT 1`
	dayAsksQuery = `SELECT ` + askColumns + ` FROM standup_asks WHERE standup_id = ? AND day = ? AND person_id > ?
		ORDER BY person_id LIMIT ?`
	leaveOnQuery = `SELECT from_day, to_day, delegate_id FROM leaves WHERE person_id = ? AND to_day >= ? AND from_day <= ?
		ORDER BY to_day LIMIT 1`
)

func scanAsk(scan func(...any) error) (*standup.Ask, error) {
	a := &standup.Ask{}
	var asked, closeAt sql.NullInt64
	var answered sql.NullInt64
	if err := scan(&a.StandupID, &a.PersonID, &a.Day, &asked, &closeAt, &a.Answer, &answered); err != nil {
		return nil, err
	}
	a.AskedAt, a.CloseAt, a.AnsweredAt = fromMS(asked), fromMS(closeAt), fromMS(answered)
	return a, nil
}

// OpenStandupAsk implements standup.Store, from the index standup_asks_open.
func (t *tx) OpenStandupAsk(personID int64, now time.Time) (*standup.Ask, error) {
	rows, err := t.query(openAskQuery, personID, ms(now))
	asks, err := scanAsks(rows, err)
	if err != nil || len(asks) == 0 {
		return nil, err
	}
	return asks[0], nil
}

// AnswerStandup implements standup.Store.
func (t *tx) AnswerStandup(a *standup.Ask) error {
	_, err := t.exec(`UPDATE standup_asks SET answer = ?, answered_at = ? WHERE standup_id = ? AND day = ? AND person_id = ?`,
		a.Answer, ms(a.AnsweredAt), a.StandupID, a.Day, a.PersonID)
	return internal(err, "answer standup")
}

// StandupAsks implements standup.Store, from the primary key.
func (t *tx) StandupAsks(standupID int64, day string, afterPerson int64, limit int) ([]*standup.Ask, error) {
	rows, err := t.query(dayAsksQuery, standupID, day, afterPerson, limit)
	return scanAsks(rows, err)
}

func scanAsks(rows *sql.Rows, err error) ([]*standup.Ask, error) {
	if err != nil {
		return nil, internal(err, "find standup asks")
	}
	defer rows.Close()
	var out []*standup.Ask
	for rows.Next() {
		a, err := scanAsk(rows.Scan)
		if err != nil {
			return nil, internal(err, "scan standup ask")
		}
		out = append(out, a)
	}
	return out, internal(rows.Err(), "find standup asks")
}

// MarkStandupPosted implements standup.Store.
func (t *tx) MarkStandupPosted(standupID int64, day string, now time.Time) (bool, error) {
	res, err := t.exec(`INSERT INTO standup_posts (standup_id, day, posted_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		standupID, day, ms(now))
	if err != nil {
		return false, internal(err, "mark standup posted")
	}
	n, err := res.RowsAffected()
	return n == 1, internal(err, "mark standup posted")
}

// AddLeave implements standup.Store.
func (t *tx) AddLeave(l *standup.Leave, now time.Time) error {
	_, err := t.exec(`INSERT INTO leaves (person_id, from_day, to_day, delegate_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		l.PersonID, l.From, l.To, l.DelegateID, ms(now))
	return internal(err, "add leave")
}

// LeaveOn implements standup.Store, from the index leaves_person: the
// leaves ending on or after day, the first that has begun.
func (t *tx) LeaveOn(personID int64, day string) (*standup.Leave, error) {
	l := &standup.Leave{PersonID: personID}
	found, err := t.queryRow(leaveOnQuery, []any{personID, day, day}, &l.From, &l.To, &l.DelegateID)
	if err != nil || !found {
		return nil, internal(err, "find leave")
	}
	return l, nil
}

// CancelLeaves implements standup.Store.
func (t *tx) CancelLeaves(personID int64, day string) (int, error) {
	res, err := t.exec(`DELETE FROM leaves WHERE person_id = ? AND to_day >= ?`, personID, day)
	if err != nil {
		return 0, internal(err, "cancel leaves")
	}
	n, err := res.RowsAffected()
	return int(n), internal(err, "cancel leaves")
}
