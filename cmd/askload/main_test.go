package main

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
)

var t0 = time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)

// Ensure the drain delivers every queued row at no more than each
// platform's documented limits, and that it is the limits that spread the
// sends: Feishu's 100 direct messages and DingTalk's take the time their
// app rate needs, and 30 messages into one DingTalk group take the minutes
// its 20-a-minute limit needs. (The load's figures are printed by the
// command, never asserted.)
func TestDrain_KeepsToTheLimits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "load.db")
	w, err := Populate(path, 400, 2, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.DeptIDs) != 2 || len(w.HeadIDs) != 2 || w.AuthorID == 0 {
		t.Fatalf("world %+v", w)
	}
	db, err := openDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	group := bot.Destination{Platform: bot.PlatformDingTalk, Workspace: Workspace, ChatID: "cidGroup"}
	err = db.Update(context.Background(), func(tx bot.Tx) error {
		for i := range 400 {
			to := bot.Destination{Platform: Platforms[i%4], Workspace: Workspace, UserID: fmt.Sprintf("u%d", i)}
			if _, err := tx.Enqueue(&bot.Outgoing{Key: fmt.Sprintf("dm%d", i), To: to, Msg: bot.Message{Text: "hello"}}, t0); err != nil {
				return err
			}
		}
		for i := range 30 {
			if _, err := tx.Enqueue(&bot.Outgoing{Key: fmt.Sprintf("group%d", i), To: group, Msg: bot.Message{Text: "hello"}}, t0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Drain(db, t0)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total() != 430 || len(rep.Sends[bot.PlatformDingTalk]) != 130 {
		t.Fatalf("%d sent (%d on DingTalk), want 430 (130)", rep.Total(), len(rep.Sends[bot.PlatformDingTalk]))
	}
	for _, p := range Platforms {
		checks := rep.Checks(p)
		if len(checks) == 0 {
			t.Fatalf("%s: no documented window checked", p)
		}
		for _, c := range checks {
			if c.Over() {
				t.Errorf("%s: %d in one %s window of %s, limit %d", p, c.Max, c.Per, c.Key, c.N)
			}
		}
	}
	// Feishu: a burst of 16, then 16 a second: 84 more take 5.25 s.
	if took := rep.Took[bot.PlatformFeishu]; took < 5*time.Second || took > 7*time.Second {
		t.Errorf("Feishu's 100 took %s of platform time, want about 5.25 s", took)
	}
	// DingTalk's group: one every 4 s after at most a burst of 5: 30 take
	// at least 100 s.
	var groupTimes []time.Time
	for _, s := range rep.Sends[bot.PlatformDingTalk] {
		if s.To.ChatID == group.ChatID {
			groupTimes = append(groupTimes, s.At)
		}
	}
	if span := groupTimes[len(groupTimes)-1].Sub(groupTimes[0]); span < 99*time.Second {
		t.Errorf("30 group messages spread over %s, want at least 100 s", span)
	}
	if m := MaxInWindow(groupTimes, time.Minute); m > 20 || m < 10 {
		t.Errorf("largest minute of the group %d, want the limit's pace (at most 20)", m)
	}
}

// Ensure the check sees a window over its limit, wherever it falls.
func TestChecks_SeeAnOverrun(t *testing.T) {
	to := bot.Destination{Platform: bot.PlatformFeishu, Workspace: Workspace, UserID: "u1"}
	rep := &Report{Sends: map[string][]Send{}}
	for i := range 6 { // six to one user within a second: Feishu allows five
		rep.Sends[bot.PlatformFeishu] = append(rep.Sends[bot.PlatformFeishu], Send{To: to, At: t0.Add(time.Duration(i) * 150 * time.Millisecond)})
	}
	var user Check
	for _, c := range rep.Checks(bot.PlatformFeishu) {
		if c.Scope == scheduler.ScopeUser {
			user = c
		}
	}
	if user.Max != 6 || !user.Over() || !rep.Over() {
		t.Fatalf("user check %+v, report over %v", user, rep.Over())
	}
	if got := MaxInWindow([]time.Time{t0, t0.Add(time.Second), t0.Add(1999 * time.Millisecond)}, time.Second); got != 2 {
		t.Fatalf("MaxInWindow %d, want 2 (a window is half-open)", got)
	}
}
