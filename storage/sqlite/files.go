package sqlite

import (
	"database/sql"

	"github.com/tandemhq/tandem/bot/files"
)

// The unit implements the file links' store contract (files.From).
var _ files.Store = (*tx)(nil)

const fileLinkColumns = `id, subject, ref, url, title, dept_id, project, added_by, added_at`

// AddFileLink implements files.Store.
func (t *tx) AddFileLink(l *files.Link) error {
	var project any
	if l.Project != "" {
		project = l.Project
	}
	id, err := insertedID(t.exec(`INSERT INTO file_links (subject, ref, url, title, dept_id, project, added_by, added_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, l.Subject, l.Ref, l.URL, l.Title, nullID(l.DeptID), project, l.AddedByID, ms(l.AddedAt)))
	if err != nil {
		return internal(err, "add file link")
	}
	l.ID = id
	return nil
}

// fileLinksOfQuery reads a card's links from file_links_subject, in order.
const fileLinksOfQuery = `SELECT ` + fileLinkColumns + ` FROM file_links WHERE subject = ? ORDER BY id LIMIT ? OFFSET ?`

// FileLinksOf implements files.Store.
func (t *tx) FileLinksOf(subject string, offset, limit int) ([]*files.Link, error) {
	return t.scanFileLinks(fileLinksOfQuery, subject, pageSize(limit), max(offset, 0))
}

// CountFileLinks implements files.Store, from file_links_subject alone.
func (t *tx) CountFileLinks(subject string) (int, error) {
	var n int
	_, err := t.queryRow(`SELECT count(*) FROM file_links WHERE subject = ?`, []any{subject}, &n)
	return n, internal(err, "count file links")
}

// findFileLinksQuery is FindFileLinks' read: one range of file_links_dept
// or file_links_project, in the order shown, so a page costs its offset and
// its rows.
func findFileLinksQuery(f files.Filter) (string, []any) {
	where, arg := `dept_id = ? AND dept_id IS NOT NULL`, any(f.DeptID)
	if f.Project != "" {
		where, arg = `project = ? AND project IS NOT NULL`, f.Project
	}
	return `SELECT ` + fileLinkColumns + ` FROM file_links WHERE ` + where +
		` ORDER BY added_at DESC, id DESC LIMIT ? OFFSET ?`, []any{arg, pageSize(f.Limit), max(f.Offset, 0)}
}

// FindFileLinks implements files.Store.
func (t *tx) FindFileLinks(f files.Filter) ([]*files.Link, error) {
	q, args := findFileLinksQuery(f)
	return t.scanFileLinks(q, args...)
}

func (t *tx) scanFileLinks(q string, args ...any) ([]*files.Link, error) {
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, internal(err, "list file links")
	}
	defer rows.Close()
	var out []*files.Link
	for rows.Next() {
		var l files.Link
		var dept, at sql.NullInt64
		var project sql.NullString
		if err := rows.Scan(&l.ID, &l.Subject, &l.Ref, &l.URL, &l.Title, &dept, &project, &l.AddedByID, &at); err != nil {
			return nil, internal(err, "scan file link")
		}
		l.DeptID, l.Project, l.AddedAt = dept.Int64, project.String, fromMS(at)
		out = append(out, &l)
	}
	return out, internal(rows.Err(), "list file links")
}
