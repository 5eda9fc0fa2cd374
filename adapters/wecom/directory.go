package wecom

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tandemhq/tandem/bot"
)

var _ bot.Directory = (*Adapter)(nil)

// Errcodes that mean the member or department does not exist or is outside
// the app's visibility scope. The interface folds both into ENOTFOUND: the
// app cannot tell them apart, and retrying cannot help. 48009 (contact-sync
// reads from a new IP) is left out on purpose: it refuses every member, so
// it is a configuration fault, not an absent user.
var (
	userNotFound = map[int]bool{
		40003: true, // invalid UserID; also exited or deleted members
		46004: true, // no such user (also: email or mobile not in the directory)
		50002: true, // member outside the app's scope
		60011: true, // no privilege for this member
		60021: true, // userid outside the app's visibility
		60111: true, // UserID not found
	}
	// lookupNotFound adds the answers of the email and mobile searches: a
	// malformed address cannot belong to anyone either.
	lookupNotFound = union(userNotFound, map[int]bool{
		60103: true, // invalid mobile
		60105: true, // invalid email
		60143: true, // invalid corp email
		60146: true, // mobile not found
		60147: true, // email not found
		60148: true, // corp email not found
	})
	deptNotFound = map[int]bool{
		60003:  true, // department id not found
		60011:  true, // no privilege for this department
		60123:  true, // invalid department id
		660004: true, // department outside the app's visibility
	}
)

// userStatusExited is user/get's status of a member who has left the corp;
// WeCom still answers for a while, but the account is gone.
const userStatusExited = 5

type userResult struct {
	apiResult
	UserID     string  `json:"userid"`
	Name       string  `json:"name"`
	Department []int64 `json:"department"`
	Email      string  `json:"email"`
	BizMail    string  `json:"biz_mail"`
	Mobile     string  `json:"mobile"`
	Status     int     `json:"status"`
	Position   string  `json:"position"`
	// DirectLeader lists up to five direct leaders within the app's
	// visibility; the first is taken as the manager.
	DirectLeader []string `json:"direct_leader"`
}

// User implements bot.Directory through user/get. Apps created after
// 2022-06-20 get neither email nor mobile; they stay empty then.
func (a *Adapter) User(ctx context.Context, userID string) (bot.DirectoryUser, error) {
	if userID == "" {
		return bot.DirectoryUser{}, userMissing(userID, nil)
	}
	var res userResult
	if err := a.get(ctx, "/cgi-bin/user/get", url.Values{"userid": {userID}}, &res); err != nil {
		return bot.DirectoryUser{}, notFoundIf(err, userNotFound, userMissing(userID, err))
	}
	if res.Status == userStatusExited {
		return bot.DirectoryUser{}, userMissing(userID, nil)
	}
	u := bot.DirectoryUser{UserID: res.UserID, Name: res.Name, Email: res.Email, Mobile: res.Mobile, Depts: deptIDs(res.Department),
		Position: res.Position}
	if len(res.DirectLeader) > 0 {
		u.ManagerID = res.DirectLeader[0]
	}
	if u.UserID == "" {
		u.UserID = userID
	}
	if u.Email == "" {
		// The corp mailbox, for members who have no other email.
		u.Email = res.BizMail
	}
	return u, nil
}

type userIDResult struct {
	apiResult
	UserID string `json:"userid"`
}

// Lookup implements bot.Directory: get_userid_by_email (corp email), then
// getuserid by mobile. The search works even for apps that user/get gives
// no email or mobile, and a match proves the address, so the profile is
// completed with the searched one.
func (a *Adapter) Lookup(ctx context.Context, email, mobile string) (bot.DirectoryUser, error) {
	email = strings.TrimSpace(email)
	if email != "" {
		var res userIDResult
		err := a.call(ctx, "/cgi-bin/user/get_userid_by_email", map[string]any{"email": email, "email_type": 1}, &res)
		switch {
		case err == nil && res.UserID != "":
			return a.lookedUp(ctx, res.UserID, email, "")
		case err != nil && !isAPICode(err, lookupNotFound):
			// Not an answer about the email: trying the mobile would hide it.
			return bot.DirectoryUser{}, err
		}
	}
	// WeCom stores mainland numbers without +86.
	if m := bot.NormalizeMobile(mobile); m != "" {
		var res userIDResult
		err := a.call(ctx, "/cgi-bin/user/getuserid", map[string]any{"mobile": m}, &res)
		switch {
		case err == nil && res.UserID != "":
			return a.lookedUp(ctx, res.UserID, "", m)
		case err != nil && !isAPICode(err, lookupNotFound):
			return bot.DirectoryUser{}, err
		}
	}
	return bot.DirectoryUser{}, bot.Errorf(bot.ENOTFOUND,
		"No WeCom member visible to the app has this email or mobile.",
		"企业微信中没有应用可见的成员使用这个邮箱或手机号。")
}

func (a *Adapter) lookedUp(ctx context.Context, userID, email, mobile string) (bot.DirectoryUser, error) {
	u, err := a.User(ctx, userID)
	if err != nil {
		return u, err
	}
	if u.Email == "" {
		u.Email = email
	}
	if u.Mobile == "" {
		u.Mobile = mobile
	}
	return u, nil
}

type deptListResult struct {
	apiResult
	Department []struct {
		ID       int64  `json:"id"`
		Name     string `json:"name"`
		ParentID int64  `json:"parentid"`
	} `json:"department"`
}

// Departments implements bot.Directory through department/list without an
// id, which lists every department the app can see.
func (a *Adapter) Departments(ctx context.Context) ([]bot.DirectoryDept, error) {
	var res deptListResult
	if err := a.get(ctx, "/cgi-bin/department/list", nil, &res); err != nil {
		return nil, err
	}
	out := make([]bot.DirectoryDept, 0, len(res.Department))
	for _, d := range res.Department {
		dd := bot.DirectoryDept{ID: strconv.FormatInt(d.ID, 10), Name: d.Name}
		if d.ParentID != 0 { // 0 is the root's parent
			dd.ParentID = strconv.FormatInt(d.ParentID, 10)
		}
		out = append(out, dd)
	}
	return out, nil
}

type simpleListResult struct {
	apiResult
	UserList []struct {
		UserID     string  `json:"userid"`
		Name       string  `json:"name"`
		Department []int64 `json:"department"`
	} `json:"userlist"`
}

// Members implements bot.Directory through user/simplelist; without
// fetch_child it lists direct members only, as the interface wants.
func (a *Adapter) Members(ctx context.Context, deptID string) ([]bot.DirectoryUser, error) {
	id, err := strconv.ParseInt(deptID, 10, 64)
	if err != nil || id <= 0 {
		return nil, deptMissing(deptID, nil)
	}
	var res simpleListResult
	q := url.Values{"department_id": {strconv.FormatInt(id, 10)}}
	if err := a.get(ctx, "/cgi-bin/user/simplelist", q, &res); err != nil {
		return nil, notFoundIf(err, deptNotFound, deptMissing(deptID, err))
	}
	out := make([]bot.DirectoryUser, 0, len(res.UserList))
	for _, m := range res.UserList {
		out = append(out, bot.DirectoryUser{UserID: m.UserID, Name: m.Name, Depts: deptIDs(m.Department)})
	}
	return out, nil
}

// get is call for the GET APIs: q and the access token go in the query,
// and a token WeCom refuses is replaced once.
func (a *Adapter) get(ctx context.Context, path string, q url.Values, out any) error {
	return a.callWith(ctx, path, q, func(u string) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	}, out)
}

func isAPICode(err error, codes map[int]bool) bool {
	var ae *apiError
	return errors.As(err, &ae) && codes[ae.Code]
}

// notFoundIf returns nf when err is an API error with one of codes, else
// err unchanged: anything else may pass and callers retry it.
func notFoundIf(err error, codes map[int]bool, nf error) error {
	if isAPICode(err, codes) {
		return nf
	}
	return err
}

// userMissing is ENOTFOUND for a member; the API error, if any, is kept
// behind it for the logs.
func userMissing(userID string, cause error) error {
	e := bot.Errorf(bot.ENOTFOUND, "WeCom member %q was not found, or the app may not see them.",
		"企业微信成员 %q 不存在，或应用无权查看。", userID)
	if cause == nil {
		return e
	}
	return fmt.Errorf("%w: %w", e, cause)
}

func deptMissing(deptID string, cause error) error {
	e := bot.Errorf(bot.ENOTFOUND, "WeCom department %q was not found, or the app may not see it.",
		"企业微信部门 %q 不存在，或应用无权查看。", deptID)
	if cause == nil {
		return e
	}
	return fmt.Errorf("%w: %w", e, cause)
}

func deptIDs(ids []int64) []string {
	if len(ids) == 0 {
		return nil
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return out
}

func union(ms ...map[int]bool) map[int]bool {
	out := map[int]bool{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}
