package slack_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/tandemhq/tandem/bot"

	tslack "github.com/tandemhq/tandem/adapters/slack"
)

func blockTypes(bs []slack.Block) string {
	var ts []string
	for _, b := range bs {
		ts = append(ts, string(b.BlockType()))
	}
	return strings.Join(ts, ",")
}

// mustRoundTrip checks the blocks survive JSON both ways, as Slack reads them.
func mustRoundTrip(tb testing.TB, bs []slack.Block) string {
	tb.Helper()
	raw, err := json.Marshal(slack.Blocks{BlockSet: bs})
	if err != nil {
		tb.Fatal(err)
	}
	var back slack.Blocks
	if err := json.Unmarshal(raw, &back); err != nil {
		tb.Fatalf("%s: %v", raw, err)
	}
	if len(back.BlockSet) != len(bs) {
		tb.Fatalf("round trip lost blocks: %d != %d", len(back.BlockSet), len(bs))
	}
	return string(raw)
}

// Ensure text becomes a mrkdwn section and a card its header, fields,
// buttons and footer, in that order.
func TestBlocks_Card(t *testing.T) {
	bs := tslack.Blocks(taskCard)
	if got := blockTypes(bs); got != "section,header,section,actions,context" {
		t.Fatalf("types %s", got)
	}
	text := bs[0].(*slack.SectionBlock).Text
	if text.Type != slack.MarkdownType || text.Text != "Task #42 created" {
		t.Fatalf("text %+v", text)
	}
	if h := bs[1].(*slack.HeaderBlock).Text; h.Type != slack.PlainTextType || h.Text != "#42 Fix login" {
		t.Fatalf("header %+v", h)
	}
	fields := bs[2].(*slack.SectionBlock).Fields
	if len(fields) != 2 || fields[0].Text != "*Owner*\n<@U2>" || fields[1].Text != "*Due*\nFri" {
		t.Fatalf("fields %+v", fields)
	}
	buttons := bs[3].(*slack.ActionBlock).Elements.ElementSet
	b0, b1 := buttons[0].(*slack.ButtonBlockElement), buttons[1].(*slack.ButtonBlockElement)
	if b0.ActionID != "task.start" || b0.Value != "42" || b0.Style != slack.StylePrimary || b0.Text.Text != "Start" || b1.Style != slack.StyleDanger {
		t.Fatalf("buttons %+v %+v", b0, b1)
	}
	raw := mustRoundTrip(t, bs)
	if !strings.Contains(raw, `"text":"created by \u003c@U1\u003e"`) && !strings.Contains(raw, `created by <@U1>`) {
		t.Fatalf("footer missing: %s", raw)
	}
}

// Ensure each block stays within Slack's limits, splitting or cutting.
func TestBlocks_Limits(t *testing.T) {
	var fields []bot.Field
	for i := range 23 {
		fields = append(fields, bot.Field{Label: fmt.Sprint("F", i), Value: strings.Repeat("v", 2500)})
	}
	var buttons []bot.Button
	for i := range 12 {
		buttons = append(buttons, bot.Button{ActionID: fmt.Sprint("a", i), Value: fmt.Sprint(i), Label: strings.Repeat("L", 100)})
	}
	m := bot.Message{
		Text: strings.Repeat("word ", 1300) + "\n" + strings.Repeat("x", 3500),
		Card: &bot.Card{Title: strings.Repeat("T", 200), Fields: fields, Buttons: buttons, Footer: strings.Repeat("f", 4000)},
	}
	bs := tslack.Blocks(m)
	// 6500 characters of words, then a line of 3500 without spaces: three
	// sections cut at spaces, one at the line break, one hard cut.
	if got := blockTypes(bs); got != "section,section,section,section,section,header,section,section,section,actions,actions,actions,context" {
		t.Fatalf("types %s", got)
	}
	for i, b := range bs {
		switch b := b.(type) {
		case *slack.SectionBlock:
			if b.Text != nil && utf8.RuneCountInString(b.Text.Text) > 3000 {
				t.Errorf("block %d: section text %d", i, utf8.RuneCountInString(b.Text.Text))
			}
			if len(b.Fields) > 10 {
				t.Errorf("block %d: %d fields", i, len(b.Fields))
			}
			for _, f := range b.Fields {
				if utf8.RuneCountInString(f.Text) > 2000 {
					t.Errorf("block %d: field %d", i, utf8.RuneCountInString(f.Text))
				}
			}
		case *slack.HeaderBlock:
			if n := utf8.RuneCountInString(b.Text.Text); n > 150 || !strings.HasSuffix(b.Text.Text, "…") {
				t.Errorf("header %d runes", n)
			}
		case *slack.ActionBlock:
			if n := len(b.Elements.ElementSet); n > 5 {
				t.Errorf("block %d: %d buttons", i, n)
			}
			for _, e := range b.Elements.ElementSet {
				if n := utf8.RuneCountInString(e.(*slack.ButtonBlockElement).Text.Text); n > 75 {
					t.Errorf("button text %d", n)
				}
			}
		case *slack.ContextBlock:
			if n := utf8.RuneCountInString(b.ContextElements.Elements[0].(*slack.TextBlockObject).Text); n > 3000 {
				t.Errorf("footer %d", n)
			}
		}
	}
	// Splitting keeps all the words: text is cut at spaces and line breaks.
	var text strings.Builder
	for _, b := range bs[:5] {
		text.WriteString(b.(*slack.SectionBlock).Text.Text)
	}
	if got := strings.Count(text.String(), "word"); got != 1300 {
		t.Fatalf("%d words after splitting", got)
	}
	if got := strings.Count(text.String(), "x"); got != 3500 {
		t.Fatalf("%d x after splitting", got)
	}
	mustRoundTrip(t, bs)
}

// Ensure a message never has more than 50 blocks.
func TestBlocks_MaxBlocks(t *testing.T) {
	var buttons []bot.Button
	for i := range 300 {
		buttons = append(buttons, bot.Button{ActionID: fmt.Sprint("a", i), Label: "x"})
	}
	bs := tslack.Blocks(bot.Message{Text: "many", Card: &bot.Card{Buttons: buttons}})
	if len(bs) != 50 || bs[49].BlockType() != slack.MBTContext {
		t.Fatalf("%d blocks, last %s", len(bs), bs[len(bs)-1].BlockType())
	}
}

// Ensure repeated action ids (one per task on a list card) are never put in
// the same actions block, which Slack would reject.
func TestBlocks_RepeatedActionIDs(t *testing.T) {
	var buttons []bot.Button
	for i := range 3 {
		buttons = append(buttons,
			bot.Button{ActionID: "task.done", Value: fmt.Sprint(i), Label: "Done"},
			bot.Button{ActionID: "task.start", Value: fmt.Sprint(i), Label: "Start"})
	}
	bs := tslack.Blocks(bot.Message{Card: &bot.Card{Title: "Tasks", Buttons: buttons}})
	if got := blockTypes(bs); got != "header,actions,actions,actions" {
		t.Fatalf("types %s", got)
	}
	for _, b := range bs[1:] {
		seen := map[string]bool{}
		for _, e := range b.(*slack.ActionBlock).Elements.ElementSet {
			id := e.(*slack.ButtonBlockElement).ActionID
			if seen[id] {
				t.Fatalf("action id %s twice in one block", id)
			}
			seen[id] = true
		}
	}
}

// Ensure text is escaped as Slack requires, except the markup Tandem writes.
func TestBlocks_Escaping(t *testing.T) {
	for in, want := range map[string]string{
		"a<b & c>d":                       "a&lt;b &amp; c&gt;d",
		"ask <@U123> or <@W9|bob>":        "ask <@U123> or <@W9|bob>",
		"see <#C1|general> <!here>":       "see <#C1|general> <!here>",
		"<https://x.example/a?b=1&c|x y>": "<https://x.example/a?b=1&c|x y>",
		"<@nobody> <script>":              "&lt;@nobody&gt; &lt;script&gt;",
		"plain":                           "plain",
	} {
		bs := tslack.Blocks(bot.Message{Text: in})
		if got := bs[0].(*slack.SectionBlock).Text.Text; got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

// Ensure empty parts make no empty blocks, which Slack rejects.
func TestBlocks_Empty(t *testing.T) {
	if bs := tslack.Blocks(bot.Message{}); len(bs) != 0 {
		t.Fatalf("blocks for nothing: %s", blockTypes(bs))
	}
	bs := tslack.Blocks(bot.Message{Card: &bot.Card{Title: " ", Fields: []bot.Field{{}, {Label: "Only label"}}, Buttons: []bot.Button{{Label: "no id"}}}})
	if got := blockTypes(bs); got != "section" {
		t.Fatalf("types %s", got)
	}
	if f := bs[0].(*slack.SectionBlock).Fields; len(f) != 1 || f[0].Text != "*Only label*\n—" {
		t.Fatalf("fields %+v", f)
	}
}
