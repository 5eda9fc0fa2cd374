package feishutest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Directory is the contact (通讯录) data the fake serves: users,
// departments and the app's contact scope. Lists answer one item per page,
// whatever page_size asks, so that callers' paging is exercised.
type Directory struct {
	Users []User
	Depts []Dept
	// Scope lists the departments the app may see, with their descendants;
	// nil means all members. With a scope, the root is out of reach (40004).
	Scope []string
}

// User is a user as the contact API answers with open ids.
type User struct {
	OpenID          string   `json:"open_id"`
	UnionID         string   `json:"union_id,omitempty"`
	Name            string   `json:"name"`
	EnName          string   `json:"en_name,omitempty"`
	Email           string   `json:"email,omitempty"`
	EnterpriseEmail string   `json:"enterprise_email,omitempty"`
	Mobile          string   `json:"mobile,omitempty"`
	DepartmentIDs   []string `json:"department_ids"`
	JobTitle        string   `json:"job_title,omitempty"`
	LeaderUserID    string   `json:"leader_user_id,omitempty"` // an open id, as the adapter asks
	Status          struct {
		IsResigned bool `json:"is_resigned"`
		IsFrozen   bool `json:"is_frozen"`
	} `json:"status"`
}

// Dept is a department as the contact API answers with open ids.
type Dept struct {
	Name     string `json:"name"`
	ID       string `json:"open_department_id"`
	ParentID string `json:"parent_department_id"` // "0" at the top
}

// SetDirectory makes the fake serve d under /open-apis/contact/v3/.
func (s *Server) SetDirectory(d *Directory) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dir = d
}

// ContactCalls returns the calls so far to the contact API.
func (s *Server) ContactCalls() []Call {
	return s.Matching(func(c Call) bool { return strings.HasPrefix(c.Path, contactPath) })
}

func (s *Server) serveContact(w http.ResponseWriter, c Call) {
	s.mu.Lock()
	d, issued := s.dir, s.tokens
	s.mu.Unlock()
	var n int
	if _, err := fmt.Sscanf(c.Auth, "Bearer t-%d", &n); err != nil || n < 1 || n > issued || c.Auth != fmt.Sprintf("Bearer t-%d", n) {
		contactError(w, http.StatusBadRequest, 99991663, "Invalid access token for authorization.")
		return
	}
	if d == nil {
		contactError(w, http.StatusNotFound, 404, "not found")
		return
	}
	if got := c.Query.Get("user_id_type"); got != "open_id" {
		contactError(w, http.StatusBadRequest, 99992402, "user_id_type must be open_id in this fake, got "+got)
		return
	}
	if got := c.Query.Get("department_id_type"); c.Path != contactPath+"users/batch_get_id" && got != "open_department_id" {
		contactError(w, http.StatusBadRequest, 99992402, "department_id_type must be open_department_id in this fake, got "+got)
		return
	}
	rest := strings.TrimPrefix(c.Path, contactPath)
	switch {
	case c.Method == http.MethodPost && rest == "users/batch_get_id":
		d.batchGetID(w, c)
	case c.Method == http.MethodGet && rest == "users/find_by_department":
		dept := c.Query.Get("department_id")
		if !d.deptVisible(dept) {
			contactError(w, http.StatusBadRequest, 40004, "no dept authority error")
			return
		}
		var items []any
		for _, u := range d.Users {
			if slices.Contains(u.DepartmentIDs, dept) {
				items = append(items, u)
			}
		}
		writePage(w, c, items)
	case c.Method == http.MethodGet && rest == "scopes":
		ids := make([]any, len(d.Scope))
		for i, id := range d.Scope {
			ids[i] = id
		}
		writePageAs(w, c, "department_ids", ids)
	case c.Method == http.MethodGet && strings.HasPrefix(rest, "departments/") && strings.HasSuffix(rest, "/children"):
		id := strings.TrimSuffix(strings.TrimPrefix(rest, "departments/"), "/children")
		if !d.deptVisible(id) {
			contactError(w, http.StatusBadRequest, 40004, "no dept authority error")
			return
		}
		var items []any
		for _, dp := range d.Depts {
			if dp.ParentID == id || (c.Query.Get("fetch_child") == "true" && d.descends(dp.ID, id)) {
				items = append(items, dp)
			}
		}
		writePage(w, c, items)
	case c.Method == http.MethodGet && strings.HasPrefix(rest, "departments/"):
		id := strings.TrimPrefix(rest, "departments/")
		for _, dp := range d.Depts {
			if dp.ID == id && d.deptVisible(id) {
				writeData(w, map[string]any{"department": dp})
				return
			}
		}
		contactError(w, http.StatusBadRequest, 40004, "no dept authority error")
	case c.Method == http.MethodGet && strings.HasPrefix(rest, "users/"):
		id := strings.TrimPrefix(rest, "users/")
		for _, u := range d.Users {
			if u.OpenID == id {
				if !d.userVisible(u) {
					contactError(w, http.StatusBadRequest, 41050, "no user authority error")
					return
				}
				writeData(w, map[string]any{"user": u})
				return
			}
		}
		contactError(w, http.StatusBadRequest, 99992351, "The request you send is not a valid {open_id} or not exists")
	default:
		contactError(w, http.StatusNotFound, 404, "not found")
	}
}

// batchGetID answers one entry per email and mobile asked, with user_id only
// for a visible user (and, unless include_resigned, a serving one).
func (d *Directory) batchGetID(w http.ResponseWriter, c Call) {
	resigned, _ := c.Body["include_resigned"].(bool)
	find := func(match func(User) bool) string {
		for _, u := range d.Users {
			if match(u) && d.userVisible(u) && (resigned || !u.Status.IsResigned) {
				return u.OpenID
			}
		}
		return ""
	}
	var list []map[string]string
	emails, _ := c.Body["emails"].([]any)
	for _, e := range emails {
		e, _ := e.(string)
		entry := map[string]string{"email": e}
		if id := find(func(u User) bool { return strings.EqualFold(u.Email, e) }); id != "" {
			entry["user_id"] = id
		}
		list = append(list, entry)
	}
	mobiles, _ := c.Body["mobiles"].([]any)
	for _, m := range mobiles {
		m, _ := m.(string)
		entry := map[string]string{"mobile": m}
		if id := find(func(u User) bool { return u.Mobile == m || u.Mobile == "+86"+m }); id != "" {
			entry["user_id"] = id
		}
		list = append(list, entry)
	}
	writeData(w, map[string]any{"user_list": list})
}

// descends reports whether department id is below ancestor.
func (d *Directory) descends(id, ancestor string) bool {
	for range len(d.Depts) + 1 {
		parent := "0"
		for _, dp := range d.Depts {
			if dp.ID == id {
				parent = dp.ParentID
			}
		}
		if parent == ancestor {
			return true
		}
		if parent == "0" {
			return false
		}
		id = parent
	}
	return false
}

func (d *Directory) deptVisible(id string) bool {
	if d.Scope == nil {
		return true
	}
	for _, s := range d.Scope {
		if id == s || d.descends(id, s) {
			return true
		}
	}
	return false
}

func (d *Directory) userVisible(u User) bool {
	if d.Scope == nil {
		return true
	}
	return slices.ContainsFunc(u.DepartmentIDs, d.deptVisible)
}

// writePage answers one item of items per page: page_token is the index of
// the next item.
func writePage(w http.ResponseWriter, c Call, items []any) { writePageAs(w, c, "items", items) }

func writePageAs(w http.ResponseWriter, c Call, key string, items []any) {
	i := 0
	if t := c.Query.Get("page_token"); t != "" {
		if _, err := fmt.Sscanf(t, "p%d", &i); err != nil || i < 0 || i > len(items) {
			contactError(w, http.StatusBadRequest, 40012, "page token is invalid error")
			return
		}
	}
	data := map[string]any{key: items[i:min(i+1, len(items))], "has_more": i+1 < len(items)}
	if i+1 < len(items) {
		data["page_token"] = fmt.Sprintf("p%d", i+1)
	}
	writeData(w, data)
}

func writeData(w http.ResponseWriter, data any) {
	raw, _ := json.Marshal(map[string]any{"code": 0, "msg": "success", "data": data})
	w.Write(raw)
}

func contactError(w http.ResponseWriter, status, code int, msg string) {
	writeError(w, status, code, msg)
}
