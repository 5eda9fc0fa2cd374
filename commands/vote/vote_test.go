package vote_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands/asks"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/storage/sqlite/sqlitetest"
)

var options = []string{"Hangzhou", "Suzhou", "Qingdao"}

func newWorld(t *testing.T) *commandstest.Harness {
	h := commandstest.New(t)
	h.Org(map[string][]string{"Sales": {"ann", "bob", "cat", "dan"}, "HR": {"hana"}})
	return h
}

func findAsk(h *commandstest.Harness, id int64) *ask.Ask {
	h.T.Helper()
	var a *ask.Ask
	if err := h.DB.View(context.Background(), func(tx bot.Tx) (err error) { a, err = ask.From(tx).FindAsk(id); return }); err != nil {
		h.T.Fatal(err)
	}
	return a
}

// fanout runs an ask's fan-out sweep.
func fanout(h *commandstest.Harness, id int64) {
	h.T.Helper()
	for _, j := range h.Jobs(bot.JobFilter{DedupKey: asks.Key(id, "fanout")}) {
		h.FetchJob(j)
	}
}

// ballot is the button of option n (1-based) on user's ballot card.
func ballot(h *commandstest.Harness, user string, n int) bot.Button {
	h.T.Helper()
	for _, m := range h.QueuedTo(bot.Destination{Platform: bot.PlatformConsole, UserID: user}) {
		if m.Card != nil && len(m.Card.Buttons) == len(options) {
			return m.Card.Buttons[n-1]
		}
	}
	h.T.Fatalf("%s has no ballot card", user)
	return bot.Button{}
}

// startVote has ann put the offsite question to Sales, closing Wednesday.
func startVote(h *commandstest.Harness) int64 {
	h.T.Helper()
	h.Expect("ann", `vote "Where should the offsite be?" options:"Hangzhou,Suzhou,Qingdao" closes:"2026-11-25 18:00" dept:Sales`,
		"Vote A-1 is out", "3 options")
	fanout(h, 1)
	return 1
}

// TestVoteIsSecret has three people vote, one twice, and then reads every
// table of the database file: nothing stored pairs a voter with their
// choice.
func TestVoteIsSecret(t *testing.T) {
	h := newWorld(t)
	startVote(h)
	chose := map[string]int{"bob": 2, "cat": 2, "dan": 1}
	for _, who := range []string{"bob", "cat", "dan"} {
		got := clickQueued(h, who, ballot(h, who, chose[who]))
		if !strings.Contains(got, "Your ballot is in for A-1") {
			t.Fatalf("%s: %s", who, got)
		}
		for _, o := range options {
			if strings.Contains(got, o) {
				t.Fatalf("the reply to %s names an option: %s", who, got)
			}
		}
	}
	// A second vote, by the button or typed, is refused and changes nothing.
	h.Expect("bob", "vote A-1 3", "You have voted already in A-1; a ballot cannot be changed.")
	// (dan's card no longer has buttons: the click is the one it had.)
	if got := h.Click("dan", bot.Button{ActionID: "vote.cast", Value: "A-1 3"}); !strings.Contains(got, "voted already") {
		t.Fatalf("second click: %s", got)
	}
	// Results only once it closes; closing is the author's.
	h.Expect("bob", "vote results A-1", "The result of A-1 comes when it closes")
	h.Expect("bob", "vote close A-1", "Only the author of A-1 can close it.")
	var tally []int
	h.DB.View(context.Background(), func(tx bot.Tx) (err error) { tally, err = ask.From(tx).Tally(1); return })
	if !slices.Equal(tally, []int{1, 2, 0}) {
		t.Fatalf("tally = %v, want [1 2 0]", tally)
	}

	scanForLeaks(t, h, chose)

	h.Expect("ann", "vote close A-1", "3 ballots from 4 people asked", "1. Hangzhou — 1 (33%)", "2. Suzhou — 2 (66%)", "3. Qingdao — 0 (0%)")
	if js := h.Jobs(bot.JobFilter{DedupKey: asks.Key(1, "deadline")}); len(js) != 0 {
		t.Fatalf("closing by hand left the deadline job pending: %+v", js[0])
	}
	h.Expect("cat", "vote results A-1", "2. Suzhou — 2")
	h.Expect("hana", "vote results A-1", "A-1 was not put to you.")
	h.Expect("cat", "vote A-1 1", "A-1 has closed")
	if a := findAsk(h, 1); a.Status != ask.Closed || len(a.Salt) != 32 || !a.Anonymous {
		t.Fatalf("vote after close: status %s, salt %d bytes, anonymous %v", a.Status, len(a.Salt), a.Anonymous)
	}
}

// clickQueued clicks as a platform that answers through the outbox (not
// inline) does, so that the reply is stored where the scan reads it, and
// returns the texts queued to user.
func clickQueued(h *commandstest.Harness, user string, b bot.Button) string {
	h.T.Helper()
	ev := &bot.Event{Platform: bot.PlatformConsole, Workspace: "local", DedupKey: h.NextKey("click"), ChatID: "dm:" + user,
		ChatType: bot.ChatDirect, Sender: bot.Author{UserID: user, Name: user}, Action: &bot.Action{ID: b.ActionID, Value: b.Value}}
	if _, err := h.Bot.Accept(context.Background(), ev, 0); err != nil {
		h.T.Fatal(err)
	}
	var texts []string
	for _, m := range h.QueuedTo(bot.Destination{Platform: bot.PlatformConsole, ChatID: "dm:" + user}) {
		texts = append(texts, m.Text)
	}
	return strings.Join(texts, "\n")
}

// scanForLeaks opens the SQLite file on its own connection and reads every
// row of every table: no row names a voter next to their choice (by the
// option's name or the click's value) unless it names every option alike
// (the ballot card itself); the ballot tables have no person column; the
// vote's ledger says only "voted"; no done inbox event keeps its payload.
func scanForLeaks(t *testing.T, h *commandstest.Harness, chose map[string]int) {
	t.Helper()
	db, tables := rowsOf(t, h)
	if len(tables) < 10 {
		t.Fatalf("tables: %v", tables)
	}
	for _, table := range []string{"ask_ballot_tokens", "ask_tallies"} {
		cols := query1(t, db, `SELECT group_concat(name, ',') FROM pragma_table_info(?)`, table)
		if cols != "ask_id,token" && cols != "ask_id,choice,votes" {
			t.Errorf("%s has columns %s", table, cols)
		}
	}
	scanned := 0
	for table, rows := range tables {
		for _, row := range rows {
			scanned++
			all := true
			for _, o := range options {
				all = all && strings.Contains(row, o)
			}
			for voter, n := range chose {
				if !strings.Contains(row, voter) || all {
					continue
				}
				if strings.Contains(row, options[n-1]) || strings.Contains(row, fmt.Sprintf("A-1 %d", n)) || strings.Contains(row, "vote.cast") {
					t.Errorf("table %s pairs %s with their choice: %q", table, voter, row)
				}
			}
		}
	}
	if scanned < 50 {
		t.Fatalf("only %d rows scanned", scanned)
	}
	if got := query1(t, db, `SELECT group_concat(DISTINCT answer) FROM ask_recipients WHERE ask_id = 1 AND state = 'answered'`); got != "voted" {
		t.Errorf("the vote's ledger answers: %q", got)
	}
	if got := query1(t, db, `SELECT count(*) FROM ask_recipients WHERE ask_id = 1 AND state = 'answered'`); got != "3" {
		t.Errorf("the ledger shows %s voters, want 3", got)
	}
	if got := query1(t, db, `SELECT count(*) FROM ask_events WHERE ask_id = 1 AND (text LIKE '%Suzhou%' OR text LIKE '%Hangzhou%')`); got != "0" {
		t.Errorf("%s timeline entries name an option", got)
	}
	if got := query1(t, db, `SELECT count(*) FROM inbox WHERE payload LIKE '%vote.cast%'`); got != "0" {
		t.Errorf("%s inbox events keep a vote click", got)
	}
}

func rowsOf(t *testing.T, h *commandstest.Harness) (db *sql.DB, rows map[string][]string) {
	t.Helper()
	db = sqlitetest.Open(t, h.DB.Path)
	return db, sqlitetest.Rows(t, db)
}

func query1(t *testing.T, db *sql.DB, q string, args ...any) string {
	t.Helper()
	var s sql.NullString
	if err := db.QueryRow(q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s.String
}

// TestVoteClosesAtItsDeadline: the deadline posts the result to the author
// and the chats bound to the department, and tells no head who did not
// vote.
func TestVoteClosesAtItsDeadline(t *testing.T) {
	h := newWorld(t)
	h.Admin("ann")
	h.SayIn("sales-chat", "ann", "group bind dept:Sales")
	startVote(h)
	h.Click("bob", ballot(h, "bob", 3))
	h.SetNow(time.Date(2026, 11, 25, 18, 0, 0, 0, commandstest.Shanghai))
	for _, j := range h.Jobs(bot.JobFilter{DedupKey: asks.Key(1, "deadline")}) {
		h.FetchJob(j)
	}
	if a := findAsk(h, 1); a.Status != ask.Closed {
		t.Fatalf("status after the deadline: %s", a.Status)
	}
	var posted []string
	for _, m := range h.QueuedTo(bot.Destination{Platform: bot.PlatformConsole, ChatID: "sales-chat"}) {
		posted = append(posted, m.Text)
	}
	if !strings.Contains(strings.Join(posted, "\n"), "3. Qingdao — 1 (100%)") {
		t.Fatalf("the group got %q", posted)
	}
	if !strings.Contains(strings.Join(h.QueuedFor("ann"), "\n"), "1 ballots from 4 people asked") {
		t.Fatalf("the author got %q", h.QueuedFor("ann"))
	}
	for _, who := range []string{"ann", "cat"} {
		for _, text := range h.QueuedFor(who) {
			if strings.Contains(text, "had not answered") || strings.Contains(text, "not answered") {
				t.Fatalf("%s was told who did not vote: %s", who, text)
			}
		}
	}
	h.Expect("dan", "vote results A-1", "3. Qingdao — 1")
}

// TestSuggestionKeepsNoAuthor: the head gets the suggestion; nothing in the
// database pairs the sender with it.
func TestSuggestionKeepsNoAuthor(t *testing.T) {
	h := newWorld(t)
	h.Expect("bob", `suggest dept:HR "Flexible hours on Fridays"`, "Delivered anonymously.")
	cards := strings.Join(h.QueuedCards("hana"), "\n")
	if !strings.Contains(cards, "Flexible hours on Fridays") || strings.Contains(cards, "bob") {
		t.Fatalf("the head's card: %s", cards)
	}
	if a := findAsk(h, 1); a.AuthorID != 0 || a.Kind != ask.Suggestion || !a.Anonymous {
		t.Fatalf("suggestion: %+v", a)
	}
	db, tables := rowsOf(t, h)
	bob := fmt.Sprint(h.Person("bob").ID)
	for table, rows := range tables {
		for _, row := range rows {
			if strings.Contains(row, "Flexible") && (strings.Contains(row, "bob") ||
				strings.Contains(row, "author_id="+bob+"\x00") || strings.Contains(row, "actor_id="+bob+"\x00")) {
				t.Errorf("table %s pairs bob with the suggestion: %q", table, row)
			}
		}
	}
	if got := query1(t, db, `SELECT count(*) FROM ask_events WHERE actor_id IS NOT NULL AND ask_id = 1`); got != "0" {
		t.Errorf("%s timeline entries of the suggestion have an actor", got)
	}
	h.Expect("bob", "suggest noted A-1", "A-1 was not sent to you.")
	h.Expect("hana", "suggest noted A-1", "A-1 is marked as read.")
	if a := findAsk(h, 1); a.Status != ask.Closed {
		t.Fatalf("after noted: %s", a.Status)
	}
}

// TestMalformedVotesGetUsage: the reply says what is wrong and shows the
// form, in English and in Chinese.
func TestMalformedVotesGetUsage(t *testing.T) {
	h := newWorld(t)
	for _, c := range []struct{ user, text, want string }{
		{"ann", "vote", "What is the question? Put it in quotes.\nUsage: vote \"question\""},
		{"ann", `vote "Lunch?" options:"Noodles"`, "Give 2 to 10 options, separated by commas."},
		{"ann", `vote "Lunch?" options:"Noodles,Rice"`, "When does the vote close? Add closes:fri"},
		{"ann", `vote "Lunch?" options:"Noodles,Rice" closes:someday`, "I can't read the closing time \"someday\"."},
		{"ann", `vote "Lunch?" options:"Noodles,Rice" closes:fri dept:Nowhere`, "There is no department \"Nowhere\""},
		{"hana", `投票 「午饭？」 选项：面条`, "请给出 2 到 10 个选项，用逗号分隔。\n用法：投票 「问题」 选项：甲，乙，丙"},
		{"hana", `投票 「午饭？」 选项：面条，米饭`, "投票何时截止？请加上「截止:周五」"},
		{"ann", "vote A-9 1", "There is no vote A-9."},
		{"ann", "vote close", "Which vote? Give it like A-12."},
		{"ann", `suggest "more coffee"`, "Which department is it for? Add dept:<name>."},
		{"hana", `建议 部门：HR`, "建议的内容是什么？请放在引号里。\n用法：建议 部门：人事 「你的建议」"},
	} {
		h.Expect(c.user, c.text, c.want)
	}
	startVote(h)
	h.Expect("bob", "vote A-1 7", "Give the option's number, 1 to 3.")
	h.Expect("hana", "vote A-1 1", "A-1 is not open to you.")
}

// TestBallotRepliesArePrivate: a ballot cast in a group — a click on the
// card posted to the department's bound chat, answered inline or through
// the outbox, or typed there — is answered to the voter alone (Private,
// addressed to them), never to the chat, which would learn who voted; so
// is the reply to a suggestion sent from a group.
func TestBallotRepliesArePrivate(t *testing.T) {
	h := newWorld(t)
	h.Admin("ann")
	h.SayIn("sales-chat", "ann", "group bind dept:Sales")
	startVote(h)
	var groupBallot bot.Button
	for _, m := range h.QueuedTo(bot.Destination{Platform: bot.PlatformConsole, ChatID: "sales-chat"}) {
		if m.Card != nil && len(m.Card.Buttons) == len(options) {
			groupBallot = m.Card.Buttons[1]
		}
	}
	if groupBallot.ActionID != "vote.cast" {
		t.Fatal("the bound chat got no ballot card")
	}
	inGroup := func(user, text string, action *bot.Action) *bot.Event {
		return &bot.Event{Platform: bot.PlatformConsole, Workspace: "local", DedupKey: h.NextKey("g"), ChatID: "sales-chat",
			ChatType: bot.ChatGroup, Sender: bot.Author{UserID: user, Name: user}, Text: text, Action: action}
	}
	// Answered inline (Slack's response_url, Feishu's callback answer).
	res, err := h.Bot.Accept(context.Background(), inGroup("bob", "", &bot.Action{ID: groupBallot.ActionID, Value: groupBallot.Value}), 10*time.Second)
	if err != nil || len(res.Replies) != 1 {
		t.Fatalf("inline click: %v %+v", err, res)
	}
	if r := res.Replies[0]; !r.Private || !strings.Contains(r.Text, "Your ballot is in for A-1") {
		t.Fatalf("inline reply to a click in the group: %+v", r)
	}
	// Through the outbox (WeCom, DingTalk): the reply is addressed to the
	// voter, and private, so the adapter shows it to them alone.
	if _, err := h.Bot.Accept(context.Background(), inGroup("cat", "", &bot.Action{ID: groupBallot.ActionID, Value: groupBallot.Value}), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Bot.Accept(context.Background(), inGroup("dan", "vote A-1 1", nil), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Bot.Accept(context.Background(), inGroup("bob", `suggest dept:HR "Fewer meetings"`, nil), 0); err != nil {
		t.Fatal(err)
	}
	var out []*bot.Outgoing
	h.DB.View(context.Background(), func(tx bot.Tx) (err error) { out, err = tx.FindOutgoing(bot.OutboxQueued, 1000); return })
	replies := map[string]bool{}
	for _, o := range out {
		if o.To.ChatID != "sales-chat" || o.Msg.Edit != nil {
			continue
		}
		for _, want := range []string{"Your ballot is in", "Delivered anonymously"} {
			if strings.Contains(o.Msg.Text, want) {
				if !o.Msg.Private {
					t.Errorf("a reply in the group is not private: %q to %+v", o.Msg.Text, o.To)
				}
				replies[o.To.UserID] = true
			}
		}
	}
	if !replies["cat"] || !replies["dan"] || !replies["bob"] {
		t.Fatalf("replies addressed to %v, want cat, dan and bob", replies)
	}
	var tally []int
	h.DB.View(context.Background(), func(tx bot.Tx) (err error) { tally, err = ask.From(tx).Tally(1); return })
	if !slices.Equal(tally, []int{1, 2, 0}) {
		t.Fatalf("tally = %v, want [1 2 0]", tally)
	}
}

// TestBallotTypedBeforeTheCardCameIsAskedToWait: while the fan-out sweep
// has not reached someone of the audience, their typed ballot is told the
// cards are still going out — not that the vote is not theirs; it counts
// once the sweep has asked them. Someone outside the audience, or who
// joined it after the sweep finished (no card is coming), is told it is
// not open to them.
func TestBallotTypedBeforeTheCardCameIsAskedToWait(t *testing.T) {
	h := newWorld(t)
	h.Meet("eve")
	h.Expect("ann", `vote "Where should the offsite be?" options:"Hangzhou,Suzhou,Qingdao" closes:"2026-11-25 18:00" dept:Sales`, "Vote A-1 is out")
	h.Expect("bob", "vote A-1 1", "The ballot cards of A-1 are still going out; try again in a minute.")
	h.Expect("cat", "投票 A-1 2", "A-1 的选票卡片还在发送中，请过一分钟再试。")
	h.Expect("hana", "vote A-1 1", "A-1 is not open to you.")
	fanout(h, 1)
	h.Expect("bob", "vote A-1 1", "Your ballot is in for A-1")
	// eve joins Sales after the sweep: no card is on its way to her.
	if err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		bob, err := tx.FindPeopleByName("bob")
		if err != nil {
			return err
		}
		eve, err := tx.FindPeopleByName("eve")
		if err != nil {
			return err
		}
		eve[0].DeptID = bob[0].DeptID
		return tx.UpdatePerson(eve[0])
	}); err != nil {
		t.Fatal(err)
	}
	h.Expect("eve", "vote A-1 1", "A-1 is not open to you.")
}
