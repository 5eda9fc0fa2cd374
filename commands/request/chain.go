package request

import (
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/standup"
)

// DefaultChain is the approver chain of a kind of request the config
// names no chain for: the requester's manager, then the head of the
// department the request is for.
var DefaultChain = []string{"manager", "for"}

// CheckStep reports a step the chain cannot read: manager, head, for,
// dept:<name> or @handle.
func CheckStep(s string) error {
	switch {
	case s == "manager", s == "head", s == "for":
		return nil
	case strings.HasPrefix(s, "dept:") && len(s) > len("dept:"):
		return nil
	case strings.HasPrefix(s, "@") && len(s) > 1:
		return nil
	}
	return fmt.Errorf("%q is not a step: use manager, head, for, dept:<name> or @handle", s)
}

// stepPerson is who a step asks, or nil when nobody can be (the department
// has no head, the handle matches nobody); why says which, for the
// requester and the admins.
func stepPerson(tx bot.Tx, step string, requester *bot.Person, forDept int64) (p *bot.Person, why bot.Text, err error) {
	headOf := func(deptID int64, name string) (*bot.Person, bot.Text, error) {
		if deptID == 0 {
			return nil, bot.T("the requester is in no department", "申请人不属于任何部门"), nil
		}
		d, err := tx.FindDepartmentByID(deptID)
		if err != nil {
			return nil, bot.Text{}, err
		}
		if d.HeadID == 0 {
			return nil, bot.Tf("%s has no head", "%s 没有负责人", d.Name), nil
		}
		p, err := tx.FindPersonByID(d.HeadID)
		return p, bot.Text{}, err
	}
	switch {
	case step == "manager":
		// "My manager": the person they report to, else their head.
		if requester.ManagerID != 0 {
			p, err := tx.FindPersonByID(requester.ManagerID)
			if err == nil || bot.ErrorCode(err) != bot.ENOTFOUND {
				return p, bot.Text{}, err
			}
		}
		return headOf(requester.DeptID, "")
	case step == "head":
		return headOf(requester.DeptID, "")
	case step == "for":
		if forDept == 0 {
			return nil, bot.T("the request names no department (for:)", "申请没有写部门（部门：）"), nil
		}
		return headOf(forDept, "")
	case strings.HasPrefix(step, "dept:"):
		name := strings.TrimPrefix(step, "dept:")
		d, err := tx.FindDepartmentByName(name)
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			return nil, bot.Tf("there is no department %s", "没有部门 %s", name), nil
		} else if err != nil {
			return nil, bot.Text{}, err
		}
		return headOf(d.ID, name)
	case strings.HasPrefix(step, "@"):
		ps, err := tx.FindPeopleByName(strings.TrimPrefix(step, "@"))
		if err != nil {
			return nil, bot.Text{}, err
		}
		if len(ps) != 1 {
			return nil, bot.Tf("%s names nobody Tandem knows", "%s 不是已知的人", step), nil
		}
		return ps[0], bot.Text{}, nil
	}
	return nil, bot.Tf("%q is not a step", "「%s」不是审批步骤", step), nil
}

// managerOf is whom an approver's missed deadline escalates to: their
// manager, else their department's head; nil when that is nobody else.
func managerOf(tx bot.Tx, p *bot.Person) (*bot.Person, error) {
	if p.ManagerID != 0 && p.ManagerID != p.ID {
		m, err := tx.FindPersonByID(p.ManagerID)
		if err == nil || bot.ErrorCode(err) != bot.ENOTFOUND {
			return m, err
		}
	}
	if p.DeptID == 0 {
		return nil, nil
	}
	d, err := tx.FindDepartmentByID(p.DeptID)
	if err != nil || d.HeadID == 0 || d.HeadID == p.ID {
		return nil, err
	}
	return tx.FindPersonByID(d.HeadID)
}

// delegateOf is who decides for p today: their leave's delegate
// (standup.StandIn, the one rule every feature follows), or nil.
func delegateOf(tx bot.Tx, p *bot.Person, fallback *time.Location, now time.Time) (*bot.Person, error) {
	return standup.StandIn(tx, p, fallback, now)
}
