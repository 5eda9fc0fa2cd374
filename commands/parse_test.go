package commands

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []Token
	}{
		{`task new "Poster for the Q3 launch" @bob due:fri 18:00 p:high dept:design`, []Token{
			{Text: "task"}, {Text: "new"}, {Text: "Poster for the Q3 launch", Quoted: true}, {Text: "@bob"},
			{Text: "fri", Key: "due"}, {Text: "18:00"}, {Text: "high", Key: "p"}, {Text: "design", Key: "dept"}}},
		{`任务 新建 “Q3发布海报” @bob 截止：周五18点 优先级:高`, []Token{
			{Text: "任务"}, {Text: "新建"}, {Text: "Q3发布海报", Quoted: true}, {Text: "@bob"},
			{Text: "周五18点", Key: "截止"}, {Text: "高", Key: "优先级"}}},
		{"任务\u3000列表　全部", []Token{{Text: "任务"}, {Text: "列表"}, {Text: "全部"}}},
		{`task new 「海报」 <@U123|bob>,`, []Token{{Text: "task"}, {Text: "new"}, {Text: "海报", Quoted: true}, {Text: "<@U123|bob>"}}},
		{`due:"next monday 10am" x`, []Token{{Text: "next monday 10am", Key: "due", Quoted: true}, {Text: "x"}}},
		{`see https://example.com/a:b 18:00`, []Token{{Text: "see"}, {Text: "//example.com/a:b", Key: "https"}, {Text: "18:00"}}},
		{`"unterminated quote here`, []Token{{Text: "unterminated quote here", Quoted: true}}},
		{`任务 指派 3 ＠鲍勃，`, []Token{{Text: "任务"}, {Text: "指派"}, {Text: "3"}, {Text: "@鲍勃"}}},
		{`   `, nil},
	}
	for _, tt := range tests {
		got := Tokenize(tt.in)
		if len(got) != len(tt.want) {
			t.Errorf("Tokenize(%q) = %+v, want %+v", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			g, w := got[i], tt.want[i]
			if g.Text != w.Text || g.Key != w.Key || g.Quoted != w.Quoted {
				t.Errorf("Tokenize(%q)[%d] = %+v, want %+v", tt.in, i, g, w)
			}
		}
	}
}

func TestTokenMentions(t *testing.T) {
	for in, want := range map[string]bool{"@bob": true, "<@U1>": true, "@": false, "bob": false, `"@bob"`: false, "due:@x": false, "＠bob": true, "＠": false, "＠鲍勃，": true} {
		if got := Tokenize(in)[0].IsMention(); got != want {
			t.Errorf("IsMention(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"tsak", "task", 1}, {"lst", "list", 1}, {"任务", "任务", 0}, {"", "abc", 3}, {"kitten", "sitting", 3}} {
		if d := bot.EditDistance(tt.a, tt.b); d != tt.d {
			t.Errorf("bot.EditDistance(%q,%q) = %d, want %d", tt.a, tt.b, d, tt.d)
		}
	}
}

// FuzzTokenize checks the tokenizer never panics, never invents text and
// never returns an empty unquoted word.
func FuzzTokenize(f *testing.F) {
	for _, s := range []string{`task new "a b" @c due:fri 18:00`, `任务 新建 “海报” 截止：周五18点`, `「`, `due:"`, `a:`, "\u3000", `@,`, "x:“y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := Tokenize(s)
		s = strings.ToValidUTF8(s, "\uFFFD")
		total := 0
		for _, tk := range toks {
			if tk.Raw == "" {
				t.Fatalf("empty raw token in %q: %+v", s, toks)
			}
			if !tk.Quoted && tk.Key == "" && tk.Text == "" && !strings.HasPrefix(tk.Raw, "@") && !strings.HasPrefix(tk.Raw, "<@") {
				t.Fatalf("empty word in %q: %+v", s, toks)
			}
			if !utf8.ValidString(tk.Text) || !strings.Contains(s, tk.Raw) {
				t.Fatalf("token %q not in input %q", tk.Raw, s)
			}
			total += len(tk.Raw)
		}
		if total > len(s) {
			t.Fatalf("tokens longer than input %q", s)
		}
	})
}
