package feishu_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/bot"
)

// sendDMs posts n direct messages and returns their message ids.
func sendDMs(t *testing.T, a interface {
	Send(context.Context, *bot.Outgoing) (string, error)
}, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		id, err := a.Send(context.Background(), &bot.Outgoing{Key: fmt.Sprintf("dm%d", i),
			To: bot.Destination{Platform: bot.PlatformFeishu, UserID: fmt.Sprintf("ou_%d", i)}, Msg: bot.Message{Text: "Please read"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// Ensure the readers of each message are reported with their open_id and
// the time Feishu gives, every page of them, and that a message nobody
// read reports nothing.
func TestMessageReads_AllPages(t *testing.T) {
	a, f := newSender(t, nil, nil)
	ids := sendDMs(t, a, 3)
	at := time.UnixMilli(1_700_000_123_456)
	for i := range 250 { // three pages of 100 for the first message
		f.Read(ids[0], fmt.Sprintf("ou_r%d", i), at.Add(time.Duration(i)*time.Second))
	}
	f.Read(ids[2], "ou_2", at)
	start := time.Now()
	reads, err := a.MessageReads(context.Background(), "tenant1", ids)
	if err != nil {
		t.Fatal(err)
	}
	// Five calls, paced at 16 a second (Feishu allows 50): at least four
	// gaps of 62.5 ms. A lower bound only: a busy machine is slower, never
	// faster.
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Errorf("five read_users calls in %s: not paced", took)
	}
	if len(reads) != 251 {
		t.Fatalf("%d reads, want 251", len(reads))
	}
	if r := reads[249]; r.RemoteID != ids[0] || r.UserID != "ou_r249" || !r.At.Equal(at.Add(249*time.Second)) {
		t.Fatalf("last read of the first message %+v", r)
	}
	if r := reads[250]; r.RemoteID != ids[2] || r.UserID != "ou_2" || !r.At.Equal(at) {
		t.Fatalf("read of the third message %+v", r)
	}
	calls := f.Matching(func(c feishutest.Call) bool { return c.Method == http.MethodGet })
	if len(calls) != 5 { // 3 pages + 1 + 1
		t.Fatalf("%d read_users calls, want 5:\n%s", len(calls), f.Dump())
	}
	if q := calls[1].Query; q.Get("page_token") == "" || q.Get("user_id_type") != "open_id" || q.Get("page_size") != "100" {
		t.Fatalf("second page asked with %v", q)
	}
	if a.ReadWindow() != 7*24*time.Hour {
		t.Fatalf("read window %v", a.ReadWindow())
	}
}

// Ensure a message too old for Feishu (230033), or one it does not know,
// is left out while the others are still reported.
func TestMessageReads_TooOldLeftOut(t *testing.T) {
	a, f := newSender(t, nil, nil)
	ids := sendDMs(t, a, 2)
	f.Read(ids[0], "ou_0", time.Now())
	f.Read(ids[1], "ou_1", time.Now())
	f.TooOld(ids[0])
	reads, err := a.MessageReads(context.Background(), "tenant1", []string{ids[0], "om_unknown", ids[1]})
	if err != nil {
		t.Fatal(err)
	}
	if len(reads) != 1 || reads[0].RemoteID != ids[1] || reads[0].UserID != "ou_1" {
		t.Fatalf("reads %+v", reads)
	}
}

// Ensure a rate limit or a server fault is an error (the poll tries again
// later), not a silent "nobody read it".
func TestMessageReads_Errors(t *testing.T) {
	for name, reply := range map[string]func(http.ResponseWriter, int){
		"RateLimited": feishutest.Error(http.StatusTooManyRequests, 99991400, map[string]string{"x-ogw-ratelimit-reset": "3"}),
		"ServerFault": feishutest.Error(http.StatusInternalServerError, 1000, nil),
		"NotJSON":     func(w http.ResponseWriter, _ int) { w.Write([]byte("<html>")) },
	} {
		t.Run(name, func(t *testing.T) {
			a, f := newSender(t, nil, nil)
			ids := sendDMs(t, a, 1)
			f.Reply(feishutest.PathMessages+"/"+ids[0]+feishutest.PathReadUsersSuffix, reply)
			reads, err := a.MessageReads(context.Background(), "tenant1", ids)
			if err == nil || reads != nil {
				t.Fatalf("reads %+v, err %v; want an error", reads, err)
			}
			if name == "RateLimited" {
				if d, ok := bot.AsDeliveryError(err); !ok || d.RetryAfter != 3*time.Second {
					t.Fatalf("err %v, want a rate limit of 3 s", err)
				}
			}
		})
	}
}
