package feishu_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/tandemhq/tandem/bot"
)

var exportXLSX = []byte("PK\x03\x04 a spreadsheet's bytes")

// Ensure a file is uploaded to im/v1/files (file_type xls for a
// spreadsheet, stream for a CSV, file_name) and sent as a msg_type "file"
// message after the text, each with a uuid of its own, so a retry posts
// neither again.
func TestSend_File(t *testing.T) {
	a, f := newSender(t, nil, nil)
	file := bot.NewFile("工单-2026-11.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", exportXLSX)
	key, reuse, err := a.UploadFile(context.Background(), bot.Destination{}, file)
	if err != nil || key != "file_v2_1" || reuse <= 0 {
		t.Fatalf("upload: %q %s %v", key, reuse, err)
	}
	up := f.Uploads()
	if len(up) != 1 || up[0].FileType != "xls" || up[0].FileName != "工单-2026-11.xlsx" || !bytes.Equal(up[0].Bytes, exportXLSX) {
		t.Fatalf("uploads %+v", up)
	}
	file.Key = key
	m := bot.Message{Text: "Tickets, November", File: file}
	for range 2 {
		if id, err := send(a, "export", bot.Destination{ChatID: "oc_1"}, m); err != nil || id != "om_sent1" {
			t.Fatalf("send: %q, %v", id, err)
		}
	}
	ms := f.Messages()
	if len(ms) != 2 || ms[0].MsgType != "text" || ms[1].MsgType != "file" || ms[1].Content != `{"file_key":"file_v2_1"}` || ms[1].ReceiveID != "oc_1" {
		t.Fatalf("messages %+v, want the text, then the file", ms)
	}
	if f.Repeats() != 2 || ms[0].UUID == ms[1].UUID {
		t.Errorf("repeats %d, uuids %q %q: want the retry deduplicated by distinct uuids", f.Repeats(), ms[0].UUID, ms[1].UUID)
	}

	// A CSV is a "stream", and a file Send gets without a key is uploaded.
	csv := bot.NewFile("tickets.csv", "text/csv", []byte("\ufeffid\n1\n"))
	if _, err := send(a, "export2", bot.Destination{UserID: "ou_u2"}, bot.Message{File: csv}); err != nil {
		t.Fatal(err)
	}
	if up := f.Uploads(); len(up) != 2 || up[1].FileType != "stream" {
		t.Fatalf("uploads %+v, want the CSV as a stream", up)
	}
	if ms := f.Messages(); len(ms) != 3 || ms[2].MsgType != "file" || ms[2].ReceiveIDType != "open_id" {
		t.Fatalf("messages %+v, want the file alone to the user", ms)
	}
}
