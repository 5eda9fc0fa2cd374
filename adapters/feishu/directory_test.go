package feishu_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/feishu"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
)

// testDirectory: Engineering (with Web below it) and Operations at the top;
// Carol has resigned; Bob has only an enterprise mailbox.
func testDirectory() *feishutest.Directory {
	user := func(id, name, email, mobile string, depts ...string) feishutest.User {
		return feishutest.User{OpenID: id, UnionID: "on_" + id[3:], Name: name, Email: email, Mobile: mobile, DepartmentIDs: depts}
	}
	alice := user("ou_alice", "Alice", "alice@example.com", "+8613800000001", "od-eng")
	alice.JobTitle, alice.LeaderUserID = "Designer", "ou_erin"
	bob := user("ou_bob", "Bob", "", "+8613800000002", "od-eng", "od-web")
	bob.EnterpriseEmail = "bob@corp.example.com"
	carol := user("ou_carol", "Carol", "carol@example.com", "+8613800000003", "od-eng")
	carol.Status.IsResigned = true
	dave := user("ou_dave", "", "dave@example.com", "+14155550100", "od-ops")
	dave.EnName = "Dave"
	erin := user("ou_erin", "Erin", "erin@example.com", "+8613800000005", "od-eng")
	return &feishutest.Directory{
		Users: []feishutest.User{alice, bob, carol, dave, erin},
		Depts: []feishutest.Dept{
			{Name: "Engineering", ID: "od-eng", ParentID: "0"},
			{Name: "Web", ID: "od-web", ParentID: "od-eng"},
			{Name: "Operations", ID: "od-ops", ParentID: "0"},
		},
	}
}

func newDirectory(t *testing.T, edit func(*feishutest.Directory)) (*feishu.Adapter, *FakeFeishu) {
	t.Helper()
	a, f := newSender(t, nil, nil)
	d := testDirectory()
	if edit != nil {
		edit(d)
	}
	f.SetDirectory(d)
	return a, f
}

// checkAuth asserts every contact call carried the one tenant token.
func checkAuth(t *testing.T, f *FakeFeishu) {
	t.Helper()
	for _, c := range f.ContactCalls() {
		if c.Auth != "Bearer t-1" {
			t.Errorf("%s %s: Authorization %q, want Bearer t-1", c.Method, c.Path, c.Auth)
		}
	}
	if n := f.TokenRequests(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if code := bot.ErrorCode(err); code != bot.ENOTFOUND {
		t.Errorf("%s: error %v (code %q), want %s", what, err, code, bot.ENOTFOUND)
	}
}

func wantRetryable(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	if code := bot.ErrorCode(err); code == bot.ENOTFOUND {
		t.Errorf("%s: error %v is ENOTFOUND; want an ordinary error so the caller retries", what, err)
	}
}

// Ensure User asks by open_id, maps the profile, and falls back to the
// enterprise mailbox and the English name.
func TestDirectory_User(t *testing.T) {
	a, f := newDirectory(t, nil)
	ctx := context.Background()

	got, err := a.User(ctx, "ou_alice")
	if err != nil {
		t.Fatal(err)
	}
	want := bot.DirectoryUser{UserID: "ou_alice", Name: "Alice", Email: "alice@example.com", Mobile: "+8613800000001", Depts: []string{"od-eng"},
		Position: "Designer", ManagerID: "ou_erin"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("User = %+v, want %+v", got, want)
	}
	c := f.ContactCalls()[0]
	if c.Method != http.MethodGet || c.Path != "/open-apis/contact/v3/users/ou_alice" ||
		c.Query.Get("user_id_type") != "open_id" || c.Query.Get("department_id_type") != "open_department_id" {
		t.Errorf("call = %s %s?%s", c.Method, c.Path, c.Query.Encode())
	}

	bob, err := a.User(ctx, "ou_bob")
	if err != nil {
		t.Fatal(err)
	}
	if bob.Email != "bob@corp.example.com" || !reflect.DeepEqual(bob.Depts, []string{"od-eng", "od-web"}) {
		t.Errorf("Bob = %+v, want the enterprise mailbox and both departments", bob)
	}
	dave, err := a.User(ctx, "ou_dave")
	if err != nil {
		t.Fatal(err)
	}
	if dave.Name != "Dave" || dave.Mobile != "+14155550100" {
		t.Errorf("Dave = %+v, want the English name and the mobile as given", dave)
	}
	checkAuth(t, f)
}

// Ensure unknown, resigned and out-of-scope users are ENOTFOUND, and an
// empty id is refused without a call (it would list users instead).
func TestDirectory_UserNotFound(t *testing.T) {
	a, f := newDirectory(t, func(d *feishutest.Directory) { d.Scope = []string{"od-eng"} })
	ctx := context.Background()
	for _, id := range []string{"ou_nobody", "ou_carol", "ou_dave"} {
		_, err := a.User(ctx, id)
		wantNotFound(t, id, err)
	}
	n := len(f.ContactCalls())
	_, err := a.User(ctx, "")
	wantNotFound(t, "empty id", err)
	if len(f.ContactCalls()) != n {
		t.Error("User(\"\") called Feishu")
	}
}

// Ensure failures that are not "no such user" stay ordinary errors.
func TestDirectory_UserAPIError(t *testing.T) {
	for _, tc := range []struct {
		status, code int
	}{
		{http.StatusBadRequest, 99991672}, // the app lacks the API's scope
		{http.StatusInternalServerError, 40003},
		{http.StatusTooManyRequests, 99991400},
	} {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			a, f := newDirectory(t, nil)
			f.Reply("/open-apis/contact/v3/users/ou_alice", feishutest.Error(tc.status, tc.code, nil))
			_, err := a.User(context.Background(), "ou_alice")
			wantRetryable(t, "User", err)
		})
	}
}

// Ensure Lookup sends one email and one mobile (omitting empty ones), prefers
// the email's match, falls back to the mobile, and returns the full profile.
func TestDirectory_Lookup(t *testing.T) {
	a, f := newDirectory(t, nil)
	ctx := context.Background()

	got, err := a.Lookup(ctx, "alice@example.com", "13800000002")
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != "ou_alice" || got.Name != "Alice" || !reflect.DeepEqual(got.Depts, []string{"od-eng"}) {
		t.Errorf("Lookup(alice's email, bob's mobile) = %+v, want Alice's profile", got)
	}
	c := f.ContactCalls()[0]
	if c.Method != http.MethodPost || c.Path != "/open-apis/contact/v3/users/batch_get_id" || c.Query.Get("user_id_type") != "open_id" {
		t.Errorf("call = %s %s?%s", c.Method, c.Path, c.Query.Encode())
	}
	if !reflect.DeepEqual(c.Body["emails"], []any{"alice@example.com"}) || !reflect.DeepEqual(c.Body["mobiles"], []any{"13800000002"}) ||
		c.Body["include_resigned"] != false {
		t.Errorf("body = %v", c.Body)
	}

	got, err = a.Lookup(ctx, "nobody@example.com", "13800000002")
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != "ou_bob" {
		t.Errorf("Lookup(unknown email, bob's mobile) = %+v, want Bob", got)
	}

	got, err = a.Lookup(ctx, "", "+14155550100")
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != "ou_dave" {
		t.Errorf("Lookup(dave's mobile) = %+v, want Dave", got)
	}
	last := f.ContactCalls()
	for _, c := range last {
		if c.Path == "/open-apis/contact/v3/users/batch_get_id" && c.Body["mobiles"] != nil && c.Body["emails"] == nil {
			return
		}
	}
	t.Error("a lookup by mobile alone still sent emails")
}

// Ensure Lookup is ENOTFOUND for unknown and resigned people, and for no
// email or mobile at all (without a call).
func TestDirectory_LookupNotFound(t *testing.T) {
	a, f := newDirectory(t, nil)
	ctx := context.Background()
	_, err := a.Lookup(ctx, "nobody@example.com", "13900000000")
	wantNotFound(t, "unknown", err)
	_, err = a.Lookup(ctx, "carol@example.com", "")
	wantNotFound(t, "resigned", err)
	n := len(f.ContactCalls())
	_, err = a.Lookup(ctx, "", "")
	wantNotFound(t, "empty", err)
	if len(f.ContactCalls()) != n {
		t.Error("Lookup(\"\", \"\") called Feishu")
	}

	f.Reply("/open-apis/contact/v3/users/batch_get_id", feishutest.Error(http.StatusBadRequest, 99991672, nil))
	_, err = a.Lookup(ctx, "alice@example.com", "")
	wantRetryable(t, "missing scope", err)
}

// Ensure Departments lists the whole tree from the root, page by page, with
// ParentID "" at the top.
func TestDirectory_Departments(t *testing.T) {
	a, f := newDirectory(t, nil)
	got, err := a.Departments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.DirectoryDept{
		{ID: "od-eng", Name: "Engineering"},
		{ID: "od-web", Name: "Web", ParentID: "od-eng"},
		{ID: "od-ops", Name: "Operations"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Departments = %+v, want %+v", got, want)
	}
	calls := f.ContactCalls()
	if len(calls) != 3 {
		t.Fatalf("%d calls, want 3 (one item a page)", len(calls))
	}
	for i, c := range calls {
		if c.Path != "/open-apis/contact/v3/departments/0/children" || c.Query.Get("fetch_child") != "true" ||
			c.Query.Get("page_size") != "50" || c.Query.Get("department_id_type") != "open_department_id" {
			t.Errorf("call %d = %s?%s", i, c.Path, c.Query.Encode())
		}
		if wantTok := []string{"", "p1", "p2"}[i]; c.Query.Get("page_token") != wantTok {
			t.Errorf("call %d: page_token %q, want %q", i, c.Query.Get("page_token"), wantTok)
		}
	}
	checkAuth(t, f)
}

// Ensure that when the contact scope is not everyone (the root's children
// answer 40004), Departments lists the scope's departments and their
// descendants once each, tops with ParentID "".
func TestDirectory_DepartmentsScoped(t *testing.T) {
	a, f := newDirectory(t, func(d *feishutest.Directory) { d.Scope = []string{"od-web", "od-eng"} })
	got, err := a.Departments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.DirectoryDept{
		{ID: "od-web", Name: "Web", ParentID: "od-eng"},
		{ID: "od-eng", Name: "Engineering"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Departments = %+v, want %+v", got, want)
	}
	scopes := 0
	for _, c := range f.ContactCalls() {
		if c.Path == "/open-apis/contact/v3/scopes" {
			scopes++
		}
	}
	if scopes != 2 {
		t.Errorf("%d scope pages read, want 2", scopes)
	}
}

// Ensure a failure other than 40004 is returned, not papered over.
func TestDirectory_DepartmentsAPIError(t *testing.T) {
	a, f := newDirectory(t, nil)
	f.Reply("/open-apis/contact/v3/departments/0/children", feishutest.Error(http.StatusBadRequest, 99991672, nil))
	_, err := a.Departments(context.Background())
	wantRetryable(t, "Departments", err)
	for _, c := range f.ContactCalls() {
		if c.Path == "/open-apis/contact/v3/scopes" {
			t.Error("read the scope after an error other than 40004")
		}
	}
}

// Ensure a page token that does not advance ends paging with an error.
func TestDirectory_PageTokenStuck(t *testing.T) {
	a, f := newDirectory(t, nil)
	f.Reply("/open-apis/contact/v3/departments/0/children", func(w http.ResponseWriter, n int) {
		if n > 3 {
			t.Error("kept paging")
		}
		io.WriteString(w, `{"code":0,"data":{"items":[],"has_more":true,"page_token":"same"}}`)
	})
	_, err := a.Departments(context.Background())
	wantRetryable(t, "Departments", err)
}

// Ensure Members pages through find_by_department, skips resigned users, and
// is ENOTFOUND for a department outside the contact scope.
func TestDirectory_Members(t *testing.T) {
	a, f := newDirectory(t, nil)
	ctx := context.Background()
	got, err := a.Members(ctx, "od-eng")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range got {
		ids = append(ids, u.UserID)
	}
	if !reflect.DeepEqual(ids, []string{"ou_alice", "ou_bob", "ou_erin"}) {
		t.Errorf("Members = %v, want Alice, Bob and Erin (Carol has resigned)", ids)
	}
	if got[1].Email != "bob@corp.example.com" || !reflect.DeepEqual(got[1].Depts, []string{"od-eng", "od-web"}) {
		t.Errorf("Bob = %+v", got[1])
	}
	calls := f.ContactCalls()
	if len(calls) != 4 {
		t.Errorf("%d calls, want 4 (one user a page)", len(calls))
	}
	for _, c := range calls {
		if c.Path != "/open-apis/contact/v3/users/find_by_department" || c.Query.Get("department_id") != "od-eng" ||
			c.Query.Get("department_id_type") != "open_department_id" || c.Query.Get("user_id_type") != "open_id" {
			t.Errorf("call = %s?%s", c.Path, c.Query.Encode())
		}
	}
	checkAuth(t, f)

	a, _ = newDirectory(t, func(d *feishutest.Directory) { d.Scope = []string{"od-eng"} })
	_, err = a.Members(ctx, "od-ops")
	wantNotFound(t, "out of scope", err)
	_, err = a.Members(ctx, "")
	wantNotFound(t, "empty id", err)
	members, err := a.Members(ctx, "od-web")
	if err != nil || len(members) != 1 || members[0].UserID != "ou_bob" {
		t.Errorf("Members(od-web) = %+v, %v; want Bob", members, err)
	}
}

// Ensure a rejected token is renewed once for contact calls too.
func TestDirectory_TokenRefreshed(t *testing.T) {
	a, f := newDirectory(t, nil)
	f.Reply("/open-apis/contact/v3/users/ou_alice", func(w http.ResponseWriter, n int) {
		if n == 1 {
			feishutest.Error(http.StatusBadRequest, 99991663, nil)(w, n)
			return
		}
		io.WriteString(w, `{"code":0,"data":{"user":{"open_id":"ou_alice","name":"Alice"}}}`)
	})
	got, err := a.User(context.Background(), "ou_alice")
	if err != nil || got.Name != "Alice" {
		t.Fatalf("User = %+v, %v", got, err)
	}
	calls := f.ContactCalls()
	if len(calls) != 2 || calls[0].Auth != "Bearer t-1" || calls[1].Auth != "Bearer t-2" {
		t.Errorf("calls = %+v, want t-1 then t-2", calls)
	}
}
