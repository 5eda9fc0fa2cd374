package dingtalk_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/bot"
)

func dingAccount(staff string) bot.Account {
	return bot.Account{Platform: bot.PlatformDingTalk, Workspace: "corp1", UserID: staff}
}

// Ensure Busy turns staff ids into unionIds once (contacts), asks
// querySchedule with them and UTC times with milliseconds, and answers per
// account: timed and all-day items busy, free items not, a user DingTalk
// reports an error for (or the contacts do not know) left out.
func TestBusy(t *testing.T) {
	a, f := newDirectory(t)
	cst := time.FixedZone("CST", 8*3600)
	at := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, cst) }
	f.SetBusy("staff1",
		dingtalktest.Busy{Start: at(2, 14), End: at(2, 15)},
		dingtalktest.Busy{Start: at(3, 0), End: at(4, 0), AllDay: true},
		dingtalktest.Busy{Start: at(2, 16), End: at(2, 17), Status: "FREE"},
	)
	ctx := context.Background()
	s1, s2, gone := dingAccount("staff1"), dingAccount("staff2"), dingAccount("nobody")
	for range 2 {
		got, err := a.Busy(ctx, []bot.Account{s1, s2, gone}, at(2, 0), at(5, 0))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || len(got[s2]) != 0 {
			t.Fatalf("got %+v", got)
		}
		ivs := got[s1]
		if len(ivs) != 2 || !ivs[0].Start.Equal(at(2, 14)) || ivs[0].AllDay || !ivs[1].AllDay || !ivs[1].Start.Equal(at(3, 0)) || !ivs[1].End.Equal(at(4, 0)) {
			t.Fatalf("staff1 %+v", ivs)
		}
	}
	// staff1 and staff2 once; the unknown user each time (they may join).
	if n := len(f.Calls("userGet")); n != 4 {
		t.Fatalf("%d unionId look-ups, want 4", n)
	}
	qs := f.Calls("querySchedule")
	if len(qs) != 2 || qs[0].Path != "/v1.0/calendar/users/union-staff1/querySchedule" ||
		qs[0].JSON["startTime"] != "2026-03-01T16:00:00.000Z" {
		t.Fatalf("calls %+v", qs)
	}
	if ids, _ := qs[0].JSON["userIds"].([]any); len(ids) != 2 || ids[1] != "union-staff2" {
		t.Fatalf("userIds %v", qs[0].JSON["userIds"])
	}
}

// Ensure an error for one user (outside the app's scope) leaves that user
// unchecked and a refusal for want of permission is a bilingual error that
// names it.
func TestBusy_Errors(t *testing.T) {
	t.Run("UserError", func(t *testing.T) {
		a, f := newDirectory(t)
		f.Reply("querySchedule", dingtalktest.JSONReply(http.StatusOK,
			`{"scheduleInformation":[{"userId":"union-staff1","error":"no permission for this user","scheduleItems":[]}]}`))
		got, err := a.Busy(context.Background(), []bot.Account{dingAccount("staff1")}, time.Now(), time.Now().Add(time.Hour))
		if err != nil || len(got) != 0 {
			t.Fatalf("got %+v, %v", got, err)
		}
	})
	t.Run("NoPermission", func(t *testing.T) {
		a, f := newDirectory(t)
		// The code names the token, so the adapter tries a new one first:
		// DingTalk refuses both.
		for range 2 {
			f.Reply("querySchedule", dingtalktest.JSONReply(http.StatusForbidden,
				`{"code":"Forbidden.AccessDenied.AccessTokenPermissionDenied","message":"没有调用该接口的权限"}`))
		}
		_, err := a.Busy(context.Background(), []bot.Account{dingAccount("staff1")}, time.Now(), time.Now().Add(time.Hour))
		adaptertest.CheckForbidden(t, err, "Calendar.EventSchedule.Read", "Calendar.EventSchedule.Read")
	})
	t.Run("ServerError", func(t *testing.T) {
		a, f := newDirectory(t)
		f.Reply("querySchedule", dingtalktest.JSONReply(http.StatusInternalServerError, `{"code":"ServiceUnavailable","message":"busy"}`))
		_, err := a.Busy(context.Background(), []bot.Account{dingAccount("staff1")}, time.Now(), time.Now().Add(time.Hour))
		if err == nil || bot.ErrorCode(err) != bot.EINTERNAL {
			t.Fatalf("err %v", err)
		}
	})
}
