package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

const crashFeishuTenant = "tenant-crash"

// crashFeishuText finds a crash reminder's text, and the round and index
// of its recipient, in a message's content (the reminder is a card).
var crashFeishuText = regexp.MustCompile(`crashrem-(\d+)-(\d+)-\d+`)

// crashFeishuUser is the open_id of the i-th recipient of a round.
func crashFeishuUser(round, i string) string { return "ou_crash" + round + "x" + i }

// crashFeishu is the Open API as the crash test needs it: tenant tokens,
// bot info, and sending messages to users, deduplicated by uuid as Feishu
// does (a send repeating the uuid of an earlier one, within the hour the
// test lasts, is answered with the earlier message's id and shows nothing
// new). A send is delivered as soon as it arrives; the answer follows
// after delay, so kills land inside sends.
type crashFeishu struct {
	srv   *httptest.Server
	delay time.Duration

	mu        sync.Mutex
	tokens    int
	messages  int
	byUUID    map[string]string // uuid → message_id
	delivered map[string]int    // reminder text → messages shown
	requests  map[string]int    // reminder text → send requests
	repeats   int               // sends answered with an earlier message
	bad       []string          // calls the fake did not expect
}

func newCrashFeishu(t *testing.T, delay time.Duration) *crashFeishu {
	t.Helper()
	f := &crashFeishu{delay: delay, byUUID: map[string]string{}, delivered: map[string]int{}, requests: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *crashFeishu) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch {
	case r.URL.Path == "/open-apis/auth/v3/tenant_access_token/internal":
		f.mu.Lock()
		f.tokens++
		tok := f.tokens
		f.mu.Unlock()
		fmt.Fprintf(w, `{"code":0,"msg":"ok","tenant_access_token":"t-crash-%d","expire":7200}`, tok)
		return
	case r.URL.Path == "/open-apis/bot/v3/info":
		io.WriteString(w, `{"code":0,"msg":"ok","bot":{"activate_status":2,"app_name":"Tandem","open_id":"ou_bot"}}`)
		return
	case r.Method == http.MethodPost && r.URL.Path == "/open-apis/im/v1/messages":
	default:
		f.unexpected("%s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"code":404,"msg":"not found"}`)
		return
	}

	var body struct {
		ReceiveID string `json:"receive_id"`
		MsgType   string `json:"msg_type"`
		Content   string `json:"content"`
		UUID      string `json:"uuid"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		f.unexpected("send with a body that is not JSON: %q", raw)
		io.WriteString(w, `{"code":230001,"msg":"invalid request parameter"}`)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer t-crash-") {
		f.unexpected("send without a tenant token: %q", r.Header.Get("Authorization"))
	}
	if got := r.URL.Query().Get("receive_id_type"); got != "open_id" {
		f.unexpected("send with receive_id_type %q, want open_id", got)
	}
	if body.UUID == "" {
		f.unexpected("send without a uuid to %s", body.ReceiveID)
	}
	var text string
	if m := crashFeishuText.FindStringSubmatch(body.Content); m != nil {
		text = m[0]
		if want := crashFeishuUser(m[1], m[2]); body.ReceiveID != want {
			f.unexpected("reminder %s sent to %s, want %s", text, body.ReceiveID, want)
		}
	} else {
		f.unexpected("send to %s that is no crash reminder: %.200s", body.ReceiveID, body.Content)
	}

	f.mu.Lock()
	f.requests[text]++
	id, seen := f.byUUID[body.UUID]
	if seen && body.UUID != "" {
		f.repeats++
	} else {
		f.messages++
		id = fmt.Sprintf("om_crash%d", f.messages)
		if body.UUID != "" {
			f.byUUID[body.UUID] = id
		}
		f.delivered[text]++
	}
	f.mu.Unlock()
	// The message is in the chat; the answer takes a while, and the caller
	// may be dead by then.
	time.Sleep(f.delay)
	fmt.Fprintf(w, `{"code":0,"msg":"success","data":{"message_id":%q,"chat_id":"oc_crash","msg_type":%q}}`, id, body.MsgType)
}

func (f *crashFeishu) unexpected(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bad = append(f.bad, fmt.Sprintf(format, args...))
}

func (f *crashFeishu) counts() (delivered, requests map[string]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delivered, requests = map[string]int{}, map[string]int{}
	for k, v := range f.delivered {
		delivered[k] = v
	}
	for k, v := range f.requests {
		requests[k] = v
	}
	return delivered, requests
}

// TestCrashRestartFeishu is TestCrashRestart with the reminders going to
// Feishu users (sent by open_id). The Feishu adapter gives every send a
// uuid derived from the outbox key, and Feishu sends at most one message
// per uuid within an hour: a send repeated after a kill caught the first
// one in flight is answered with the first message and shows nothing new.
// So here every reminder is delivered exactly once, across the kills; the
// sends the fake deduplicated are counted to show the kills did land
// inside sends.
func TestCrashRestartFeishu(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: runs the binary through repeated SIGKILLs")
	}
	api := newCrashFeishu(t, 40*time.Millisecond)
	p := crashPlatform{
		config: fmt.Sprintf(`feishu:
  - app_id: cli_crash
    app_secret: crash-feishu-secret
    verification_token: crash-verification-token
    encrypt_key: crash-encrypt-key
    host: %s
`, api.srv.URL),
		account: func(round, i int) bot.Account {
			return bot.Account{Platform: bot.PlatformFeishu, Workspace: crashFeishuTenant,
				UserID: crashFeishuUser(fmt.Sprint(round), fmt.Sprint(i))}
		},
		delivered: func() map[string]int { d, _ := api.counts(); return d },
		requests:  func() map[string]int { _, r := api.counts(); return r },
	}
	res := runCrash(t, newFakeSlack(t), p)

	delivered, requests := api.counts()
	var lost, dups, sends, inflightReminders int
	for _, r := range res.reminders {
		n := delivered[r.text]
		sends += requests[r.text]
		inflightReminders += res.inflight[r.key]
		switch {
		case n == 0:
			lost++ // runCrash reported it
		case n > 1:
			dups += n - 1
			t.Errorf("reminder %s delivered %d times (sent %d times), want once: Feishu's uuid should have deduplicated the repeats",
				r.text, n, requests[r.text])
		}
	}
	api.mu.Lock()
	bad, repeats, messages := api.bad, api.repeats, api.messages
	api.mu.Unlock()
	for _, b := range bad {
		t.Errorf("fake Feishu: %s", b)
	}
	if messages != len(res.reminders) {
		t.Errorf("fake Feishu shows %d messages for %d reminders", messages, len(res.reminders))
	}
	t.Logf("reminders: %d due, %d delivered, %d lost, %d duplicates; %d sends, %d of them repeated a uuid and were deduplicated by Feishu; at the restarts %d messages were in flight (claimed, not recorded; %d of them reminders) and %d reminder jobs leased",
		len(res.reminders), len(res.reminders)-lost, lost, dups, sends, repeats, res.inflightRows(), inflightReminders, res.jobsHeld)
}
