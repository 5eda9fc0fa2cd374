package slack_test

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"

	tslack "github.com/tandemhq/tandem/adapters/slack"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
)

// slackUsers are the fake workspace's accounts, as Slack's user objects.
var slackUsers = map[string]string{
	"U1":        `{"id":"U1","name":"ada","real_name":"Ada Lovelace","profile":{"display_name":"ada.l","real_name":"Ada Lovelace","email":"ada@example.com","phone":"+44 20 7946 0000","title":"Engineer"}}`,
	"U2":        `{"id":"U2","name":"grace","real_name":"Grace Hopper","profile":{"display_name":"","real_name":"Grace Hopper"}}`,
	"U3":        `{"id":"U3","name":"linus","profile":{"display_name":"","real_name":""}}`,
	"U4":        `{"id":"U4","name":"gone","deleted":true,"profile":{"real_name":"Gone Person","email":"gone@example.com"}}`,
	"B1":        `{"id":"B1","name":"deploybot","is_bot":true,"profile":{"real_name":"Deploy Bot"}}`,
	"USLACKBOT": `{"id":"USLACKBOT","name":"slackbot","is_bot":false,"profile":{"real_name":"Slackbot"}}`,
}

// answer makes method answer with body(form of the request) as JSON.
func answer(f *slacktest.Server, method string, body func(form url.Values) string) {
	f.Reply(method, slacktest.Answer(body))
}

// newDirectory returns an adapter whose Web API is a fake workspace holding
// slackUsers and three user groups, one of them disabled.
func newDirectory(tb testing.TB) (*tslack.Adapter, *slacktest.Server) {
	a, f := newSender(tb)
	answer(f, "users.info", func(form url.Values) string {
		if ids := form.Get("users"); ids != "" { // the batched form
			var found []string
			for id := range strings.SplitSeq(ids, ",") {
				if u, ok := slackUsers[id]; ok {
					found = append(found, u)
				}
			}
			return `{"ok":true,"users":[` + strings.Join(found, ",") + `]}`
		}
		if u, ok := slackUsers[form.Get("user")]; ok {
			return `{"ok":true,"user":` + u + `}`
		}
		return `{"ok":false,"error":"user_not_found"}`
	})
	answer(f, "users.lookupByEmail", func(form url.Values) string {
		for _, u := range []string{"U1", "U4", "B1"} {
			if strings.Contains(slackUsers[u], `"email":"`+form.Get("email")+`"`) || (u == "B1" && form.Get("email") == "bot@example.com") {
				return `{"ok":true,"user":` + slackUsers[u] + `}`
			}
		}
		return `{"ok":false,"error":"users_not_found"}`
	})
	answer(f, "usergroups.list", func(url.Values) string {
		return `{"ok":true,"usergroups":[
			{"id":"S1","team_id":"T1","is_usergroup":true,"name":"Design","handle":"design","date_delete":0,"user_count":2},
			{"id":"S2","team_id":"T1","is_usergroup":true,"name":"","handle":"oncall","date_delete":0,"user_count":1},
			{"id":"S3","team_id":"T1","is_usergroup":true,"name":"Old team","handle":"old","date_delete":1700000000,"user_count":0}]}`
	})
	answer(f, "usergroups.users.list", func(form url.Values) string {
		switch form.Get("usergroup") {
		case "S1":
			return `{"ok":true,"users":["U1","U2","U3","U4","B1","USLACKBOT","UGHOST"]}`
		case "S2":
			return `{"ok":true,"users":[]}`
		}
		return `{"ok":false,"error":"no_such_subteam"}`
	})
	return a, f
}

var ctx = context.Background()

// Ensure users.info is mapped: the display name is preferred, then the real
// name, then the handle; email and phone come from the profile.
func TestDirectory_User(t *testing.T) {
	a, f := newDirectory(t)
	for id, want := range map[string]bot.DirectoryUser{
		"U1": {UserID: "U1", Name: "ada.l", Email: "ada@example.com", Mobile: "+44 20 7946 0000", Position: "Engineer"},
		"U2": {UserID: "U2", Name: "Grace Hopper"},
		"U3": {UserID: "U3", Name: "linus"},
	} {
		got, err := a.User(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, want %+v", id, got, want)
		}
	}
	for _, c := range f.Calls() {
		if c.Method != "users.info" {
			t.Fatalf("called %s", c.Method)
		}
		if c.Header.Get("Authorization") != "Bearer xoxb-test" && c.Form.Get("token") != "xoxb-test" {
			t.Fatalf("no bot token: auth %q, form %v", c.Header.Get("Authorization"), c.Form)
		}
	}
}

// Ensure unknown and deleted accounts, bots and Slackbot are not found.
func TestDirectory_UserNotFound(t *testing.T) {
	a, _ := newDirectory(t)
	for _, id := range []string{"UNOPE", "U4", "B1", "USLACKBOT"} {
		_, err := a.User(ctx, id)
		if bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Errorf("%s: got %v, want not found", id, err)
		}
	}
	a, f := newDirectory(t)
	f.Reply("users.info", slacktest.Error("user_not_visible"))
	if _, err := a.User(ctx, "U1"); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("not visible: got %v", err)
	}
}

// Ensure a lookup goes by email, and that mobile alone, an unknown email, a
// deleted account or a bot find no one.
func TestDirectory_Lookup(t *testing.T) {
	a, f := newDirectory(t)
	got, err := a.Lookup(ctx, "ada@example.com", "+8613800000000")
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != "U1" || got.Name != "ada.l" || got.Email != "ada@example.com" {
		t.Fatalf("got %+v", got)
	}
	calls := f.Calls()
	if len(calls) != 1 || calls[0].Method != "users.lookupByEmail" || calls[0].Form.Get("email") != "ada@example.com" {
		t.Fatalf("calls %+v", calls)
	}
	for _, tc := range []struct{ email, mobile string }{
		{"nobody@example.com", ""},
		{"nobody@example.com", "+44 20 7946 0000"}, // Slack cannot search by phone
		{"gone@example.com", ""},
		{"bot@example.com", ""},
		{"", "+44 20 7946 0000"},
		{"", ""},
	} {
		_, err := a.Lookup(ctx, tc.email, tc.mobile)
		if bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Errorf("%+v: got %v, want not found", tc, err)
		}
	}
	if n := len(f.Calls()); n != 5 { // the two lookups without email ask nothing
		t.Fatalf("%d calls", n)
	}
}

// Ensure user groups stand in for departments, named by their handle when
// they have no name, and disabled groups are left out.
func TestDirectory_Departments(t *testing.T) {
	a, f := newDirectory(t)
	got, err := a.Departments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.DirectoryDept{{ID: "S1", Name: "Design"}, {ID: "S2", Name: "oncall"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if c := f.Calls(); len(c) != 1 || c[0].Method != "usergroups.list" {
		t.Fatalf("calls %+v", c)
	}
}

// Ensure a free workspace, which has no user groups, has no departments
// rather than an error that retrying cannot fix.
func TestDirectory_DepartmentsFreePlan(t *testing.T) {
	a, f := newDirectory(t)
	f.Reply("usergroups.list", slacktest.Error("plan_upgrade_required"))
	got, err := a.Departments(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("got %+v, %v", got, err)
	}
}

// Ensure members are the group's live people, read in one batched
// users.info, each listing the group among its Depts.
func TestDirectory_Members(t *testing.T) {
	a, f := newDirectory(t)
	got, err := a.Members(ctx, "S1")
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.DirectoryUser{
		{UserID: "U1", Name: "ada.l", Email: "ada@example.com", Mobile: "+44 20 7946 0000", Depts: []string{"S1"}, Position: "Engineer"},
		{UserID: "U2", Name: "Grace Hopper", Depts: []string{"S1"}},
		{UserID: "U3", Name: "linus", Depts: []string{"S1"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	calls := f.Calls()
	if len(calls) != 2 || calls[0].Method != "usergroups.users.list" || calls[0].Form.Get("usergroup") != "S1" ||
		calls[1].Method != "users.info" || calls[1].Form.Get("users") != "U1,U2,U3,U4,B1,USLACKBOT,UGHOST" {
		t.Fatalf("calls %+v", calls)
	}

	if got, err := a.Members(ctx, "S2"); err != nil || len(got) != 0 {
		t.Fatalf("empty group: %+v, %v", got, err)
	}
	if n := len(f.Calls()); n != 3 { // an empty group needs no users.info
		t.Fatalf("%d calls", n)
	}
	if _, err := a.Members(ctx, "SNOPE"); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Fatalf("unknown group: %v", err)
	}
}

// Ensure a large group's profiles are read 100 at a time.
func TestDirectory_MembersBatches(t *testing.T) {
	a, f := newDirectory(t)
	ids := make([]string, 250)
	for i := range ids {
		ids[i] = `"U1"`
	}
	answer(f, "usergroups.users.list", func(url.Values) string {
		return `{"ok":true,"users":[` + strings.Join(ids, ",") + `]}`
	})
	got, err := a.Members(ctx, "S1")
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, c := range f.Calls()[1:] {
		sizes = append(sizes, len(strings.Split(c.Form.Get("users"), ",")))
	}
	if !reflect.DeepEqual(sizes, []int{100, 100, 50}) {
		t.Fatalf("batch sizes %v", sizes)
	}
	if len(got) != len(ids) {
		t.Fatalf("%d members", len(got))
	}
}

// Ensure failures that a retry may fix (rate limits, 5xx, network, a
// missing scope) are errors, never "not found", and do not show the token.
func TestDirectory_Errors(t *testing.T) {
	rateLimited := slacktest.RateLimited(7)
	serverError := slacktest.Status(http.StatusInternalServerError, "")
	calls := map[string]func(a *tslack.Adapter) error{
		"users.info": func(a *tslack.Adapter) error { _, err := a.User(ctx, "U1"); return err },
		"users.lookupByEmail": func(a *tslack.Adapter) error {
			_, err := a.Lookup(ctx, "ada@example.com", "")
			return err
		},
		"usergroups.list":       func(a *tslack.Adapter) error { _, err := a.Departments(ctx); return err },
		"usergroups.users.list": func(a *tslack.Adapter) error { _, err := a.Members(ctx, "S1"); return err },
		"users.info (batched)":  func(a *tslack.Adapter) error { _, err := a.Members(ctx, "S1"); return err },
	}
	for method, call := range calls {
		for name, reply := range map[string]slacktest.Handler{
			"RateLimited":  rateLimited,
			"HTTP500":      serverError,
			"Ratelimited":  slacktest.Error("ratelimited"),
			"MissingScope": slacktest.Error("missing_scope"),
			"Internal":     slacktest.Error("internal_error"),
		} {
			t.Run(method+"/"+name, func(t *testing.T) {
				a, f := newDirectory(t)
				f.Reply(strings.TrimSuffix(method, " (batched)"), reply)
				err := call(a)
				if err == nil {
					t.Fatal("no error")
				}
				if bot.ErrorCode(err) == bot.ENOTFOUND {
					t.Fatalf("got not found: %v", err)
				}
				if strings.Contains(err.Error(), "xoxb-test") {
					t.Fatalf("error shows the token: %v", err)
				}
			})
		}
	}
	t.Run("Network", func(t *testing.T) {
		a, f := newDirectory(t)
		f.Close()
		_, err := a.User(ctx, "U1")
		if err == nil || bot.ErrorCode(err) == bot.ENOTFOUND || strings.Contains(err.Error(), "xoxb-test") {
			t.Fatalf("got %v", err)
		}
	})
}
