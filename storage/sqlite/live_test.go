package sqlite_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Ensure a picture is stored once by content, never inside the message row,
// and that one larger than the platforms take is refused.
func TestEnqueue_Pictures(t *testing.T) {
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "m.db"))
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	png := []byte("\x89PNG picture bytes")
	to := bot.Destination{Platform: "fake", Workspace: "w", ChatID: "C1"}
	mustUpdate(t, db, func(tx bot.Tx) error {
		for _, key := range []string{"a", "b"} {
			if _, err := tx.Enqueue(&bot.Outgoing{Key: key, To: to, Msg: bot.Message{Image: bot.NewImage("p.png", "", png)}}, now); err != nil {
				return err
			}
		}
		stored, err := tx.MediaPNG(bot.Digest(png))
		if err != nil || !bytes.Equal(stored, png) {
			t.Errorf("stored picture = %q, %v", stored, err)
		}
		q, err := tx.FindOutgoing(bot.OutboxQueued, 10)
		if err != nil || len(q) != 2 || q[0].Msg.Image.SHA256 != bot.Digest(png) || q[0].Msg.Image.PNG != nil {
			t.Errorf("queued = %+v, %v; want the digest only", q, err)
		}
		return nil
	})
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.Enqueue(&bot.Outgoing{Key: "big", To: to, Msg: bot.Message{Image: bot.NewImage("big.png", "", make([]byte, bot.MaxImageBytes+1))}}, now)
		return err
	})
	if bot.ErrorCode(err) != bot.ETOOLARGE {
		t.Errorf("a picture over 2 MB: %v, want ETOOLARGE", err)
	}
}

// Ensure a live card's copy is recorded when its message is queued, learns
// its remote id when sent, stays one copy when a later notification is
// merged into its message, and that edits and cards without a subject
// record nothing.
func TestEnqueue_CardCopies(t *testing.T) {
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "c.db"))
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	to := bot.Destination{Platform: "fake", Workspace: "w", UserID: "U1"}
	card := func(title string) *bot.Card {
		return &bot.Card{Title: title, Subject: "task/9", Lang: bot.LangZH, TZ: "Asia/Shanghai"}
	}
	var id int64
	mustUpdate(t, db, func(tx bot.Tx) error {
		o := &bot.Outgoing{Key: "n1", To: to, Coalesce: "k", NextAttempt: now.Add(time.Minute), Msg: bot.Message{Text: "one", Card: card("v1")}}
		if _, err := tx.Enqueue(o, now); err != nil {
			return err
		}
		id = o.ID
		merged := &bot.Outgoing{Key: "n2", To: to, Coalesce: "k", NextAttempt: now.Add(time.Minute), Msg: bot.Message{Text: "two", Card: card("v2")}}
		if _, err := tx.Enqueue(merged, now); err != nil || merged.ID != id {
			t.Errorf("merge: id %d, %v", merged.ID, err)
		}
		for _, o := range []*bot.Outgoing{
			{Key: "plain", To: to, Msg: bot.Message{Card: &bot.Card{Title: "no subject"}}},
			{Key: "edit", To: to, Msg: bot.Message{Card: card("v3"), Edit: &bot.Edit{CopyID: 1}}},
		} {
			if _, err := tx.Enqueue(o, now); err != nil {
				return err
			}
		}
		return nil
	})
	var copies []*bot.CardCopy
	mustUpdate(t, db, func(tx bot.Tx) (err error) {
		if err := tx.MarkSent(id, "remote-9", now); err != nil {
			return err
		}
		copies, err = tx.CardCopies("task/9", 10)
		return err
	})
	if len(copies) != 1 {
		t.Fatalf("copies = %d, want 1", len(copies))
	}
	c := copies[0]
	if c.OutboxID != id || c.RemoteID != "remote-9" || c.Posted != bot.OutboxSent || c.Lang != bot.LangZH || c.TZ != "Asia/Shanghai" || c.To != to {
		t.Errorf("copy = %+v", c)
	}
	// An inline card learns its id from a click; WeCom's code replaces it.
	mustUpdate(t, db, func(tx bot.Tx) error {
		in := &bot.CardCopy{Subject: "task/9", To: to, RemoteID: "inline-1"}
		if err := tx.SaveCardCopy(in, now); err != nil {
			return err
		}
		in.RemoteID = "code-2"
		if err := tx.SaveCardCopy(in, now); err != nil {
			return err
		}
		got, err := tx.FindCardCopy(in.ID)
		if err != nil || got.RemoteID != "code-2" || got.OutboxID != 0 || got.Posted != bot.OutboxSent {
			t.Errorf("inline copy = %+v, %v", got, err)
		}
		return nil
	})
}
