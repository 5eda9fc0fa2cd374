package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
)

// Ensure every form of ticket list is read from an index in the order it is
// shown: no scan of the table, no sort of every matching ticket, so a page
// costs its offset and its size however many tickets are open or archived
// (issue 13, item 10).
func TestFindTicketsQuery_ListsUseIndexes(t *testing.T) {
	db := openTestDB(t)
	for _, c := range []struct {
		name  string
		f     ticket.Filter
		index string
	}{
		{"ticket list open", ticket.Filter{Active: true, Limit: 21}, "tickets_active"},
		{"ticket list open page 3", ticket.Filter{Active: true, Limit: 21, Offset: 40}, "tickets_active"},
		{"ticket list mine", ticket.Filter{Active: true, OwnerID: 7, Limit: 21}, "tickets_owner_active"},
		{"ticket list requested", ticket.Filter{Active: true, RequesterID: 7, Limit: 21}, "tickets_requester_active"},
		{"ticket list dept:QA", ticket.Filter{Active: true, DeptID: 3, Limit: 21}, "tickets_dept_active"},
		{"ticket list cat:quality", ticket.Filter{Active: true, Category: "quality", Limit: 21}, "tickets_category_active"},
		{"ticket list breached", ticket.Filter{Active: true, Breached: true, Limit: 21}, "tickets_breached_active"},
		{"ticket list dept:QA breached", ticket.Filter{Active: true, DeptID: 3, Breached: true, Limit: 21}, "tickets_dept_breached_active"},
		{"ticket list mine breached", ticket.Filter{Active: true, OwnerID: 7, Breached: true, Limit: 21}, ""},
		{"ticket list mine dept:QA", ticket.Filter{Active: true, OwnerID: 7, DeptID: 3, Limit: 21}, ""},
		{"ticket list closed", ticket.Filter{Limit: 21}, "tickets_closed"},
		{"ticket list closed page 2", ticket.Filter{Limit: 21, Offset: 20}, "tickets_closed"},
		{"ticket list closed mine", ticket.Filter{OwnerID: 7, Limit: 21}, "tickets_owner_closed"},
		{"ticket list closed requested", ticket.Filter{RequesterID: 7, Limit: 21}, "tickets_requester_closed"},
		{"ticket list closed dept:QA", ticket.Filter{DeptID: 3, Limit: 21}, "tickets_dept_closed"},
		{"ticket list closed cat:quality", ticket.Filter{Category: "quality", Limit: 21}, "tickets_category_closed"},
		{"ticket list closed breached", ticket.Filter{Breached: true, Limit: 21}, "tickets_breached_closed"},
		{"ticket search labels", ticket.Filter{Text: "labels peel", Limit: 21}, "tickets_words"},
		{"ticket search open 标签", ticket.Filter{Active: true, Text: "标签", Limit: 21}, "tickets_words"},
		{"ticket search mine", ticket.Filter{Active: true, OwnerID: 7, Text: "batch", Limit: 21}, "tickets_words"},
	} {
		q, args, ok := findTicketsQuery(c.f)
		if !ok {
			t.Fatalf("%s: no query", c.name)
		}
		plan := queryPlan(t, db, q, args)
		if c.index == "tickets_words" {
			// A search reads the matches from the full-text index (a MATCH
			// constraint, "M" in FTS5's plan) in rowid order, and each
			// ticket by its id.
			if !strings.Contains(plan, "tickets_words VIRTUAL TABLE INDEX") || !strings.Contains(plan, ":M") {
				t.Errorf("%s: plan %q does not search tickets_words", c.name, plan)
			}
			c.index = ""
		}
		assertIndexedPlan(t, c.name, plan, "tickets", c.index)
	}
}

// Ensure a ticket's timeline, clock and tasks are read from their indexes.
func TestTicketDetailQueries_UseIndexes(t *testing.T) {
	assertIndexedQueries(t, openTestDB(t), []indexedQuery{
		{`SELECT id, ticket_id, actor_id, kind, from_value, to_value, at FROM ticket_events WHERE ticket_id = ? ORDER BY id LIMIT ?`, []any{1, 50}, "ticket_events", "ticket_events_ticket"},
		{`SELECT ticket_id, cycle, kind, at FROM ticket_clock WHERE ticket_id = ? AND cycle = ? ORDER BY at, id`, []any{1, 2}, "ticket_clock", "ticket_clock_cycle"},
		{`SELECT task_id FROM ticket_tasks WHERE ticket_id = ? ORDER BY task_id`, []any{1}, "ticket_tasks", ""},
	})
}

// Ensure titles are spelled for the full-text index so that a Chinese word
// is found inside an unspaced title and a Latin word by its start.
func TestTitleWords(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Batch 2611 labels peel off", "batch 2611 labels peel off"},
		{"批次2611标签脱落", "批 次 批次 2611 标 签 脱 落 标签 签脱 脱落"},
		{"  ", ""},
	} {
		if got := titleWords(c.in); got != c.want {
			t.Errorf("titleWords(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"Labels", `"labels"*`},
		{"标签", `"标签"`},
		{"签", `"签"`},
		{"标签脱", `"标签" "签脱"`},
		{`la"bel OR x`, `"la"* "bel"* "or"* "x"*`},
		{"!!!", ""},
	} {
		if got := wordsMatch(c.in); got != c.want {
			t.Errorf("wordsMatch(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Ensure stats are read from indexes alone: a department's active and
// breached active tickets are counted from tickets_dept_open, and the window's
// resolved tickets are one range of tickets_dept_resolved, which carries
// every figure summed, so no ticket's row is read whatever the archive
// holds.
func TestTicketStatsQueries_CoveringIndexes(t *testing.T) {
	db := openTestDB(t)
	args := [][]any{{3}, {3, int64(1_700_000_000_000), int64(1_700_600_000_000)}}
	for i, index := range []string{"tickets_dept_open", "tickets_dept_resolved"} {
		plan := queryPlan(t, db, ticketStatsQueries[i], args[i])
		assertIndexedPlan(t, index, plan, "tickets", index)
		if !strings.Contains(plan, "COVERING INDEX "+index) {
			t.Errorf("query %d: plan %q reads rows, not only %s", i, plan, index)
		}
		if i == 1 && !strings.Contains(plan, "resolved_at>? AND resolved_at<?") {
			t.Errorf("query %d: plan %q does not read the window as one range", i, plan)
		}
	}
}

// Ensure the upgrade that keeps the last rung told on the ticket
// (0115_ticket_stats.sql) fills it from the timeline's escalations of the
// ticket's current cycle, so that no rung told before the upgrade is told
// again after it, and fills the wall-clock times of acknowledged and
// resolved tickets.
func TestMigration0115_FillsFromTheTimeline(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var ids [3]int64
	err := db.Update(ctx, func(btx bot.Tx) error {
		st := ticket.From(btx)
		for i := range ids {
			tk := &ticket.Ticket{Title: "t", Priority: ticket.P2, Status: ticket.Open, Cycle: 2, OpenedAt: at, CreatedAt: at, UpdatedAt: at}
			if i == 1 {
				tk.Status, tk.AckedAt, tk.ResolvedAt = ticket.Resolved, at.Add(time.Hour), at.Add(3*time.Hour)
			}
			if err := st.CreateTicket(tk); err != nil {
				return err
			}
			ids[i] = tk.ID
		}
		for _, e := range []ticket.Event{
			{TicketID: ids[0], Kind: ticket.Escalated, From: "1", To: "3/3 150% resolution, repeat 4"}, // an earlier cycle
			{TicketID: ids[0], Kind: ticket.Escalated, From: "2", To: "1/3 75% resolution"},
			{TicketID: ids[0], Kind: ticket.Escalated, From: "2", To: "3/3 150% resolution, repeat 2"},
			{TicketID: ids[0], Kind: ticket.Escalated, From: "2", To: "2/3 100% resolution, repeat 2"},
			{TicketID: ids[0], Kind: ticket.Escalated, From: "ack", To: "2026-11-20T10:00:00Z"}, // an ack timeout
			{TicketID: ids[1], Kind: ticket.Escalated, From: "2", To: "2/3 100% resolution"},
		} {
			e.At = at
			if err := st.AddTicketEvent(&e); err != nil {
				return err
			}
		}
		// As before the upgrade: nothing recorded on the tickets.
		_, err := btx.(*tx).exec(`UPDATE tickets SET last_rung_step = -1, last_rung_round = 0, last_rung_cycle = 0,
			ack_wall_ms = 0, resolve_wall_ms = 0`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sqlText, err := migrationFS.ReadFile("migrations/0115_ticket_stats.sql")
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(btx bot.Tx) error {
		for _, stmt := range strings.Split(string(sqlText), ";") {
			if s := strings.TrimSpace(stmt); strings.HasPrefix(s, "UPDATE") {
				if _, err := btx.(*tx).exec(s); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		rung       ticket.Rung
		ack, solve time.Duration
	}{{ticket.Rung{Step: 2, Round: 2}, 0, 0}, {ticket.Rung{Step: 1}, time.Hour, 3 * time.Hour}, {ticket.Start, 0, 0}}
	err = db.View(ctx, func(btx bot.Tx) error {
		for i, id := range ids {
			tk, err := ticket.From(btx).FindTicketByID(id)
			if err != nil {
				return err
			}
			if tk.Fired() != want[i].rung || tk.AckWall != want[i].ack || tk.ResolveWall != want[i].solve {
				t.Errorf("ticket %d: fired %+v, ack %v, resolve %v; want %+v", i, tk.Fired(), tk.AckWall, tk.ResolveWall, want[i])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
