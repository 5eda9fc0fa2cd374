package console_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/console"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// Ensure a picture sent to a console user is saved once into the picture
// directory under a safe name, shown with its path, and taken only once.
func TestTake_SavesPictures(t *testing.T) {
	dir, db := openDB(t)
	now := time.Now()
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.Enqueue(&bot.Outgoing{Key: "chart",
			To:  bot.Destination{Platform: bot.PlatformConsole, Workspace: console.Workspace, UserID: "bob"},
			Msg: bot.Message{Text: "Burndown", Image: bot.NewImage("../../etc/burndown", "Q3 burndown", adaptertest.TinyPNG)}}, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	a := console.New(nil, db)
	a.PictureDir = filepath.Join(dir, "pictures")
	msgs, err := a.Take(context.Background(), "bob", 0)
	if err != nil || len(msgs) != 1 || msgs[0].Image == nil {
		t.Fatalf("took %+v, %v", msgs, err)
	}
	path := msgs[0].Image.Key
	if filepath.Dir(path) != a.PictureDir || !strings.HasSuffix(path, "-burndown.png") {
		t.Errorf("saved at %q, want a .png inside %s", path, a.PictureDir)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, adaptertest.TinyPNG) {
		t.Errorf("saved picture: %v, same bytes %v", err, bytes.Equal(got, adaptertest.TinyPNG))
	}
	if shown := console.Render(msgs[0]); !strings.Contains(shown, "🖼 ../../etc/burndown (Q3 burndown): "+path) {
		t.Errorf("shown as:\n%s", shown)
	}
	if again, err := a.Take(context.Background(), "bob", 0); err != nil || len(again) != 0 {
		t.Errorf("second take = %+v, %v; want nothing", again, err)
	}
}

// Ensure an edit of a card is what every platform that cannot edit posts:
// its follow-up line alone, and nothing when it has none.
func TestTake_Edits(t *testing.T) {
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "t.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Now()
	card := &bot.Card{Title: "#1 海报", Subject: "task/1", Lang: bot.LangZH}
	bob := bot.Destination{Platform: bot.PlatformConsole, Workspace: console.Workspace, UserID: "bob"}
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		for key, text := range map[string]string{"said": "@alice 已完成 #1。", "silent": ""} {
			if _, err := tx.Enqueue(&bot.Outgoing{Key: key, To: bob, Msg: bot.Message{Text: text, Card: card, Edit: &bot.Edit{CopyID: 3}}}, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := console.New(nil, db).Take(context.Background(), "bob", 0)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("took %+v, %v; want the edit with a line only", msgs, err)
	}
	if got := console.Render(msgs[0]); got != "@alice 已完成 #1。" {
		t.Errorf("edit shown as %q, want its line alone", got)
	}
}

func openDB(t *testing.T) (string, *sqlite.DB) {
	dir := t.TempDir()
	db := sqlite.NewDB(filepath.Join(dir, "t.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return dir, db
}

// Ensure a file sent to a console user is saved under FileDir as
// <digest>-<name>, its name kept from leaving the directory, and the path
// shown.
func TestTake_SavesFiles(t *testing.T) {
	dir, db := openDB(t)
	data := []byte("\ufeff编号,标题\n1,打印机\n")
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.Enqueue(&bot.Outgoing{Key: "export",
			To:  bot.Destination{Platform: bot.PlatformConsole, Workspace: console.Workspace, UserID: "bob"},
			Msg: bot.Message{Text: "Tickets", File: bot.NewFile("../工单.csv", "text/csv", data)}}, time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	a := console.New(nil, db)
	a.FileDir = filepath.Join(dir, "files")
	msgs, err := a.Take(context.Background(), "bob", 0)
	if err != nil || len(msgs) != 1 || msgs[0].File == nil {
		t.Fatalf("took %+v, %v", msgs, err)
	}
	path := msgs[0].File.Key
	if want := filepath.Join(a.FileDir, bot.Digest(data)[:16]+"-工单.csv"); path != want {
		t.Errorf("saved at %q, want %q", path, want)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, data) {
		t.Errorf("saved file: %v, %q", err, got)
	}
	if shown := console.Render(msgs[0]); !strings.Contains(shown, "📎 ../工单.csv：") || !strings.Contains(shown, path) {
		t.Errorf("shown as:\n%s", shown)
	}
}
