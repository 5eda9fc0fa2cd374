package feishu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"

	"github.com/tandemhq/tandem/bot"
)

// The directory reads the contact (通讯录) API v3 with the tenant token.
// Besides a contact scope (通讯录权限范围) covering the people and
// departments the app should see, it needs these scopes:
//   - contact:contact.base:readonly  to call the user, department and scope
//     APIs at all;
//   - contact:user.base:readonly, contact:user.email:readonly,
//     contact:user.phone:readonly, contact:user.department:readonly  for name,
//     email, mobile and department_ids; without them Feishu answers code 0
//     and leaves the fields out, so they come back empty rather than failing;
//   - contact:department.base:readonly  for department names (same);
//   - contact:user.id:readonly  for Lookup (batch_get_id).
//
// User ids are open_ids, as in events and sends; department ids are
// open_department_ids (od-…). Users directly under the tenant's root are in
// department "0", which Members accepts though Departments does not list it.

var _ bot.Directory = (*Adapter)(nil)

const (
	pathContactUser     = "/open-apis/contact/v3/users/%s"
	pathContactBatchID  = "/open-apis/contact/v3/users/batch_get_id"
	pathContactByDept   = "/open-apis/contact/v3/users/find_by_department"
	pathContactDept     = "/open-apis/contact/v3/departments/%s"
	pathContactChildren = "/open-apis/contact/v3/departments/%s/children"
	pathContactScopes   = "/open-apis/contact/v3/scopes"

	// contactPageSize is the largest page the user and department lists allow.
	contactPageSize = "50"
	// rootDept is the tenant's root department in every id type.
	rootDept = "0"
)

// Contact API codes that say "no such thing, or not for you". Everything else
// (rate limits, missing API scopes, 5xx, network) stays an ordinary error,
// so the job that asked is retried rather than concluding nobody is there.
const (
	codeNoDeptAuthority = 40004    // the department is outside the contact scope
	codeNoUserAuthority = 41050    // the user is outside the contact scope
	codeInvalidOpenID   = 99992351 // "not a valid {open_id} or not exists"
)

var (
	userNotFoundCodes = map[int]bool{codeNoUserAuthority: true, codeInvalidOpenID: true}
	deptNotFoundCodes = map[int]bool{codeNoDeptAuthority: true}
)

// contactUser is a user as the contact API gives it.
type contactUser struct {
	OpenID          string   `json:"open_id"`
	Name            string   `json:"name"`
	EnName          string   `json:"en_name"`
	Email           string   `json:"email"`
	EnterpriseEmail string   `json:"enterprise_email"`
	Mobile          string   `json:"mobile"` // "+8613800000000"
	DepartmentIDs   []string `json:"department_ids"`
	JobTitle        string   `json:"job_title"`
	// LeaderUserID is the manager's id of the request's user_id_type
	// (open_id here, as events name accounts).
	LeaderUserID string `json:"leader_user_id"`
	Status       struct {
		IsResigned bool `json:"is_resigned"`
	} `json:"status"`
}

func (u *contactUser) directoryUser() bot.DirectoryUser {
	return bot.DirectoryUser{
		UserID: u.OpenID,
		Name:   firstNonEmpty(u.Name, u.EnName),
		Email:  firstNonEmpty(u.Email, u.EnterpriseEmail),
		Mobile: u.Mobile,
		Depts:  u.DepartmentIDs,

		Position:  u.JobTitle,
		ManagerID: u.LeaderUserID,
	}
}

// contactDept is a department as the contact API gives it.
type contactDept struct {
	Name     string `json:"name"`
	ID       string `json:"open_department_id"`
	ParentID string `json:"parent_department_id"`
}

// User implements bot.Directory. Resigned users are ENOTFOUND: Feishu keeps
// their profiles, but they are nobody to link or give work to.
func (a *Adapter) User(ctx context.Context, userID string) (bot.DirectoryUser, error) {
	if userID == "" {
		return bot.DirectoryUser{}, errUserNotFound(userID)
	}
	q := url.Values{"user_id_type": {"open_id"}, "department_id_type": {"open_department_id"}}
	r, err := a.call(ctx, "contact.user.get", http.MethodGet, fmt.Sprintf(pathContactUser, url.PathEscape(userID)), q, nil)
	if err != nil {
		if hasCode(err, userNotFoundCodes) {
			return bot.DirectoryUser{}, fmt.Errorf("%w (%w)", errUserNotFound(userID), err)
		}
		return bot.DirectoryUser{}, err
	}
	var d struct {
		User *contactUser `json:"user"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return bot.DirectoryUser{}, fmt.Errorf("feishu: contact.user.get: %w", err)
	}
	if d.User == nil || d.User.OpenID == "" {
		return bot.DirectoryUser{}, errors.New("feishu: contact.user.get: answer has no user")
	}
	if d.User.Status.IsResigned {
		return bot.DirectoryUser{}, errUserNotFound(userID)
	}
	return d.User.directoryUser(), nil
}

// batchGetIDRequest asks for the ids behind one email and one mobile; an
// empty one is left out rather than looked up as "".
type batchGetIDRequest struct {
	Emails          []string `json:"emails,omitempty"`
	Mobiles         []string `json:"mobiles,omitempty"`
	IncludeResigned bool     `json:"include_resigned"`
}

// Lookup implements bot.Directory with batch_get_id, which answers only ids,
// then User for the profile. Feishu answers an unknown email or mobile with
// an entry that has no user_id, not an error. Only the email of the account
// is searched, not the enterprise mailbox (Feishu's rule).
func (a *Adapter) Lookup(ctx context.Context, email, mobile string) (bot.DirectoryUser, error) {
	if email == "" && mobile == "" {
		return bot.DirectoryUser{}, bot.Errorf(bot.ENOTFOUND,
			"Feishu can find people only by email or mobile, and neither was given.",
			"飞书只能按邮箱或手机号查找用户，但两者都没有提供。")
	}
	body := batchGetIDRequest{}
	if email != "" {
		body.Emails = []string{email}
	}
	if mobile != "" {
		body.Mobiles = []string{mobile}
	}
	r, err := a.call(ctx, "contact.user.batch_get_id", http.MethodPost, pathContactBatchID,
		url.Values{"user_id_type": {"open_id"}}, body)
	if err != nil {
		return bot.DirectoryUser{}, err
	}
	var d struct {
		UserList []struct {
			UserID string `json:"user_id"`
			Email  string `json:"email"`
			Mobile string `json:"mobile"`
		} `json:"user_list"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return bot.DirectoryUser{}, fmt.Errorf("feishu: contact.user.batch_get_id: %w", err)
	}
	// One email and one mobile were asked, so each entry is for whichever
	// of the two it echoes.
	var byEmail, byMobile string
	for _, u := range d.UserList {
		switch {
		case u.UserID == "":
		case u.Email != "":
			byEmail = u.UserID
		case u.Mobile != "":
			byMobile = u.UserID
		}
	}
	id := firstNonEmpty(byEmail, byMobile)
	if id == "" {
		return bot.DirectoryUser{}, bot.Errorf(bot.ENOTFOUND,
			"Feishu has no one the app may see with that email or mobile.",
			"飞书上没有应用可见的、使用该邮箱或手机号的用户。")
	}
	return a.User(ctx, id)
}

// Departments implements bot.Directory: every department under the root,
// fetched recursively (fetch_child). Listing the root's children needs a
// contact scope of all members; with a narrower scope Feishu answers 40004,
// and the departments come from the scope instead. ParentID is "" for a
// department whose parent the app cannot see, the root included.
func (a *Adapter) Departments(ctx context.Context) ([]bot.DirectoryDept, error) {
	depts, err := a.subDepartments(ctx, rootDept)
	if hasCode(err, deptNotFoundCodes) {
		depts, err = a.scopedDepartments(ctx)
	}
	if err != nil {
		return nil, err
	}
	visible := make(map[string]bool, len(depts))
	for _, d := range depts {
		visible[d.ID] = true
	}
	for i := range depts {
		if !visible[depts[i].ParentID] {
			depts[i].ParentID = ""
		}
	}
	return depts, nil
}

// scopedDepartments lists the departments of the app's contact scope and all
// their descendants, each once.
func (a *Adapter) scopedDepartments(ctx context.Context) ([]bot.DirectoryDept, error) {
	var ids []string
	q := url.Values{"user_id_type": {"open_id"}, "department_id_type": {"open_department_id"}, "page_size": {contactPageSize}}
	err := a.eachPage(ctx, "contact.scope.list", pathContactScopes, q, func(data json.RawMessage) error {
		var d struct {
			DepartmentIDs []string `json:"department_ids"`
		}
		err := json.Unmarshal(data, &d)
		ids = append(ids, d.DepartmentIDs...)
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []bot.DirectoryDept
	seen := map[string]bool{}
	add := func(ds ...bot.DirectoryDept) {
		for _, d := range ds {
			if !seen[d.ID] {
				seen[d.ID] = true
				out = append(out, d)
			}
		}
	}
	for _, id := range ids {
		if seen[id] { // listed with an ancestor, and its descendants with it
			continue
		}
		d, err := a.department(ctx, id)
		if err != nil {
			return nil, err
		}
		children, err := a.subDepartments(ctx, id)
		if err != nil {
			return nil, err
		}
		add(d)
		add(children...)
	}
	return out, nil
}

// department fetches one department.
func (a *Adapter) department(ctx context.Context, id string) (bot.DirectoryDept, error) {
	q := url.Values{"user_id_type": {"open_id"}, "department_id_type": {"open_department_id"}}
	r, err := a.call(ctx, "contact.department.get", http.MethodGet, fmt.Sprintf(pathContactDept, url.PathEscape(id)), q, nil)
	if err != nil {
		return bot.DirectoryDept{}, err
	}
	var d struct {
		Department *contactDept `json:"department"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return bot.DirectoryDept{}, fmt.Errorf("feishu: contact.department.get: %w", err)
	}
	if d.Department == nil {
		return bot.DirectoryDept{}, errors.New("feishu: contact.department.get: answer has no department")
	}
	return bot.DirectoryDept{ID: firstNonEmpty(d.Department.ID, id), Name: d.Department.Name, ParentID: d.Department.ParentID}, nil
}

// subDepartments lists every department below id, at any depth.
func (a *Adapter) subDepartments(ctx context.Context, id string) ([]bot.DirectoryDept, error) {
	q := url.Values{
		"fetch_child":        {"true"},
		"page_size":          {contactPageSize},
		"department_id_type": {"open_department_id"},
		"user_id_type":       {"open_id"},
	}
	var out []bot.DirectoryDept
	err := a.eachPage(ctx, "contact.department.children", fmt.Sprintf(pathContactChildren, url.PathEscape(id)), q,
		func(data json.RawMessage) error {
			var d struct {
				Items []contactDept `json:"items"`
			}
			if err := json.Unmarshal(data, &d); err != nil {
				return err
			}
			for _, c := range d.Items {
				out = append(out, bot.DirectoryDept{ID: c.ID, Name: c.Name, ParentID: c.ParentID})
			}
			return nil
		})
	return out, err
}

// Members implements bot.Directory with find_by_department, which lists the
// users directly in the department. Resigned users are left out. A department
// outside the contact scope is ENOTFOUND.
func (a *Adapter) Members(ctx context.Context, deptID string) ([]bot.DirectoryUser, error) {
	if deptID == "" {
		return nil, errDeptNotFound(deptID)
	}
	q := url.Values{
		"department_id":      {deptID},
		"department_id_type": {"open_department_id"},
		"user_id_type":       {"open_id"},
		"page_size":          {contactPageSize},
	}
	var out []bot.DirectoryUser
	err := a.eachPage(ctx, "contact.user.find_by_department", pathContactByDept, q, func(data json.RawMessage) error {
		var d struct {
			Items []contactUser `json:"items"`
		}
		if err := json.Unmarshal(data, &d); err != nil {
			return err
		}
		for i := range d.Items {
			if u := &d.Items[i]; !u.Status.IsResigned && u.OpenID != "" {
				out = append(out, u.directoryUser())
			}
		}
		return nil
	})
	if err != nil {
		if hasCode(err, deptNotFoundCodes) {
			return nil, fmt.Errorf("%w (%w)", errDeptNotFound(deptID), err)
		}
		return nil, err
	}
	return out, nil
}

// eachPage calls a paginated GET until Feishu says there is no more, handing
// each answer's data to fn. A page token that does not change ends the loop
// with an error instead of looping forever.
func (a *Adapter) eachPage(ctx context.Context, op, path string, q url.Values, fn func(data json.RawMessage) error) error {
	token := ""
	for {
		pq := maps.Clone(q)
		if token != "" {
			pq.Set("page_token", token)
		}
		r, err := a.call(ctx, op, http.MethodGet, path, pq, nil)
		if err != nil {
			return err
		}
		if err := fn(r.Data); err != nil {
			return fmt.Errorf("feishu: %s: %w", op, err)
		}
		var p struct {
			HasMore   bool   `json:"has_more"`
			PageToken string `json:"page_token"`
		}
		if err := json.Unmarshal(r.Data, &p); err != nil {
			return fmt.Errorf("feishu: %s: %w", op, err)
		}
		if !p.HasMore {
			return nil
		}
		if p.PageToken == "" || p.PageToken == token {
			return fmt.Errorf("feishu: %s: has_more without a new page_token", op)
		}
		token = p.PageToken
	}
}

// hasCode reports whether err is a failed Open API call with one of codes.
func hasCode(err error, codes map[int]bool) bool {
	ae, ok := errors.AsType[*apiError](err)
	return ok && codes[ae.Code]
}

func errUserNotFound(id string) error {
	return bot.Errorf(bot.ENOTFOUND, "Feishu has no person with the id %q that the app may see.",
		"飞书上没有应用可见的、ID 为 %q 的用户。", id)
}

func errDeptNotFound(id string) error {
	return bot.Errorf(bot.ENOTFOUND, "Feishu has no department with the id %q that the app may see.",
		"飞书上没有应用可见的、ID 为 %q 的部门。", id)
}
