package sqlite_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// TestAsksAtScale measures the asks' store with a ledger of about a million
// lines: 100 asks of 10,000 people each. It prints how long adding a batch
// of recipients takes, and a ledger page, a count, a person's pending asks
// and a page of unread deliveries. Minutes of work, so it runs only with
// TANDEM_BIG=1:
//
//	TANDEM_BIG=1 go test ./storage/sqlite -run TestAsksAtScale -v
func TestAsksAtScale(t *testing.T) {
	if os.Getenv("TANDEM_BIG") != "1" {
		t.Skip("set TANDEM_BIG=1 to build a ledger of a million lines")
	}
	const people, asks, batch = 10_000, 100, 500
	path := filepath.Join(t.TempDir(), "big.db")
	db := sqlite.NewDB(path)
	db.Log = slog.New(slog.DiscardHandler)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	ids := make([]int64, 0, people)
	for start := 0; start < people; start += batch {
		must(db.Update(ctx, func(tx bot.Tx) error {
			for i := start; i < start+batch; i++ {
				p := &bot.Person{Name: fmt.Sprintf("Person %d", i), Handle: fmt.Sprintf("p%d", i)}
				if err := tx.CreatePerson(p, now); err != nil {
					return err
				}
				ids = append(ids, p.ID)
			}
			return nil
		}))
	}

	// Each ask's ledger is added in units of batch lines, as the fan-out
	// does; every unit is timed.
	var units []time.Duration
	askIDs := make([]int64, asks)
	began := time.Now()
	for k := range asks {
		a := &ask.Ask{Kind: ask.Announcement, Title: fmt.Sprintf("Announcement %d", k), AuthorID: ids[0],
			Status: ask.Open, CreatedAt: now}
		must(db.Update(ctx, func(tx bot.Tx) error { return ask.From(tx).CreateAsk(a) }))
		askIDs[k] = a.ID
		for start := 0; start < people; start += batch {
			rs := make([]*ask.Recipient, 0, batch)
			for _, id := range ids[start : start+batch] {
				rs = append(rs, &ask.Recipient{AskID: a.ID, PersonID: id, Role: ask.Reader, State: ask.Pending})
			}
			t0 := time.Now()
			var added int
			must(db.Update(ctx, func(tx bot.Tx) (err error) { added, err = ask.From(tx).AddRecipients(rs); return err }))
			units = append(units, time.Since(t0))
			if added != batch {
				t.Fatalf("added %d, want %d", added, batch)
			}
		}
	}
	total := time.Since(began)
	slices.Sort(units)
	t.Logf("AddRecipients: %d lines in %d units of %d: %v in all (%.0f lines/s); per unit p50 %v, p99 %v, max %v",
		people*asks, len(units), batch, total.Round(time.Millisecond), float64(people*asks)/total.Seconds(),
		units[len(units)/2], units[len(units)*99/100], units[len(units)-1])

	// Adding again (a fan-out run after a crash) adds nothing.
	last := askIDs[asks-1]
	again := make([]*ask.Recipient, 0, batch)
	for _, id := range ids[:batch] {
		again = append(again, &ask.Recipient{AskID: last, PersonID: id, Role: ask.Reader, State: ask.Pending})
	}
	t0 := time.Now()
	must(db.Update(ctx, func(tx bot.Tx) error {
		added, err := ask.From(tx).AddRecipients(again)
		if err == nil && added != 0 {
			err = fmt.Errorf("added %d again", added)
		}
		return err
	}))
	t.Logf("AddRecipients of %d lines already there: %v", batch, time.Since(t0))

	// The last ask's messages are sent (with platform ids), and one line
	// in three answered, so that pages by state and the read poll have
	// something to skip.
	for start := 0; start < people; start += batch {
		must(db.Update(ctx, func(tx bot.Tx) error {
			st := ask.From(tx)
			for i := start; i < start+batch; i++ {
				o := &bot.Outgoing{Key: fmt.Sprintf("ask/%d/%d", last, ids[i]),
					To: bot.Destination{Platform: "feishu", Workspace: "tenant", UserID: fmt.Sprint("ou_", i)}, Msg: bot.Message{Text: "Please read"}}
				if _, err := tx.Enqueue(o, now); err != nil {
					return err
				}
				if err := tx.MarkSent(o.ID, fmt.Sprint("om_", i), now.Add(time.Minute)); err != nil {
					return err
				}
				r := &ask.Recipient{AskID: last, PersonID: ids[i], Role: ask.Reader, State: ask.Pending, OutboxID: o.ID, SentAt: now}
				if i%3 == 0 {
					r.State, r.Answer, r.AnsweredAt = ask.Answered, "ack", now
				}
				if err := st.UpdateRecipient(r); err != nil {
					return err
				}
			}
			return nil
		}))
	}

	timeView := func(what string, fn func(ask.Store) (int, error)) {
		t.Helper()
		const runs = 20
		var n int
		t0 := time.Now()
		for range runs {
			must(db.View(ctx, func(tx bot.Tx) (err error) { n, err = fn(ask.From(tx)); return err }))
		}
		t.Logf("%s: %d rows, %v each", what, n, time.Since(t0)/runs)
	}
	mid := ids[people/2]
	timeView("Recipients, a page of 50 from the middle of a 10,000-line ledger", func(s ask.Store) (int, error) {
		rs, err := s.Recipients(last, ask.RecipientFilter{Step: 0, AfterPersonID: mid, Limit: 50})
		return len(rs), err
	})
	timeView("Recipients, pending, a page of 50 from the middle", func(s ask.Store) (int, error) {
		rs, err := s.Recipients(last, ask.RecipientFilter{Step: 0, State: ask.Pending, AfterPersonID: mid, Limit: 50})
		return len(rs), err
	})
	timeView("CountRecipients of a 10,000-line ledger", func(s ask.Store) (int, error) {
		c, err := s.CountRecipients(last, -1)
		return c.Total, err
	})
	timeView("PendingAsks, a page of 20 of a person asked 100 times", func(s ask.Store) (int, error) {
		as, err := s.PendingAsks(mid, "", 0, 20)
		return len(as), err
	})
	timeView("UnreadDeliveries, a page of 100 from the middle", func(s ask.Store) (int, error) {
		us, err := s.UnreadDeliveries(last, "feishu", now, mid, 100)
		return len(us), err
	})
	if fi, err := os.Stat(path); err == nil {
		t.Logf("database file: %d MB (plus its WAL)", fi.Size()>>20)
	}
}
