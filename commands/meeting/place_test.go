package meeting_test

import (
	"testing"

	"github.com/tandemhq/tandem/bot"
)

// Ensure a meeting made by a click belongs to the clicked chat only when
// that chat is bound: Feishu's card callbacks call every chat a group,
// a direct one too, and a digest must not be posted into someone's direct
// chat as if it were a group. Typed in a group, a meeting belongs to it.
func TestNew_AClickDoesNotMakeADirectChatTheMeetingsGroup(t *testing.T) {
	h := newOrg(t)
	click := func(chat, value string) {
		t.Helper()
		h.Deliver(&bot.Event{Platform: bot.PlatformConsole, Workspace: "local", DedupKey: h.NextKey("k"), ChatID: chat,
			ChatType: bot.ChatGroup, Sender: bot.Author{UserID: "dora", Name: "dora"},
			Action: &bot.Action{ID: "meeting.new", Value: value}})
	}
	click("oc_dora_direct", `"From a click" 1h @alice at:2026-11-23T16:00`)
	if m, _ := get(h, 1); m.Group != (bot.Destination{}) {
		t.Errorf("made by a click in an unbound chat, M-1 belongs to %+v", m.Group)
	}
	h.SayIn("design-room", "dora", "group bind dept:Design")
	click("design-room", `"From a click in a bound group" 1h @alice at:2026-11-23T17:00`)
	if m, _ := get(h, 2); m.Group.ChatID != "design-room" {
		t.Errorf("made by a click in Design's group, M-2 belongs to %+v", m.Group)
	}
	h.SayIn("unbound-room", "dora", `meeting new "Typed in a group" mon 11:00 1h @bob`)
	if m, _ := get(h, 3); m.Group.ChatID != "unbound-room" {
		t.Errorf("typed in a group, M-3 belongs to %+v", m.Group)
	}
}
