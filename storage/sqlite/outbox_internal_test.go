package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
)

// Ensure the message a notification is merged into, and the admins a
// refusal names, are found from their indexes, not by a scan of the outbox
// or of everyone.
func TestCoalesceAndRoleQueriesUseIndexes(t *testing.T) {
	db := NewDB(filepath.Join(t.TempDir(), "tandem.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := queryPlan(t, db, coalesceQuery, []any{"console/local//bob/task/1", int64(0)}); !strings.Contains(got, "USING INDEX outbox_coalesce") {
		t.Errorf("coalesce plan = %q, want it to use outbox_coalesce", got)
	}
	if got := queryPlan(t, db, peopleByRoleQuery, []any{"admin", 3}); !strings.Contains(got, "USING INDEX people_role") {
		t.Errorf("people by role plan = %q, want it to use people_role", got)
	}
}
