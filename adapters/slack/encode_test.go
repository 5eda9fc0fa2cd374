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
		"fields Blocks leaves unset": {ResponseType: "in_channel", Text: "y", ReplaceOriginal: true, Blocks: []slack.Block{
			&slack.HeaderBlock{Type: slack.MBTHeader, Text: plain("h"), BlockID: "h1", Level: 2},
			&slack.SectionBlock{Type: slack.MBTSection, BlockID: "s1", Expand: true, Text: &slack.TextBlockObject{Type: "mrkdwn", Text: "v", Verbatim: true}},
			&slack.DividerBlock{Type: slack.MBTDivider, BlockID: "d1"},
			&slack.ActionBlock{Type: slack.MBTAction},
			&slack.ActionBlock{Type: slack.MBTAction, Elements: &slack.BlockElements{}},
			slack.NewActionBlock("a1", &slack.ButtonBlockElement{Type: "button", Text: plain("go"), URL: "https://example.com/?a=1&b=<2>",
				AccessibilityLabel: "go there", AgentPrompt: "p", AgentPromptDisplay: "d"}),
			&slack.ContextBlock{Type: slack.MBTContext},
		}},
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
	// The blocks Blocks makes were written here, not by encoding/json; the
	// others were left to it.
	for _, block := range cases["task card"].Blocks {
		if _, ok := appendBlock(nil, block); !ok {
			t.Fatalf("%T not written by hand", block)
		}
	}
	for _, block := range cases["other block"].Blocks {
		if b, ok := appendBlock(nil, block); ok || len(b) != 0 {
			t.Fatalf("%T with other elements written by hand: %s", block, b)
		}
	}
}

// Ensure strings are escaped as encoding/json escapes them (the same value
// once decoded), whatever bytes they hold.
func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s/`, "a\nb\tc\r\x00\x1f\x7f", "<@U1> & <b>", "设计部 🎨",
		"bad \xff\xfe utf8 \xe2\x82", "line\u2028para\u2029", strings.Repeat("x", 5000)} {
		got := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q: invalid JSON %s: %v", s, got, err)
		}
		want, _ := json.Marshal(s)
		var wantBack string
		json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Fatalf("%q: decodes to %q, encoding/json's to %q", s, back, wantBack)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("hello \"world\"")
	f.Add("\xff\u2028\x01")
	f.Fuzz(func(t *testing.T, s string) {
		var back, want string
		if err := json.Unmarshal(appendJSONString(nil, s), &back); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		raw, _ := json.Marshal(s)
		json.Unmarshal(raw, &want)
		if back != want {
			t.Fatalf("%q: decodes to %q, encoding/json's to %q", s, back, want)
		}
	})
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
