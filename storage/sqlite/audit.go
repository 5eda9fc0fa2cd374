package sqlite

import (
	"database/sql"

	"github.com/tandemhq/tandem/bot"
)

// AddAudit implements bot.TrustTx.
func (t *tx) AddAudit(e *bot.AuditEntry) error {
	res, err := t.exec(`INSERT INTO audit (at, kind, actor_id, actor, subject_id, subject, from_value, to_value, via, ref)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.At.UnixMilli(), string(e.Kind), nullID(e.ActorID), e.Actor, nullID(e.SubjectID), e.Subject, e.From, e.To, e.Via, nullID(e.Ref))
	e.ID, err = insertedID(res, err)
	return internal(err, "add audit entry")
}

// auditLogQuery is AuditLog's query: by time, or by subject and time.
func auditLogQuery(subjectID int64, limit, offset int) (string, []any) {
	const cols = `SELECT id, at, kind, actor_id, actor, subject_id, subject, from_value, to_value, via, ref FROM audit`
	if subjectID != 0 {
		return cols + ` WHERE subject_id = ? ORDER BY at DESC, id DESC LIMIT ? OFFSET ?`, []any{subjectID, limit, offset}
	}
	return cols + ` ORDER BY at DESC, id DESC LIMIT ? OFFSET ?`, []any{limit, offset}
}

// maxAuditPage bounds one page, whatever the caller asks.
const maxAuditPage = 100

// AuditLog implements bot.TrustTx. Both forms walk an index backwards
// (audit_at, audit_subject), so a page costs its offset and its length,
// not the size of the log.
func (t *tx) AuditLog(f bot.AuditFilter) ([]*bot.AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 || limit > maxAuditPage {
		limit = maxAuditPage
	}
	q, args := auditLogQuery(f.SubjectID, limit, max(f.Offset, 0))
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, internal(err, "read audit log")
	}
	defer rows.Close()
	var out []*bot.AuditEntry
	for rows.Next() {
		e := &bot.AuditEntry{}
		var at int64
		var kind string
		var actor, subject, ref sql.NullInt64
		if err := rows.Scan(&e.ID, &at, &kind, &actor, &e.Actor, &subject, &e.Subject, &e.From, &e.To, &e.Via, &ref); err != nil {
			return nil, internal(err, "scan audit entry")
		}
		e.At, e.Kind = fromMS(sql.NullInt64{Int64: at, Valid: true}), bot.AuditKind(kind)
		e.ActorID, e.SubjectID, e.Ref = actor.Int64, subject.Int64, ref.Int64
		out = append(out, e)
	}
	return out, internal(rows.Err(), "read audit log")
}
