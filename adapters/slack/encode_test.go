package slack

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/slack-go/slack"

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

// TestEncodeMatchesSlackGo holds the fast encoding of answers to the JSON
// slack-go writes for the same blocks.
func TestEncodeMatchesSlackGo(t *testing.T) {
	list := bot.Message{Private: true, Card: &bot.Card{Title: "Mine"}}
	for range 7 { // more than one row, and a repeated action id
		list.Card.Buttons = append(list.Card.Buttons, bot.Button{ActionID: "task.done", Value: "1", Label: "Done"})
	}
	cases := map[string]*responseMessage{
		"task card":   inlineResponse([]bot.Message{taskCreated()}),
		"text only":   inlineResponse([]bot.Message{{Text: "hello\nworld"}}),
		"merged":      inlineResponse([]bot.Message{taskCreated(), {Text: "also", Private: true}}),
		"long text":   inlineResponse([]bot.Message{{Text: strings.Repeat("word ", 1500)}}),
		"button rows": inlineResponse([]bot.Message{list}),
		"other block": {ResponseType: "in_channel", Blocks: []slack.Block{
			slack.NewActionBlock("b1", slack.NewOptionsSelectBlockElement("static_select", nil, "pick",
				slack.NewOptionBlockObject("a", slack.NewTextBlockObject("plain_text", "A", false, false), nil))),
			slack.NewContextBlock("", slack.NewImageBlockElement("https://example.com/a.png", "a"), mrkdwn("x")),
		}},
		"empty": {ResponseType: "ephemeral", Text: "x"},
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.encode()
			if err != nil {
				t.Fatal(err)
			}
			var w, g any
			if err := json.Unmarshal(want, &w); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("%v: %s", err, got)
			}
			if !reflect.DeepEqual(w, g) {
				t.Fatalf("encodings differ:\nslack-go: %s\nfast:     %s", want, got)
			}
		})
	}
	// The plain forms were used where they apply.
	if bs := plainBlocks(cases["task card"].Blocks); !hasType[plainActions](bs) || !hasType[plainContext](bs) {
		t.Fatalf("task card not encoded through plain blocks: %#v", bs)
	}
	if bs := plainBlocks(cases["other block"].Blocks); hasType[plainActions](bs) || hasType[plainContext](bs) {
		t.Fatalf("blocks with other elements taken as plain: %#v", bs)
	}
}

func hasType[T any](bs []any) bool {
	for _, b := range bs {
		if _, ok := b.(T); ok {
			return true
		}
	}
	return false
}

// BenchmarkInlineResponse measures building and encoding the answer to a
// "task new" slash command.
func BenchmarkInlineResponse(b *testing.B) {
	m := taskCreated()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := inlineResponse([]bot.Message{m}).encode(); err != nil {
			b.Fatal(err)
		}
	}
}
