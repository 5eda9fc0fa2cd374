package commands_test

import (
	"context"
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands/commandstest"
)

// Ensure an @name that matches nobody is refused with the nearest handle
// as a suggestion, in either language, and creates no one; a full-width ＠
// names people too.
func TestMention_UnknownNameSuggests(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("gwen", "bob")
	h.Expect("alice", `task new "x" @ghost`, "No one is called @ghost — did you mean @gwen?")
	h.Expect("alice", `任务 新建 "x" ＠gewn`, "没有叫 @gewn 的人——你是想找 @gwen 吗？")
	h.Expect("alice", `task new "x" @zzz`, "No one is called @zzz. They need to talk to me once")
	h.Expect("alice", "remind @bbo tomorrow 9am call", "did you mean @bob?")
	h.Expect("alice", `任务 新建 "海报" ＠gwen`, "已创建任务 #1，负责人 @gwen。")
	var ps []*bot.Person
	for _, name := range []string{"ghost", "gewn", "zzz", "bbo"} {
		h.DB.View(context.Background(), func(tx bot.Tx) (err error) { ps, err = tx.FindPeopleByName(name); return })
		if len(ps) != 0 {
			t.Fatalf("@%s created %+v", name, ps[0])
		}
	}
}
