package webhook

import "strings"

// RewriteMentions replaces each canonical mention "<@id>" in s (the form
// bot messages carry) with what rewrite makes of its id, for platforms that
// spell mentions otherwise. Text that only looks like one, "<@>" or an id
// with a space, "<" or a line break in it, is left as it is.
func RewriteMentions(s string, rewrite func(id string) string) string {
	if !strings.Contains(s, "<@") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "<@")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		id := s[i+2 : i+j]
		if id == "" || strings.ContainsAny(id, " <\n") {
			b.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i] + rewrite(id))
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}
