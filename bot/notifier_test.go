package bot_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

var (
	shanghai = mustZone("Asia/Shanghai")
	newYork  = mustZone("America/New_York")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func acct(platform, user string) bot.LinkedAccount {
	return bot.LinkedAccount{Account: bot.Account{Platform: platform, Workspace: "W", UserID: user}}
}

// Ensure the destination is the home while it is still the person's and
// has a sender, else their oldest account with a sender, else the home or
// the oldest account; nobody without an account.
func TestNotifier_Destination(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, shanghai)
	slack, feishu, wecom := acct("slack", "U1"), acct("feishu", "ou_1"), acct("wecom", "w1")
	for _, tc := range []struct {
		name      string
		home      bot.Account
		accts     []bot.LinkedAccount
		platforms []string
		want      string // user id; "" means not reachable
	}{
		{"home", feishu.Account, []bot.LinkedAccount{slack, feishu}, nil, "ou_1"},
		{"no home: the oldest", bot.Account{}, []bot.LinkedAccount{slack, feishu}, nil, "U1"},
		{"home no longer theirs", bot.Account{Platform: "dingtalk", Workspace: "W", UserID: "gone"}, []bot.LinkedAccount{slack, feishu}, nil, "U1"},
		{"home without a sender", feishu.Account, []bot.LinkedAccount{slack, feishu, wecom}, []string{"wecom", "slack"}, "U1"},
		{"only a later account has a sender", bot.Account{}, []bot.LinkedAccount{slack, feishu, wecom}, []string{"wecom"}, "w1"},
		{"no sender at all: home", feishu.Account, []bot.LinkedAccount{slack, feishu}, []string{"dingtalk"}, "ou_1"},
		{"no sender, no home: the oldest", bot.Account{}, []bot.LinkedAccount{slack, feishu}, []string{"dingtalk"}, "U1"},
		{"no account", feishu.Account, nil, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := &bot.Notifier{Platforms: tc.platforms}
			d, ok := n.Decide(bot.Notice{To: &bot.Person{ID: 1, Home: tc.home}}, tc.accts, now)
			if tc.want == "" {
				if ok {
					t.Fatalf("reached %+v, want nobody", d.To)
				}
				return
			}
			if !ok || d.To.UserID != tc.want || d.To.ChatID != "" {
				t.Fatalf("to %+v (ok %v), want user %s", d.To, ok, tc.want)
			}
		})
	}
}

// Ensure the language and zone are the person's, else the notice's, else
// the notifier's defaults.
func TestNotifier_LangAndZone(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, shanghai)
	accts := []bot.LinkedAccount{acct("slack", "U1")}
	n := &bot.Notifier{DefaultLang: bot.LangZH, DefaultTZ: shanghai}
	for _, tc := range []struct {
		name     string
		p        bot.Person
		nt       bot.Notice
		wantLang bot.Lang
		wantLoc  *time.Location
	}{
		{"defaults", bot.Person{}, bot.Notice{}, bot.LangZH, shanghai},
		{"the notice's", bot.Person{}, bot.Notice{Lang: bot.LangEN, Zone: newYork}, bot.LangEN, newYork},
		{"the person's", bot.Person{Lang: bot.LangEN, TZ: "America/New_York"}, bot.Notice{Lang: bot.LangZH, Zone: time.UTC}, bot.LangEN, newYork},
	} {
		p := tc.p
		p.ID = 1
		tc.nt.To = &p
		d, ok := n.Decide(tc.nt, accts, now)
		if !ok || d.Lang != tc.wantLang || d.Loc.String() != tc.wantLoc.String() {
			t.Errorf("%s: %s in %v, want %s in %v", tc.name, d.Lang, d.Loc, tc.wantLang, tc.wantLoc)
		}
	}
	if d, _ := (&bot.Notifier{}).Decide(bot.Notice{To: &bot.Person{ID: 1}}, accts, now); d.Lang != bot.LangEN || d.Loc != time.UTC {
		t.Errorf("zero notifier: %s in %v, want English in UTC", d.Lang, d.Loc)
	}
}

// Ensure quiet hours hold what is not urgent until they end in the
// reader's own zone, that urgent notices go at once, and that news about a
// subject waits the window (and longer, if the window ends in quiet hours).
func TestNotifier_QuietHoursAndCoalescing(t *testing.T) {
	quiet, err := bot.ParseQuietHours("22:00-08:00")
	if err != nil {
		t.Fatal(err)
	}
	n := &bot.Notifier{DefaultTZ: shanghai, Window: time.Minute, Quiet: quiet}
	accts := []bot.LinkedAccount{acct("slack", "U1")}
	inShanghai := &bot.Person{ID: 1}
	inNewYork := &bot.Person{ID: 2, TZ: "America/New_York"}
	at := func(h, m int) time.Time { return time.Date(2026, 11, 20, h, m, 0, 0, shanghai) }
	nextMorning := time.Date(2026, 11, 21, 8, 0, 0, 0, shanghai)
	for _, tc := range []struct {
		name         string
		nt           bot.Notice
		now          time.Time
		wantDue      time.Time
		wantCoalesce bool
	}{
		{"daytime: at once", bot.Notice{To: inShanghai}, at(10, 0), time.Time{}, false},
		{"late evening: the morning", bot.Notice{To: inShanghai}, at(23, 30), nextMorning, false},
		{"small hours: the same morning", bot.Notice{To: inShanghai}, time.Date(2026, 11, 21, 3, 0, 0, 0, shanghai), nextMorning, false},
		{"the end of quiet hours is not quiet", bot.Notice{To: inShanghai}, nextMorning, time.Time{}, false},
		{"urgent: at once", bot.Notice{To: inShanghai, Urgent: true}, at(23, 30), time.Time{}, false},
		{"the reader's zone: 10:30 in New York", bot.Notice{To: inNewYork}, at(23, 30), time.Time{}, false},
		{"news: the window", bot.Notice{To: inShanghai, Subject: "task/1"}, at(10, 0), at(10, 1), true},
		{"news whose window ends in quiet hours", bot.Notice{To: inShanghai, Subject: "task/1"}, at(21, 59), nextMorning, true},
		{"urgent news: the window only", bot.Notice{To: inShanghai, Subject: "task/1", Urgent: true}, at(23, 0), at(23, 1), true},
	} {
		d, ok := n.Decide(tc.nt, accts, tc.now)
		if !ok || !d.Due.Equal(tc.wantDue) || (d.Coalesce != "") != tc.wantCoalesce {
			t.Errorf("%s: due %v, coalesce %q; want due %v, coalesced %v", tc.name, d.Due, d.Coalesce, tc.wantDue, tc.wantCoalesce)
		}
	}
	// Without a window, news is not held to be merged.
	if d, _ := (&bot.Notifier{}).Decide(bot.Notice{To: inShanghai, Subject: "task/1"}, accts, at(10, 0)); d.Coalesce != "" || !d.Due.IsZero() {
		t.Errorf("no window: %+v", d)
	}
}

// Ensure quiet hours within one day, and that bad forms are refused.
func TestQuietHours(t *testing.T) {
	q, err := bot.ParseQuietHours("12:00-13:30")
	if err != nil {
		t.Fatal(err)
	}
	day := func(h, m int) time.Time { return time.Date(2026, 3, 8, h, m, 0, 0, newYork) }
	if end, ok := q.EndAfter(day(12, 15), newYork); !ok || !end.Equal(day(13, 30)) {
		t.Errorf("12:15: %v %v", end, ok)
	}
	for _, free := range []time.Time{day(11, 59), day(13, 30), day(20, 0)} {
		if _, ok := q.EndAfter(free, newYork); ok {
			t.Errorf("%v is not quiet", free)
		}
	}
	// Across the spring change (2026-03-08, 02:00 → 03:00 in New York) the
	// night still ends at 08:00 local.
	night, _ := bot.ParseQuietHours("22:00-08:00")
	if end, ok := night.EndAfter(time.Date(2026, 3, 7, 23, 0, 0, 0, newYork), newYork); !ok || !end.Equal(day(8, 0)) {
		t.Errorf("spring night ends %v %v, want %v", end, ok, day(8, 0))
	}
	if q, err := bot.ParseQuietHours(""); err != nil || q != (bot.QuietHours{}) {
		t.Errorf("empty = %+v, %v", q, err)
	}
	for _, bad := range []string{"22:00", "22-08", "25:00-08:00", "22:00-08:00x", "08:00-08:00"} {
		if _, err := bot.ParseQuietHours(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Ensure Tell stores the message as decided, written in the reader's
// language and zone, and that a second notice about the subject is merged
// into the first while it waits.
func TestNotifier_Tell(t *testing.T) {
	db := openDB(t, "")
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	n := &bot.Notifier{DefaultLang: bot.LangEN, Window: time.Minute}
	p := &bot.Person{Name: "Bo", Handle: "bo", Lang: bot.LangZH, TZ: "Asia/Shanghai", Role: bot.RoleMember}
	compose := func(line string) func(bot.Lang, *time.Location) bot.Message {
		return func(lang bot.Lang, loc *time.Location) bot.Message {
			return bot.Message{Text: string(lang) + " " + now.In(loc).Format("15:04") + " " + line}
		}
	}
	err := db.Update(context.Background(), func(tx bot.Tx) error {
		if err := tx.CreatePerson(p, now); err != nil {
			return err
		}
		if err := tx.LinkAccount(p.ID, bot.Account{Platform: "slack", Workspace: "T", UserID: "U9"}, "Bo", now); err != nil {
			return err
		}
		for i, line := range []string{"one", "two"} {
			if ok, err := n.Tell(tx, "k"+line, bot.Notice{To: p, Subject: "task/1"}, now.Add(time.Duration(i)*time.Second), compose(line)); err != nil || !ok {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	q := outbox(t, db, bot.OutboxQueued)
	if len(q) != 1 || q[0].To.UserID != "U9" || q[0].Msg.Text != "zh-CN 18:00 one\nzh-CN 18:00 two" || !q[0].NextAttempt.Equal(now.Add(time.Minute)) {
		t.Fatalf("queued %d: %+v", len(q), q)
	}
}

// Ensure commands' notifications go through the bot's notifier: at 23:00
// news for someone else waits for the morning, while the reply to the
// sender goes at once.
func TestRequestNotify_QuietHours(t *testing.T) {
	db := openDB(t, "")
	quiet, _ := bot.ParseQuietHours("22:00-08:00")
	now := time.Date(2026, 11, 20, 23, 0, 0, 0, shanghai)
	r := routerFunc(func(ctx context.Context, req *bot.Request) error {
		if req.Event.Sender.UserID != "U1" {
			return nil
		}
		bob, err := req.ResolvePerson("<@U2>")
		if err != nil {
			return err
		}
		req.ReplyText(bot.T("told", "已告知"))
		return req.Notify(bob, bot.Message{Text: "news"})
	})
	b := &bot.Bot{Store: db, Router: r, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now },
		Notifier: &bot.Notifier{DefaultTZ: shanghai, Quiet: quiet}}
	if err := b.Open(); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ev := event("Ev1", "tell bob")
	if _, err := b.Accept(context.Background(), ev, 0); err != nil {
		t.Fatal(err)
	}
	due := map[string]time.Time{}
	for _, o := range outbox(t, db, bot.OutboxQueued) {
		due[o.To.UserID+o.To.ChatID] = o.NextAttempt
	}
	if morning := time.Date(2026, 11, 21, 8, 0, 0, 0, shanghai); len(due) != 2 || due["C1"].After(now) || !due["U2"].Equal(morning) {
		t.Fatalf("due %v; want the reply at once, Bob's news at %v", due, morning)
	}
}

// Ensure a host's notifier is used as it is, and a missing one is made from
// the host's defaults, English and UTC where those are unset.
func TestNotifierOr(t *testing.T) {
	own := &bot.Notifier{DefaultLang: bot.LangZH}
	if bot.NotifierOr(own, bot.LangEN, nil) != own {
		t.Error("a host's notifier was replaced")
	}
	n := bot.NotifierOr(nil, "", nil)
	if n.DefaultLang != bot.LangEN || n.DefaultTZ != time.UTC {
		t.Errorf("made = %+v, want English and UTC", n)
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	if n := bot.NotifierOr(nil, bot.LangZH, sh); n.DefaultLang != bot.LangZH || n.DefaultTZ != sh {
		t.Errorf("made = %+v, want the host's defaults", n)
	}
}
