package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Ensure an event finished as done (or ignored) keeps no payload in the
// database: a click on an anonymous vote carries the voter's account and
// their choice, and the raw event must not outlive its handling. A failed
// event keeps its payload (the admins look at it), and one still pending
// keeps it until it is handled.
func TestFinishInbound_ClearsPayloadOfDoneEvents(t *testing.T) {
	db := openTestDB(t)
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	click := func(key string) *bot.Event {
		return &bot.Event{Platform: "feishu", Workspace: "tenant", DedupKey: key, ChatID: "oc_1",
			Sender: bot.Author{UserID: "ou_voter"}, Action: &bot.Action{ID: "ask.vote", Value: "12/2"}}
	}
	finish := map[string]bot.InboxState{"done": bot.InboxDone, "ignored": bot.InboxIgnored, "failed": bot.InboxFailed, "pending": ""}
	ids := map[string]int64{}
	for key, state := range finish {
		ev := click(key)
		err := db.Update(context.Background(), func(tx bot.Tx) error {
			if _, err := tx.InsertInbound(ev, bot.InboxPending, now); err != nil {
				return err
			}
			if state == "" {
				return nil
			}
			return tx.FinishInbound(ev.ID, state, "", now)
		})
		if err != nil {
			t.Fatal(err)
		}
		ids[key] = ev.ID
	}
	for key, id := range ids {
		var payload, state string
		if err := db.rdb.QueryRow(`SELECT payload, state FROM inbox WHERE id = ?`, id).Scan(&payload, &state); err != nil {
			t.Fatal(err)
		}
		keeps := key == "failed" || key == "pending"
		if keeps && !strings.Contains(payload, "ou_voter") {
			t.Errorf("%s event (state %s): payload %q, want the event kept", key, state, payload)
		}
		if !keeps && payload != "" {
			t.Errorf("%s event (state %s): payload %q, want it cleared", key, state, payload)
		}
	}
	// A done event that fails afterwards (handled again) is written in full
	// again by RecordInboundFailure, so it does not need its old payload.
	done := click("done")
	done.ID = ids["done"]
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.RecordInboundFailure(done, "boom", now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(context.Background(), func(tx bot.Tx) error {
		ev, found, err := tx.PendingInbound(done.ID)
		if err == nil && (!found || ev.Action == nil || ev.Action.Value != "12/2") {
			t.Errorf("event after a recorded failure = %+v, %v; want it whole", ev, found)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
