package admin_test

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem/commands/commandstest"
)

// Ensure `admin audit` pages, newest first, and only admins read it.
func TestAdmin_AuditPages(t *testing.T) {
	h := commandstest.New(t)
	h.Admin("root")
	h.Meet("bob")
	for i := range 25 {
		name := string(rune('a'+i%26)) + "dept"
		h.Say("root", "dept add "+name)
		h.Say("root", "dept join "+name+" @bob")
	}
	first := h.Expect("root", "admin audit @bob", "Audit log of @bob, page 1 (newest first):", "More: `admin audit @bob page 2`")
	if n := strings.Count(first, "\n") - 1; n != 20 {
		t.Fatalf("page 1 has %d lines, want 20:\n%s", n, first)
	}
	second := h.Expect("root", "管理 审计 @bob 第2页", "@bob 的审计日志，第 2 页")
	if n := strings.Count(second, "\n"); n != 5 || strings.Contains(second, "更多") {
		t.Fatalf("page 2 has %d lines, want 5 and no more:\n%s", n, second)
	}
	h.Expect("root", "admin audit page 9", "Page 9 of the audit log is empty.")
	h.Expect("root", "admin audit page x", `"x" is not a page number.`)
	h.Expect("bob", "admin audit", "Only admins can do that.")
}
