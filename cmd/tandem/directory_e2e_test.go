package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
)

// The directory tests run Main in-process (so they can read its database)
// against fakes of the platforms' Web APIs that also serve the directory
// endpoints the adapters call (adapters/slack/directory.go,
// adapters/feishu/directory.go).

// dirLogs collects Main's log lines; slog writes from many goroutines.
type dirLogs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *dirLogs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *dirLogs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startDirMain parses yamlText and runs Main in-process until the test
// ends (or the test closes it earlier).
func startDirMain(t *testing.T, yamlText string, logs *dirLogs) *Main {
	t.Helper()
	cfg, err := ParseConfig(strings.NewReader(yamlText), env(nil))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yamlText)
	}
	m := &Main{Config: cfg, Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if err := m.Run(); err != nil {
		m.Close()
		t.Fatalf("run: %v\n%s", err, logs)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// dirEventually polls cond until it holds, for at most eight seconds; on
// timeout it fails with cond's last explanation.
func dirEventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(8 * time.Second)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s: %s", what, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dirView runs fn in a read transaction of m's database.
func dirView(t *testing.T, m *Main, fn func(tx bot.Tx) error) {
	t.Helper()
	if err := m.DB.View(context.Background(), fn); err != nil {
		t.Fatalf("read the database: %v", err)
	}
}

// dirPerson returns the person behind an account, nil when there is none.
func dirPerson(t *testing.T, m *Main, a bot.Account) *bot.Person {
	t.Helper()
	var p *bot.Person
	dirView(t, m, func(tx bot.Tx) error {
		var err error
		p, err = tx.FindPersonByAccount(a)
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			p, err = nil, nil
		}
		return err
	})
	return p
}

// dirPeopleIDs lists the ids of everyone in the database (people have
// small sequential ids, and there is no listing of all people).
func dirPeopleIDs(t *testing.T, m *Main) []int64 {
	t.Helper()
	var ids []int64
	dirView(t, m, func(tx bot.Tx) error {
		for id := int64(1); id <= 200; id++ {
			_, err := tx.FindPersonByID(id)
			if bot.ErrorCode(err) == bot.ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	return ids
}

// dirFeishuText is an im.message.receive_v1 event: openID, of tenant,
// writes text to the bot in a direct chat.
func dirFeishuText(eventID, tenant, openID, msgID, text string) map[string]any {
	content, _ := json.Marshal(map[string]string{"text": text})
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	return map[string]any{
		"schema": "2.0",
		"header": map[string]any{
			"event_id": eventID, "event_type": "im.message.receive_v1", "create_time": now,
			"token": xpFeishuToken, "app_id": "cli_xp", "tenant_key": tenant,
		},
		"event": map[string]any{
			"sender": map[string]any{
				"sender_id":   map[string]any{"open_id": openID, "union_id": "on_" + openID},
				"sender_type": "user", "tenant_key": tenant,
			},
			"message": map[string]any{
				"message_id": msgID, "chat_id": "oc_" + openID, "chat_type": "p2p",
				"message_type": "text", "content": string(content), "create_time": now,
			},
		},
	}
}

// postFeishu delivers a signed, encrypted event to the Feishu webhook.
func postFeishu(t *testing.T, m *Main, payload map[string]any) {
	t.Helper()
	body, h := feishuEvent(t, payload)
	if code, resp := post(t, m.Server.URL()+"/feishu/events", "application/json", body, h); code != 200 {
		t.Fatalf("Feishu event: %d %s", code, resp)
	}
}

// postSlash posts a signed /tandem slash command and returns Slack's
// inline answer.
func postSlash(t *testing.T, m *Main, text, trigger, user, userName string) string {
	t.Helper()
	body := slash(text, trigger, user, userName)
	code, resp := post(t, m.Server.URL()+"/slack/commands", "application/x-www-form-urlencoded", body, sign(body, time.Now().Unix()))
	if code != 200 {
		t.Fatalf("slash command %q: %d %s", text, code, resp)
	}
	return resp
}

// feishuReplyTo matches replies to one message.
func feishuReplyTo(msgID string) func(feishutest.Call) bool {
	return func(c feishutest.Call) bool { return c.Path == "/open-apis/im/v1/messages/"+msgID+"/reply" }
}

// feishuContent is the content (a JSON string) of a message sent to Feishu.
func feishuContent(c feishutest.Call) string {
	s, _ := c.Body["content"].(string)
	return s
}

const (
	pathFeishuContact  = "/open-apis/contact/v3/"
	pathFeishuUsers    = "/open-apis/contact/v3/users/"
	pathFeishuBatchID  = "/open-apis/contact/v3/users/batch_get_id"
	pathFeishuByDept   = "/open-apis/contact/v3/users/find_by_department"
	pathFeishuRootDept = "/open-apis/contact/v3/departments/0/children"
)

// feishuUserGet answers contact.user.get from users (open_id → the user
// object); anyone else is outside the app's contact scope (41050).
func feishuUserGet(c feishutest.Call, users map[string]string) (string, bool) {
	if c.Method != "GET" || !strings.HasPrefix(c.Path, pathFeishuUsers) || c.Path == pathFeishuByDept {
		return "", false
	}
	if u, ok := users[path.Base(c.Path)]; ok {
		return `{"code":0,"msg":"success","data":{"user":` + u + `}}`, true
	}
	return `{"code":41050,"msg":"no user authority error"}`, true
}

// Ensure a person's accounts on two platforms become one person through the
// directories: Alice first talks to the bot on Feishu; Bob on Slack gives a
// task to her Slack account, which the bot has never seen; the profile job
// reads her Slack profile (users.info), finds the same email in Feishu's
// directory (batch_get_id), and merges the new Slack person into Alice's
// older record, which keeps Feishu as her home. From then on she is told
// about the task on Feishu and lists it there. Everything said to the
// platforms is asserted at the fakes.
//
// It runs twice: with Alice's email in her Feishu profile, as the brief
// has it (her Feishu record then also carries the email, so the merge is
// also reachable through the people's emails alone); and with the Feishu
// app lacking contact:user.email:readonly, so Feishu's profiles come
// without email (code 0, the field left out) while batch_get_id still
// finds her by email: then only the directory lookup can link her.
func TestDirectoryLinksAcrossPlatforms(t *testing.T) {
	t.Run("email in Feishu profiles", func(t *testing.T) { runDirectoryLinks(t, true) })
	t.Run("email withheld from Feishu profiles", func(t *testing.T) { runDirectoryLinks(t, false) })
}

func runDirectoryLinks(t *testing.T, feishuShowsEmail bool) {
	// Alice joins Slack only after she first talked to the bot on Feishu:
	// until then Slack does not know her.
	var aliceOnSlack atomic.Bool
	slackUsers := map[string]string{
		"UBOB":   `{"id":"UBOB","name":"bob","deleted":false,"is_bot":false,"profile":{"display_name":"","real_name":"Bob Builder","email":"bob@example.com","phone":""}}`,
		"UALICE": `{"id":"UALICE","name":"alice","deleted":false,"is_bot":false,"profile":{"display_name":"Alice","real_name":"Alice Liddell","email":"ALICE@example.com","phone":""}}`,
	}
	slackEmails := map[string]string{"bob@example.com": "UBOB", "alice@example.com": "UALICE"}
	slackKnows := func(id string) bool { return id != "UALICE" || aliceOnSlack.Load() }
	slackAPI := slacktest.NewServer(t)
	slackAPI.Reply("users.info", slacktest.Answer(func(form url.Values) string {
		if id := form.Get("user"); slackKnows(id) && slackUsers[id] != "" {
			return `{"ok":true,"user":` + slackUsers[id] + `}`
		}
		return `{"ok":false,"error":"user_not_found"}`
	}))
	slackAPI.Reply("users.lookupByEmail", slacktest.Answer(func(form url.Values) string {
		if id := slackEmails[strings.ToLower(form.Get("email"))]; id != "" && slackKnows(id) {
			return `{"ok":true,"user":` + slackUsers[id] + `}`
		}
		return `{"ok":false,"error":"users_not_found"}`
	}))
	feishuUsers := map[string]string{
		"ou_alice": `{"open_id":"ou_alice","name":"Alice","en_name":"Alice","email":"alice@example.com","mobile":"+8613800000001","department_ids":["od-design"],"status":{"is_resigned":false}}`,
	}
	if !feishuShowsEmail {
		feishuUsers["ou_alice"] = `{"open_id":"ou_alice","name":"Alice","en_name":"Alice","department_ids":["od-design"],"status":{"is_resigned":false}}`
	}
	feishuEmails := map[string]string{"alice@example.com": "ou_alice"}
	feishuAPI := feishutest.NewServer(t)
	feishuAPI.Answer(pathFeishuContact, func(c feishutest.Call) (string, bool) {
		if a, ok := feishuUserGet(c, feishuUsers); ok {
			return a, true
		}
		if c.Method == "POST" && c.Path == pathFeishuBatchID {
			// One entry per email asked; user_id only when Feishu knows it.
			var list []map[string]string
			emails, _ := c.Body["emails"].([]any)
			for _, e := range emails {
				email := fmt.Sprint(e)
				entry := map[string]string{"email": email}
				if id := feishuEmails[email]; id != "" {
					entry["user_id"] = id
				}
				list = append(list, entry)
			}
			data, _ := json.Marshal(map[string]any{"user_list": list})
			return `{"code":0,"msg":"success","data":` + string(data) + `}`, true
		}
		return `{"code":404,"msg":"not found"}`, true
	})

	dir := t.TempDir()
	logs := &dirLogs{}
	m := startDirMain(t, fmt.Sprintf(`
http: {addr: "127.0.0.1:0"}
storage: {path: %q}
bot: {notify_window: 0s}  # each notification at once: the test reads them straight away
console: {enabled: false}
directory: {match: [email]}
slack:
  signing_secret: %s
  bot_token: xoxb-dir
  bot_user_id: UBOT
  workspace: T1
  api_url: %s/api/
feishu:
  - app_id: cli_xp
    app_secret: xp-feishu-secret
    verification_token: %s
    encrypt_key: %s
    workspace: tk1
    host: %s
`, filepath.Join(dir, "tandem.db"), slackSecret, slackAPI.URL, xpFeishuToken, xpFeishuKey, feishuAPI.URL), logs)
	defer func() {
		if t.Failed() {
			t.Logf("tandem logs:\n%s\nslack calls:\n%sfeishu calls:\n%s", logs, slackAPI.Dump(), feishuAPI.Dump())
		}
	}()
	aliceFeishu := bot.Account{Platform: bot.PlatformFeishu, Workspace: "tk1", UserID: "ou_alice"}
	aliceSlack := bot.Account{Platform: bot.PlatformSlack, Workspace: "T1", UserID: "UALICE"}
	bobSlack := bot.Account{Platform: bot.PlatformSlack, Workspace: "T1", UserID: "UBOB"}

	// 1. Alice writes to the bot on Feishu: she is registered with Feishu as
	// her home, answered there, and her profile job reads her Feishu
	// profile and asks Slack for her email (Slack does not know it yet).
	postFeishu(t, m, dirFeishuText("ev-dir-1", "tk1", "ou_alice", "om_alice_1", "whoami"))
	if got := feishuAPI.Await(1, feishuReplyTo("om_alice_1")); len(got) != 1 {
		t.Fatalf("replies to Alice's whoami: %d, want 1", len(got))
	}
	wantEmail := ""
	if feishuShowsEmail {
		wantEmail = "alice@example.com"
	}
	var alice *bot.Person
	dirEventually(t, "Alice's Feishu profile is read", func() (bool, string) {
		alice = dirPerson(t, m, aliceFeishu)
		return alice != nil && alice.Name == "Alice", fmt.Sprintf("%+v", alice)
	})
	if alice.Email != wantEmail || alice.Handle != "alice" || alice.Home != aliceFeishu {
		t.Errorf("Alice after her profile: email %q handle %q home %+v; want %q, alice, her Feishu account", alice.Email, alice.Handle, alice.Home, wantEmail)
	}
	if n := len(feishuAPI.Matching(func(c feishutest.Call) bool { return c.Path == pathFeishuUsers+"ou_alice" })); n != 1 {
		t.Errorf("reads of Alice's Feishu profile: %d, want 1", n)
	}
	lookups := slackAPI.Calls("users.lookupByEmail")
	if feishuShowsEmail && (len(lookups) != 1 || lookups[0].Form.Get("email") != "alice@example.com") {
		t.Errorf("Slack lookups after Alice's first message: %d %v, want one for alice@example.com", len(lookups), lookups)
	}
	if !feishuShowsEmail && len(lookups) != 0 {
		t.Errorf("Slack lookups though Alice's profile has no email: %v", lookups)
	}

	// 2. Alice joins Slack. Bob gives her Slack account a task; the bot has
	// never seen UALICE, so she is a new person for now.
	aliceOnSlack.Store(true)
	resp := postSlash(t, m, `task new "Budget review" <@UALICE|alice> due:tomorrow`, "trig-dir-1", "UBOB", "bob")
	mustContain(t, resp, "Created #1 for @")

	// The notification was addressed when the task was created, before any
	// profile was read: to the Slack account the task was given to.
	created := slackAPI.WaitMessages("DUALICE", 1, 5*time.Second)
	if len(created) != 1 || !strings.Contains(created[0].Text, "@bob gave you a task") {
		t.Errorf("notification of the new task to UALICE on Slack: %+v", created)
	}

	// 3. The profile job merges the Slack person into Alice's older record.
	dirEventually(t, "UALICE is merged into Alice", func() (bool, string) {
		p := dirPerson(t, m, aliceSlack)
		return p != nil && p.ID == alice.ID, fmt.Sprintf("UALICE belongs to %+v; Alice is #%d", p, alice.ID)
	})
	dirView(t, m, func(tx bot.Tx) error {
		p, err := tx.FindPersonByID(alice.ID)
		if err != nil {
			return err
		}
		if p.Home != aliceFeishu || p.Handle != "alice" || p.Email != "alice@example.com" {
			t.Errorf("Alice after the merge: home %+v handle %q email %q; want her Feishu account, alice, alice@example.com", p.Home, p.Handle, p.Email)
		}
		accts, err := tx.AccountsOf(alice.ID)
		if err != nil {
			return err
		}
		if len(accts) != 2 {
			t.Errorf("Alice's accounts: %+v, want Feishu and Slack", accts)
		}
		same, err := tx.FindPeopleByContact("alice@example.com", "")
		if err != nil {
			return err
		}
		if len(same) != 1 {
			t.Errorf("people with alice@example.com: %d, want 1", len(same))
		}
		tk, err := task.From(tx).FindTaskByID(1)
		if err != nil {
			return err
		}
		if tk.OwnerID != alice.ID {
			t.Errorf("task #1 owner is #%d, want Alice (#%d)", tk.OwnerID, alice.ID)
		}
		return nil
	})
	// Feishu's lookup found her: the adapter read the profile of the open_id
	// batch_get_id answered, a second read of ou_alice.
	if n := len(feishuAPI.Matching(func(c feishutest.Call) bool { return c.Path == pathFeishuUsers+"ou_alice" })); n != 2 {
		t.Errorf("reads of Alice's Feishu profile after the lookup: %d, want 2", n)
	}
	var infos []slacktest.Call
	for _, c := range slackAPI.Calls("users.info") {
		if c.Form.Get("user") == "UALICE" {
			infos = append(infos, c)
		}
	}
	if len(infos) != 1 {
		t.Errorf("users.info calls for UALICE: %d, want 1", len(infos))
	}
	asked := feishuAPI.Matching(func(c feishutest.Call) bool { return c.Path == pathFeishuBatchID })
	var aliceAsked []feishutest.Call
	for _, c := range asked {
		if strings.Contains(strings.ToLower(string(c.Raw)), "alice@") {
			aliceAsked = append(aliceAsked, c)
		}
		if c.Query.Get("user_id_type") != "open_id" {
			t.Errorf("batch_get_id with user_id_type %q, want open_id", c.Query.Get("user_id_type"))
		}
		if _, ok := c.Body["mobiles"]; ok {
			t.Errorf("batch_get_id asked for mobiles though only email matches: %s", c.Raw)
		}
	}
	if len(aliceAsked) != 1 || fmt.Sprint(aliceAsked[0].Body["emails"]) != "[alice@example.com]" {
		var bodies []string
		for _, c := range aliceAsked {
			bodies = append(bodies, string(c.Raw))
		}
		t.Errorf("batch_get_id for Alice: %q; want one call, for alice@example.com (lower case)", bodies)
	}
	// Bob's own profile was read too; Feishu does not know his email, so
	// he stays a Slack-only person.
	dirEventually(t, "Bob's Slack profile is read", func() (bool, string) {
		b := dirPerson(t, m, bobSlack)
		return b != nil && b.Email == "bob@example.com", fmt.Sprintf("%+v", b)
	})
	dirView(t, m, func(tx bot.Tx) error {
		b, err := tx.FindPersonByAccount(bobSlack)
		if err != nil {
			return err
		}
		accts, err := tx.AccountsOf(b.ID)
		if err != nil {
			return err
		}
		if len(accts) != 1 || b.ID == alice.ID {
			t.Errorf("Bob (#%d) has accounts %+v, want only UBOB", b.ID, accts)
		}
		return nil
	})

	// Bob comments: the task's owner, Alice, is told on Feishu, her home,
	// not on Slack.
	resp = postSlash(t, m, `task comment 1 please start`, "trig-dir-2", "UBOB", "bob")
	mustContain(t, resp, "Comment added to #1.")
	toAlice := feishuAPI.Await(1, func(c feishutest.Call) bool {
		return feishuCreateTo("ou_alice")(c) && strings.Contains(feishuContent(c), "please start")
	})
	if len(toAlice) != 1 {
		t.Fatalf("Feishu messages to ou_alice about the comment: %d, want 1", len(toAlice))
	}
	mustContain(t, feishuContent(toAlice[0]), "@bob commented on #1: please start")
	if auth := toAlice[0].Auth; !strings.HasPrefix(auth, "Bearer t-") {
		t.Errorf("message to Alice sent with Authorization %q, want the tenant token", auth)
	}
	time.Sleep(100 * time.Millisecond)
	for _, c := range slackAPI.Calls("chat.postMessage", "chat.postEphemeral", "chat.update") {
		if f := c.Form; strings.Contains(f.Get("text")+f.Get("blocks"), "please start") {
			t.Errorf("the comment was sent to Slack: %s %v", c.Method, f)
		}
	}

	// 4. Alice lists her tasks on Feishu: the task given to her Slack
	// account is hers there.
	postFeishu(t, m, dirFeishuText("ev-dir-2", "tk1", "ou_alice", "om_alice_2", "task"))
	list := feishuAPI.Await(1, feishuReplyTo("om_alice_2"))
	if len(list) != 1 {
		t.Fatalf("replies to Alice's task list: %d, want 1", len(list))
	}
	mustContain(t, feishuContent(list[0]), "Your open tasks (1)", "Budget review")
}

// Ensure departments mapped to a Feishu department (by name) are imported
// at start: the department's members and its sub-department's become
// people in the Tandem department, an unmapped department is left alone,
// and a member listed without email or mobile gets a profile job. After a
// restart nothing is duplicated and the recurring import is stored once;
// after a restart with a new schedule the import runs again and still
// creates no one twice.
func TestDirectoryImportsDepartments(t *testing.T) {
	members := map[string]string{
		"od-design":  `{"open_id":"ou_carol","name":"Carol","email":"carol@example.com","department_ids":["od-design"],"job_title":"Head of Design","status":{"is_resigned":false}}`,
		"od-posters": `{"open_id":"ou_dan","name":"Dan","department_ids":["od-posters"],"job_title":"Illustrator","leader_user_id":"ou_carol","status":{"is_resigned":false}}`,
		"od-sales":   `{"open_id":"ou_erin","name":"Erin","email":"erin@example.com","department_ids":["od-sales"],"status":{"is_resigned":false}}`,
	}
	// Dan's listing lacks contact details; his own profile has a mobile.
	profiles := map[string]string{
		"ou_dan": `{"open_id":"ou_dan","name":"Dan","mobile":"+8613800000004","department_ids":["od-posters"],"job_title":"Illustrator","leader_user_id":"ou_carol","status":{"is_resigned":false}}`,
	}
	feishuAPI := feishutest.NewServer(t)
	feishuAPI.Answer(pathFeishuContact, func(c feishutest.Call) (string, bool) {
		switch {
		case c.Method == "GET" && c.Path == pathFeishuRootDept:
			return `{"code":0,"msg":"success","data":{"has_more":false,"items":[` +
				`{"name":"Design","open_department_id":"od-design","parent_department_id":"0"},` +
				`{"name":"Posters","open_department_id":"od-posters","parent_department_id":"od-design"},` +
				`{"name":"Sales","open_department_id":"od-sales","parent_department_id":"0"}]}}`, true
		case c.Method == "GET" && c.Path == pathFeishuByDept:
			items := members[c.Query.Get("department_id")]
			return `{"code":0,"msg":"success","data":{"has_more":false,"items":[` + items + `]}}`, true
		}
		if a, ok := feishuUserGet(c, profiles); ok {
			return a, true
		}
		return `{"code":404,"msg":"not found"}`, true
	})

	dir := t.TempDir()
	logs := &dirLogs{}
	config := func(extra string) string {
		return fmt.Sprintf(`
http: {addr: "127.0.0.1:0"}
storage: {path: %q}
console: {enabled: false}
feishu:
  - app_id: cli_xp
    app_secret: xp-feishu-secret
    verification_token: %s
    encrypt_key: %s
    workspace: tk1
    host: %s
departments:
  - {name: Design, directory: ["feishu:Design"]}
%s`, filepath.Join(dir, "tandem.db"), xpFeishuToken, xpFeishuKey, feishuAPI.URL, extra)
	}
	defer func() {
		if t.Failed() {
			t.Logf("tandem logs:\n%s\nfeishu calls:\n%s", logs, feishuAPI.Dump())
		}
	}()
	acct := func(openID string) bot.Account {
		return bot.Account{Platform: bot.PlatformFeishu, Workspace: "tk1", UserID: openID}
	}
	byDept := func(dept string) func(feishutest.Call) bool {
		return func(c feishutest.Call) bool {
			return c.Path == pathFeishuByDept && c.Query.Get("department_id") == dept
		}
	}
	listings := func() int {
		return len(feishuAPI.Matching(func(c feishutest.Call) bool { return c.Path == pathFeishuRootDept }))
	}
	directoryJobs := func(m *Main, state bot.JobState) []*bot.Job {
		var jobs []*bot.Job
		dirView(t, m, func(tx bot.Tx) (err error) {
			jobs, err = tx.FindJobs(bot.JobFilter{Kind: "directory", State: state, Limit: 100})
			return err
		})
		return jobs
	}
	// check asserts the imported people: carol and dan in Design with what
	// the directory said, erin absent, two people in all.
	var carolID, danID int64
	check := func(m *Main, when string) {
		t.Helper()
		var design *bot.Department
		dirView(t, m, func(tx bot.Tx) (err error) {
			design, err = tx.FindDepartmentByName("Design")
			return err
		})
		carol, dan := dirPerson(t, m, acct("ou_carol")), dirPerson(t, m, acct("ou_dan"))
		if carol == nil || carol.Name != "Carol" || carol.Email != "carol@example.com" || carol.DeptID != design.ID {
			t.Errorf("%s: carol is %+v, want Carol, carol@example.com, in Design (#%d)", when, carol, design.ID)
		}
		if dan == nil || dan.Name != "Dan" || dan.Mobile != "13800000004" || dan.DeptID != design.ID {
			t.Errorf("%s: dan is %+v, want Dan, 13800000004, in Design (#%d)", when, dan, design.ID)
		}
		// Positions and the reporting line come with the listing.
		if carol != nil && dan != nil && (carol.Position != "Head of Design" || dan.Position != "Illustrator" || dan.ManagerID != carol.ID) {
			t.Errorf("%s: carol is %q, dan %q reporting to #%d; want Head of Design, Illustrator reporting to carol #%d",
				when, carol.Position, dan.Position, dan.ManagerID, carol.ID)
		}
		if erin := dirPerson(t, m, acct("ou_erin")); erin != nil {
			t.Errorf("%s: erin, of the unmapped Sales, was imported: %+v", when, erin)
		}
		if carol != nil && dan != nil {
			if carolID == 0 {
				carolID, danID = carol.ID, dan.ID
			} else if carol.ID != carolID || dan.ID != danID {
				t.Errorf("%s: carol is #%d and dan #%d, were #%d and #%d", when, carol.ID, dan.ID, carolID, danID)
			}
		}
		if ids := dirPeopleIDs(t, m); len(ids) != 2 {
			t.Errorf("%s: people %v, want carol and dan only", when, ids)
		}
		dirView(t, m, func(tx bot.Tx) error {
			for _, name := range []string{"Carol", "Dan"} {
				if ps, err := tx.FindPeopleByName(name); err != nil {
					return err
				} else if len(ps) != 1 {
					t.Errorf("%s: %d people called %s, want 1", when, len(ps), name)
				}
			}
			return nil
		})
		if n := len(feishuAPI.Matching(byDept("od-sales"))); n != 0 {
			t.Errorf("%s: the unmapped Sales was listed %d times", when, n)
		}
	}
	// recurring returns the one pending recurring import, failing when
	// there is not exactly one.
	recurring := func(m *Main, when string) *bot.Job {
		t.Helper()
		var rec []*bot.Job
		for _, j := range directoryJobs(m, bot.JobPending) {
			if j.Schedule != "" {
				rec = append(rec, j)
			}
		}
		if len(rec) != 1 {
			t.Fatalf("%s: pending recurring import jobs: %+v, want exactly one", when, rec)
		}
		return rec[0]
	}

	// The import runs at start.
	m := startDirMain(t, config(""), logs)
	dirEventually(t, "carol and dan are imported into Design", func() (bool, string) {
		carol, dan := dirPerson(t, m, acct("ou_carol")), dirPerson(t, m, acct("ou_dan"))
		return carol != nil && carol.DeptID != 0 && dan != nil && dan.DeptID != 0,
			fmt.Sprintf("carol %+v, dan %+v", carol, dan)
	})
	// The import scheduled a profile job for dan: the scheduler, woken when
	// the import's fetch completes, reads it at once rather than after its
	// 30 s idle sleep (the deadline of dirEventually is shorter).
	danRead := func() (bool, string) {
		dan := dirPerson(t, m, acct("ou_dan"))
		return dan != nil && dan.Mobile != "", fmt.Sprintf("dan %+v", dan)
	}
	dirEventually(t, "dan's profile is read", danRead)
	check(m, "after the first import")
	if n := listings(); n != 1 {
		t.Errorf("department listings: %d, want 1", n)
	}
	for _, dept := range []string{"od-design", "od-posters"} {
		calls := feishuAPI.Matching(byDept(dept))
		if len(calls) != 1 {
			t.Errorf("members of %s listed %d times, want once", dept, len(calls))
			continue
		}
		if q := calls[0].Query; q.Get("department_id_type") != "open_department_id" || q.Get("user_id_type") != "open_id" {
			t.Errorf("find_by_department query %v", q)
		}
	}
	// Only dan, listed without email or mobile, had his profile read.
	profileReads := func() []feishutest.Call {
		return feishuAPI.Matching(func(c feishutest.Call) bool {
			return c.Method == "GET" && strings.HasPrefix(c.Path, pathFeishuUsers) && c.Path != pathFeishuByDept
		})
	}
	if reads := profileReads(); len(reads) != 1 || reads[0].Path != pathFeishuUsers+"ou_dan" {
		t.Errorf("profile reads: %v, want ou_dan's only", reads)
	}
	dirEventually(t, "the first import is rescheduled", func() (bool, string) {
		jobs := directoryJobs(m, bot.JobPending)
		return len(jobs) == 1 && jobs[0].RunAt.After(time.Now()), fmt.Sprintf("%+v", jobs)
	})
	first := recurring(m, "after the first import")
	if first.Schedule != "cron:0 3 * * *" {
		t.Errorf("the import's schedule is %q, want the default cron:0 3 * * *", first.Schedule)
	}

	// Restart on the same database with the same config: the recurring
	// import is kept as it is (not stored again, not run again).
	if err := m.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	m = startDirMain(t, config(""), logs)
	again := recurring(m, "after a restart")
	if again.ID != first.ID || !again.RunAt.Equal(first.RunAt) {
		t.Errorf("after a restart the import is %+v, want the same job #%d at %v", again, first.ID, first.RunAt)
	}
	if all := directoryJobs(m, ""); len(all) != 1 {
		t.Errorf("import jobs after a restart: %+v, want one", all)
	}
	time.Sleep(300 * time.Millisecond)
	if n := listings(); n != 1 {
		t.Errorf("department listings after a restart: %d, want 1 (the import is not due)", n)
	}
	check(m, "after a restart")

	// Restart with a new schedule: the old import is cancelled, the new one
	// runs at once, and finds everyone already there.
	if err := m.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	m = startDirMain(t, config("directory: {sync: \"cron:0 4 * * *\"}\n"), logs)
	dirEventually(t, "the import runs again under its new schedule", func() (bool, string) {
		jobs := directoryJobs(m, bot.JobPending)
		ok := listings() == 2 && len(feishuAPI.Matching(byDept("od-posters"))) == 2 &&
			len(jobs) == 1 && jobs[0].Schedule == "cron:0 4 * * *" && jobs[0].RunAt.After(time.Now())
		return ok, fmt.Sprintf("%d listings, pending imports %+v", listings(), jobs)
	})
	newer := recurring(m, "after the schedule changed")
	if newer.ID == first.ID {
		t.Errorf("the import with the new schedule is the old job #%d", first.ID)
	}
	if cancelled := directoryJobs(m, bot.JobCancel); len(cancelled) != 1 || cancelled[0].ID != first.ID {
		t.Errorf("cancelled imports: %+v, want the old one (#%d)", cancelled, first.ID)
	}
	check(m, "after the import ran again")
	if reads := profileReads(); len(reads) != 1 {
		t.Errorf("profile reads after the second import: %d, want still 1 (dan is known)", len(reads))
	}
	var profileJobs []*bot.Job
	dirView(t, m, func(tx bot.Tx) (err error) {
		profileJobs, err = tx.FindJobs(bot.JobFilter{Kind: "profile", Limit: 100})
		return err
	})
	if len(profileJobs) != 1 {
		t.Errorf("profile jobs: %+v, want one (dan's)", profileJobs)
	}
}
