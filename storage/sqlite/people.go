package sqlite

import (
	"database/sql"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

const personColumns = `id, name, handle, email, mobile, lang, tz, dept_id, role, home_platform, home_workspace, home_user, digest, digest_off, digest_next_at, created_at, position, manager_id, pending_manager, admission, access_asked_at`

// qualifiedPersonColumns are personColumns named with their table, for joins.
var qualifiedPersonColumns = "people." + strings.ReplaceAll(personColumns, ", ", ", people.")

func scanPerson(scan func(...any) error) (*bot.Person, error) {
	p := &bot.Person{}
	var dept, digestNext, manager, askedAt sql.NullInt64
	var created int64
	var lang, role, admission string
	if err := scan(&p.ID, &p.Name, &p.Handle, &p.Email, &p.Mobile, &lang, &p.TZ, &dept, &role,
		&p.Home.Platform, &p.Home.Workspace, &p.Home.UserID, &p.Digest, &p.DigestOff, &digestNext, &created,
		&p.Position, &manager, &p.PendingManager, &admission, &askedAt); err != nil {
		return nil, err
	}
	p.Lang, p.Role, p.DeptID, p.ManagerID = bot.Lang(lang), bot.Role(role), dept.Int64, manager.Int64
	p.DigestNext = fromMS(digestNext)
	p.Admission, p.AccessAskedAt = bot.Admission(admission), fromMS(askedAt)
	p.CreatedAt = time.UnixMilli(created).UTC()
	return p, nil
}

func (t *tx) findPerson(where string, args ...any) (*bot.Person, error) {
	return t.findPersonFrom(`people WHERE `+where, args...)
}

func (t *tx) findPersonFrom(from string, args ...any) (*bot.Person, error) {
	rows, err := t.query(`SELECT `+qualifiedPersonColumns+` FROM `+from, args...)
	if err != nil {
		return nil, internal(err, "find person")
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, internal(err, "find person")
		}
		return nil, bot.Errorf(bot.ENOTFOUND, "No such person.", "没有这个人。")
	}
	p, err := scanPerson(rows.Scan)
	return p, internal(err, "scan person")
}

// FindPersonByAccount implements bot.PeopleTx.
// It runs for every event, so it is one join on the accounts key rather than
// an IN subquery, which SQLite materializes into a temporary index.
// In write transactions it is answered from DB.persons when it can.
func (t *tx) FindPersonByAccount(a bot.Account) (*bot.Person, error) {
	w, write := t.q.(*writeQueryer)
	if write {
		if p, ok := w.db.persons[a]; ok {
			return &p, nil
		}
	}
	p, err := t.findPersonFrom(`people JOIN accounts ON accounts.person_id = people.id
		WHERE accounts.platform = ? AND accounts.workspace = ? AND accounts.user_id = ?`, a.Platform, a.Workspace, a.UserID)
	if err == nil && write && !w.peopleWritten {
		if w.db.persons == nil || len(w.db.persons) >= maxCachedPersons {
			w.db.persons = make(map[bot.Account]bot.Person)
		}
		w.db.persons[a] = *p
	}
	return p, err
}

// maxCachedPersons bounds the account → person cache; when full it starts
// again, which costs one query per active account.
const maxCachedPersons = 50000

// peopleChanged is called by every write to people or accounts: the cache
// is dropped, and this transaction no longer fills it.
func (t *tx) peopleChanged() {
	if w, ok := t.q.(*writeQueryer); ok {
		w.peopleWritten = true
		clear(w.db.persons)
	}
}

// FindPersonByID implements bot.PeopleTx.
func (t *tx) FindPersonByID(id int64) (*bot.Person, error) { return t.findPerson(`id = ?`, id) }

// FindPeopleByName implements bot.PeopleTx. A handle match wins over name
// matches, so "@bob" is never ambiguous with someone merely named Bob.
func (t *tx) FindPeopleByName(name string) ([]*bot.Person, error) {
	if p, err := t.findPerson(`handle = ?`, strings.ToLower(name)); err == nil {
		return []*bot.Person{p}, nil
	} else if bot.ErrorCode(err) != bot.ENOTFOUND {
		return nil, err
	}
	rows, err := t.query(`SELECT `+personColumns+` FROM people WHERE name = ? COLLATE NOCASE ORDER BY id LIMIT 10`, name)
	return scanPeople(rows, err, "find people")
}

// peopleByRoleQuery lists people with a role from the index people_role.
const peopleByRoleQuery = `SELECT ` + personColumns + ` FROM people WHERE role = ? ORDER BY id LIMIT ?`

// FindPeopleByRole implements bot.PeopleTx.
func (t *tx) FindPeopleByRole(role bot.Role, limit int) ([]*bot.Person, error) {
	rows, err := t.query(peopleByRoleQuery, string(role), limit)
	return scanPeople(rows, err, "find people by role")
}

// scanPeople reads the people a query returned.
func scanPeople(rows *sql.Rows, err error, what string) ([]*bot.Person, error) {
	if err != nil {
		return nil, internal(err, what)
	}
	defer rows.Close()
	var out []*bot.Person
	for rows.Next() {
		p, err := scanPerson(rows.Scan)
		if err != nil {
			return nil, internal(err, "scan person")
		}
		out = append(out, p)
	}
	return out, internal(rows.Err(), what)
}

// FindPeopleByContact implements bot.PeopleTx.
func (t *tx) FindPeopleByContact(email, mobile string) ([]*bot.Person, error) {
	email, mobile = bot.NormalizeEmail(email), bot.NormalizeMobile(mobile)
	if email == "" && mobile == "" {
		return nil, nil
	}
	// '' never matches: the partial indexes leave those rows out.
	rows, err := t.query(`SELECT `+personColumns+` FROM people WHERE email = ? AND email != ''
		UNION SELECT `+personColumns+` FROM people WHERE mobile = ? AND mobile != '' ORDER BY id LIMIT 10`, email, mobile)
	return scanPeople(rows, err, "find people by contact")
}

// PeopleAwaitingManager implements bot.PeopleTx, from the index
// people_pending_manager.
func (t *tx) PeopleAwaitingManager(a bot.Account, limit int) ([]*bot.Person, error) {
	rows, err := t.query(`SELECT `+personColumns+` FROM people WHERE pending_manager = ? AND pending_manager != '' ORDER BY id LIMIT ?`, a.String(), limit)
	return scanPeople(rows, err, "find people awaiting a manager")
}

// CreatePerson implements bot.PeopleTx. A handle that is taken gets a
// number: the next few in order (bob2, bob3), then random ones with more
// digits at each try, so that a creation costs a few index lookups however
// many people share the handle, and never fails for want of a free one.
func (t *tx) CreatePerson(p *bot.Person, now time.Time) error {
	if p.Role == "" {
		p.Role = bot.RoleMember
	}
	base := p.Handle
	if base == "" {
		base = "user"
	}
	handle, err := t.freeHandle(base)
	if err != nil {
		return err
	}
	p.Handle = handle
	p.CreatedAt = now.UTC()
	p.Email, p.Mobile = bot.NormalizeEmail(p.Email), bot.NormalizeMobile(p.Mobile)
	p.DigestNext = time.Time{} // computed by the digest job
	t.peopleChanged()
	_, err = t.queryRow(`INSERT INTO people (name, handle, email, mobile, lang, tz, dept_id, role, home_platform, home_workspace, home_user, digest, digest_off, created_at,
		position, manager_id, pending_manager, admission, access_asked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		[]any{p.Name, p.Handle, p.Email, p.Mobile, string(p.Lang), p.TZ, nullID(p.DeptID), string(p.Role),
			p.Home.Platform, p.Home.Workspace, p.Home.UserID, p.Digest, p.DigestOff, now.UnixMilli(),
			p.Position, nullID(p.ManagerID), p.PendingManager, string(p.Admission), ms(p.AccessAskedAt)}, &p.ID)
	return internal(err, "create person")
}

// Handle suffixes: sequentialHandles numbers in order (base2 … base9), then
// randomHandleTries random numbers of each length from 3 digits up, so a
// crowded base (a thousand "user"s) finds a free handle in a few tries.
const (
	sequentialHandles = 9
	randomHandleTries = 3
)

// freeHandle returns base, or base with a number, that nobody has.
func (t *tx) freeHandle(base string) (string, error) {
	taken := func(h string) (bool, error) {
		found, err := t.queryRow(`SELECT 1 FROM people WHERE handle = ?`, []any{h}, new(int))
		return found, internal(err, "check handle")
	}
	try := func(h string) (string, bool, error) {
		busy, err := taken(h)
		return h, !busy && err == nil, err
	}
	for n := 1; n <= sequentialHandles; n++ {
		h := base
		if n > 1 {
			h = base + strconv.Itoa(n)
		}
		if h, ok, err := try(h); ok || err != nil {
			return h, err
		}
	}
	for digits := 3; digits <= 18; digits++ {
		lo := int64(math.Pow10(digits - 1))
		for range randomHandleTries {
			if h, ok, err := try(base + strconv.FormatInt(lo+rand.Int64N(9*lo), 10)); ok || err != nil {
				return h, err
			}
		}
	}
	return "", bot.Errorf(bot.ECONFLICT, "No free handle starts with %s.", "没有以 %s 开头的可用用户名。", base)
}

// UpdatePerson implements bot.PeopleTx. The digest's next time is cleared
// when its time, its on/off or the zone changes (the digest job computes it
// again; the commands that change them set it at once).
func (t *tx) UpdatePerson(p *bot.Person) error {
	p.Email, p.Mobile = bot.NormalizeEmail(p.Email), bot.NormalizeMobile(p.Mobile)
	t.peopleChanged()
	res, err := t.exec(`UPDATE people SET name = ?, handle = ?, email = ?, mobile = ?, lang = ?, tz = ?, dept_id = ?, role = ?,
		home_platform = ?, home_workspace = ?, home_user = ?, digest = ?, digest_off = ?,
		digest_next_at = CASE WHEN digest = ? AND digest_off = ? AND tz = ? THEN digest_next_at END,
		position = ?, manager_id = ?, pending_manager = ?, admission = ?, access_asked_at = ?
		WHERE id = ?`,
		p.Name, strings.ToLower(p.Handle), p.Email, p.Mobile, string(p.Lang), p.TZ, nullID(p.DeptID), string(p.Role),
		p.Home.Platform, p.Home.Workspace, p.Home.UserID, p.Digest, p.DigestOff, p.Digest, p.DigestOff, p.TZ,
		p.Position, nullID(p.ManagerID), p.PendingManager, string(p.Admission), ms(p.AccessAskedAt), p.ID)
	return mustAffect(res, err, "update person")
}

// LinkAccount implements bot.PeopleTx.
func (t *tx) LinkAccount(personID int64, a bot.Account, name string, now time.Time) error {
	var owner int64
	found, err := t.queryRow(`SELECT person_id FROM accounts WHERE platform = ? AND workspace = ? AND user_id = ?`,
		[]any{a.Platform, a.Workspace, a.UserID}, &owner)
	if err != nil {
		return internal(err, "find account")
	}
	if found {
		if owner == personID {
			return nil
		}
		return bot.Errorf(bot.ECONFLICT, "That account already belongs to someone else.", "该账号已关联到其他人。")
	}
	t.peopleChanged()
	_, err = t.exec(`INSERT INTO accounts (platform, workspace, user_id, person_id, name, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		a.Platform, a.Workspace, a.UserID, personID, name, now.UnixMilli())
	return internal(err, "link account")
}

// AccountsOf implements bot.PeopleTx.
func (t *tx) AccountsOf(personID int64) ([]bot.LinkedAccount, error) {
	rows, err := t.query(`SELECT platform, workspace, user_id, name FROM accounts WHERE person_id = ? ORDER BY created_at, platform`, personID)
	if err != nil {
		return nil, internal(err, "list accounts")
	}
	defer rows.Close()
	var out []bot.LinkedAccount
	for rows.Next() {
		a := bot.LinkedAccount{PersonID: personID}
		if err := rows.Scan(&a.Platform, &a.Workspace, &a.UserID, &a.Name); err != nil {
			return nil, internal(err, "scan account")
		}
		out = append(out, a)
	}
	return out, internal(rows.Err(), "list accounts")
}

func (t *tx) findDepartment(where string, arg any) (*bot.Department, error) {
	d := &bot.Department{}
	var head sql.NullInt64
	found, err := t.queryRow(`SELECT id, name, head_id FROM departments WHERE `+where, []any{arg}, &d.ID, &d.Name, &head)
	if err != nil {
		return nil, internal(err, "find department")
	}
	if !found {
		return nil, bot.Errorf(bot.ENOTFOUND, "No such department.", "没有这个部门。")
	}
	d.HeadID = head.Int64
	return d, nil
}

// FindDepartmentByID implements bot.PeopleTx.
func (t *tx) FindDepartmentByID(id int64) (*bot.Department, error) {
	return t.findDepartment(`id = ?`, id)
}

// FindDepartmentByName implements bot.PeopleTx.
func (t *tx) FindDepartmentByName(name string) (*bot.Department, error) {
	return t.findDepartment(`name_key = ?`, strings.ToLower(strings.TrimSpace(name)))
}

// CreateDepartment implements bot.PeopleTx.
func (t *tx) CreateDepartment(d *bot.Department) error {
	_, err := t.queryRow(`INSERT INTO departments (name, name_key, head_id) VALUES (?, ?, ?) RETURNING id`,
		[]any{d.Name, strings.ToLower(strings.TrimSpace(d.Name)), nullID(d.HeadID)}, &d.ID)
	return internal(err, "create department")
}

// UpdateDepartment implements bot.PeopleTx.
func (t *tx) UpdateDepartment(d *bot.Department) error {
	res, err := t.exec(`UPDATE departments SET name = ?, name_key = ?, head_id = ? WHERE id = ?`,
		d.Name, strings.ToLower(strings.TrimSpace(d.Name)), nullID(d.HeadID), d.ID)
	return mustAffect(res, err, "update department")
}

// ListDepartments implements bot.PeopleTx.
func (t *tx) ListDepartments() ([]*bot.Department, error) {
	rows, err := t.query(`SELECT id, name, head_id FROM departments ORDER BY name`)
	if err != nil {
		return nil, internal(err, "list departments")
	}
	defer rows.Close()
	var out []*bot.Department
	for rows.Next() {
		d := &bot.Department{}
		var head sql.NullInt64
		if err := rows.Scan(&d.ID, &d.Name, &head); err != nil {
			return nil, internal(err, "scan department")
		}
		d.HeadID = head.Int64
		out = append(out, d)
	}
	return out, internal(rows.Err(), "list departments")
}

func mustAffect(res sql.Result, err error, what string) error {
	if err != nil {
		return internal(err, what)
	}
	if n, err := res.RowsAffected(); err != nil {
		return internal(err, what)
	} else if n == 0 {
		return bot.Errorf(bot.ENOTFOUND, "Nothing to change: it no longer exists.", "要修改的记录不存在。")
	}
	return nil
}
