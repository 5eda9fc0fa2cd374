package meeting

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// fakeBusy answers FreeBusy from a table by handle; a handle missing from
// it has no calendar (ok false), one in fail errs.
type fakeBusy struct {
	busy  map[string][]Interval
	fail  map[string]bool
	asked []string
}

func (f *fakeBusy) Busy(_ context.Context, p *bot.Person, _ []bot.LinkedAccount, from, to time.Time) ([]Interval, bool, error) {
	f.asked = append(f.asked, p.Handle)
	if f.fail[p.Handle] {
		return nil, false, errors.New("calendar down")
	}
	b, ok := f.busy[p.Handle]
	return b, ok, nil
}

func at(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, shanghai) }

func TestCheck_ConflictsAndSlots(t *testing.T) {
	acct := func(platform string) []bot.LinkedAccount {
		return []bot.LinkedAccount{{Account: bot.Account{Platform: platform, Workspace: "w", UserID: "u"}}}
	}
	alice := &attendee{p: &bot.Person{ID: 1, Handle: "alice"}, accts: acct(bot.PlatformFeishu),
		busy: []busy{{Interval{at(20, 14, 0), at(20, 15, 0)}, "M-1", "Budget"}, {Interval{at(20, 12, 0), at(20, 14, 0)}, "M-2", "Lunch talk"}}}
	bob := &attendee{p: &bot.Person{ID: 2, Handle: "bob"}, accts: acct(bot.PlatformFeishu)}
	carol := &attendee{p: &bot.Person{ID: 3, Handle: "carol"}, accts: acct(bot.PlatformWeCom)}
	dave := &attendee{p: &bot.Person{ID: 4, Handle: "dave"}, accts: acct(bot.PlatformDingTalk)}
	fb := &fakeBusy{busy: map[string][]Interval{
		"alice": nil,
		"bob":   {{at(20, 14, 30), at(20, 16, 0)}, {at(20, 15, 30), at(20, 16, 0)}},
		"dave":  {{at(20, 15, 30), at(20, 17, 0)}}, // not read: dave's calendar fails
	}, fail: map[string]bool{"dave": true}}
	f := &feature{Deps: Deps{FreeBusy: fb, DefaultTZ: shanghai}}
	ck := f.check(context.Background(), &draft{start: at(20, 14, 0), dur: 90 * time.Minute}, []*attendee{alice, bob, carol, dave})

	var got []string
	for _, c := range ck.conflicts {
		got = append(got, c.handle+" "+c.ref+" "+c.Start.Format("15:04"))
	}
	// Alice's 12:00–14:00 ends as this begins and Bob's 15:30 begins as
	// it ends (back to back): no conflict.
	want := []string{"@alice M-1 14:00", "@bob  14:30"}
	if !slices.Equal(got, want) {
		t.Errorf("conflicts %q, want %q", got, want)
	}
	if !slices.Equal(ck.unchecked, []string{"@carol"}) || !slices.Equal(ck.failed, []string{"@dave"}) {
		t.Errorf("unchecked %v failed %v", ck.unchecked, ck.failed)
	}
	// Free for all: 16:00 and 16:30 on Friday (ending by 18:00), then
	// Monday 09:00 (the weekend is no working time).
	wantSlots := []time.Time{at(20, 16, 0), at(20, 16, 30), at(23, 9, 0)}
	if !slices.EqualFunc(ck.slots, wantSlots, time.Time.Equal) {
		t.Errorf("slots %v, want %v", ck.slots, wantSlots)
	}
	if len(fb.asked) != 4 {
		t.Errorf("calendars asked %v", fb.asked)
	}
}

func TestCheck_NoConflictNoSlots(t *testing.T) {
	f := &feature{Deps: Deps{DefaultTZ: shanghai}}
	a := &attendee{p: &bot.Person{ID: 1, Handle: "alice"}, busy: []busy{{Interval{at(20, 9, 0), at(20, 10, 0)}, "M-1", "x"}}}
	ck := f.check(context.Background(), &draft{start: at(20, 10, 0), dur: time.Hour}, []*attendee{a})
	if len(ck.conflicts) != 0 || len(ck.slots) != 0 {
		t.Errorf("conflicts %v slots %v", ck.conflicts, ck.slots)
	}
}
