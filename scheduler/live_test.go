package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// recordingSender keeps what each Send was given and can upload pictures.
type recordingSender struct {
	mu        sync.Mutex
	got       []bot.Message
	uploads   int
	reuse     time.Duration
	uploadErr []error // scripted outcomes of UploadImage
	sendErr   []error // scripted outcomes of Send
	n         int
}

func (r *recordingSender) Platform() string { return "fake" }

func (r *recordingSender) Send(ctx context.Context, o *bot.Outgoing) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.sendErr) > 0 {
		err := r.sendErr[0]
		r.sendErr = r.sendErr[1:]
		if err != nil {
			return "", err
		}
	}
	m := o.Msg
	if m.Image != nil {
		img := *m.Image
		m.Image = &img
	}
	if m.File != nil {
		f := *m.File
		m.File = &f
	}
	if m.Edit != nil {
		e := *m.Edit
		m.Edit = &e
	}
	r.got = append(r.got, m)
	r.n++
	return fmt.Sprintf("msg-%d", r.n), nil
}

func (r *recordingSender) UploadImage(ctx context.Context, to bot.Destination, img *bot.Image) (string, time.Duration, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.uploadErr) > 0 {
		err := r.uploadErr[0]
		r.uploadErr = r.uploadErr[1:]
		if err != nil {
			return "", 0, err
		}
	}
	if !bytes.Equal(img.PNG, testPNG) {
		return "", 0, errors.New("upload without the picture's bytes")
	}
	r.uploads++
	return fmt.Sprintf("upload-%d", r.uploads), r.reuse, nil
}

// UploadFile makes recordingSender a bot.FileUploader too, keyed apart
// from pictures so a test can tell which upload a message got.
func (r *recordingSender) UploadFile(ctx context.Context, to bot.Destination, f *bot.File) (string, time.Duration, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !bytes.Equal(f.Data, testFile) {
		return "", 0, errors.New("upload without the file's bytes")
	}
	r.uploads++
	return fmt.Sprintf("file-%d", r.uploads), r.reuse, nil
}

var testFile = []byte("\ufeffid,标题\n1,打印机坏了\n")

var testPNG = []byte("\x89PNG\r\n\x1a\nnot really, but bytes")

func liveSetup(t *testing.T, s *recordingSender) (*sqlite.DB, func() int, *time.Time) {
	t.Helper()
	db, d, now := setup(t, &fakeSender{})
	d.Senders = []bot.Sender{s}
	return db, func() int {
		n, err := d.DeliverDue(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}, now
}

func put(t *testing.T, db *sqlite.DB, o *bot.Outgoing) {
	t.Helper()
	if o.To.Platform == "" {
		o.To = bot.Destination{Platform: "fake", Workspace: "w", ChatID: "C1"}
	}
	if err := db.Update(context.Background(), func(tx bot.Tx) error { _, err := tx.Enqueue(o, t0); return err }); err != nil {
		t.Fatal(err)
	}
}

func copyOf(t *testing.T, db *sqlite.DB, subject string) *bot.CardCopy {
	t.Helper()
	var cs []*bot.CardCopy
	if err := db.View(context.Background(), func(tx bot.Tx) (err error) { cs, err = tx.CardCopies(subject, 10); return }); err != nil || len(cs) != 1 {
		t.Fatalf("copies of %s = %+v, %v", subject, cs, err)
	}
	return cs[0]
}

// Ensure an edit queued before its card went out waits for the card, without
// using up attempts, and then edits the message the platform named.
func TestDeliver_EditWaitsForItsCard(t *testing.T) {
	s := &recordingSender{}
	db, deliver, now := liveSetup(t, s)
	card := &bot.Card{Title: "#1", Subject: "task/1"}
	put(t, db, &bot.Outgoing{Key: "card", Msg: bot.Message{Card: card}, NextAttempt: t0.Add(time.Minute)})
	c := copyOf(t, db, "task/1")
	if c.RemoteID != "" || c.Posted != bot.OutboxQueued {
		t.Fatalf("copy before sending = %+v", c)
	}
	put(t, db, &bot.Outgoing{Key: "edit", Msg: bot.Message{Text: "done", Card: &bot.Card{Title: "#1 done", Subject: "task/1"}, Edit: &bot.Edit{CopyID: c.ID}}})

	deliver()
	if len(s.got) != 0 {
		t.Fatalf("sent %+v before the card it edits", s.got)
	}
	if q := state(t, db, bot.OutboxQueued); len(q) != 2 || q[0].Attempts+q[1].Attempts != 0 {
		t.Fatalf("queued = %+v, want both, the edit's wait not counted as an attempt", q)
	}
	*now = t0.Add(time.Minute + 3*time.Second)
	deliver()
	if len(s.got) != 2 || s.got[0].Edit != nil || s.got[1].Edit == nil || s.got[1].Edit.RemoteID != "msg-1" {
		t.Fatalf("sent %+v, want the card and then an edit of msg-1", s.got)
	}
	if c := copyOf(t, db, "task/1"); c.RemoteID != "msg-1" || c.Posted != bot.OutboxSent {
		t.Errorf("copy after sending = %+v", c)
	}
}

// Ensure an edit of a card that never went out posts the card's new state
// instead of waiting for ever.
func TestDeliver_EditOfADeadCardPostsIt(t *testing.T) {
	s := &recordingSender{sendErr: []error{&bot.DeliveryError{Err: errors.New("no such chat"), Permanent: true}}}
	db, deliver, _ := liveSetup(t, s)
	put(t, db, &bot.Outgoing{Key: "card", Msg: bot.Message{Card: &bot.Card{Title: "#1", Subject: "task/1"}}})
	deliver()
	c := copyOf(t, db, "task/1")
	if c.Posted != bot.OutboxDead {
		t.Fatalf("copy = %+v, want its message dead", c)
	}
	put(t, db, &bot.Outgoing{Key: "edit", Msg: bot.Message{Text: "done", Card: &bot.Card{Title: "#1 done"}, Edit: &bot.Edit{CopyID: c.ID}}})
	deliver()
	if len(s.got) != 1 || s.got[0].Edit != nil || s.got[0].Card.Title != "#1 done" {
		t.Errorf("sent %+v, want the new state posted as a card", s.got)
	}
}

// Ensure a picture is uploaded before it is sent, its upload is recorded so
// that a failed send is retried without uploading again, and an upload the
// platform lets other messages reuse is reused.
func TestDeliver_PictureUploadedOnce(t *testing.T) {
	s := &recordingSender{reuse: time.Hour, sendErr: []error{errors.New("502")}}
	db, deliver, now := liveSetup(t, s)
	put(t, db, &bot.Outgoing{Key: "p1", Msg: bot.Message{Text: "chart", Image: bot.NewImage("c.png", "", testPNG)}})
	deliver()
	if s.uploads != 1 || len(s.got) != 0 {
		t.Fatalf("uploads %d, sent %d; want the upload done and the send failed", s.uploads, len(s.got))
	}
	q := state(t, db, bot.OutboxQueued)
	if len(q) != 1 || q[0].Msg.Image.Key != "upload-1" || q[0].Msg.Image.PNG != nil {
		t.Fatalf("queued = %+v, want the upload's key kept and no bytes in the row", q)
	}
	*now = t0.Add(time.Hour / 2)
	deliver()
	if s.uploads != 1 || len(s.got) != 1 || s.got[0].Image.Key != "upload-1" || !bytes.Equal(s.got[0].Image.PNG, testPNG) {
		t.Fatalf("uploads %d, sent %+v; want the retry to reuse upload-1 with the bytes at hand", s.uploads, s.got)
	}
	// Another message with the same picture through the same app reuses
	// the upload while the platform keeps it.
	put(t, db, &bot.Outgoing{Key: "p2", Msg: bot.Message{Text: "again", Image: bot.NewImage("c.png", "", testPNG)}})
	deliver()
	if s.uploads != 1 || len(s.got) != 2 || s.got[1].Image.Key != "upload-1" {
		t.Errorf("uploads %d, second message %+v; want upload-1 reused", s.uploads, s.got[len(s.got)-1].Image)
	}
}

// Ensure a failed upload is retried like a failed send, and that a key the
// platform lets a message use once is never given to another.
func TestDeliver_PictureUploadFailsAndOnceKeys(t *testing.T) {
	s := &recordingSender{uploadErr: []error{errors.New("upload timed out")}}
	db, deliver, now := liveSetup(t, s)
	put(t, db, &bot.Outgoing{Key: "p1", Msg: bot.Message{Image: bot.NewImage("c.png", "", testPNG)}})
	put(t, db, &bot.Outgoing{Key: "p2", Msg: bot.Message{Image: bot.NewImage("c.png", "", testPNG)}, To: bot.Destination{Platform: "fake", Workspace: "w", ChatID: "C2"}})
	deliver()
	if len(s.got) != 1 || s.uploads != 1 {
		t.Fatalf("sent %d, uploads %d; want the first upload failed and the second message sent", len(s.got), s.uploads)
	}
	*now = t0.Add(time.Hour)
	deliver()
	if len(s.got) != 2 || s.uploads != 2 || s.got[0].Image.Key == s.got[1].Image.Key {
		t.Errorf("uploads %d, keys %q and %q; want one upload each", s.uploads, s.got[0].Image.Key, s.got[1].Image.Key)
	}
}

// Ensure a message whose picture was pruned (a dead message retried long
// after) still goes, the picture named in words.
func TestDeliver_PicturePruned(t *testing.T) {
	s := &recordingSender{}
	db, deliver, _ := liveSetup(t, s)
	put(t, db, &bot.Outgoing{Key: "p1", Msg: bot.Message{Image: bot.NewImage("chart.png", "Q3 burndown", testPNG)}})
	if err := db.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.PruneMedia(t0.Add(time.Hour), 10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	deliver()
	if len(s.got) != 1 || s.got[0].Image != nil || s.got[0].Text != "🖼 Q3 burndown" || s.uploads != 0 {
		t.Errorf("sent %+v after %d uploads; want the words alone", s.got, s.uploads)
	}
}

// Ensure a file takes the picture's path: uploaded through the FileUploader
// before Send, the key recorded so a failed send is retried without a second
// upload, and the bytes at hand for Send.
func TestDeliver_FileUploadedOnce(t *testing.T) {
	s := &recordingSender{sendErr: []error{errors.New("502")}}
	db, deliver, now := liveSetup(t, s)
	put(t, db, &bot.Outgoing{Key: "f1", Msg: bot.Message{Text: "export", File: bot.NewFile("t.csv", "text/csv", testFile)}})
	deliver()
	if q := state(t, db, bot.OutboxQueued); s.uploads != 1 || len(q) != 1 || q[0].Msg.File.Key != "file-1" {
		t.Fatalf("uploads %d, queued %+v; want the upload recorded on the message", s.uploads, q)
	}
	*now = t0.Add(time.Hour)
	deliver()
	if s.uploads != 1 || len(s.got) != 1 || s.got[0].File.Key != "file-1" || !bytes.Equal(s.got[0].File.Data, testFile) || s.got[0].File.Name != "t.csv" {
		t.Fatalf("uploads %d, sent %+v; want the retry to send file-1 with its bytes", s.uploads, s.got)
	}
}

// Ensure a message whose file was pruned still goes, the file named.
func TestDeliver_FilePruned(t *testing.T) {
	s := &recordingSender{}
	db, deliver, _ := liveSetup(t, s)
	put(t, db, &bot.Outgoing{Key: "f1", Msg: bot.Message{File: bot.NewFile("t.csv", "text/csv", testFile)}})
	if err := db.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.PruneMedia(t0.Add(time.Hour), 10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	deliver()
	if len(s.got) != 1 || s.got[0].File != nil || s.got[0].Text != "📎 t.csv" || s.uploads != 0 {
		t.Errorf("sent %+v after %d uploads; want the file named in words", s.got, s.uploads)
	}
}
