package dingtalk_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/dingtalk"
	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
)

// newDirectory returns an adapter whose APIs are the fake's.
func newDirectory(tb testing.TB) (*dingtalk.Adapter, *dingtalktest.Server) {
	f := newFake(tb)
	a := MustNewAdapter(tb, &Intake{}, func(c *dingtalk.Config) {
		c.APIURL, c.OAPIURL = f.URL, f.URL
		c.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	})
	return a, f
}

func wantNotFound(tb testing.TB, err error) {
	tb.Helper()
	if bot.ErrorCode(err) != bot.ENOTFOUND {
		tb.Fatalf("got %v, want %s", err, bot.ENOTFOUND)
	}
}

// Ensure User maps user/get's answer (email before org_email, department
// ids as strings), sends the token in the query, and reports unknown and
// invisible users as not found.
func TestDirectory_User(t *testing.T) {
	a, f := newDirectory(t)
	ctx := context.Background()
	u, err := a.User(ctx, "staff1")
	if err != nil {
		t.Fatal(err)
	}
	want := bot.DirectoryUser{UserID: "staff1", Name: "张三", Email: "zhangsan@acme.test", Mobile: "13800000001", Depts: []string{"2", "4"},
		Position: "工程师", ManagerID: "staff3"}
	if !reflect.DeepEqual(u, want) {
		t.Fatalf("got %+v\nwant %+v", u, want)
	}
	c := f.Calls("userGet")[0]
	if c.Query.Get("access_token") != "tok-1" || c.JSON["userid"] != "staff1" || c.JSON["language"] != "zh_CN" {
		t.Fatalf("call %+v", c)
	}

	u, err = a.User(ctx, "staff2")
	if err != nil || u.Email != "lisi@corp.acme.test" {
		t.Fatalf("org_email fallback: %+v, %v", u, err)
	}

	// A number outside mainland China gets its country code back.
	f.Reply("userGet", dingtalktest.JSONReply(200, `{"errcode":0,"result":{"userid":"staff9","name":"Ann","state_code":"1","mobile":"5551234567","dept_id_list":[1]}}`))
	u, err = a.User(ctx, "staff9")
	if err != nil || u.Mobile != "+1-5551234567" || bot.NormalizeMobile(u.Mobile) != "15551234567" {
		t.Fatalf("state code: %+v, %v", u, err)
	}

	_, err = a.User(ctx, "nobody")
	wantNotFound(t, err)
	for _, code := range []string{"33012", "50002"} {
		f.Reply("userGet", dingtalktest.JSONReply(200, `{"errcode":`+code+`,"errmsg":"x"}`))
		_, err = a.User(ctx, "staff1")
		wantNotFound(t, err)
	}
	n := len(f.Calls("userGet"))
	_, err = a.User(ctx, "")
	wantNotFound(t, err)
	if len(f.Calls("userGet")) != n {
		t.Fatal("an empty user id was looked up")
	}
	if len(f.Calls("token")) != 1 {
		t.Fatalf("%d token fetches", len(f.Calls("token")))
	}
}

// Ensure Lookup finds people by mobile only, normalized, and returns their
// full profile; email alone finds no one, and asks DingTalk nothing.
func TestDirectory_Lookup(t *testing.T) {
	a, f := newDirectory(t)
	ctx := context.Background()
	u, err := a.Lookup(ctx, "lisi@corp.acme.test", "+86 138-0000-0002")
	if err != nil {
		t.Fatal(err)
	}
	if u.UserID != "staff2" || u.Name != "李四" || u.Email != "lisi@corp.acme.test" || !reflect.DeepEqual(u.Depts, []string{"4"}) {
		t.Fatalf("got %+v", u)
	}
	if m := f.Calls("userByMobile")[0].JSON["mobile"]; m != "13800000002" {
		t.Fatalf("mobile sent as %v", m)
	}

	_, err = a.Lookup(ctx, "zhaoliu@acme.test", "")
	wantNotFound(t, err)
	_, err = a.Lookup(ctx, "", "13999999999")
	wantNotFound(t, err)
	f.Reply("userByMobile", dingtalktest.JSONReply(200, `{"errcode":40104,"errmsg":"无效的手机号"}`))
	_, err = a.Lookup(ctx, "", "13800000001")
	wantNotFound(t, err)
	if n := len(f.Calls("userByMobile")); n != 3 {
		t.Fatalf("%d getbymobile calls, want 3", n)
	}
}

// Ensure Departments walks the whole tree breadth-first from the root, the
// root included with its name and no parent, each department listed once.
func TestDirectory_Departments(t *testing.T) {
	a, f := newDirectory(t)
	got, err := a.Departments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.DirectoryDept{
		{ID: "1", Name: "Acme"},
		{ID: "2", Name: "Engineering", ParentID: "1"}, {ID: "3", Name: "Sales", ParentID: "1"},
		{ID: "4", Name: "Backend", ParentID: "2"}, {ID: "5", Name: "Frontend", ParentID: "2"}, {ID: "7", Name: "Sales East", ParentID: "3"},
		{ID: "6", Name: "Storage", ParentID: "4"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	var listed []any
	for _, c := range f.Calls("deptListSub") {
		listed = append(listed, c.JSON["dept_id"])
	}
	if !reflect.DeepEqual(listed, []any{1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 6.0}) {
		t.Fatalf("listsub calls for %v", listed)
	}
	if g := f.Calls("deptGet"); len(g) != 1 || g[0].JSON["dept_id"] != 1.0 {
		t.Fatalf("department/get calls %+v", g)
	}

	// The root's name is not worth failing for.
	f.Reply("deptGet", dingtalktest.JSONReply(200, `{"errcode":60011,"errmsg":"no permission"}`))
	got, err = a.Departments(context.Background())
	if err != nil || len(got) != 7 || got[0] != (bot.DirectoryDept{ID: "1", Name: "root"}) {
		t.Fatalf("got %+v, %v", got, err)
	}
}

// Ensure Members pages through listsimple (the fake gives one person per
// page) and reports an unknown department as not found.
func TestDirectory_Members(t *testing.T) {
	a, f := newDirectory(t)
	ctx := context.Background()
	got, err := a.Members(ctx, "4")
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.DirectoryUser{
		{UserID: "staff1", Name: "张三", Depts: []string{"4"}},
		{UserID: "staff2", Name: "李四", Depts: []string{"4"}},
		{UserID: "staff3", Name: "王五", Depts: []string{"4"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	calls := f.Calls("listSimple")
	if len(calls) != 3 {
		t.Fatalf("%d listsimple calls, want 3", len(calls))
	}
	for i, c := range calls {
		if c.JSON["dept_id"] != 4.0 || c.JSON["cursor"] != float64(i) || c.JSON["size"] != 100.0 || c.Query.Get("access_token") != "tok-1" {
			t.Fatalf("call %d: %+v", i, c)
		}
	}

	if got, err := a.Members(ctx, "5"); err != nil || len(got) != 0 {
		t.Fatalf("empty department: %+v, %v", got, err)
	}
	_, err = a.Members(ctx, "99")
	wantNotFound(t, err)
	n := len(f.Calls("listSimple"))
	_, err = a.Members(ctx, "engineering")
	wantNotFound(t, err)
	if len(f.Calls("listSimple")) != n {
		t.Fatal("a non-numeric department id was looked up")
	}

	// A cursor that does not move ends the listing instead of looping.
	f.Reply("listSimple", dingtalktest.JSONReply(200, `{"errcode":0,"result":{"has_more":true,"next_cursor":0,"list":[{"userid":"staff1","name":"张三"}]}}`))
	_, err = a.Members(ctx, "4")
	if err == nil || bot.ErrorCode(err) == bot.ENOTFOUND {
		t.Fatalf("stuck cursor: %v", err)
	}
}

// Ensure a token DingTalk refuses is renewed and the call made once more,
// and only once.
func TestDirectory_TokenRefresh(t *testing.T) {
	for _, code := range []string{"40014", "42001", "40001", "88"} {
		t.Run(code, func(t *testing.T) {
			a, f := newDirectory(t)
			ctx := context.Background()
			if _, err := a.User(ctx, "staff1"); err != nil { // caches tok-1
				t.Fatal(err)
			}
			refused := dingtalktest.JSONReply(200, `{"errcode":`+code+`,"errmsg":"invalid token"}`)
			f.Reply("userGet", refused)
			if _, err := a.User(ctx, "staff1"); err != nil {
				t.Fatal(err)
			}
			g := f.Calls("userGet")
			if n := len(f.Calls("token")); n != 2 || len(g) != 3 || g[2].Query.Get("access_token") != "tok-2" {
				t.Fatalf("%d token fetches, %d calls, last with %q", n, len(g), g[len(g)-1].Query.Get("access_token"))
			}

			f.Reply("userGet", refused)
			f.Reply("userGet", refused)
			_, err := a.User(ctx, "staff1")
			if err == nil || bot.ErrorCode(err) == bot.ENOTFOUND {
				t.Fatalf("refused twice: %v", err)
			}
			if n := len(f.Calls("userGet")); n != 5 {
				t.Fatalf("%d calls, want 5: retried more than once", n)
			}
		})
	}
}

// Ensure refusals other than "not found" are not reported as not found,
// whichever call meets them, and never quote the token.
func TestDirectory_Errors(t *testing.T) {
	calls := map[string]struct {
		key  string
		call func(a *dingtalk.Adapter) error
	}{
		"User": {"userGet", func(a *dingtalk.Adapter) error { _, err := a.User(context.Background(), "staff1"); return err }},
		"Lookup": {"userByMobile", func(a *dingtalk.Adapter) error {
			_, err := a.Lookup(context.Background(), "", "13800000001")
			return err
		}},
		"Departments": {"deptListSub", func(a *dingtalk.Adapter) error {
			_, err := a.Departments(context.Background())
			return err
		}},
		"Members": {"listSimple", func(a *dingtalk.Adapter) error { _, err := a.Members(context.Background(), "4"); return err }},
	}
	replies := map[string]func(http.ResponseWriter){
		"SystemBusy":   dingtalktest.JSONReply(200, `{"errcode":-1,"errmsg":"系统繁忙"}`),
		"NoPermission": dingtalktest.JSONReply(200, `{"errcode":60011,"errmsg":"没有调用该接口的权限"}`),
		"QPS":          dingtalktest.JSONReply(200, `{"errcode":90018,"errmsg":"too fast"}`),
		"IPNotAllowed": dingtalktest.JSONReply(200, `{"errcode":60020,"errmsg":"访问ip不在白名单之中"}`),
		"HTTP500":      dingtalktest.JSONReply(500, `<html>oops</html>`),
		"NotJSON":      dingtalktest.JSONReply(200, `<html>maintenance</html>`),
		"BadResult":    dingtalktest.JSONReply(200, `{"errcode":0,"result":"surprise"}`),
	}
	for cname, c := range calls {
		for rname, reply := range replies {
			t.Run(cname+"/"+rname, func(t *testing.T) {
				a, f := newDirectory(t)
				f.Reply(c.key, reply)
				err := c.call(a)
				if err == nil || bot.ErrorCode(err) == bot.ENOTFOUND {
					t.Fatalf("got %v, want an error other than not found", err)
				}
				if strings.Contains(err.Error(), "tok-") {
					t.Fatalf("error quotes the token: %v", err)
				}
			})
		}
	}
}

// failTopapi fails every classic API request the way a network would,
// after letting token requests through.
type failTopapi struct{ next http.RoundTripper }

func (f failTopapi) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/topapi/") {
		return nil, errors.New("connection reset")
	}
	return f.next.RoundTrip(r)
}

// Ensure a transport error, which quotes the URL, loses the token in it.
func TestDirectory_TransportErrorRedacted(t *testing.T) {
	f := newFake(t)
	a := MustNewAdapter(t, &Intake{}, func(c *dingtalk.Config) {
		c.APIURL, c.OAPIURL = f.URL, f.URL
		c.HTTPClient = &http.Client{Transport: failTopapi{f.Client().Transport}, Timeout: 5 * time.Second}
	})
	_, err := a.User(context.Background(), "staff1")
	if err == nil || bot.ErrorCode(err) == bot.ENOTFOUND {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "tok-1") || strings.Contains(err.Error(), "access_token") {
		t.Fatalf("error quotes the token: %v", err)
	}
	if !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("error lost its cause: %v", err)
	}
}
