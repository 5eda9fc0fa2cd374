package slack_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
)

var exportCSV = []byte("\ufeff编号,标题\n1,打印机坏了\n")

// Ensure a file is uploaded (steps 1-2, nothing posted) and shared into the
// channel by Send (files.completeUploadExternal with channel_id), with the
// text as its comment and its name as the title, as one message.
func TestSend_File(t *testing.T) {
	a, f := newSender(t)
	file := bot.NewFile("tickets-2026-11.csv", "text/csv", exportCSV)
	key, reuse, err := a.UploadFile(context.Background(), bot.Destination{ChatID: "C1"}, file)
	if err != nil || key == "" || reuse != 0 {
		t.Fatalf("key %q reuse %s err %v", key, reuse, err)
	}
	if files := f.Files(); len(files) != 1 || files[0].Name != "tickets-2026-11.csv" || !bytes.Equal(files[0].Data, exportCSV) || len(files[0].Shares) != 0 {
		t.Fatalf("after the upload: files %+v", files)
	}
	file.Key = key
	id, err := sendPicture(a, bot.Destination{ChatID: "C1"}, bot.Message{Text: "Tickets, November", File: file}, 1)
	if err != nil {
		t.Fatal(err)
	}
	done := f.Calls("files.completeUploadExternal")
	if len(done) != 1 || done[0].Form.Get("channel_id") != "C1" || done[0].Form.Get("initial_comment") != "Tickets, November" ||
		!strings.Contains(done[0].Form.Get("files"), key) || !strings.Contains(done[0].Form.Get("files"), "tickets-2026-11.csv") {
		t.Fatalf("completions %+v", done)
	}
	if sh := f.Files()[0].Shares; len(sh) != 1 || id != sh[0].Channel+"/"+sh[0].TS {
		t.Fatalf("shares %+v, remote id %q", sh, id)
	}
	if n := len(f.Calls("chat.postMessage", "chat.postEphemeral")); n != 0 {
		t.Fatalf("%d other posts: the file and its words are one message", n)
	}
}
