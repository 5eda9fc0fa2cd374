package main

import (
	"context"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// seed applies the people and departments of the config at start. The
// config seeds what people may change themselves (language, time zone,
// department): such a value is applied when the config names the person for
// the first time, or when an admin changed it in the file since it was last
// applied; otherwise what the person chose since stays (`lang`, `tz`,
// `dept join`). Roles, names, emails, mobiles, accounts and department
// heads are the config's, the authority on the people it names, at every
// start. Each role, department and head it changes, and each account it
// binds, is recorded in the audit log. People first seen in chat are left
// alone.
func seed(ctx context.Context, store bot.Store, cfg Config, now time.Time) error {
	if len(cfg.People) == 0 && len(cfg.Departments) == 0 {
		return nil
	}
	return store.Update(ctx, func(tx bot.Tx) error {
		depts := map[string]*bot.Department{}
		for _, dc := range cfg.Departments {
			d, err := tx.FindDepartmentByName(dc.Name)
			if bot.ErrorCode(err) == bot.ENOTFOUND {
				d = &bot.Department{Name: dc.Name}
				err = tx.CreateDepartment(d)
			}
			if err != nil {
				return err
			}
			depts[strings.ToLower(dc.Name)] = d
		}
		heads := map[string]bool{}
		for _, dc := range cfg.Departments {
			heads[strings.ToLower(dc.Head)] = dc.Head != ""
		}
		byHandle := map[string]*bot.Person{}
		for _, pc := range cfg.People {
			p, err := seedPerson(tx, pc, depts, heads, now)
			if err != nil {
				return err
			}
			byHandle[p.Handle] = p
		}
		// Managers after everyone, who may be named before their manager.
		for _, pc := range cfg.People {
			if err := seedOrg(tx, pc, byHandle); err != nil {
				return err
			}
		}
		for _, dc := range cfg.Departments {
			if dc.Head == "" {
				continue
			}
			d, head := depts[strings.ToLower(dc.Name)], byHandle[strings.ToLower(dc.Head)]
			if err := bot.SetDepartmentHead(tx, d, head, nil, bot.ViaConfig, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// seedOrg applies the position and the manager the config gives a person,
// and records them in the person's seed, so that the directories leave
// them alone. Without them, what the directories say stands.
func seedOrg(tx bot.Tx, pc PersonConfig, byHandle map[string]*bot.Person) error {
	p := byHandle[pc.handle()]
	if p == nil {
		return nil // its handle was taken and numbered: not named by it
	}
	seed, _, err := tx.PersonSeed(p.ID)
	if err != nil {
		return err
	}
	seed.Position, seed.Manager = pc.Position, strings.ToLower(pc.Manager)
	if pc.Position != "" {
		p.Position = pc.Position
	}
	if m := byHandle[seed.Manager]; m != nil {
		p.ManagerID, p.PendingManager = m.ID, ""
	}
	if err := tx.UpdatePerson(p); err != nil {
		return err
	}
	return tx.SetPersonSeed(p.ID, seed)
}

// seedPerson applies one person of the config; heads are the handles the
// config makes department heads, who are at least heads.
func seedPerson(tx bot.Tx, pc PersonConfig, depts map[string]*bot.Department, heads map[string]bool, now time.Time) (*bot.Person, error) {
	handle := strings.ToLower(pc.Handle)
	if handle == "" {
		handle = bot.HandleFrom(pc.Name, "")
	}
	accounts := make([]bot.Account, len(pc.Accounts))
	for i, a := range pc.Accounts {
		accounts[i] = parseAccount(a)
	}
	// The same person may already exist: found by handle or by an account.
	var p *bot.Person
	if found, err := tx.FindPeopleByName(handle); err != nil {
		return nil, err
	} else if len(found) == 1 && found[0].Handle == handle {
		p = found[0]
	}
	for _, a := range accounts {
		if p != nil {
			break
		}
		if found, err := tx.FindPersonByAccount(a); err == nil {
			p = found
		} else if bot.ErrorCode(err) != bot.ENOTFOUND {
			return nil, err
		}
	}

	role := bot.Role(pc.Role)
	if role == "" {
		role = bot.RoleMember
	}
	if role == bot.RoleMember && heads[handle] {
		role = bot.RoleHead // a department's head in the config is at least a head
	}
	want := bot.PersonSeed{TZ: pc.TZ, Role: string(role)}
	if l, ok := bot.ParseLang(pc.Lang); ok {
		want.Lang = string(l)
	}
	dept := depts[strings.ToLower(pc.Dept)]
	if dept != nil {
		want.Dept = strings.ToLower(dept.Name)
	}
	var last bot.PersonSeed
	seeded := false
	isNew := p == nil
	if isNew {
		p = &bot.Person{Handle: handle, Role: bot.RoleMember}
	} else {
		var err error
		if last, seeded, err = tx.PersonSeed(p.ID); err != nil {
			return nil, err
		}
	}
	// apply says whether the config's value replaces the person's: it
	// does when the config has one and has not applied it before.
	apply := func(cfg, before string) bool { return cfg != "" && (!seeded || cfg != before) }

	p.Name, p.Email, p.Mobile = pc.Name, pc.Email, pc.Mobile
	p.Admission = "" // the config names them: known, so no admin need let them in
	if apply(want.Lang, last.Lang) {
		p.Lang = bot.Lang(want.Lang)
	}
	if apply(want.TZ, last.TZ) {
		p.TZ = want.TZ
	}
	if len(accounts) > 0 && p.Home.UserID == "" {
		p.Home = accounts[0]
	}
	var err error
	if isNew {
		err = tx.CreatePerson(p, now)
	} else {
		err = tx.UpdatePerson(p)
	}
	if err != nil {
		return nil, err
	}
	if dept != nil && apply(want.Dept, last.Dept) {
		if err := bot.MoveToDepartment(tx, p, dept, nil, bot.ViaConfig, now); err != nil {
			return nil, err
		}
	}
	if err := bot.SetRole(tx, p, role, nil, bot.ViaConfig, now); err != nil {
		return nil, err
	}
	if err := tx.SetPersonSeed(p.ID, want); err != nil {
		return nil, err
	}
	for _, a := range accounts {
		owner, err := tx.FindPersonByAccount(a)
		if err == nil && owner.ID == p.ID {
			continue
		} else if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
			return nil, err
		}
		// Bound elsewhere, LinkAccount refuses: the start fails and says so.
		if err := tx.LinkAccount(p.ID, a, pc.Name, now); err != nil {
			return nil, err
		}
		if err := bot.Audit(tx, bot.AuditEntry{Kind: bot.AuditAccount, To: a.String(), Via: bot.ViaConfig}, nil, p, now); err != nil {
			return nil, err
		}
	}
	return p, nil
}
