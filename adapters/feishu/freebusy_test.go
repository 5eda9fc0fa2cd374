package feishu_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/bot"
)

func feishuAccount(id string) bot.Account {
	return bot.Account{Platform: bot.PlatformFeishu, Workspace: "tenant1", UserID: id}
}

// Ensure Busy asks freebusy/batch with open_ids, the window in RFC 3339 and
// RSVP status, and answers per account: declined events are not busy, a
// user with a free calendar is checked and free.
func TestBusy(t *testing.T) {
	a, f := newSender(t, nil, nil)
	sh := time.FixedZone("CST", 8*3600)
	at := func(h, m int) time.Time { return time.Date(2026, 3, 2, h, m, 0, 0, sh) }
	f.SetBusy("ou_alice",
		feishutest.Busy{Start: at(14, 0), End: at(15, 0), RSVP: "accept"},
		feishutest.Busy{Start: at(9, 0), End: at(10, 0)},
		feishutest.Busy{Start: at(16, 0), End: at(17, 0), RSVP: "decline"},
		feishutest.Busy{Start: at(20, 0), End: at(21, 0)}, // outside the window
	)
	alice, bob := feishuAccount("ou_alice"), feishuAccount("ou_bob")
	got, err := a.Busy(context.Background(), []bot.Account{alice, bob}, at(8, 0), at(18, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(got[alice]) != 2 || !got[alice][0].Start.Equal(at(9, 0)) || !got[alice][1].End.Equal(at(15, 0)) {
		t.Fatalf("alice %+v", got[alice])
	}
	if ivs, ok := got[bob]; !ok || len(ivs) != 0 {
		t.Fatalf("bob %+v (checked %v)", ivs, ok)
	}
	calls := f.Matching(func(c feishutest.Call) bool { return c.Path == feishutest.PathFreeBusyBatch })
	if len(calls) != 1 || calls[0].Query.Get("user_id_type") != "open_id" || calls[0].Body["need_rsvp_status"] != true ||
		calls[0].Body["time_min"] != "2026-03-02T08:00:00+08:00" || fmt.Sprint(calls[0].Body["user_ids"]) != "[ou_alice ou_bob]" {
		t.Fatalf("calls %s", f.Dump())
	}
}

// Ensure more users than one batch takes, and a range longer than Feishu's
// three months, are split into several requests that Feishu accepts.
func TestBusy_Split(t *testing.T) {
	a, f := newSender(t, nil, nil)
	var who []bot.Account
	for i := range 23 {
		who = append(who, feishuAccount(fmt.Sprintf("ou_%d", i)))
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.SetBusy("ou_22", feishutest.Busy{Start: from.AddDate(0, 5, 0), End: from.AddDate(0, 5, 0).Add(time.Hour)})
	got, err := a.Busy(context.Background(), who, from, from.AddDate(0, 6, 0))
	if err != nil {
		t.Fatal(err)
	}
	calls := f.Matching(func(c feishutest.Call) bool { return c.Path == feishutest.PathFreeBusyBatch })
	if len(calls) != 9 { // 3 batches × 3 spans of at most 89 days
		t.Fatalf("%d calls", len(calls))
	}
	if len(got) != 23 || len(got[who[22]]) != 1 {
		t.Fatalf("got %d accounts, ou_22 %+v", len(got), got[who[22]])
	}
}

// Ensure a missing scope is a bilingual forbidden error naming the scope,
// and other failures are plain errors.
func TestBusy_Errors(t *testing.T) {
	t.Run("NoScope", func(t *testing.T) {
		a, f := newSender(t, nil, nil)
		f.Reply(feishutest.PathFreeBusyBatch, feishutest.Error(http.StatusBadRequest, 99991672, nil))
		_, err := a.Busy(context.Background(), []bot.Account{feishuAccount("ou_a")}, time.Now(), time.Now().Add(time.Hour))
		adaptertest.CheckForbidden(t, err, "calendar:calendar.free_busy:read", "calendar:calendar.free_busy:read")
	})
	t.Run("ServerError", func(t *testing.T) {
		a, f := newSender(t, nil, nil)
		f.Reply(feishutest.PathFreeBusyBatch, feishutest.Error(http.StatusInternalServerError, 1, nil))
		_, err := a.Busy(context.Background(), []bot.Account{feishuAccount("ou_a")}, time.Now(), time.Now().Add(time.Hour))
		if err == nil || bot.ErrorCode(err) != bot.EINTERNAL {
			t.Fatalf("err %v", err)
		}
	})
}
