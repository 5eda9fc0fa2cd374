package dingtalk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tandemhq/tandem/bot"
)

// The directory reads DingTalk's contacts (通讯录) through the classic API:
// the new API has no call for a department's direct members that the
// classic one lacks, and the classic calls answer in one dialect. An
// enterprise internal app's new-API token is accepted there too, so both
// share one cached token.
//
// The app needs these permissions (开发者后台 → 权限管理):
//   - qyapi_get_member (成员信息读权限): user/get, user/listsimple
//   - qyapi_get_department_list (通讯录部门信息读权限): department/listsub, department/get
//   - qyapi_get_member_by_mobile (根据手机号获取成员): user/getbymobile
//
// Only people and departments inside the app's contacts scope (通讯录权限范围)
// are visible; DingTalk answers 50002 / 50004 for the others, which are
// reported as not found. A missing permission is not: it would otherwise
// look like an empty company.
//
// User ids are the userid (staffId) that events carry as senderStaffId (see
// message in inbound.go).

var _ bot.Directory = (*Adapter)(nil)

// Classic API paths, under Config.OAPIURL.
const (
	pathUserGet      = "/topapi/v2/user/get"
	pathUserByMobile = "/topapi/v2/user/getbymobile"
	pathDeptListSub  = "/topapi/v2/department/listsub"
	pathDeptGet      = "/topapi/v2/department/get"
	pathListSimple   = "/topapi/user/listsimple"
)

// rootDept is the id DingTalk gives every company's top department.
const rootDept int64 = 1

// membersPage is listsimple's largest page.
const membersPage = 100

// Errcodes that mean "no such user (department) for this app".
var (
	// 60121 user not found, 33012 invalid userid, 50002 user outside the
	// app's scope, 40104 mobile not in the company (getbymobile).
	userGone = map[int]bool{60121: true, 33012: true, 50002: true, 40104: true}
	// 60003 department not found, 40009 invalid department id, 50004
	// department outside the app's scope.
	deptGone = map[int]bool{60003: true, 40009: true, 50004: true}
)

// User implements bot.Directory.
func (a *Adapter) User(ctx context.Context, userID string) (bot.DirectoryUser, error) {
	if userID == "" {
		return bot.DirectoryUser{}, userNotFound(userID)
	}
	var res struct {
		UserID     string  `json:"userid"`
		UnionID    string  `json:"unionid"`
		Name       string  `json:"name"`
		StateCode  string  `json:"state_code"`
		Mobile     string  `json:"mobile"`
		Email      string  `json:"email"`
		OrgEmail   string  `json:"org_email"`
		DeptIDList []int64 `json:"dept_id_list"`
		Active     bool    `json:"active"`
		Title      string  `json:"title"`
		Manager    string  `json:"manager_userid"`
	}
	err := a.topapi(ctx, pathUserGet, map[string]string{"userid": userID, "language": "zh_CN"}, &res)
	if isErrcode(err, userGone) {
		return bot.DirectoryUser{}, userNotFound(userID)
	}
	if err != nil {
		return bot.DirectoryUser{}, err
	}
	if res.UserID == "" {
		return bot.DirectoryUser{}, fmt.Errorf("dingtalk: %s: answer without a user", pathUserGet)
	}
	u := bot.DirectoryUser{
		UserID: res.UserID,
		Name:   res.Name,
		Email:  firstNonEmpty(res.Email, res.OrgEmail),
		Mobile: res.Mobile,
		// listsimple gives neither: they come from this call only.
		Position:  res.Title,
		ManagerID: res.Manager,
	}
	// mobile has no country code, state_code has it: put it back for
	// numbers outside mainland China, which NormalizeMobile keeps.
	if res.StateCode != "" && res.StateCode != "86" && res.Mobile != "" && !strings.HasPrefix(res.Mobile, "+") {
		u.Mobile = "+" + res.StateCode + "-" + res.Mobile
	}
	for _, d := range res.DeptIDList {
		u.Depts = append(u.Depts, strconv.FormatInt(d, 10))
	}
	return u, nil
}

// Lookup implements bot.Directory. The classic API cannot search by email,
// so email is ignored and only the mobile is looked up.
func (a *Adapter) Lookup(ctx context.Context, email, mobile string) (bot.DirectoryUser, error) {
	m := bot.NormalizeMobile(mobile)
	if m == "" {
		return bot.DirectoryUser{}, bot.Errorf(bot.ENOTFOUND,
			"DingTalk can only look people up by mobile number.", "钉钉只能按手机号查找成员。")
	}
	var res struct {
		UserID string `json:"userid"`
	}
	err := a.topapi(ctx, pathUserByMobile, map[string]string{"mobile": m}, &res)
	if isErrcode(err, userGone) || (err == nil && res.UserID == "") {
		return bot.DirectoryUser{}, bot.Errorf(bot.ENOTFOUND,
			"No DingTalk user has the mobile number %s.", "钉钉上没有手机号为 %s 的成员。", mobile)
	}
	if err != nil {
		return bot.DirectoryUser{}, err
	}
	return a.User(ctx, res.UserID)
}

type deptEntry struct {
	DeptID   int64  `json:"dept_id"`
	Name     string `json:"name"`
	ParentID int64  `json:"parent_id"`
}

// Departments implements bot.Directory. listsub gives only a department's
// direct children, so the tree is walked breadth-first from the root.
func (a *Adapter) Departments(ctx context.Context) ([]bot.DirectoryDept, error) {
	var root struct {
		Name string `json:"name"`
	}
	// The root's name is cosmetic: a failure to read it costs nothing else.
	if err := a.topapi(ctx, pathDeptGet, map[string]int64{"dept_id": rootDept}, &root); err != nil || root.Name == "" {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		root.Name = "root"
	}
	out := []bot.DirectoryDept{{ID: strconv.FormatInt(rootDept, 10), Name: root.Name}}
	seen := map[int64]bool{rootDept: true}
	for queue := []int64{rootDept}; len(queue) > 0; queue = queue[1:] {
		id := queue[0]
		var subs []deptEntry
		err := a.topapi(ctx, pathDeptListSub, map[string]int64{"dept_id": id}, &subs)
		// A department deleted (or moved out of scope) since its parent was
		// listed has no children to add; the root must answer, though.
		if id != rootDept && isErrcode(err, deptGone) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, d := range subs {
			if seen[d.DeptID] { // DingTalk has no cycles, but a loop must not hang
				continue
			}
			seen[d.DeptID] = true
			parent := d.ParentID
			if parent == 0 {
				parent = id
			}
			out = append(out, bot.DirectoryDept{
				ID:       strconv.FormatInt(d.DeptID, 10),
				Name:     d.Name,
				ParentID: strconv.FormatInt(parent, 10),
			})
			queue = append(queue, d.DeptID)
		}
	}
	return out, nil
}

// Members implements bot.Directory. listsimple gives only userid and name;
// User gives the rest (email, mobile, every department) one call per person,
// which callers make only for the people they need.
func (a *Adapter) Members(ctx context.Context, deptID string) ([]bot.DirectoryUser, error) {
	id, err := strconv.ParseInt(deptID, 10, 64)
	if err != nil || id <= 0 {
		return nil, deptNotFound(deptID)
	}
	var out []bot.DirectoryUser
	for cursor := int64(0); ; {
		var page struct {
			HasMore    bool  `json:"has_more"`
			NextCursor int64 `json:"next_cursor"`
			List       []struct {
				UserID string `json:"userid"`
				Name   string `json:"name"`
			} `json:"list"`
		}
		err := a.topapi(ctx, pathListSimple, map[string]int64{"dept_id": id, "cursor": cursor, "size": membersPage}, &page)
		if isErrcode(err, deptGone) {
			return nil, deptNotFound(deptID)
		}
		if err != nil {
			return nil, err
		}
		for _, u := range page.List {
			out = append(out, bot.DirectoryUser{UserID: u.UserID, Name: u.Name, Depts: []string{deptID}})
		}
		if !page.HasMore {
			return out, nil
		}
		if page.NextCursor <= cursor { // would ask for the same page forever
			return nil, fmt.Errorf("dingtalk: %s: cursor did not advance past %d", pathListSimple, cursor)
		}
		cursor = page.NextCursor
	}
}

// topapi POSTs req to a classic API path with the cached access token and
// decodes the answer's result into out. A token DingTalk refuses is
// replaced and the call made once more. The token is in the URL, which
// postJSON keeps out of its errors.
func (a *Adapter) topapi(ctx context.Context, path string, req, out any) error {
	payload, err := marshal(req)
	if err != nil {
		return err
	}
	raw, err := a.classic(ctx, path, "", "application/json", payload)
	var e *apiError
	if errors.As(err, &e) {
		return fmt.Errorf("dingtalk: %s: %w", path, e)
	}
	if err != nil {
		return err
	}
	var body struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return fmt.Errorf("dingtalk: %s: unreadable answer: %w", path, err)
	}
	if len(body.Result) == 0 || string(body.Result) == "null" {
		return nil // out keeps its zero value: an empty list, say
	}
	if err := json.Unmarshal(body.Result, out); err != nil {
		return fmt.Errorf("dingtalk: %s: unreadable result: %w", path, err)
	}
	return nil
}

// classic POSTs payload to a classic API path with the access token in
// the query (after query, "" or "k=v&"), and returns a successful answer.
// A token DingTalk refuses is replaced and the call made once more. A
// refusal is returned as the *apiError.
func (a *Adapter) classic(ctx context.Context, path, query, contentType string, payload []byte) ([]byte, error) {
	stale := ""
	for attempt := 0; ; attempt++ {
		tok, err := a.accessToken(ctx, stale)
		if err != nil {
			return nil, err
		}
		u := a.cfg.OAPIURL + path + "?" + query + "access_token=" + url.QueryEscape(tok)
		status, header, raw, err := a.do(ctx, http.MethodPost, u, contentType, payload, nil)
		if err != nil {
			return nil, fmt.Errorf("dingtalk: %s: %w", path, err)
		}
		if e := parseAPIError(status, header, raw); e != nil {
			// 88 is "authentication failed" (its sub_code says why): also
			// what a token another process renewed can get.
			if attempt == 0 && (e.auth() || e.errcode == 88) {
				stale = tok
				continue
			}
			return nil, e
		}
		return raw, nil
	}
}

// isErrcode reports whether err is a classic API refusal with one of codes.
func isErrcode(err error, codes map[int]bool) bool {
	var e *apiError
	return errors.As(err, &e) && codes[e.errcode]
}

func userNotFound(id string) error {
	return bot.Errorf(bot.ENOTFOUND, "DingTalk has no user %q that this app may see.", "钉钉上没有本应用可见的成员 %q。", id)
}

func deptNotFound(id string) error {
	return bot.Errorf(bot.ENOTFOUND, "DingTalk has no department %q that this app may see.", "钉钉上没有本应用可见的部门 %q。", id)
}
