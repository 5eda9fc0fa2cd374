package wecom_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/wecom"
)

// Ensure a task card renders as documented: title, desc, fields in the
// horizontal list, callback buttons keyed "action|value", blue primary.
func TestTemplateCard(t *testing.T) {
	got := asJSON(t, wecom.TemplateCard(taskCard))
	want := `{"button_list":[{"key":"task.start|12","style":1,"text":"Start","type":0},{"key":"task.cancel|12","style":2,"text":"Cancel","type":0}],` +
		`"card_type":"button_interaction",` +
		`"horizontal_content_list":[{"keyname":"Owner","value":"@lisi"},{"keyname":"Due","value":"Fri"}],` +
		`"main_title":{"desc":"Task #12 created","title":"#12 Fix login"},` +
		`"sub_title_text":"created by @wangwu"}`
	if got != want {
		t.Fatalf("card\n got %s\nwant %s", got, want)
	}
}

// Ensure nothing that cannot be a button card is rendered as one.
func TestTemplateCard_None(t *testing.T) {
	for name, m := range map[string]bot.Message{
		"NoCard":        {Text: "hi"},
		"NoButtons":     {Text: "hi", Card: &bot.Card{Title: "T", Fields: []bot.Field{{Label: "a", Value: "b"}}}},
		"NoActionID":    {Card: &bot.Card{Title: "T", Buttons: []bot.Button{{Label: "x", Value: "1"}}}},
		"KeyTooLong":    {Card: &bot.Card{Title: "T", Buttons: []bot.Button{{ActionID: "a", Value: strings.Repeat("v", 1024)}}}},
		"EmptyMessage":  {},
		"EmptyCardOnly": {Card: &bot.Card{}},
	} {
		if c := wecom.TemplateCard(m); c != nil {
			t.Errorf("%s: got %v", name, c)
		}
	}
}

// Ensure WeCom's limits are kept: six buttons (the rest offered as typed
// commands), six horizontal fields (the rest, and long values, as lines),
// unique keys of at most 1024 bytes, and shortened texts.
func TestTemplateCard_Limits(t *testing.T) {
	var buttons []bot.Button
	for i := 1; i <= 8; i++ {
		buttons = append(buttons, bot.Button{ActionID: "task.done", Value: fmt.Sprint(i), Label: fmt.Sprintf("Done #%d", i), Typed: fmt.Sprintf("task done %d", i)})
	}
	buttons = append(buttons[:2], append([]bot.Button{buttons[0]}, buttons[2:]...)...) // a repeated key
	var fields []bot.Field
	for i := 1; i <= 7; i++ {
		fields = append(fields, bot.Field{Label: fmt.Sprintf("F%d", i), Value: fmt.Sprint(i)})
	}
	fields[1].Value = strings.Repeat("long ", 10)
	m := bot.Message{
		Text: "Your open tasks, sorted by due date, oldest first",
		Card: &bot.Card{Title: "Open tasks for the platform team this week", Fields: fields, Buttons: buttons, Footer: "8 tasks"},
	}
	card := wecom.TemplateCard(m)
	raw := asJSON(t, card)
	var c struct {
		MainTitle  map[string]string   `json:"main_title"`
		Sub        string              `json:"sub_title_text"`
		Rows       []map[string]string `json:"horizontal_content_list"`
		ButtonList []map[string]any    `json:"button_list"`
	}
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, b := range c.ButtonList {
		keys = append(keys, b["key"].(string))
	}
	if strings.Join(keys, " ") != "task.done|1 task.done|2 task.done|3 task.done|4 task.done|5 task.done|6" {
		t.Fatalf("keys %v", keys)
	}
	if n := utf8.RuneCountInString(c.MainTitle["title"]); n > 26 || !strings.HasSuffix(c.MainTitle["title"], "…") {
		t.Fatalf("title %q", c.MainTitle["title"])
	}
	if c.MainTitle["desc"] != "" {
		t.Fatalf("a long text is not a desc: %q", c.MainTitle["desc"])
	}
	if len(c.Rows) != 6 || c.Rows[1]["keyname"] != "F3" || c.Rows[5]["keyname"] != "F7" {
		t.Fatalf("rows %v", c.Rows)
	}
	want := "Your open tasks, sorted by due date, oldest first\n» task done 1 · task done 7 · task done 8\nF2: long long"
	if !strings.HasPrefix(c.Sub, want) || utf8.RuneCountInString(c.Sub) > 112 {
		t.Fatalf("sub_title_text %q", c.Sub)
	}
}

// Ensure a card without a title takes its heading from the text, and that
// canonical mentions are shown as @userid.
func TestTemplateCard_Heading(t *testing.T) {
	m := bot.Message{Text: "Assigned to <@lisi>", Card: &bot.Card{Buttons: []bot.Button{{ActionID: "task.start", Value: "1", Label: "A very long button label here"}}}}
	c := wecom.TemplateCard(m)
	title := c["main_title"].(map[string]any)
	if title["title"] != "Assigned to @lisi" || title["desc"] != nil || c["sub_title_text"] != nil {
		t.Fatalf("card %v", c)
	}
	if text := c["button_list"].([]map[string]any)[0]["text"].(string); utf8.RuneCountInString(text) > 16 || !strings.HasSuffix(text, "…") {
		t.Fatalf("button text %q", text)
	}
}

// Ensure button keys round-trip, values with "|" included.
func TestButtonKey(t *testing.T) {
	for _, b := range []bot.Button{{ActionID: "task.start", Value: "12"}, {ActionID: "remind.snooze", Value: "5 1h|x"}, {ActionID: "a", Value: ""}} {
		key := wecom.ButtonKey(b)
		id, v := wecom.ParseButtonKey(key)
		if id != b.ActionID || v != b.Value {
			t.Errorf("%+v → %q → %q %q", b, key, id, v)
		}
	}
	if wecom.ButtonKey(bot.Button{ActionID: "task.start", Value: "12"}) != "task.start|12" {
		t.Fatal("format")
	}
}
