package slack_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"

	tslack "github.com/tandemhq/tandem/adapters/slack"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
)

// Ensure the "Make a task" message shortcut becomes "task from this" by the
// person who used it, quoting the message (mentions normalized, entities
// decoded), its author and its permalink, answered through response_url.
func TestShortcut_MessageAction(t *testing.T) {
	in := &Intake{}
	a := MustNewAdapter(t, in, nil)
	sc := slacktest.Shortcut{User: "U1", UserName: "alice", Channel: "C9", Domain: "acme", CallbackID: tslack.MessageShortcutID,
		MessageTS: "1700000000.000300", Author: "U7", Text: "<@U2> the A3 printer jams &amp; smells",
		Trigger: "111.222.aaa", ResponseURL: "https://hooks.slack.com/app/T1/3/z"}
	w := serve(t, a, signedRequest("/slack/interactions", formType, sc.Body()))
	if w.Code != http.StatusOK {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
	want := &bot.Event{
		Platform: bot.PlatformSlack, Workspace: "T1", DedupKey: "sc:111.222.aaa", ChatID: "C9", ChatType: bot.ChatGroup,
		Sender: bot.Author{UserID: "U1", Name: "alice"}, Text: "task from this",
		ReplyHandle: "https://hooks.slack.com/app/T1/3/z",
		Quoted: &bot.QuotedMessage{ID: "1700000000.000300", AuthorID: "U7", Text: "<@U2> the A3 printer jams & smells",
			Link: "https://acme.slack.com/archives/C9/p1700000000000300"},
	}
	if evs := in.Events(); len(evs) != 1 || !reflect.DeepEqual(evs[0], want) {
		t.Fatalf("events %+v", evs)
	}

	// A reply in a thread links to the thread; another app's shortcut is
	// acknowledged and ignored; one without a trigger is malformed.
	in.Reset()
	sc.Trigger, sc.ThreadTS = "111.222.bbb", "1699999999.000100"
	serve(t, a, signedRequest("/slack/interactions", formType, sc.Body()))
	if evs := in.Events(); len(evs) != 1 || evs[0].Quoted.Link != "https://acme.slack.com/archives/C9/p1700000000000300?thread_ts=1699999999.000100&cid=C9" {
		t.Fatalf("thread events %+v", evs)
	}
	in.Reset()
	other := sc
	other.CallbackID, other.Trigger = "someone_else", "111.222.ccc"
	if w := serve(t, a, signedRequest("/slack/interactions", formType, other.Body())); w.Code != http.StatusOK || len(in.Events()) != 0 {
		t.Fatalf("other shortcut: %d, %d events", w.Code, len(in.Events()))
	}
	bad := sc
	bad.Trigger = ""
	if w := serve(t, a, signedRequest("/slack/interactions", formType, bad.Body())); w.Code != http.StatusBadRequest {
		t.Fatalf("malformed shortcut: %d", w.Code)
	}
}

// Ensure the manifest declares the message shortcut the adapter answers.
func TestManifest_MessageShortcut(t *testing.T) {
	raw, err := tslack.Manifest(tslack.ManifestOptions{AppName: "Tandem", PublicURL: "https://bot.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	want := "  shortcuts:\n    - name: Make a task\n      type: message\n      callback_id: " + tslack.MessageShortcutID + "\n"
	if !strings.Contains(string(raw), want) {
		t.Fatalf("manifest lacks the shortcut:\n%s", raw)
	}
}
