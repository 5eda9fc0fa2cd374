package bot_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
)

// Ensure a merged message says each thing once, in order, with the latest
// card, and stays bounded however many changes it absorbs.
func TestMergeMessages(t *testing.T) {
	first := bot.Message{Text: "a\nb", Card: &bot.Card{Title: "old"}, Private: true}
	got := bot.MergeMessages(first, bot.Message{Text: "b\nc", Card: &bot.Card{Title: "new"}})
	if got.Text != "a\nb\nc" || got.Card.Title != "new" || got.Private {
		t.Fatalf("merged = %+v", got)
	}
	if got := bot.MergeMessages(first, bot.Message{Text: "d"}); got.Card == nil || got.Card.Title != "old" {
		t.Fatalf("a later message without a card dropped the card: %+v", got)
	}
	m := bot.Message{Text: "created"}
	for i := range 100 {
		m = bot.MergeMessages(m, bot.Message{Text: fmt.Sprint("change ", i)})
	}
	lines := strings.Split(m.Text, "\n")
	if len(lines) != 30 || lines[0] != "created" || lines[1] != "…" || lines[29] != "change 99" || lines[2] != "change 72" {
		t.Fatalf("after 100 changes: %d lines: %q … %q", len(lines), lines[:3], lines[len(lines)-1])
	}
}
