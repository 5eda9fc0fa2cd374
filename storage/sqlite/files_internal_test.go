package sqlite

import (
	"testing"

	"github.com/tandemhq/tandem/bot/files"
)

// Ensure the file link lists are read from their indexes in the order shown:
// a card's links, and `files dept X` / `files project Y` at any page.
func TestFileLinkQueries_UseIndexes(t *testing.T) {
	db := openTestDB(t)
	assertIndexedPlan(t, "a card's links", queryPlan(t, db, fileLinksOfQuery, []any{"task/1", 5, 10}), "file_links", "file_links_subject")
	for _, c := range []struct {
		name, index string
		f           files.Filter
	}{
		{"files dept Design", "file_links_dept", files.Filter{DeptID: 3, Limit: 51}},
		{"files dept Design page 3", "file_links_dept", files.Filter{DeptID: 3, Limit: 51, Offset: 100}},
		{"files project q3", "file_links_project", files.Filter{Project: "q3", Limit: 51}},
	} {
		q, args := findFileLinksQuery(c.f)
		assertIndexedPlan(t, c.name, queryPlan(t, db, q, args), "file_links", c.index)
	}
}
