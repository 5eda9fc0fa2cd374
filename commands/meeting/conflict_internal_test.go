package meeting

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/commands"
)

// fakeSource is one platform app's free/busy: busy intervals by user id;
// a user missing from it is not visible to it; fail makes every call err.
type fakeSource struct {
	busy  map[string][]bot.Interval
	fail  error
	calls int
}

func (f *fakeSource) Busy(_ context.Context, who []bot.Account, from, to time.Time) (map[bot.Account][]bot.Interval, error) {
	f.calls++
	if f.fail != nil {
		return nil, f.fail
	}
	out := map[bot.Account][]bot.Interval{}
	for _, a := range who {
		if b, ok := f.busy[a.UserID]; ok {
			out[a] = b
		}
	}
	return out, nil
}

func at(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, shanghai) }

func TestCheck_ConflictsAndSlots(t *testing.T) {
	acct := func(platform, user string) []bot.LinkedAccount {
		return []bot.LinkedAccount{{Account: bot.Account{Platform: platform, Workspace: "w", UserID: user}}}
	}
	alice := &attendee{p: &bot.Person{ID: 1, Handle: "alice"}, accts: acct(bot.PlatformFeishu, "ou_alice"),
		own: []bot.Interval{{Start: at(20, 14, 0), End: at(20, 15, 0), What: "M-1 Budget"}, {Start: at(20, 12, 0), End: at(20, 14, 0), What: "M-2 Lunch talk"}}}
	bob := &attendee{p: &bot.Person{ID: 2, Handle: "bob"}, accts: acct(bot.PlatformFeishu, "ou_bob")}
	carol := &attendee{p: &bot.Person{ID: 3, Handle: "carol"}, accts: acct(bot.PlatformWeCom, "carol")}
	dave := &attendee{p: &bot.Person{ID: 4, Handle: "dave"}, accts: acct(bot.PlatformDingTalk, "dave")}
	feishu := &fakeSource{busy: map[string][]bot.Interval{
		"ou_alice": nil,
		"ou_bob":   {{Start: at(20, 14, 30), End: at(20, 16, 0)}, {Start: at(20, 15, 30), End: at(20, 16, 0)}},
	}}
	dingtalk := &fakeSource{fail: bot.Errorf(bot.EFORBIDDEN, "DingTalk refuses: grant Calendar.Read.", "钉钉拒绝：请授予 Calendar.Read 权限。")}
	reg := &bot.FreeBusyRegistry{Apps: []bot.FreeBusyApp{{Platform: bot.PlatformFeishu, Source: feishu}, {Platform: bot.PlatformDingTalk, Source: dingtalk}}}
	cal, err := workcal.ChinaMainland(shanghai)
	if err != nil {
		t.Fatal(err)
	}
	f := &feature{Deps: Deps{Calendars: reg, Calendar: cal, DefaultTZ: shanghai}}
	ck, err := f.check(context.Background(), &draft{start: at(20, 14, 0), dur: 90 * time.Minute}, []*attendee{alice, bob, carol, dave})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range ck.conflicts {
		got = append(got, c.handle+" "+c.What+" "+c.Start.Format("15:04"))
	}
	// Alice's 12:00–14:00 ends as this begins and Bob's 15:30 begins as
	// it ends (back to back): no conflict.
	want := []string{"@alice M-1 Budget 14:00", "@bob  14:30"}
	if !slices.Equal(got, want) {
		t.Errorf("conflicts %q, want %q", got, want)
	}
	if !ck.conflicts[0].own || ck.conflicts[1].own {
		t.Errorf("own: %+v", ck.conflicts)
	}
	if !slices.Equal(ck.unchecked, []string{"@carol"}) || len(ck.failed) != 1 || ck.failed[0].handle != "@dave" ||
		!strings.Contains(ck.failed[0].why.ZH, "Calendar.Read") {
		t.Errorf("unchecked %v failed %v", ck.unchecked, ck.failed)
	}
	// Free for all in working hours: Friday 16:00 (to 17:30), then Monday
	// (the weekend is no working time).
	if len(ck.slots) != 3 || !ck.slots[0].Equal(at(20, 16, 0)) || ck.slots[1].Day() != 23 {
		t.Errorf("slots %v", ck.slots)
	}
	if feishu.calls != 1 || dingtalk.calls != 1 {
		t.Errorf("calls: feishu %d, dingtalk %d (one each, outside any unit)", feishu.calls, dingtalk.calls)
	}
}

func TestCheck_NoConflictNoSlots(t *testing.T) {
	f := &feature{Deps: Deps{DefaultTZ: shanghai}}
	a := &attendee{p: &bot.Person{ID: 1, Handle: "alice"}, own: []bot.Interval{{Start: at(20, 9, 0), End: at(20, 10, 0), What: "M-1 x"}}}
	ck, err := f.check(context.Background(), &draft{start: at(20, 10, 0), dur: time.Hour}, []*attendee{a})
	if err != nil || len(ck.conflicts) != 0 || len(ck.slots) != 0 {
		t.Errorf("conflicts %v slots %v err %v", ck.conflicts, ck.slots, err)
	}
}

func TestCreate_UncheckedIsNotScheduled(t *testing.T) {
	f := &feature{Deps: Deps{DefaultTZ: shanghai}}
	failed := bot.Errorf(bot.EUNAVAILABLE, "The calendars did not answer.", "日历没有应答。")
	c := &commands.Ctx{Request: &bot.Request{Now: friday10, Loc: shanghai, Lang: bot.LangEN, PrepareErr: failed},
		Args: commands.Tokenize(`"Q3" mon 14:00 @alice`)}
	if err := f.create(c); err != failed {
		t.Errorf("create with a failed check: %v", err)
	}
}
