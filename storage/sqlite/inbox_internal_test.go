package sqlite

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
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

// Ensure a cleared payload leaves no bytes behind in the database file:
// without secure_delete the old row stays in the page's free space, where
// anyone reading the file (not the tables) would find the voter's click.
func TestSecureDelete_ClearedPayloadLeavesNoBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tandem.db")
	db := NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	const marker = "ou_voter_4f1c9e"
	ev := &bot.Event{Platform: "feishu", Workspace: "tenant", DedupKey: "click-1", ChatID: "oc_1",
		Sender: bot.Author{UserID: marker}, Action: &bot.Action{ID: "ask.vote", Value: "12/2"}}
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		if _, err := tx.InsertInbound(ev, bot.InboxPending, now); err != nil {
			return err
		}
		return nil
	})
	if err == nil {
		err = db.Update(context.Background(), func(tx bot.Tx) error { return tx.FinishInbound(ev.ID, bot.InboxDone, "", now) })
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil { // checkpoints the WAL into the file
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(marker)) {
			t.Errorf("%s still holds the cleared payload's bytes", filepath.Base(name))
		}
	}
}
