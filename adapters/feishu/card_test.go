package feishu_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/feishu"
)

// updating says whether the tests run with -update (the flag is
// adaptertest's, which also rewrites testdata/render.golden).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// Ensure a task card renders as reviewed in testdata/task_card.golden.json:
// header, text, fields two to a row, buttons with value objects, note.
func TestCard_Golden(t *testing.T) {
	got := feishu.Card(taskCard)
	const golden = "testdata/task_card.golden.json"
	if updating() {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		enc.Encode(got)
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var want map[string]any
	if err := json.Unmarshal(mustReadFile(t, golden), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(roundTrip(got), want) {
		t.Fatalf("card differs from %s:\n%s", golden, mustJSON(got))
	}
}

// Ensure text is escaped for lark_md and canonical mentions become <at>.
func TestCard_Escaping(t *testing.T) {
	card := feishu.Card(bot.Message{Text: "a<b & c>d <@ou_1> <@not an id> <@>", Card: &bot.Card{Title: "x<y"}})
	el := card["elements"].([]any)[0].(map[string]any)["text"].(map[string]any)["content"]
	if el != "a&lt;b &amp; c&gt;d <at id=ou_1></at> &lt;@not an id&gt; &lt;@&gt;" {
		t.Fatalf("content %q", el)
	}
	if title := card["header"].(map[string]any)["title"].(map[string]any)["content"]; title != "x<y" {
		t.Fatalf("plain_text title must not be escaped: %q", title)
	}
}

// Ensure oversized cards are cut to stay well within Feishu's limits
// instead of being refused, and odd inputs are handled.
func TestCard_Limits(t *testing.T) {
	c := &bot.Card{Title: strings.Repeat("标题", 100), Footer: strings.Repeat("f", 1000)}
	for i := range 40 {
		c.Fields = append(c.Fields, bot.Field{Label: "L", Value: strings.Repeat("值", 10+i*30)})
	}
	c.Fields = append([]bot.Field{{Label: "Empty"}, {}}, c.Fields...)
	for range 25 {
		c.Buttons = append(c.Buttons, bot.Button{ActionID: "task.done", Value: "1", Label: strings.Repeat("b", 100)})
	}
	c.Buttons = append([]bot.Button{{Value: "no action id"}}, c.Buttons...)
	card := feishu.Card(bot.Message{Text: strings.Repeat("文", 10000), Card: c})
	raw := mustJSON(card)
	if len(raw) > 30*1024 {
		t.Fatalf("card is %d bytes", len(raw))
	}
	title := card["header"].(map[string]any)["title"].(map[string]any)["content"].(string)
	if n := utf8.RuneCountInString(title); n > 100 || !strings.HasSuffix(title, "…") {
		t.Fatalf("title of %d runes", n)
	}
	els := card["elements"].([]any)
	fields := els[1].(map[string]any)["fields"].([]any)
	if len(fields) != 21 {
		t.Fatalf("%d fields", len(fields))
	}
	first := fields[0].(map[string]any)
	if first["text"].(map[string]any)["content"] != "**Empty**\n—" || first["is_short"] != true {
		t.Fatalf("empty field %v", first)
	}
	if long := fields[15].(map[string]any); long["is_short"] != false {
		t.Fatalf("a long field is half-width: %v", long)
	}
	actions := els[2].(map[string]any)["actions"].([]any)
	if len(actions) != 20 {
		t.Fatalf("%d buttons", len(actions))
	}
	btn := actions[0].(map[string]any)
	if btn["type"] != "default" || utf8.RuneCountInString(btn["text"].(map[string]any)["content"].(string)) > 40 {
		t.Fatalf("button %v", btn)
	}

	bare := feishu.Card(bot.Message{Text: "just text"})
	if _, ok := bare["header"]; ok || len(bare["elements"].([]any)) != 1 {
		t.Fatalf("text-only card %v", bare)
	}
	if empty := mustJSON(feishu.Card(bot.Message{Card: &bot.Card{}})); !bytes.Contains(empty, []byte(`"elements":[]`)) {
		t.Fatalf("empty card %s", empty)
	}
}
