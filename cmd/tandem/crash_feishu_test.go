package main

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/bot"
)

const crashFeishuTenant = "tenant-crash"

// crashFeishuText finds a crash reminder's text, and the round and index
// of its recipient, in a message's content (the reminder is a card).
var crashFeishuText = regexp.MustCompile(`crashrem-(\d+)-(\d+)-\d+`)

// crashFeishuUser is the open_id of the i-th recipient of a round.
func crashFeishuUser(round, i string) string { return "ou_crash" + round + "x" + i }

// crashFeishuCounts counts, by reminder text, the reminders api shows
// its users and the send requests that carried them, and lists the sends
// the crash test did not expect: without a uuid, not by open_id, to the
// wrong user, or no crash reminder. api (feishutest) deduplicates sends by
// uuid as Feishu does (a repeat within the hour the test lasts is answered
// with the earlier message and shows nothing new).
func crashFeishuCounts(api *feishutest.Server) (delivered, requests map[string]int, bad []string) {
	delivered, requests = map[string]int{}, map[string]int{}
	for _, m := range api.Messages() {
		if r := crashFeishuText.FindString(m.Content); r != "" {
			delivered[r]++
		}
	}
	for _, c := range api.Sends() {
		content, _ := c.Body["content"].(string)
		to, _ := c.Body["receive_id"].(string)
		m := crashFeishuText.FindStringSubmatch(content)
		switch {
		case c.Path != feishutest.PathMessages || c.Query.Get("receive_id_type") != "open_id":
			bad = append(bad, fmt.Sprintf("%s %s?%s, want a send by open_id", c.Method, c.Path, c.Query.Encode()))
		case c.Body["uuid"] == nil || c.Body["uuid"] == "":
			bad = append(bad, "send without a uuid to "+to)
		case m == nil:
			bad = append(bad, fmt.Sprintf("send to %s that is no crash reminder: %.200s", to, content))
		case to != crashFeishuUser(m[1], m[2]):
			bad = append(bad, fmt.Sprintf("reminder %s sent to %s, want %s", m[0], to, crashFeishuUser(m[1], m[2])))
		default:
			requests[m[0]]++
		}
	}
	return delivered, requests, bad
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
	api := feishutest.NewServer(t)
	// The answer to a send takes a while, so kills land inside sends.
	api.SetLatency(40 * time.Millisecond)
	p := crashPlatform{
		config: fmt.Sprintf(`feishu:
  - app_id: cli_crash
    app_secret: crash-feishu-secret
    verification_token: crash-verification-token
    encrypt_key: crash-encrypt-key
    host: %s
`, api.URL),
		account: func(round, i int) bot.Account {
			return bot.Account{Platform: bot.PlatformFeishu, Workspace: crashFeishuTenant,
				UserID: crashFeishuUser(fmt.Sprint(round), fmt.Sprint(i))}
		},
		delivered: func() map[string]int { d, _, _ := crashFeishuCounts(api); return d },
		requests:  func() map[string]int { _, r, _ := crashFeishuCounts(api); return r },
	}
	res := runCrash(t, newFakeSlack(t), p)

	delivered, requests, bad := crashFeishuCounts(api)
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
	repeats, messages := api.Repeats(), len(api.Messages())
	for _, b := range bad {
		t.Errorf("fake Feishu: %s", b)
	}
	if messages != len(res.reminders) {
		t.Errorf("fake Feishu shows %d messages for %d reminders", messages, len(res.reminders))
	}
	t.Logf("reminders: %d due, %d delivered, %d lost, %d duplicates; %d sends, %d of them repeated a uuid and were deduplicated by Feishu; at the restarts %d messages were in flight (claimed, not recorded; %d of them reminders) and %d reminder jobs leased",
		len(res.reminders), len(res.reminders)-lost, lost, dups, sends, repeats, res.inflightRows(), inflightReminders, res.jobsHeld)
}
