package task

import (
	"strings"

	"github.com/tandemhq/tandem/bot"
)

// MayChange says whether actor may change task t: its creator, its owner,
// the head of the owner's department, or an admin may. Anyone may comment, so
// comments do not ask. The refusal names who could.
func MayChange(tx bot.Tx, actor *bot.Person, t *Task) error {
	if actor.Role == bot.RoleAdmin || actor.ID == t.CreatorID || actor.ID == t.OwnerID {
		return nil
	}
	dept, err := department(tx, t)
	if err != nil {
		return err
	}
	if dept != nil && dept.HeadID == actor.ID {
		return nil
	}
	return refuseChange(tx, t, dept)
}

// department is the department whose head may change t: the owner's, or
// the task's own when the owner has none. Nil when there is none.
func department(tx bot.Tx, t *Task) (*bot.Department, error) {
	deptID := t.DeptID
	if t.OwnerID != 0 {
		if owner, err := tx.FindPersonByID(t.OwnerID); err == nil && owner.DeptID != 0 {
			deptID = owner.DeptID
		}
	}
	if deptID == 0 {
		return nil, nil
	}
	d, err := tx.FindDepartmentByID(deptID)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil, nil
	}
	return d, err
}

// refuseChange is the refusal that names who may change t: "Only
// @alice (creator), @bob (owner), @carol (head of Design) or an admin
// (@root) can change #3."
func refuseChange(tx bot.Tx, t *Task, dept *bot.Department) error {
	type who struct {
		id     int64
		en, zh []string
	}
	var ws []*who
	add := func(id int64, en, zh string) {
		if id == 0 {
			return
		}
		for _, w := range ws {
			if w.id == id {
				w.en, w.zh = append(w.en, en), append(w.zh, zh)
				return
			}
		}
		ws = append(ws, &who{id, []string{en}, []string{zh}})
	}
	add(t.CreatorID, "creator", "创建人")
	add(t.OwnerID, "owner", "负责人")
	if dept != nil {
		add(dept.HeadID, "head of "+dept.Name, "「"+dept.Name+"」部门负责人")
	}
	var en, zh []string
	for _, w := range ws {
		p, err := tx.FindPersonByID(w.id)
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		en = append(en, "@"+p.Handle+" ("+strings.Join(w.en, " and ")+")")
		zh = append(zh, "@"+p.Handle+"（"+strings.Join(w.zh, "、")+"）")
	}
	en, zh, err := orAdmin(tx, en, zh)
	if err != nil {
		return err
	}
	return bot.Err(bot.EFORBIDDEN, bot.T(
		"Only "+bot.JoinOr(en, bot.LangEN)+" can change "+t.Ref()+". You can still comment on it.",
		bot.ZHConcat("只有", bot.JoinOr(zh, bot.LangZH), "可以修改", t.Ref()+"。你仍然可以评论。")))
}

// orAdmin appends "an admin (@root)" to the people named in a refusal, in
// each language.
func orAdmin(tx bot.Tx, en, zh []string) ([]string, []string, error) {
	admins, err := bot.NamedAdmins(tx)
	if err != nil {
		return nil, nil, err
	}
	if admins.EN == "" {
		return append(en, "an admin"), append(zh, "管理员"), nil
	}
	return append(en, "an admin ("+admins.EN+")"), append(zh, "管理员（"+admins.ZH+"）"), nil
}
