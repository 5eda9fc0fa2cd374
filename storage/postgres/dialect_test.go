package postgres

import (
	"slices"
	"testing"
)

// Each rewrite the shared SQL needs, on the statements' own shapes; these
// run without a server.
func TestTranslate(t *testing.T) {
	for _, c := range []struct {
		sqlite, postgres string
		args             []int
	}{
		{`SELECT a FROM t WHERE b = ? AND c = ?`, `SELECT a FROM t WHERE b = $1 AND c = $2`, []int{0, 1}},
		{`SELECT '?' FROM t WHERE b = ?`, `SELECT '?' FROM t WHERE b = $1`, []int{0}},
		// Unused arguments are dropped and the rest renumbered.
		{`DELETE FROM t WHERE person_id = ?2`, `DELETE FROM t WHERE person_id = $1`, []int{1}},
		{`UPDATE t SET a = ?1 WHERE a = ?2 AND b != ?1`, `UPDATE t SET a = $1 WHERE a = $2 AND b != $1`, []int{0, 1}},
		{`INSERT OR IGNORE INTO t (a) VALUES (?)`, `INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING`, []int{0}},
		{`INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING id`, `INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id`, []int{0}},
		{`SELECT a FROM t INDEXED BY t_a WHERE a IS NOT ? AND b IS NULL`, `SELECT a FROM t WHERE a IS DISTINCT FROM $1 AND b IS NULL`, []int{0}},
		{`SELECT a FROM t WHERE (due_at IS NULL) = 0 AND due_at < ?`, `SELECT a FROM t WHERE (due_at IS NULL) IS FALSE AND due_at < $1`, []int{0}},
		{`UPDATE p SET d = ? WHERE d IS ?`, `UPDATE p SET d = $1 WHERE d IS NOT DISTINCT FROM $2`, []int{0, 1}},
		{`SELECT max(a, 0), max(b), min(c, d) FROM t`, `SELECT GREATEST(a, 0), max(b), LEAST(c, d) FROM t`, nil},
		{`SELECT a FROM t LIMIT ? OFFSET ?`, `SELECT a FROM t LIMIT NULLIF(CAST($1 AS BIGINT), -1) OFFSET $2`, []int{0, 1}},
		{`SELECT sum(a = 0), sum(b), sum(CASE WHEN c IS NOT NULL THEN d END) FROM t`,
			`SELECT sum(CASE WHEN a = 0 THEN 1 ELSE 0 END), sum(b), sum(CASE WHEN c IS NOT NULL THEN d END) FROM t`, nil},
		{`INSERT INTO c (k, n) VALUES (?, 1) ON CONFLICT (k) DO UPDATE SET n = n + excluded.n`,
			`INSERT INTO c (k, n) VALUES ($1, 1) ON CONFLICT (k) DO UPDATE SET n = c.n + excluded.n`, []int{0}},
		{`UPDATE OR IGNORE project_members SET person_id = ?1 WHERE person_id = ?2`,
			`UPDATE project_members SET person_id = $1 WHERE person_id = $2 AND NOT EXISTS (SELECT 1 FROM project_members AS kept WHERE kept.person_id = $1 AND kept.project_id = project_members.project_id)`,
			[]int{0, 1}},
	} {
		got := rewrite(c.sqlite)
		if got.text != c.postgres || !slices.Equal(got.args, c.args) {
			t.Errorf("%s\n got %s %v\nwant %s %v", c.sqlite, got.text, got.args, c.postgres, c.args)
		}
	}
}
