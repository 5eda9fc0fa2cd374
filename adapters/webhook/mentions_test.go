package webhook_test

import (
	"testing"

	"github.com/tandemhq/tandem/adapters/webhook"
)

// Ensure every canonical mention is rewritten and text that only looks
// like one is kept as it is.
func TestRewriteMentions(t *testing.T) {
	at := func(id string) string { return "@" + id }
	for in, want := range map[string]string{
		"no mention":              "no mention",
		"<@u1> and <@u2>, done":   "@u1 and @u2, done",
		"<@a <@b>":                "<@a @b",
		"<@> <@x y> <@u1>":        "<@> <@x y> @u1",
		"unclosed <@u1":           "unclosed <@u1",
		"负责人：<@zhangsan>。":        "负责人：@zhangsan。",
		"line <@u\n1> then <@u2>": "line <@u\n1> then @u2",
	} {
		if got := webhook.RewriteMentions(in, at); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}
