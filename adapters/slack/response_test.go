package slack

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/tandemhq/tandem/bot"
)

func taskCreated() bot.Message {
	return bot.Message{Text: "Created T-123.", Card: &bot.Card{
		Title: "T-123 Poster for the <Q3> launch & party",
		Fields: []bot.Field{{Label: "Owner", Value: "<@U1>"}, {Label: "Status", Value: "To do"}, {Label: "Due", Value: "Fri 18:00"},
			{Label: "Priority", Value: "high"}, {Label: "Department", Value: "设计部"}, {Label: "Created by", Value: "@ann"}},
		Buttons: []bot.Button{{ActionID: "task.start", Value: "123", Label: "Start", Style: "primary"},
			{ActionID: "task.done", Value: "123", Label: "Done"}, {ActionID: "task.cancel", Value: "123", Label: "Cancel", Style: "danger"}},
		Footer: "ann · 2 comments",
	}}
}

// Ensure an answer's JSON is what Slack was sent before slack-go's types
// replaced the hand-written encoder: testdata/answer.json was written by that
// encoder, for a task card, a private text with characters JSON and mrkdwn
// escape, and a list card with two rows of buttons.
func TestAnswerJSON(t *testing.T) {
	list := bot.Message{Private: true, Card: &bot.Card{Title: "Mine"}}
	for range 7 { // more than one row, and a repeated action id
		list.Card.Buttons = append(list.Card.Buttons, bot.Button{ActionID: "task.done", Value: "1", Label: "Done"})
	}
	got, err := json.Marshal(inlineResponse([]bot.Message{taskCreated(), {Text: "also <b> & \u2028", Private: true}, list}))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/answer.json")
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("answer changed:\ngot:  %s\nwant: %s", got, want)
	}
}

// BenchmarkInlineResponse measures building and encoding the answer to a
// "task new" slash command.
func BenchmarkInlineResponse(b *testing.B) {
	m := taskCreated()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(inlineResponse([]bot.Message{m})); err != nil {
			b.Fatal(err)
		}
	}
}
