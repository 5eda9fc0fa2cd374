package dingtalk_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

var exportXLSX = []byte("PK\x03\x04 a spreadsheet's bytes")

// Ensure a file is uploaded to media/upload with type=file (the multipart
// field "media"), reusable for 60 hours, and posted after the text as a
// robot message sampleFile {mediaId, fileName, fileType} to the chat; and
// that a file Send gets without a key is uploaded first.
func TestSend_File(t *testing.T) {
	s := newSender(t)
	file := bot.NewFile("工单-2026-11.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", exportXLSX)
	key, reuse, err := s.UploadFile(context.Background(), bot.Destination{UserID: "staff2"}, file)
	if err != nil || !strings.HasPrefix(key, "@") || reuse != 60*time.Hour {
		t.Fatalf("key %q, reuse %s, err %v", key, reuse, err)
	}
	ups := s.f.Calls("mediaUpload")
	if len(ups) != 1 || ups[0].Query.Get("type") != "file" || !bytes.Equal(ups[0].Media, exportXLSX) || ups[0].MediaName != "工单-2026-11.xlsx" {
		t.Fatalf("uploads %s", s.f.Dump())
	}
	file.Key = key
	if _, err := s.send(bot.Destination{ChatID: "cidGroup1==", UserID: "staff1"}, bot.Message{Text: "Tickets", File: file}); err != nil {
		t.Fatal(err)
	}
	got := s.f.Files()
	if len(got) != 1 || got[0].MediaID != key || got[0].FileName != "工单-2026-11.xlsx" || got[0].FileType != "xlsx" ||
		got[0].To != "cidGroup1==" || !bytes.Equal(got[0].Data, exportXLSX) {
		t.Fatalf("files %+v\n%s", got, s.f.Dump())
	}

	s = newSender(t)
	csv := bot.NewFile("tickets.csv", "text/csv", []byte("\ufeffid\n1\n"))
	if _, err := s.send(bot.Destination{UserID: "staff1"}, bot.Message{File: csv}); err != nil {
		t.Fatal(err)
	}
	if got := s.f.Files(); len(got) != 1 || got[0].To != "staff1" || got[0].FileType != "csv" || got[0].Data == nil {
		t.Fatalf("file to a person %+v\n%s", got, s.f.Dump())
	}
}
