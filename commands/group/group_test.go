package group_test

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem/commands/commandstest"
)

func TestBind(t *testing.T) {
	h := commandstest.New(t)
	h.Org(map[string][]string{"Design": {"dora", "alice"}, "Sales": {"sam"}})
	h.Expect("dora", "group bind dept:Design", "Type this in the group chat")
	want := func(got string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(got, w) {
				t.Errorf("%q missing in:\n%s", w, got)
			}
		}
	}
	want(h.SayIn("g-design", "alice", "group bind dept:Design"), "Only Design's head or an admin may bind chats to it.")
	want(h.SayIn("g-design", "alice", "群 绑定 部门：Design"), "只有「Design」的负责人或管理员可以为它绑定群聊。")
	want(h.SayIn("g-design", "sam", "group bind dept:Design"), "Only Design's head")
	want(h.SayIn("g-design", "dora", "group bind"), "Which department?", "Usage: group bind dept:<department>")
	want(h.SayIn("g-design", "dora", "group bind dept:Nowhere"), "Nowhere")
	want(h.SayIn("g-design", "dora", "group show"), "not bound to any department")
	want(h.SayIn("g-design", "dora", "群 绑定 部门：Design"), "本群已绑定到「Design」")
	want(h.SayIn("g-design", "sam", "group show"), "This chat is bound to Design.")
	want(h.SayIn("g-design", "sam", "group unbind"), "Only Design's head")
	h.Admin("root")
	want(h.SayIn("g-design", "root", "group unbind"), "This chat is no longer Design's.")
	want(h.SayIn("g-design", "root", "群 解绑"), "本群没有绑定任何部门。")
	// Both are in the audit log; the refusals are not.
	got := h.Say("root", "admin audit")
	want(got, "@root unbound the chat console:local:g-design.", "@dora bound the chat console:local:g-design to Design.")
	if strings.Count(got, "the chat") != 2 {
		t.Errorf("audit log:\n%s", got)
	}
}
