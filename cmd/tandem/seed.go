package main

import (
	"context"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// seed applies the people and departments of the config: created when
// missing, updated when present, so the file stays the source of truth for
// what it names. People first seen in chat are left alone.
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
		byHandle := map[string]*bot.Person{}
		for _, pc := range cfg.People {
			p, err := seedPerson(tx, pc, depts, now)
			if err != nil {
				return err
			}
			byHandle[p.Handle] = p
		}
		for _, dc := range cfg.Departments {
			if dc.Head == "" {
				continue
			}
			d, head := depts[strings.ToLower(dc.Name)], byHandle[strings.ToLower(dc.Head)]
			d.HeadID = head.ID
			if err := tx.UpdateDepartment(d); err != nil {
				return err
			}
			if head.Role == bot.RoleMember {
				head.Role = bot.RoleHead
				if err := tx.UpdatePerson(head); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func seedPerson(tx bot.Tx, pc PersonConfig, depts map[string]*bot.Department, now time.Time) (*bot.Person, error) {
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
	isNew := p == nil
	if isNew {
		p = &bot.Person{Handle: handle}
	}
	p.Name, p.Email, p.Mobile, p.TZ = pc.Name, pc.Email, pc.Mobile, pc.TZ
	p.Role = bot.Role(pc.Role)
	if p.Role == "" {
		p.Role = bot.RoleMember
	}
	if pc.Lang != "" {
		p.Lang, _ = bot.ParseLang(pc.Lang)
	}
	if d := depts[strings.ToLower(pc.Dept)]; d != nil {
		p.DeptID = d.ID
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
	for _, a := range accounts {
		if err := tx.LinkAccount(p.ID, a, pc.Name, now); err != nil {
			return nil, err
		}
	}
	return p, nil
}
