package files

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://example.com/a.pdf", "https://example.com/a.pdf"},
		{"http://drive.example.com/x?id=1", "http://drive.example.com/x?id=1"},
		{"<https://files.slack.com/files-pri/T1-F1/q3.pdf>", "https://files.slack.com/files-pri/T1-F1/q3.pdf"},
		{"<https://example.com/b|Budget>", "https://example.com/b"},
	} {
		got, err := ParseURL(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"budget.pdf", "ftp://example.com/a", "https://", "javascript:alert(1)", "www.example.com/a",
		"https://example.com/" + strings.Repeat("a", MaxURL)} {
		_, err := ParseURL(in)
		if bot.ErrorCode(err) != bot.EINVALID {
			t.Errorf("ParseURL(%q): %v, want EINVALID", in, err)
		}
	}
}
