package bot_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// fakeBusy answers from a table and records each call's accounts.
type fakeBusy struct {
	mu    sync.Mutex
	busy  map[bot.Account][]bot.Interval
	err   error
	calls [][]bot.Account
}

func (f *fakeBusy) Busy(_ context.Context, who []bot.Account, from, to time.Time) (map[bot.Account][]bot.Interval, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, who)
	if f.err != nil {
		return nil, f.err
	}
	out := map[bot.Account][]bot.Interval{}
	for _, a := range who {
		for _, iv := range f.busy[a] {
			if iv.Overlaps(from, to) {
				out[a] = append(out[a], iv)
			}
		}
		if _, ok := f.busy[a]; ok && out[a] == nil {
			out[a] = []bot.Interval{}
		}
	}
	return out, nil
}

func at(h, m int) time.Time { return time.Date(2026, 3, 2, h, m, 0, 0, time.UTC) }

// Ensure the registry asks each source once for all its accounts, adds the
// person's calendar URL, merges what the sources said per person in order,
// reports a failing source without losing the others, and leaves people
// with no source (WeCom, Slack) unchecked.
func TestFreeBusyRegistry_Busy(t *testing.T) {
	alice := bot.Account{Platform: bot.PlatformFeishu, Workspace: "t1", UserID: "ou_alice"}
	bob := bot.Account{Platform: bot.PlatformFeishu, Workspace: "t1", UserID: "ou_bob"}
	carol := bot.Account{Platform: bot.PlatformDingTalk, Workspace: "c1", UserID: "staff3"}
	dave := bot.Account{Platform: bot.PlatformWeCom, Workspace: "w1", UserID: "dave"}
	url := "https://cal.example/alice.ics"
	feishu := &fakeBusy{busy: map[bot.Account][]bot.Interval{
		alice: {{Start: at(14, 0), End: at(15, 0)}},
		bob:   {},
	}}
	ical := &fakeBusy{busy: map[bot.Account][]bot.Interval{
		{Platform: bot.PlatformICal, UserID: url}: {{Start: at(9, 0), End: at(10, 0), What: "dentist"}},
	}}
	ding := &fakeBusy{err: bot.Errorf(bot.EFORBIDDEN, "no scope Calendar.Event.Read", "缺少权限 Calendar.Event.Read")}
	r := &bot.FreeBusyRegistry{
		Apps: []bot.FreeBusyApp{
			{Platform: bot.PlatformFeishu, Workspace: "t1", Source: feishu},
			{Platform: bot.PlatformDingTalk, Source: ding}, // any workspace
		},
		ICal:         ical,
		CalendarURLs: map[string]string{"alice": url},
	}
	rep, err := r.Busy(context.Background(), []bot.BusyQuery{
		{PersonID: 1, Handle: "alice", Accounts: []bot.Account{alice}},
		{PersonID: 2, Handle: "bob", Accounts: []bot.Account{bob}},
		{PersonID: 3, Handle: "carol", Accounts: []bot.Account{carol}},
		{PersonID: 4, Handle: "dave", Accounts: []bot.Account{dave}},
	}, at(0, 0), at(23, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(feishu.calls) != 1 || len(feishu.calls[0]) != 2 || len(ical.calls) != 1 || len(ding.calls) != 1 {
		t.Fatalf("calls: feishu %v, ical %v, dingtalk %v", feishu.calls, ical.calls, ding.calls)
	}
	a := rep.Busy[1]
	if len(a) != 2 || a[0].What != "dentist" || !a[1].Start.Equal(at(14, 0)) {
		t.Fatalf("alice busy %+v", a)
	}
	if !rep.Checked[1] || !rep.Checked[2] || rep.Checked[3] || rep.Checked[4] || len(rep.Busy[2]) != 0 {
		t.Fatalf("checked %v, busy %v", rep.Checked, rep.Busy)
	}
	if len(rep.Failed) != 1 || rep.Failed[0].PersonID != 3 || bot.ErrorCode(rep.Failed[0].Err) != bot.EFORBIDDEN {
		t.Fatalf("failed %+v", rep.Failed)
	}
}

// Ensure the finder prefers the workspace's own app, falls back to the
// platform's app without a workspace, and knows nothing of other platforms.
func TestFreeBusyRegistry_Finder(t *testing.T) {
	own, any := &fakeBusy{}, &fakeBusy{}
	r := &bot.FreeBusyRegistry{Apps: []bot.FreeBusyApp{
		{Platform: bot.PlatformFeishu, Source: any},
		{Platform: bot.PlatformFeishu, Workspace: "t2", Source: own},
	}}
	if s, ok := r.FreeBusy(bot.PlatformFeishu, "t2"); !ok || s != own {
		t.Fatal("t2 should get its own app")
	}
	if s, ok := r.FreeBusy(bot.PlatformFeishu, "t9"); !ok || s != any {
		t.Fatal("t9 should get the platform's app")
	}
	if _, ok := r.FreeBusy(bot.PlatformSlack, "T1"); ok {
		t.Fatal("slack has no free/busy")
	}
	if _, ok := r.FreeBusy(bot.PlatformICal, ""); ok {
		t.Fatal("no ical source configured")
	}
	var none *bot.FreeBusyRegistry
	if _, err := none.Busy(context.Background(), []bot.BusyQuery{{PersonID: 1, Handle: "a"}}, at(0, 0), at(1, 0)); err != nil {
		t.Fatal(err)
	}
}

// Ensure a caller that gives up gets its context's error.
func TestFreeBusyRegistry_Cancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := &bot.FreeBusyRegistry{}
	if _, err := r.Busy(ctx, nil, at(0, 0), at(1, 0)); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

func TestInterval_Overlaps(t *testing.T) {
	iv := bot.Interval{Start: at(9, 0), End: at(10, 0)}
	for _, c := range []struct {
		s, e time.Time
		want bool
	}{
		{at(10, 0), at(11, 0), false}, // back to back after
		{at(8, 0), at(9, 0), false},   // back to back before
		{at(9, 59), at(11, 0), true},
		{at(8, 0), at(12, 0), true},
		{at(9, 15), at(9, 45), true},
	} {
		if got := iv.Overlaps(c.s, c.e); got != c.want {
			t.Errorf("[%v, %v): %v, want %v", c.s, c.e, got, c.want)
		}
	}
}
