package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/adapters/wecom/wecomtest"
	"github.com/tandemhq/tandem/storage/sqlite/sqlitetest"
)

// voteOptions are the offsite vote's options, numbered from 1.
var voteOptions = []string{"Hangzhou", "Suzhou", "Qingdao"}

// voter is one person of the meeting world as the database and the logs
// could name them: handle, name and platform user ids.
type voter struct {
	names  []string
	choice int
}

// Ensure an anonymous vote run through the real adapters leaves nothing
// that pairs a voter with their choice: rita puts the offsite question to
// Design and QA from Slack, Design's channel bound; olga and fay vote with
// the button on Feishu, rita on the channel's card on Slack, hank on WeCom and alice on DingTalk, each the real click
// of their platform (a signed webhook, an encrypted callback, a Stream
// frame); rita closes it and the tally is right. Then the SQLite file is
// opened on its own connection and every row of every table read (the
// inbox of the deliveries, the outbox of what was sent, card copies, jobs,
// the ledger and timeline), and the logs: no row or line names a voter
// together with an option or a click's value, unless it names every
// option alike (the ballot card itself).
func TestVoteIsSecretThroughTheAdapters(t *testing.T) {
	w := newMeetingWorld(t, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
	w.startAt(sh(t, "2026-12-07 09:00"))
	voters := map[string]voter{
		"olga":  {[]string{"olga", "Olga", "ou_olga"}, 2},
		"fay":   {[]string{"fay", "Fay", "ou_fay"}, 2},
		"rita":  {[]string{"rita", "Rita", "U1"}, 1},
		"hank":  {[]string{"hank", "Hank"}, 3},
		"alice": {[]string{"alice", "Alice", "staff1", "cidAlice"}, 2},
	}
	value := func(handle string) string { return fmt.Sprintf("A-1 %d", voters[handle].choice) }

	w.slackSays("group bind dept:Design")
	w.seen("slack:C9", "Design")
	w.slackSays(`vote "Where should the offsite be?" options:"Hangzhou,Suzhou,Qingdao" closes:fri dept:Design,QA`)
	w.seen("slack:C9", "Vote A-1 is out")

	// Feishu: olga and fay.
	for _, h := range []string{"olga", "fay"} {
		w.seen("feishu:ou_"+h, "vote.cast")
		for _, m := range w.feishu.Messages() {
			if m.ReceiveID == "ou_"+h && strings.Contains(m.Content, "vote.cast") {
				w.feishuClicks("ou_"+h, m.ID, "vote.cast", value(h))
				break
			}
		}
	}
	// Slack: rita, on the card in Design's channel.
	w.seen("slack:C9", "vote.cast")
	for _, m := range w.slack.Messages("C9") {
		if strings.Contains(m.Blocks, "vote.cast") {
			w.slackClicks("C9", m.TS, "vote.cast", value("rita"))
			break
		}
	}
	// WeCom: hank.
	w.seen("wecom:hank", "vote.cast")
	for _, c := range w.wecom.Matching(wecomtest.SendTo("hank")) {
		if c.JSON["msgtype"] == "template_card" && strings.Contains(string(c.Raw), "vote.cast") {
			w.wecomClicks("vote.cast|"+value("hank"), fmt.Sprint(c.JSON["template_card"].(map[string]any)["task_id"]))
			break
		}
	}
	// DingTalk: alice.
	card := aliceCard(t, w, "vote.cast")
	w.dingClicks(card, "vote.cast", value("alice"))

	// Every ballot is in: five voted lines.
	voted := func() (n int) {
		w.query(`SELECT count(*) FROM ask_recipients WHERE ask_id = 1 AND state = 'answered'`, func(r *sql.Rows) error { return r.Scan(&n) })
		return n
	}
	if !feishutest.WaitFor(8*time.Second, func() bool { return voted() == 5 }) {
		t.Fatalf("%d ballots recorded, want 5", voted())
	}

	w.slackSays("vote close A-1")
	result := w.seen("slack:C9", "5 ballots from 5 people asked")
	for _, want := range []string{"1. Hangzhou — 1", "2. Suzhou — 3", "3. Qingdao — 1"} {
		if !strings.Contains(result, want) {
			t.Errorf("the result lacks %q:\n%s", want, result)
		}
	}
	w.settle()

	// The database, read on its own connection.
	db := sqlitetest.Open(t, filepath.Join(w.dir, "tandem.db"))
	scanned := 0
	for table, rows := range sqlitetest.Rows(t, db) {
		for _, row := range rows {
			scanned++
			if v, what := pairsVoter(row, voters); v != "" {
				t.Errorf("table %s pairs %s with %s: %q", table, v, what, row)
			}
		}
	}
	if scanned < 50 {
		t.Fatalf("only %d rows scanned", scanned)
	}
	var kept int
	w.query(`SELECT count(*) FROM inbox WHERE payload LIKE '%vote.cast%'`, func(r *sql.Rows) error { return r.Scan(&kept) })
	if kept != 0 {
		t.Errorf("%d inbox events keep a ballot click", kept)
	}
	// The five clicks came in as real deliveries of each platform, and
	// are done.
	clicks := map[string]int{}
	w.query(`SELECT platform, count(*) FROM inbox WHERE state = 'done' AND dedup_key NOT LIKE 'msg%' GROUP BY platform`, func(r *sql.Rows) error {
		var p string
		var n int
		err := r.Scan(&p, &n)
		clicks[p] = n
		return err
	})
	for p, n := range map[string]int{"feishu": 2, "slack": 1, "wecom": 1, "dingtalk": 1} {
		if clicks[p] < n {
			t.Errorf("the inbox has %d done events from %s, want the %d click(s) at least: %v", clicks[p], p, n, clicks)
		}
	}
	// The logs of the run.
	lines := strings.Split(w.logs.String(), "\n")
	if len(lines) < 20 {
		t.Fatalf("only %d log lines", len(lines))
	}
	for _, line := range lines {
		if v, what := pairsVoter(line, voters); v != "" {
			t.Errorf("a log line pairs %s with %s: %s", v, what, line)
		}
	}

	// The files themselves, once Tandem has stopped (the WAL copied into
	// the database): a click's payload, cleared, leaves no bytes behind.
	if err := w.m.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(w.dir, "*"))
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		for i := 0; ; {
			j := bytes.Index(raw[i:], []byte("vote.cast"))
			if j < 0 {
				break
			}
			i += j + 1
			window := string(raw[max(0, i-400):min(len(raw), i+400)])
			if v, what := pairsVoter(window, voters); v != "" {
				t.Errorf("%s holds bytes pairing %s with %s: %q", filepath.Base(name), v, what, window)
			}
		}
	}
}

// pairsVoter names the voter text names together with their choice (the
// option, the button's value, or a click on the ballot), unless text names
// every option alike; "" when none.
func pairsVoter(text string, voters map[string]voter) (who, what string) {
	all := true
	for _, o := range voteOptions {
		all = all && strings.Contains(text, o)
	}
	if all {
		return "", ""
	}
	for handle, v := range voters {
		named := false
		for _, n := range v.names {
			named = named || regexp.MustCompile(`\b`+regexp.QuoteMeta(n)+`\b`).MatchString(text)
		}
		if !named {
			continue
		}
		if strings.Contains(text, voteOptions[v.choice-1]) {
			return handle, voteOptions[v.choice-1]
		}
		if regexp.MustCompile(fmt.Sprintf(`A-1 %d\b`, v.choice)).MatchString(text) {
			return handle, "their button's value"
		}
		if strings.Contains(text, "vote.cast") {
			return handle, "a ballot click"
		}
	}
	return "", ""
}
