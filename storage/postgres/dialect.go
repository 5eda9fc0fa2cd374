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
var translated sync.Map // SQLite text → PostgreSQL text

func translate(q string) string {
	if t, ok := translated.Load(q); ok {
		return t.(string)
	}
	t := rewrite(q)
	translated.Store(q, t)
	return t
}

var (
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
	limitParam     = regexp.MustCompile(`(?i)\bLIMIT \?(\d*)`)
	limitAll       = regexp.MustCompile(`(?i)\bLIMIT -1\b`)
	insertInto     = regexp.MustCompile(`(?i)^\s*INSERT INTO (\w+)`)
	counter        = regexp.MustCompile(`(?i)\b(\w+) = (\w+) \+`)
	sumOpen        = regexp.MustCompile(`(?i)\bsum\(`)
	comparison     = regexp.MustCompile(`(?i)( = | <> | != | < | > | <= | >= | IN \(| IS | AND | OR |\bNOT )`)
)

// keywords that may follow IS or IS NOT and are not a value.
var notValue = map[string]bool{"null": true, "true": true, "false": true, "distinct": true, "not": true, "unknown": true}

func rewrite(q string) string {
	q = indexedBy.ReplaceAllString(q, "")
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
		start, depth, end := loc[1], 1, -1
		for j := start; j < len(q) && end < 0; j++ {
			switch q[j] {
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					end = j
				}
			}
		}
		if end < 0 || !comparison.MatchString(q[start:end]) {
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

// placeholders numbers SQLite's parameters as PostgreSQL's: ?N is $N, and a
// bare ? is one more than the largest number so far (SQLite's rule). Text in
// quotes is left alone.
func placeholders(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	largest := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch c {
		case '\'', '"':
			j := strings.IndexByte(q[i+1:], c)
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
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
			b.WriteString("$" + strconv.Itoa(n))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
