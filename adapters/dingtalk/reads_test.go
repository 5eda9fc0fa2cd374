package dingtalk_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/bot"
)

// Ensure readStatus is asked with the robot code and each message's
// processQueryKey, and only the recipients who read it are reported, with
// DingTalk's read time.
func TestMessageReads_ReadersOnly(t *testing.T) {
	s := newSender(t)
	first, err := s.send(bot.Destination{UserID: "staff1"}, bot.Message{Text: "Please read"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.send(bot.Destination{UserID: "staff2"}, bot.Message{Text: "Please read"})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.f.OneToOne("staff2"); len(got) != 1 || got[0] != second {
		t.Fatalf("the fake's keys for staff2 %v, want [%s]", got, second)
	}
	at := time.UnixMilli(1_700_000_123_456)
	if !s.f.Read(second, "staff2", at) {
		t.Fatal("the fake does not know the second message")
	}
	reads, err := s.MessageReads(context.Background(), "dingcorp1", []string{first, second})
	if err != nil {
		t.Fatal(err)
	}
	if len(reads) != 1 || reads[0] != (bot.MessageRead{RemoteID: second, UserID: "staff2", At: at}) {
		t.Fatalf("reads %+v", reads)
	}
	calls := s.f.Calls("readStatus")
	if len(calls) != 2 || calls[0].Method != http.MethodGet || calls[0].Query.Get("processQueryKey") != first ||
		calls[0].Query.Get("robotCode") == "" || len(calls[0].Body) != 0 {
		t.Fatalf("readStatus calls %+v", calls)
	}
	if s.ReadWindow() != 7*24*time.Hour {
		t.Fatalf("read window %v", s.ReadWindow())
	}
}

// Ensure a key DingTalk does not answer for (a group message's, an unknown
// one) is left out, and an interactive card's id is not asked at all.
func TestMessageReads_Unanswerable(t *testing.T) {
	s := newSender(t)
	dm, err := s.send(bot.Destination{UserID: "staff1"}, bot.Message{Text: "Please read"})
	if err != nil {
		t.Fatal(err)
	}
	group, err := s.send(bot.Destination{ChatID: "cidGroup1"}, bot.Message{Text: "Please read"})
	if err != nil {
		t.Fatal(err)
	}
	s.f.Read(dm, "staff1", time.Now())
	reads, err := s.MessageReads(context.Background(), "dingcorp1",
		[]string{group, "tandem-0123456789abcdef0123456789abcdef", "pqk-unknown", dm})
	if err != nil {
		t.Fatal(err)
	}
	if len(reads) != 1 || reads[0].RemoteID != dm {
		t.Fatalf("reads %+v", reads)
	}
	if n := len(s.f.Calls("readStatus")); n != 3 {
		t.Fatalf("%d readStatus calls, want 3 (none for the card):\n%s", n, s.f.Dump())
	}
}

// Ensure a refusal that is about the app (permission), a rate limit and
// DingTalk's own trouble are errors, not "nobody read it".
func TestMessageReads_Errors(t *testing.T) {
	for name, reply := range map[string]func(http.ResponseWriter){
		"Forbidden":   dingtalktest.JSONReply(403, `{"code":"Forbidden.AccessDenied.AccessTokenPermissionDenied","message":"no permission"}`),
		"RateLimited": dingtalktest.JSONReply(429, `{"code":"Throttling","message":"too fast"}`),
		"ServerFault": dingtalktest.JSONReply(500, `{"code":"InternalError","message":"busy"}`),
	} {
		t.Run(name, func(t *testing.T) {
			s := newSender(t)
			dm, err := s.send(bot.Destination{UserID: "staff1"}, bot.Message{Text: "Please read"})
			if err != nil {
				t.Fatal(err)
			}
			// Twice: a code that names the token makes the adapter fetch a
			// new one and ask again.
			s.f.Reply("readStatus", reply)
			s.f.Reply("readStatus", reply)
			reads, err := s.MessageReads(context.Background(), "dingcorp1", []string{dm})
			if err == nil || reads != nil {
				t.Fatalf("reads %+v, err %v; want an error", reads, err)
			}
		})
	}
}
