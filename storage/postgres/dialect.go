package postgres

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// The shared SQL (storage/sqlite's, reused through sqlite.NewTx) is written
// for SQLite. translate turns one statement into PostgreSQL's dialect. It is
// a list of textual rewrites, not a parser: each covers a construct the
// shared SQL actually uses, and a statement it does not cover fails loudly
// at PostgreSQL rather than doing something else (docs/postgres.md lists what
// is and is not covered). Translations are cached: the same few hundred
// statements run over and over.
var translated sync.Map // SQLite text → *statement

// statement is one SQLite statement in PostgreSQL's words. args lists, for
// each $n, the index of the caller's argument it takes: SQLite accepts
// arguments a statement does not use (MergePeople passes both ids to
// every statement), PostgreSQL cannot type a parameter it never sees.
type statement struct {
	text string
	args []int
}

func translate(q string) *statement {
	if t, ok := translated.Load(q); ok {
		return t.(*statement)
	}
	t := rewrite(q)
	translated.Store(q, t)
	return t
}

// bind picks and orders the caller's arguments for st.
func (st *statement) bind(args []any) []any {
	out := make([]any, len(st.args))
	for i, a := range st.args {
		if a < len(args) {
			out[i] = args[a]
		}
	}
	return out
}

var (
	isNullCompared = regexp.MustCompile(`(\(\w+ IS NULL\)) = ([01])\b`)
	indexedBy      = regexp.MustCompile(`(?i)\s+INDEXED BY\s+\w+`)
	insertOrIgnore = regexp.MustCompile(`(?i)^\s*INSERT OR IGNORE INTO`)
	returning      = regexp.MustCompile(`(?i)\sRETURNING\s`)
	isNot          = regexp.MustCompile(`(?i)\bIS NOT\s+([?$]|[a-z_][\w.]*\b)`)
	is             = regexp.MustCompile(`(?i)\bIS\s+([?$]|[a-z_][\w.]*\b)`)
	ifnull         = regexp.MustCompile(`(?i)\bifnull\(`)
	groupConcat    = regexp.MustCompile(`(?i)\bgroup_concat\(([\w.]+),`)
	nocaseEquals   = regexp.MustCompile(`(?i)\b([\w.]+) = \? COLLATE NOCASE`)
	jsonExtract    = regexp.MustCompile(`(?i)\bjson_extract\(([\w.]+), '\$\.(\w+)'\)`)
	jsonArrayLen   = regexp.MustCompile(`(?i)\bjson_array_length\(([\w.]+)\)`)
	ftsMatch       = regexp.MustCompile(`(?i)\btickets_words MATCH \?`)
	mediaRowid     = regexp.MustCompile(`\browid\b`)
	updateOrIgnore = regexp.MustCompile(`(?i)^\s*UPDATE OR IGNORE (\w+) SET person_id = \?1 WHERE person_id = \?2\s*$`)
	movePayload    = regexp.MustCompile(`CASE WHEN json_valid\(CAST\(payload AS TEXT\)\) AND json_extract\(CAST\(payload AS TEXT\), '\$\.(\w+)'\) = \?2\s+THEN json_set\(CAST\(payload AS TEXT\), '\$\.\w+', \?1\) ELSE payload END`)
	groupByAsk     = regexp.MustCompile(`(?is)JOIN asks ON asks\.id = r\.ask_id(.*)GROUP BY r\.ask_id ORDER BY r\.ask_id\b`)
	limitParam     = regexp.MustCompile(`(?i)\bLIMIT \?(\d*)`)
	limitAll       = regexp.MustCompile(`(?i)\bLIMIT -1\b`)
	insertInto     = regexp.MustCompile(`(?i)^\s*INSERT INTO (\w+)`)
	counter        = regexp.MustCompile(`(?i)\b(\w+) = (\w+) \+`)
	sumOpen        = regexp.MustCompile(`(?i)\bsum\(`)
	comparison     = regexp.MustCompile(`(?i)( = | <> | != | < | > | <= | >= | IN \(| IS | AND | OR |\bNOT )`)
)

// keywords that may follow IS or IS NOT and are not a value.
var notValue = map[string]bool{"null": true, "true": true, "false": true, "distinct": true, "not": true, "unknown": true}

// personKeys names, for each table MergePeople moves with UPDATE OR IGNORE,
// the columns beside person_id of its primary key: PostgreSQL has no OR
// IGNORE on UPDATE, so a row is moved only where the kept person has no
// row with the same key.
var personKeys = map[string][]string{
	"standup_asks":    {"standup_id", "day"},
	"project_members": {"project_id"},
	"ask_recipients":  {"ask_id", "step"},
}

func rewrite(q string) *statement {
	if m := updateOrIgnore.FindStringSubmatch(q); m != nil {
		if keys, ok := personKeys[m[1]]; ok {
			same := ""
			for _, k := range keys {
				same += " AND kept." + k + " = " + m[1] + "." + k
			}
			q = "UPDATE " + m[1] + " SET person_id = ?1 WHERE person_id = ?2 AND NOT EXISTS (SELECT 1 FROM " +
				m[1] + " AS kept WHERE kept.person_id = ?1" + same + ")"
		}
	}
	// A job's payload (BYTEA holding JSON, or empty) with a person id moved
	// from ?2 to ?1 (storage/sqlite's movePayloadField).
	q = movePayload.ReplaceAllString(q, `CASE WHEN length(payload) > 0 `+
		`AND (convert_from(payload, 'UTF8')::jsonb ->> '$1') = CAST(?2 AS TEXT) `+
		`THEN convert_to(jsonb_set(convert_from(payload, 'UTF8')::jsonb, '{$1}', to_jsonb(CAST(?1 AS BIGINT)))::text, 'UTF8') `+
		`ELSE payload END`)
	// Every column of asks is named beside a GROUP BY of the recipients'
	// ask_id; PostgreSQL accepts that once it groups by asks' key itself.
	q = groupByAsk.ReplaceAllString(q, "JOIN asks ON asks.id = r.ask_id${1}GROUP BY asks.id ORDER BY asks.id")
	q = indexedBy.ReplaceAllString(q, "")
	// SQLite's "(due_at IS NULL) = 0" (the overdue task list, a key of the
	// task indexes) compares a boolean with an integer, which PostgreSQL
	// refuses. Not "= false" either: the planner turns that into "due_at IS
	// NOT NULL", which no longer matches the index key (due_at IS NULL),
	// and sorts every overdue task; "IS FALSE" is kept and read as the key
	// (plans_test.go).
	q = isNullCompared.ReplaceAllStringFunc(q, func(m string) string {
		v := isNullCompared.FindStringSubmatch(m)
		return v[1] + map[string]string{"0": " IS FALSE", "1": " IS TRUE"}[v[2]]
	})
	if insertOrIgnore.MatchString(q) {
		q = insertOrIgnore.ReplaceAllString(q, "INSERT INTO")
		if loc := returning.FindStringIndex(q); loc != nil {
			q = q[:loc[0]] + " ON CONFLICT DO NOTHING" + q[loc[0]:]
		} else {
			q = strings.TrimRight(q, "; \n\t") + " ON CONFLICT DO NOTHING"
		}
	}
	// SQLite's IS and IS NOT compare any two values, NULL included;
	// PostgreSQL spells that IS [NOT] DISTINCT FROM.
	q = isNot.ReplaceAllStringFunc(q, func(m string) string {
		v := isNot.FindStringSubmatch(m)[1]
		if notValue[strings.ToLower(v)] {
			return m
		}
		return "IS DISTINCT FROM " + v
	})
	q = is.ReplaceAllStringFunc(q, func(m string) string {
		v := is.FindStringSubmatch(m)[1]
		if notValue[strings.ToLower(v)] {
			return m
		}
		return "IS NOT DISTINCT FROM " + v
	})
	q = ifnull.ReplaceAllString(q, "coalesce(")
	q = groupConcat.ReplaceAllString(q, "string_agg(CAST($1 AS TEXT),")
	q = nocaseEquals.ReplaceAllString(q, "lower($1) = lower(?)")
	q = jsonExtract.ReplaceAllString(q, "(CAST($1 AS jsonb) ->> '$2')")
	q = jsonArrayLen.ReplaceAllString(q, "jsonb_array_length(CAST($1 AS jsonb))")
	// FTS5's query (tickets.go's wordsMatch: "term"* "term" …, every term
	// required) as a tsquery: 'term':* & 'term'.
	q = ftsMatch.ReplaceAllString(q, `to_tsvector('simple', tickets_words.words) @@ `+
		`to_tsquery('simple', replace(replace(replace(?, '"', ''''), '''*', ''':*'), ' ''', ' & '''))`)
	// media has no integer key; its physical row id is ctid.
	if strings.Contains(q, "FROM media WHERE rowid") {
		q = mediaRowid.ReplaceAllString(q, "ctid")
	}
	q = scalarMinMax(q)
	// SQLite reads LIMIT -1 as no limit, PostgreSQL as an error; its LIMIT
	// NULL is no limit.
	q = limitAll.ReplaceAllString(q, "LIMIT ALL")
	q = limitParam.ReplaceAllString(q, "LIMIT NULLIF(CAST(?$1 AS BIGINT), -1)")
	// In an upsert's DO UPDATE, PostgreSQL wants the row's own column
	// named with its table (n = counts.n + excluded.n).
	if m := insertInto.FindStringSubmatch(q); m != nil {
		if i := strings.Index(strings.ToUpper(q), "DO UPDATE SET"); i >= 0 {
			q = q[:i] + counter.ReplaceAllStringFunc(q[i:], func(c string) string {
				p := counter.FindStringSubmatch(c)
				if p[1] != p[2] {
					return c
				}
				return p[1] + " = " + m[1] + "." + p[2] + " +"
			})
		}
	}
	q = sumOfConditions(q)
	return placeholders(q)
}

// scalarMinMax turns SQLite's two-or-more-argument min and max (the scalar
// functions) into LEAST and GREATEST; with one argument they are aggregates
// in both dialects and stay.
func scalarMinMax(q string) string {
	lower := strings.ToLower(q)
	var b strings.Builder
	last := 0
	for i := 0; i+4 <= len(q); i++ {
		name := lower[i : i+3]
		if (name != "max" && name != "min") || lower[i+3] != '(' || (i > 0 && isWord(lower[i-1])) {
			continue
		}
		depth, comma := 0, false
		for j := i + 3; j < len(q); j++ {
			switch q[j] {
			case '(':
				depth++
			case ')':
				depth--
			case ',':
				comma = comma || depth == 1
			}
			if depth == 0 {
				break
			}
		}
		if !comma {
			continue
		}
		b.WriteString(q[last:i])
		if name == "max" {
			b.WriteString("GREATEST")
		} else {
			b.WriteString("LEAST")
		}
		last = i + 3
	}
	b.WriteString(q[last:])
	return b.String()
}

// sumOfConditions counts a condition as SQLite does (sum(a = b), a
// boolean being 0 or 1 there): sum(CASE WHEN a = b THEN 1 ELSE 0 END).
func sumOfConditions(q string) string {
	for _, loc := range slicesBackward(sumOpen.FindAllStringIndex(q, -1)) {
		start, depth, end := loc[1], 1, len(q)
		for j := start; j < len(q) && end == len(q); j++ {
			switch q[j] {
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					end = j
				}
			}
		}
		arg := strings.TrimSpace(q[start:end])
		if end == len(q) || strings.HasPrefix(strings.ToUpper(arg), "CASE ") || !comparison.MatchString(arg) {
			continue
		}
		q = q[:start] + "CASE WHEN " + q[start:end] + " THEN 1 ELSE 0 END" + q[end:]
	}
	return q
}

func slicesBackward(locs [][]int) [][]int {
	for i, j := 0, len(locs)-1; i < j; i, j = i+1, j-1 {
		locs[i], locs[j] = locs[j], locs[i]
	}
	return locs
}

func isWord(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// placeholders numbers SQLite's parameters as PostgreSQL's: ?N is the
// N-th argument, and a bare ? one more than the largest number so far
// (SQLite's rule). The arguments used are numbered $1, $2, … in order of
// their first use. Text in quotes is left alone.
func placeholders(q string) *statement {
	var b strings.Builder
	b.Grow(len(q) + 16)
	st := &statement{}
	number := map[int]int{} // argument index → $n
	largest := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch c {
		case '\'', '"':
			j := strings.IndexByte(q[i+1:], c)
			if j < 0 {
				b.WriteString(q[i:])
				st.text = b.String()
				return st
			}
			b.WriteString(q[i : i+j+2])
			i += j + 1
		case '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := largest + 1
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j])
			}
			largest = max(largest, n)
			d, ok := number[n-1]
			if !ok {
				st.args = append(st.args, n-1)
				d = len(st.args)
				number[n-1] = d
			}
			b.WriteString("$" + strconv.Itoa(d))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	st.text = b.String()
	return st
}
