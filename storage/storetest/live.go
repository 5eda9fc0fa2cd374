package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// liveTests hold a store to live cards and pictures: what Enqueue records
// of them, what MarkSent completes, and CardTx and MediaTx.
var liveTests = map[string]func(*testing.T, bot.Store){
	"pictures are stored once by content": testPictures,
	"a picture over the limit is refused": testPictureTooLarge,
	"uploads are kept and reused":         testUploads,
	"files are stored like pictures":      testFiles,
	"card copies follow their messages":   testCardCopies,
	"an inline card is remembered":        testInlineCopy,
	"a queued card is revised until sent": testReviseQueued,
}

var tinyPNG = []byte("\x89PNG\r\n\x1a\n picture bytes")

func testPictures(t *testing.T, s bot.Store) {
	to := bot.Destination{Platform: "fake", Workspace: "w", ChatID: "C1"}
	for _, key := range []string{"a", "b"} {
		enqueue(t, s, &bot.Outgoing{Key: key, To: to, Msg: bot.Message{Image: bot.NewImage("p.png", "", tinyPNG)}}, t0)
	}
	stored := view(t, s, func(tx bot.Tx) ([]byte, error) { return tx.MediaPNG(bot.Digest(tinyPNG)) })
	if !bytes.Equal(stored, tinyPNG) {
		t.Errorf("stored picture = %q", stored)
	}
	for _, o := range outgoing(t, s, bot.OutboxQueued) {
		if o.Msg.Image == nil || o.Msg.Image.SHA256 != bot.Digest(tinyPNG) || o.Msg.Image.PNG != nil {
			t.Errorf("queued %s: image %+v, want the digest and no bytes", o.Key, o.Msg.Image)
		}
	}
	err := s.View(context.Background(), func(tx bot.Tx) error { _, err := tx.MediaPNG("no-such-digest"); return err })
	wantCode(t, "an unknown picture", err, bot.ENOTFOUND)
}

func testPictureTooLarge(t *testing.T, s bot.Store) {
	err := s.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.Enqueue(&bot.Outgoing{Key: "big", To: bob, Msg: bot.Message{Image: bot.NewImage("big.png", "", make([]byte, bot.MaxImageBytes+1))}}, t0)
		return err
	})
	wantCode(t, "a picture over 2 MB", err, bot.ETOOLARGE)
}

func testUploads(t *testing.T, s bot.Store) {
	enqueue(t, s, &bot.Outgoing{Key: "a", To: bob, Msg: bot.Message{Image: bot.NewImage("p.png", "", tinyPNG)}}, t0)
	id := outgoing(t, s, bot.OutboxQueued)[0].ID
	sha := bot.Digest(tinyPNG)
	update(t, s, func(tx bot.Tx) error { return tx.RecordUpload(id, sha, "slack", "T1", "once-key", time.Time{}) })
	if o := claimOut(t, s, "slack", t0, "me"); len(o) != 1 || o[0].Msg.Image.Key != "once-key" {
		t.Fatalf("claimed %+v, want the recorded upload on the message", o)
	}
	type cached struct {
		key string
		ok  bool
	}
	look := func(now time.Time) cached {
		return view(t, s, func(tx bot.Tx) (cached, error) {
			k, ok, err := tx.CachedUpload(sha, "slack", "T1", now)
			return cached{k, ok}, err
		})
	}
	if c := look(t0); c.ok {
		t.Errorf("a key for this message only is offered to others: %+v", c)
	}
	update(t, s, func(tx bot.Tx) error { return tx.RecordUpload(id, sha, "slack", "T1", "shared-key", t0.Add(time.Hour)) })
	if c := look(t0.Add(59 * time.Minute)); !c.ok || c.key != "shared-key" {
		t.Errorf("within its reuse: %+v, want shared-key", c)
	}
	if c := look(t0.Add(time.Hour)); c.ok {
		t.Errorf("after its reuse: %+v, want none", c)
	}
	if c := view(t, s, func(tx bot.Tx) (bool, error) { _, ok, err := tx.CachedUpload(sha, "slack", "T2", t0); return ok, err }); c {
		t.Error("an upload is offered to another app")
	}
}

func testCardCopies(t *testing.T, s bot.Store) {
	to := bot.Destination{Platform: "slack", Workspace: "T1", UserID: "U1"}
	card := func(title string) *bot.Card {
		return &bot.Card{Title: title, Subject: "task/9", Lang: bot.LangZH, TZ: "Asia/Shanghai"}
	}
	first := &bot.Outgoing{Key: "n1", To: to, Coalesce: "k", NextAttempt: t0.Add(time.Minute), Msg: bot.Message{Text: "one", Card: card("v1")}}
	enqueue(t, s, first, t0)
	merged := &bot.Outgoing{Key: "n2", To: to, Coalesce: "k", NextAttempt: t0.Add(time.Minute), Msg: bot.Message{Text: "two", Card: card("v2")}}
	enqueue(t, s, merged, t0)
	enqueue(t, s, &bot.Outgoing{Key: "plain", To: to, Msg: bot.Message{Card: &bot.Card{Title: "no subject"}}}, t0)
	enqueue(t, s, &bot.Outgoing{Key: "edit", To: to, Msg: bot.Message{Card: card("v3"), Edit: &bot.Edit{CopyID: 1}}}, t0)
	copies := func() []*bot.CardCopy {
		return view(t, s, func(tx bot.Tx) ([]*bot.CardCopy, error) { return tx.CardCopies("task/9", 10) })
	}
	cs := copies()
	if len(cs) != 1 || cs[0].OutboxID != first.ID || cs[0].RemoteID != "" || cs[0].Posted != bot.OutboxQueued ||
		!cs[0].PostAt.Equal(t0.Add(time.Minute)) || cs[0].Lang != bot.LangZH || cs[0].TZ != "Asia/Shanghai" || cs[0].To != to {
		t.Fatalf("copies before sending = %+v, want one, queued, due with its message", cs)
	}
	update(t, s, func(tx bot.Tx) error { return tx.MarkSent(first.ID, "remote-9", t0) })
	cs = copies()
	if len(cs) != 1 || cs[0].RemoteID != "remote-9" || cs[0].Posted != bot.OutboxSent {
		t.Errorf("copy after sending = %+v", cs)
	}
	got := view(t, s, func(tx bot.Tx) (*bot.CardCopy, error) { return tx.FindCardCopy(cs[0].ID) })
	if got.RemoteID != "remote-9" || got.Subject != "task/9" {
		t.Errorf("FindCardCopy = %+v", got)
	}
	err := s.View(context.Background(), func(tx bot.Tx) error { _, err := tx.FindCardCopy(cs[0].ID + 100); return err })
	wantCode(t, "an unknown copy", err, bot.ENOTFOUND)
}

func testInlineCopy(t *testing.T, s bot.Store) {
	to := bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "C1"}
	c := &bot.CardCopy{Subject: "task/3", To: to, Lang: bot.LangEN, RemoteID: "C1/1.0"}
	update(t, s, func(tx bot.Tx) error { return tx.SaveCardCopy(c, t0) })
	if c.ID == 0 {
		t.Fatal("SaveCardCopy gave no id")
	}
	c.RemoteID = "code-2"
	update(t, s, func(tx bot.Tx) error { return tx.SaveCardCopy(c, t0) })
	got := view(t, s, func(tx bot.Tx) (*bot.CardCopy, error) { return tx.FindCardCopy(c.ID) })
	if got.RemoteID != "code-2" || got.OutboxID != 0 || got.Posted != bot.OutboxSent || got.To != to {
		t.Errorf("inline copy = %+v", got)
	}
	// Copies come newest last, and only the newest when there are more.
	for i := range 3 {
		update(t, s, func(tx bot.Tx) error {
			return tx.SaveCardCopy(&bot.CardCopy{Subject: "task/3", To: to, RemoteID: string(rune('a' + i))}, t0)
		})
	}
	cs := view(t, s, func(tx bot.Tx) ([]*bot.CardCopy, error) { return tx.CardCopies("task/3", 2) })
	if len(cs) != 2 || cs[0].RemoteID != "b" || cs[1].RemoteID != "c" {
		t.Errorf("newest two copies = %+v", cs)
	}
}

func testReviseQueued(t *testing.T, s bot.Store) {
	o := &bot.Outgoing{Key: "n1", To: bob, Msg: bot.Message{Text: "news", Card: &bot.Card{Title: "v1", Subject: "task/4"}}}
	enqueue(t, s, o, t0)
	revise := func(title string) bool {
		return apply(t, s, func(tx bot.Tx) (bool, error) {
			return tx.ReviseQueuedCard(o.ID, &bot.Card{Title: title, Subject: "task/4"})
		})
	}
	if !revise("v2") {
		t.Fatal("an unclaimed queued card was not revised")
	}
	q := outgoing(t, s, bot.OutboxQueued)
	if len(q) != 1 || q[0].Msg.Card.Title != "v2" || q[0].Msg.Text != "news" {
		t.Fatalf("queued = %+v, want the card revised and the text kept", q)
	}
	claimOut(t, s, bob.Platform, t0, "me")
	if revise("v3") {
		t.Error("a claimed card was revised: a sender may be posting it")
	}
}

// apply runs fn in a unit that may write and returns its result.
func apply[T any](t *testing.T, s bot.Store, fn func(bot.Tx) (T, error)) T {
	t.Helper()
	var v T
	update(t, s, func(tx bot.Tx) (err error) { v, err = fn(tx); return err })
	return v
}

func testFiles(t *testing.T, s bot.Store) {
	data := []byte("\ufeffname\n工单\n")
	enqueue(t, s, &bot.Outgoing{Key: "f", To: bob, Msg: bot.Message{Text: "export", File: bot.NewFile("t.csv", "text/csv", data)}}, t0)
	if got := view(t, s, func(tx bot.Tx) ([]byte, error) { return tx.MediaPNG(bot.Digest(data)) }); !bytes.Equal(got, data) {
		t.Errorf("stored file = %q", got)
	}
	o := outgoing(t, s, bot.OutboxQueued)
	if len(o) != 1 || o[0].Msg.File == nil || o[0].Msg.File.Data != nil || o[0].Msg.File.Size != len(data) || o[0].Msg.File.Name != "t.csv" {
		t.Fatalf("queued %+v, want the file's digest, name and size and no bytes", o)
	}
	update(t, s, func(tx bot.Tx) error {
		return tx.RecordUpload(o[0].ID, bot.Digest(data), "slack", "T1", "F1", time.Time{})
	})
	if c := claimOut(t, s, "slack", t0, "me"); len(c) != 1 || c[0].Msg.File.Key != "F1" {
		t.Fatalf("claimed %+v, want the file's upload on it", c)
	}
	err := s.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.Enqueue(&bot.Outgoing{Key: "big", To: bob, Msg: bot.Message{File: bot.NewFile("big.csv", "text/csv", make([]byte, bot.MaxFileBytes+1))}}, t0)
		return err
	})
	wantCode(t, "a file over 20 MB", err, bot.ETOOLARGE)
	err = s.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.Enqueue(&bot.Outgoing{Key: "both", To: bob, Msg: bot.Message{Image: bot.NewImage("p.png", "", tinyPNG), File: bot.NewFile("t.csv", "text/csv", data)}}, t0)
		return err
	})
	wantCode(t, "a picture and a file in one message", err, bot.EINTERNAL)
}
