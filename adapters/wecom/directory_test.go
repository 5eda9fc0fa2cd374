package wecom_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
)

// replyCall makes path answer through fn, which also sees the request (the
// fake records it before answering; the tests call one at a time).
func replyCall(f *FakeWeCom, path string, fn func(w http.ResponseWriter, n int, c apiCall)) {
	f.Reply(path, func(w http.ResponseWriter, n int) {
		fn(w, n, f.CallsTo(path)[n-1])
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	json.NewEncoder(w).Encode(v)
}

func ok(fields map[string]any) map[string]any {
	fields["errcode"], fields["errmsg"] = 0, "ok"
	return fields
}

// userGet answers user/get: zhangsan is active without email or mobile,
// as new apps see everyone; lisi is disabled and has both; wangwu has
// exited. The other ids give errcodes.
func userGet(w http.ResponseWriter, _ int, c apiCall) {
	codes := map[string]int{
		"hidden":  60011, // outside the app's scope
		"outside": 50002,
		"busy":    -1,
		"noperm":  48002, // the app may not call user/get at all
		"ipblock": 48009, // refuses everyone: configuration, not absence
	}
	switch id := c.Query.Get("userid"); id {
	case "zhangsan":
		writeJSON(w, ok(map[string]any{"userid": "zhangsan", "name": "张三", "department": []int{1, 2}, "status": 1,
			"position": "工程师", "direct_leader": []string{"lisi", "wangwu"}}))
	case "lisi":
		writeJSON(w, ok(map[string]any{"userid": "lisi", "name": "李四", "department": []int{3},
			"email": "lisi@example.com", "mobile": "13800000001", "status": 2}))
	case "wangwu":
		writeJSON(w, ok(map[string]any{"userid": "wangwu", "name": "王五", "department": []int{1}, "status": 5}))
	case "bizmail":
		writeJSON(w, ok(map[string]any{"userid": "bizmail", "name": "赵六", "department": []int{1},
			"biz_mail": "zhaoliu@corp.example", "status": 1}))
	default:
		code, found := codes[id]
		if !found {
			code = 60111
		}
		errcode(code, "error "+id)(w, 0)
	}
}

// installDirectory makes f answer the directory APIs. The email and mobile
// searches know zhangsan only.
func installDirectory(f *FakeWeCom) {
	replyCall(f, "/cgi-bin/user/get", userGet)
	replyCall(f, "/cgi-bin/user/get_userid_by_email", func(w http.ResponseWriter, _ int, c apiCall) {
		if c.JSON["email"] == "zhangsan@example.com" {
			writeJSON(w, ok(map[string]any{"userid": "zhangsan"}))
			return
		}
		errcode(46004, "user not exist")(w, 0)
	})
	replyCall(f, "/cgi-bin/user/getuserid", func(w http.ResponseWriter, _ int, c apiCall) {
		if c.JSON["mobile"] == "13800000000" {
			writeJSON(w, ok(map[string]any{"userid": "zhangsan"}))
			return
		}
		errcode(46004, "user not exist")(w, 0)
	})
	f.Reply("/cgi-bin/department/list", func(w http.ResponseWriter, _ int) {
		writeJSON(w, ok(map[string]any{"department": []map[string]any{
			{"id": 1, "name": "总部", "parentid": 0, "order": 1},
			{"id": 2, "name": "研发", "parentid": 1, "order": 2},
			{"id": 30, "name": "运维", "parentid": 2, "order": 3, "department_leader": []string{"lisi"}},
		}}))
	})
	replyCall(f, "/cgi-bin/user/simplelist", func(w http.ResponseWriter, _ int, c apiCall) {
		if c.Query.Get("department_id") != "2" {
			errcode(60123, "invalid party id")(w, 0)
			return
		}
		writeJSON(w, ok(map[string]any{"userlist": []map[string]any{
			{"userid": "zhangsan", "name": "张三", "department": []int{1, 2}},
			{"userid": "lisi", "name": "李四", "department": []int{2}},
		}}))
	})
}

func TestDirectory_User(t *testing.T) {
	a, f := newSender(t, nil)
	installDirectory(f)
	ctx := context.Background()

	u, err := a.User(ctx, "zhangsan")
	if err != nil {
		t.Fatal(err)
	}
	// Of several direct leaders, the first is the manager.
	want := bot.DirectoryUser{UserID: "zhangsan", Name: "张三", Depts: []string{"1", "2"}, Position: "工程师", ManagerID: "lisi"}
	if !reflect.DeepEqual(u, want) {
		t.Fatalf("got %+v, want %+v", u, want)
	}
	c := f.CallsTo("/cgi-bin/user/get")[0]
	if c.Query.Get("access_token") != "tok1" || c.Query.Get("userid") != "zhangsan" {
		t.Fatalf("query %v", c.Query)
	}

	// A disabled member is still a member; email and mobile come through
	// when WeCom gives them.
	u, err = a.User(ctx, "lisi")
	if err != nil {
		t.Fatal(err)
	}
	want = bot.DirectoryUser{UserID: "lisi", Name: "李四", Email: "lisi@example.com", Mobile: "13800000001", Depts: []string{"3"}}
	if !reflect.DeepEqual(u, want) {
		t.Fatalf("got %+v, want %+v", u, want)
	}

	// The corp mailbox stands in for a missing email.
	u, err = a.User(ctx, "bizmail")
	if err != nil || u.Email != "zhaoliu@corp.example" {
		t.Fatalf("biz_mail: %+v, %v", u, err)
	}
}

func TestDirectory_UserNotFound(t *testing.T) {
	a, f := newSender(t, nil)
	installDirectory(f)
	for _, id := range []string{"nobody", "wangwu", "hidden", "outside", ""} {
		_, err := a.User(context.Background(), id)
		if bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Errorf("%q: %v (code %q), want not_found", id, err, bot.ErrorCode(err))
		}
	}
}

func TestDirectory_UserOtherErrors(t *testing.T) {
	a, f := newSender(t, nil)
	installDirectory(f)
	for _, id := range []string{"busy", "noperm", "ipblock"} {
		_, err := a.User(context.Background(), id)
		if err == nil || bot.ErrorCode(err) == bot.ENOTFOUND {
			t.Errorf("%q: %v, want an error other than not_found", id, err)
		}
	}
}

func TestDirectory_TokenRefresh(t *testing.T) {
	a, f := newSender(t, nil)
	installDirectory(f)
	replyCall(f, "/cgi-bin/user/get", func(w http.ResponseWriter, n int, c apiCall) {
		if n == 1 {
			errcode(42001, "access_token expired")(w, n)
			return
		}
		userGet(w, n, c)
	})
	u, err := a.User(context.Background(), "zhangsan")
	if err != nil || u.UserID != "zhangsan" {
		t.Fatalf("%+v, %v", u, err)
	}
	gets := f.CallsTo("/cgi-bin/user/get")
	if p := f.Paths(); p != "gettoken,user/get,gettoken,user/get" || gets[1].Query.Get("access_token") != "tok2" {
		t.Fatalf("calls %s, second token %q", p, gets[1].Query.Get("access_token"))
	}

	// Only once: a token refused twice is an error, and not not_found.
	f.Reply("/cgi-bin/user/get", errcode(42001, "access_token expired"))
	_, err = a.User(context.Background(), "zhangsan")
	if err == nil || bot.ErrorCode(err) == bot.ENOTFOUND {
		t.Fatalf("err %v", err)
	}
	if n := len(f.CallsTo("/cgi-bin/user/get")); n != 4 {
		t.Fatalf("%d calls to user/get, want 4", n)
	}
}

func TestDirectory_TokenNotInErrors(t *testing.T) {
	a, f := newSender(t, nil)
	f.Reply("/cgi-bin/department/list", func(w http.ResponseWriter, _ int) {
		// Drop the connection: the transport error quotes the URL.
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	_, err := a.Departments(context.Background())
	if err == nil || strings.Contains(err.Error(), "tok1") || strings.Contains(err.Error(), "access_token") {
		t.Fatalf("err %v", err)
	}
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		t.Fatalf("transport error is not_found: %v", err)
	}
}

func TestDirectory_LookupByEmail(t *testing.T) {
	a, f := newSender(t, nil)
	installDirectory(f)
	u, err := a.Lookup(context.Background(), " zhangsan@example.com ", "+86 138 0000 0000")
	if err != nil {
		t.Fatal(err)
	}
	// The match proves the email, which user/get withholds.
	want := bot.DirectoryUser{UserID: "zhangsan", Name: "张三", Email: "zhangsan@example.com", Depts: []string{"1", "2"}, Position: "工程师", ManagerID: "lisi"}
	if !reflect.DeepEqual(u, want) {
		t.Fatalf("got %+v, want %+v", u, want)
	}
	c := f.CallsTo("/cgi-bin/user/get_userid_by_email")[0]
	if c.Query.Get("access_token") != "tok1" || c.JSON["email_type"] != float64(1) {
		t.Fatalf("call %+v", c)
	}
	if p := f.Paths(); p != "gettoken,user/get_userid_by_email,user/get" {
		t.Fatalf("calls %s", p)
	}
}

func TestDirectory_LookupByMobile(t *testing.T) {
	for _, email := range []string{"", "unknown@example.com"} {
		t.Run(fmt.Sprintf("email=%q", email), func(t *testing.T) {
			a, f := newSender(t, nil)
			installDirectory(f)
			u, err := a.Lookup(context.Background(), email, "+86 138-0000-0000")
			if err != nil {
				t.Fatal(err)
			}
			want := bot.DirectoryUser{UserID: "zhangsan", Name: "张三", Mobile: "13800000000", Depts: []string{"1", "2"}, Position: "工程师", ManagerID: "lisi"}
			if !reflect.DeepEqual(u, want) {
				t.Fatalf("got %+v, want %+v", u, want)
			}
			c := f.CallsTo("/cgi-bin/user/getuserid")[0]
			if c.JSON["mobile"] != "13800000000" || c.Query.Get("access_token") != "tok1" {
				t.Fatalf("call %+v", c)
			}
			if n := len(f.CallsTo("/cgi-bin/user/get_userid_by_email")); (email == "") != (n == 0) {
				t.Fatalf("%d email searches for %q", n, email)
			}
		})
	}
}

func TestDirectory_LookupNotFound(t *testing.T) {
	a, f := newSender(t, nil)
	installDirectory(f)
	for _, tc := range [][2]string{{"unknown@example.com", "13900000000"}, {"", ""}, {"unknown@example.com", ""}, {"", "13900000000"}} {
		_, err := a.Lookup(context.Background(), tc[0], tc[1])
		if bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Errorf("%q: %v, want not_found", tc, err)
		}
	}
}

// A failed email search that says nothing about the email is returned, not
// hidden behind a mobile search.
func TestDirectory_LookupError(t *testing.T) {
	a, f := newSender(t, nil)
	installDirectory(f)
	f.Reply("/cgi-bin/user/get_userid_by_email", errcode(-1, "system busy"))
	_, err := a.Lookup(context.Background(), "zhangsan@example.com", "13800000000")
	if err == nil || bot.ErrorCode(err) == bot.ENOTFOUND {
		t.Fatalf("err %v", err)
	}
	if n := len(f.CallsTo("/cgi-bin/user/getuserid")); n != 0 {
		t.Fatalf("%d mobile searches", n)
	}
}

func TestDirectory_Departments(t *testing.T) {
	a, f := newSender(t, nil)
	installDirectory(f)
	got, err := a.Departments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.DirectoryDept{{ID: "1", Name: "总部"}, {ID: "2", Name: "研发", ParentID: "1"}, {ID: "30", Name: "运维", ParentID: "2"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	c := f.CallsTo("/cgi-bin/department/list")[0]
	if c.Query.Get("access_token") != "tok1" || c.Query.Has("id") {
		t.Fatalf("query %v", c.Query)
	}

	f.Reply("/cgi-bin/department/list", errcode(48002, "api forbidden"))
	if _, err := a.Departments(context.Background()); err == nil || bot.ErrorCode(err) == bot.ENOTFOUND {
		t.Fatalf("err %v", err)
	}
}

func TestDirectory_Members(t *testing.T) {
	a, f := newSender(t, nil)
	installDirectory(f)
	got, err := a.Members(context.Background(), "2")
	if err != nil {
		t.Fatal(err)
	}
	want := []bot.DirectoryUser{{UserID: "zhangsan", Name: "张三", Depts: []string{"1", "2"}}, {UserID: "lisi", Name: "李四", Depts: []string{"2"}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	c := f.CallsTo("/cgi-bin/user/simplelist")[0]
	if c.Query.Get("access_token") != "tok1" || c.Query.Get("department_id") != "2" || c.Query.Has("fetch_child") {
		t.Fatalf("query %v", c.Query)
	}

	for _, id := range []string{"99", "abc", "", "-1"} {
		if _, err := a.Members(context.Background(), id); bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Errorf("%q: %v, want not_found", id, err)
		}
	}
	if n := len(f.CallsTo("/cgi-bin/user/simplelist")); n != 2 {
		t.Fatalf("%d calls to simplelist, want 2 (bad ids are not sent)", n)
	}
}
