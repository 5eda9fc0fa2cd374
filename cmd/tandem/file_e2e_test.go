package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/bot"
)

// Ensure a file enqueued in the process (an export, as the export command
// queues it) goes through the running dispatcher: uploaded with type=file
// and posted once to DingTalk as sampleFile with its name and type, and a
// second message with the same file reuses the upload.
func TestDingTalkFile(t *testing.T) {
	api := dingtalktest.New(t, dingE2EClient, dingE2ESecret)
	dir := t.TempDir()
	m := runMain(t, dingE2EConfig(api.URL, filepath.Join(dir, "t.db"), "127.0.0.1:0"), filepath.Join(dir, "t.db"), slog.New(slog.DiscardHandler))
	data := []byte("\ufeff编号,标题\r\nT-1,打印机坏了\r\n")
	for i, key := range []string{"e2e/file/1", "e2e/file/2"} {
		err := m.DB.Update(context.Background(), func(tx bot.Tx) error {
			_, err := tx.Enqueue(&bot.Outgoing{Key: key,
				To:  bot.Destination{Platform: bot.PlatformDingTalk, Workspace: dingE2ECorp, UserID: "staff2"},
				Msg: bot.Message{Text: "工单-2026-11.csv：共 1 行。", File: bot.NewFile("工单-2026-11.csv", "text/csv", data)}}, time.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		m.Dispatcher.Trigger()
		api.WaitCalls(t, "batchSend", 2*(i+1)) // the text, then the file
	}
	files := api.Files()
	if len(files) != 2 || files[0].To != "staff2" || files[0].FileName != "工单-2026-11.csv" || files[0].FileType != "csv" ||
		!bytes.Equal(files[0].Data, data) || files[1].MediaID != files[0].MediaID {
		t.Fatalf("files %+v\n%s", files, api.Dump())
	}
	if ups := api.Calls("mediaUpload"); len(ups) != 1 || ups[0].Query.Get("type") != "file" {
		t.Errorf("uploads %d, want 1 of type file (the second message reuses it)", len(ups))
	}
}
