package sqlite

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot/ask"
)

// Ensure every read of the asks is answered from an index in the order it
// is returned: a page of a ledger of 10,000 people, a person's pending
// asks and the read-receipt poll's deliveries cost their page, not the
// ledger or the table (no scan, no sort in a temporary B-tree).
func TestAskQueries_UseIndexes(t *testing.T) {
	db := openTestDB(t)
	for _, c := range []struct {
		name  string
		f     ask.RecipientFilter
		index string
	}{
		{"ledger, every step", ask.RecipientFilter{Step: -1, Limit: 50}, ""},
		{"ledger page 2, step 0", ask.RecipientFilter{Step: 0, AfterPersonID: 400, Limit: 50}, ""},
		{"ledger pending", ask.RecipientFilter{Step: 0, State: ask.Pending, Limit: 50}, "ask_recipients_state"},
		{"ledger answered page 2", ask.RecipientFilter{Step: -1, State: ask.Answered, AfterPersonID: 400, Limit: 50}, "ask_recipients_state"},
	} {
		q, args := recipientsQuery(12, c.f)
		plan := queryPlan(t, db, q, args)
		assertIndexedPlan(t, c.name, plan, "ask_recipients", c.index)
		if c.index == "" && !strings.Contains(plan, "USING PRIMARY KEY (ask_id=? AND person_id>?)") {
			t.Errorf("%s: plan %q does not read a range of the table's key", c.name, plan)
		}
		// The page starts at the person: a range, not the whole ask.
		if !strings.Contains(plan, "person_id>?") {
			t.Errorf("%s: plan %q does not start the page at a person id", c.name, plan)
		}
	}
	plan := queryPlan(t, db, pendingAsksQuery, []any{7, "", 20, 0})
	assertIndexedPlan(t, "pending asks", plan, "ask_recipients", "ask_recipients_person")
	assertIndexedPlan(t, "pending asks", plan, "asks", "")
	if !strings.Contains(plan, "SEARCH asks USING INTEGER PRIMARY KEY") {
		t.Errorf("pending asks: plan %q does not find each ask by its id", plan)
	}

	plan = queryPlan(t, db, unreadDeliveriesQuery, []any{12, 0, "feishu", 0, 100})
	assertIndexedPlan(t, "unread deliveries", plan, "ask_recipients", "ask_recipients_unread")
	assertIndexedPlan(t, "unread deliveries", plan, "outbox", "")
	if !strings.Contains(plan, "SEARCH o USING INTEGER PRIMARY KEY") {
		t.Errorf("unread deliveries: plan %q does not find each message by its id", plan)
	}

	plan = queryPlan(t, db, skipPendingQuery, []any{12})
	assertIndexedPlan(t, "skip pending", plan, "ask_recipients", "ask_recipients_state")

	plan = queryPlan(t, db, countRecipientsQuery, []any{12, -1})
	assertIndexedPlan(t, "count recipients", plan, "ask_recipients", "")
	if !strings.Contains(plan, "(ask_id=?)") {
		t.Errorf("count recipients: plan %q does not read one ask's lines", plan)
	}

	for _, c := range []struct {
		name  string
		f     ask.Filter
		index string
	}{
		{"asks", ask.Filter{Limit: 20}, ""},
		{"asks by kind", ask.Filter{Kind: ask.Vote, Limit: 20}, "asks_kind"},
		{"asks by status", ask.Filter{Status: ask.Open, Limit: 20, Offset: 20}, "asks_status"},
		{"asks by author", ask.Filter{AuthorID: 3, Limit: 20}, "asks_author"},
	} {
		q, args := findAsksQuery(c.f)
		plan := queryPlan(t, db, q, args)
		if c.index == "" {
			// Every ask, newest first: the table in reverse id order.
			if plan != "SCAN asks" {
				t.Errorf("%s: plan %q, want the table read in id order", c.name, plan)
			}
			continue
		}
		assertIndexedPlan(t, c.name, plan, "asks", c.index)
	}
}
