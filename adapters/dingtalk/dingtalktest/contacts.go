package dingtalktest

import (
	"fmt"
	"io"
	"net/http"
	"slices"
)

// User is one person in the fake's contacts.
type User struct {
	UserID, Name, Mobile, Email, OrgEmail string
	Depts                                 []int64
	Title, Manager                        string // job title; the manager's userid
}

// Dept is one department in the fake's contacts; the root is 1.
type Dept struct {
	ID, Parent int64
	Name       string
}

// DefaultDepts is a three-level tree under the root:
//
//	1 Acme ─┬─ 2 Engineering ─┬─ 4 Backend ── 6 Storage
//	        │                 └─ 5 Frontend
//	        └─ 3 Sales ────────── 7 Sales East
func DefaultDepts() []Dept {
	return []Dept{
		{1, 0, "Acme"},
		{2, 1, "Engineering"}, {3, 1, "Sales"},
		{4, 2, "Backend"}, {5, 2, "Frontend"}, {7, 3, "Sales East"},
		{6, 4, "Storage"},
	}
}

func DefaultUsers() []User {
	return []User{
		{UserID: "staff1", Name: "张三", Mobile: "13800000001", Email: "zhangsan@acme.test", OrgEmail: "zs@corp.acme.test", Depts: []int64{2, 4},
			Title: "工程师", Manager: "staff3"},
		{UserID: "staff2", Name: "李四", Mobile: "13800000002", OrgEmail: "lisi@corp.acme.test", Depts: []int64{4}},
		{UserID: "staff3", Name: "王五", Mobile: "13800000003", Depts: []int64{4}},
		{UserID: "staff4", Name: "赵六", Email: "zhaoliu@acme.test", Depts: []int64{7}},
	}
}

// serveContacts answers the classic contacts API from Users and Depts, in
// its {"errcode":0,"result":…} envelope. listsimple gives one person per
// page, so that every listing pages.
func (f *Server) serveContacts(w http.ResponseWriter, key string, req map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	num := func(k string) int64 { n, _ := req[k].(float64); return int64(n) }
	ok := func(result any) { fmt.Fprintf(w, `{"errcode":0,"errmsg":"ok","result":%s}`, MustJSON(result)) }
	dept := func(id int64) (Dept, bool) {
		for _, d := range f.Depts {
			if d.ID == id {
				return d, true
			}
		}
		return Dept{}, false
	}
	switch key {
	case "userGet":
		for _, u := range f.Users {
			if u.UserID == req["userid"] {
				ok(map[string]any{"userid": u.UserID, "unionid": "union-" + u.UserID, "name": u.Name,
					"mobile": u.Mobile, "email": u.Email, "org_email": u.OrgEmail, "dept_id_list": u.Depts, "active": true,
					"title": u.Title, "manager_userid": u.Manager})
				return
			}
		}
		io.WriteString(w, `{"errcode":60121,"errmsg":"找不到该用户"}`)
	case "userByMobile":
		for _, u := range f.Users {
			if u.Mobile != "" && u.Mobile == req["mobile"] {
				ok(map[string]any{"userid": u.UserID})
				return
			}
		}
		io.WriteString(w, `{"errcode":60121,"errmsg":"找不到该用户"}`)
	case "deptGet":
		if d, found := dept(num("dept_id")); found {
			ok(map[string]any{"dept_id": d.ID, "name": d.Name, "parent_id": d.Parent})
			return
		}
		io.WriteString(w, `{"errcode":60003,"errmsg":"部门不存在"}`)
	case "deptListSub":
		id := num("dept_id")
		if _, found := dept(id); !found {
			io.WriteString(w, `{"errcode":60003,"errmsg":"部门不存在"}`)
			return
		}
		subs := []map[string]any{}
		for _, d := range f.Depts {
			if d.Parent == id && d.ID != id {
				subs = append(subs, map[string]any{"dept_id": d.ID, "name": d.Name, "parent_id": d.Parent})
			}
		}
		ok(subs)
	case "listSimple":
		id := num("dept_id")
		if _, found := dept(id); !found {
			io.WriteString(w, `{"errcode":60003,"errmsg":"部门不存在"}`)
			return
		}
		var members []User
		for _, u := range f.Users {
			if slices.Contains(u.Depts, id) {
				members = append(members, u)
			}
		}
		cursor := int(num("cursor"))
		res := map[string]any{"has_more": false, "list": []any{}}
		if cursor < len(members) {
			u := members[cursor]
			res["list"] = []any{map[string]any{"userid": u.UserID, "name": u.Name}}
		}
		if cursor+1 < len(members) {
			res["has_more"], res["next_cursor"] = true, cursor+1
		}
		ok(res)
	}
}
