package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
)

// Ensure what `admin audit`, "did you mean" and merges read of the trust
// tables comes from indexes: a page of the audit log (all of it, or one
// person's), the handles near a name, and the rows a merge moves.
func TestTrustQueries_UseIndexes(t *testing.T) {
	db := NewDB(filepath.Join(t.TempDir(), "tandem.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		q     string
		args  []any
		index string
	}{
		{q: must(auditLogQuery(0, 20, 40)), args: []any{20, 40}, index: "audit_at"},
		{q: must(auditLogQuery(7, 20, 0)), args: []any{7, 20, 0}, index: "audit_subject"},
		{q: handlesNearQueries[0], args: []any{"bob", 8}, index: "sqlite_autoindex_people"},
		{q: handlesNearQueries[1], args: []any{"bob", 8}, index: "sqlite_autoindex_people"},
		{q: mergeTrustStmts[0], args: []any{1, 2}, index: "audit_subject"},
		{q: mergeTrustStmts[1], args: []any{1, 2}, index: "consents_subject"},
		{q: mergeTrustStmts[2], args: []any{1, 2}, index: "consents_requester"},
	} {
		plan := queryPlan(t, db, c.q, c.args)
		if !strings.Contains(plan, c.index) || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("plan for %q = %q, want it to use %s, and no sort of its own", c.q, plan, c.index)
		}
	}
}

func must(q string, _ []any) string { return q }
