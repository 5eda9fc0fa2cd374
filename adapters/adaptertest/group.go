package adaptertest

import (
	"errors"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
)

// WarRoom is the group spec the adapters' GroupCreator tests ask for: a
// war room named as a ticket feature would name it, with key and the
// members (user ids on platform and workspace), the first of them owner.
func WarRoom(platform, workspace, key string, members ...string) bot.GroupSpec {
	spec := bot.GroupSpec{Workspace: workspace, Name: "P1 #42 Batch 2611 labels peel off", Topic: "War room for ticket #42", Key: key}
	for _, m := range members {
		spec.Members = append(spec.Members, bot.Account{Platform: platform, Workspace: workspace, UserID: m})
	}
	if len(spec.Members) > 0 {
		spec.Owner = spec.Members[0]
	}
	return spec
}

// CheckForbidden fails the test unless err is a bot.Error with EFORBIDDEN
// whose English text contains en and whose Chinese text contains zh: what
// the admin must grant, said in both languages.
func CheckForbidden(tb testing.TB, err error, en, zh string) {
	tb.Helper()
	var be *bot.Error
	if !errors.As(err, &be) || be.Code != bot.EFORBIDDEN {
		tb.Fatalf("got %v, want a forbidden bot.Error", err)
	}
	if !strings.Contains(be.Text.EN, en) || !strings.Contains(be.Text.ZH, zh) {
		tb.Fatalf("the refusal does not name %q / %q: %+v", en, zh, be.Text)
	}
}
