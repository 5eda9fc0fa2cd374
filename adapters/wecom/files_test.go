package wecom_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/wecom"
	"github.com/tandemhq/tandem/adapters/wecom/wecomtest"
	"github.com/tandemhq/tandem/bot"
)

var exportCSV = []byte("\ufeff编号,标题\n1,打印机坏了\n")

// Ensure an app file is media/upload?type=file (the "media" part with the
// file's name), reusable for 60 hours, and is sent to a member as a
// msgtype "file" message after the text, under the duplicate check.
func TestSend_File(t *testing.T) {
	a, f := newSender(t, nil)
	file := bot.NewFile("工单-2026-11.csv", "text/csv", exportCSV)
	key, reuse, err := a.UploadFile(context.Background(), bot.Destination{UserID: testUser}, file)
	if err != nil || key != "media-1" || reuse != 60*time.Hour {
		t.Fatalf("key %q reuse %v err %v", key, reuse, err)
	}
	up := f.CallsTo(wecomtest.PathMediaUpload)
	if len(up) != 1 || up[0].Query.Get("type") != "file" || !bytes.Equal(up[0].File, exportCSV) || up[0].FileName != "工单-2026-11.csv" {
		t.Fatalf("upload %s", f.Dump())
	}
	file.Key = key
	if _, err := send(a, bot.Destination{UserID: testUser}, bot.Message{Text: "Tickets", File: file}); err != nil {
		t.Fatal(err)
	}
	sends := f.CallsTo(wecomtest.PathSend)
	if len(sends) != 2 || wecomtest.Shown(sends[0]) != "Tickets" || wecomtest.Shown(sends[1]) != "file media-1" ||
		sends[1].JSON["msgtype"] != "file" || sends[1].JSON["enable_duplicate_check"] != float64(1) {
		t.Fatalf("sends %s", f.Dump())
	}
	if _, _, err := a.UploadFile(context.Background(), bot.Destination{UserID: testUser}, bot.NewFile("tiny.csv", "text/csv", []byte("a"))); err == nil {
		t.Error("uploaded a file under WeCom's 5-byte minimum")
	}
}

// Ensure a group robot's file goes through the robot's own upload_media
// (its key, type=file), kept for this message only, then a robot message
// {"msgtype":"file","file":{"media_id":…}}; and that a group robot given a
// key made through the app uploads through itself instead.
func TestSend_RobotFile(t *testing.T) {
	f := wecomtest.New(t)
	a := MustNewAdapter(t, &Intake{}, func(c *wecom.Config) {
		c.APIURL, c.HTTPClient = f.URL, f.Client()
		c.Robots = map[string]string{"ops": f.RobotURL("k-ops")}
	})
	file := bot.NewFile("tickets.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", exportCSV)
	to := bot.Destination{ChatID: "robot:ops"}
	key, reuse, err := a.UploadFile(context.Background(), to, file)
	if err != nil || key != "robot:ops:robot-media-1" || reuse != 0 {
		t.Fatalf("key %q reuse %v err %v", key, reuse, err)
	}
	up := f.CallsTo(wecomtest.PathRobotUpload)
	if len(up) != 1 || up[0].Query.Get("key") != "k-ops" || up[0].Query.Get("type") != "file" || !bytes.Equal(up[0].File, exportCSV) {
		t.Fatalf("robot upload %s", f.Dump())
	}
	file.Key = key
	if _, err := send(a, to, bot.Message{Text: "Tickets", File: file}); err != nil {
		t.Fatal(err)
	}
	posts := f.CallsTo(wecomtest.PathRobot)
	if len(posts) != 2 || posts[0].JSON["msgtype"] != "markdown" || wecomtest.Shown(posts[1]) != "file robot-media-1" || posts[1].Answer != `{"errcode":0,"errmsg":"ok"}` {
		t.Fatalf("robot posts %s", f.Dump())
	}
	file.Key = "media-7" // an app upload: a robot cannot post it
	if _, err := send(a, to, bot.Message{File: file}); err != nil {
		t.Fatal(err)
	}
	if up := f.CallsTo(wecomtest.PathRobotUpload); len(up) != 2 {
		t.Fatalf("%d robot uploads, want the robot to upload its own", len(up))
	}
	if posts := f.CallsTo(wecomtest.PathRobot); len(posts) != 3 || wecomtest.Shown(posts[2]) != "file robot-media-2" {
		t.Fatalf("robot posts %s", f.Dump())
	}
}
