package ticket

import (
	"strings"

	"github.com/tandemhq/tandem/bot"
)

// Handles reports whether actor handles t: its owner, a member or the head
// of its handling department, or an admin. Handlers may acknowledge,
// start, put on wait, resolve, reassign and close a ticket.
func Handles(tx bot.Tx, actor *bot.Person, t *Ticket) (bool, error) {
	if actor.Role == bot.RoleAdmin || actor.ID == t.OwnerID || t.DeptID != 0 && actor.DeptID == t.DeptID {
		return true, nil
	}
	if t.DeptID == 0 {
		return false, nil
	}
	d, err := tx.FindDepartmentByID(t.DeptID)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return d.HeadID == actor.ID, nil
}

// MayHandle is nil when actor handles t (Handles), and otherwise the
// refusal that names who could do what (doing completes "can …": "resolve
// T-3", "解决 T-3").
func MayHandle(tx bot.Tx, actor *bot.Person, t *Ticket, doing bot.Text) error {
	ok, err := Handles(tx, actor, t)
	if err != nil || ok {
		return err
	}
	return refuse(tx, t, false, doing)
}

// MayCloseOrReopen is nil when actor may close or reopen t: its requester,
// or anyone who handles it.
func MayCloseOrReopen(tx bot.Tx, actor *bot.Person, t *Ticket, doing bot.Text) error {
	if actor.ID == t.RequesterID {
		return nil
	}
	ok, err := Handles(tx, actor, t)
	if err != nil || ok {
		return err
	}
	return refuse(tx, t, true, doing)
}

// refuse names who may act on t: "Only @bob (owner), members of QA (head
// @carol), @alice (requester) or an admin (@root) can resolve T-3."
func refuse(tx bot.Tx, t *Ticket, requester bool, doing bot.Text) error {
	var en, zh []string
	if t.OwnerID != 0 {
		if p, err := tx.FindPersonByID(t.OwnerID); err == nil {
			en, zh = append(en, "@"+p.Handle+" (owner)"), append(zh, "@"+p.Handle+"（负责人）")
		}
	}
	if t.DeptID != 0 {
		if d, err := tx.FindDepartmentByID(t.DeptID); err == nil {
			en, zh = append(en, "members of "+d.Name), append(zh, "「"+d.Name+"」的成员")
			if h, err := tx.FindPersonByID(d.HeadID); d.HeadID != 0 && err == nil {
				en[len(en)-1] += " (head @" + h.Handle + ")"
				zh[len(zh)-1] += "（负责人 @" + h.Handle + "）"
			}
		}
	}
	if requester {
		if p, err := tx.FindPersonByID(t.RequesterID); err == nil {
			en, zh = append(en, "@"+p.Handle+" (requester)"), append(zh, "@"+p.Handle+"（提报人）")
		}
	}
	admins, err := bot.NamedAdmins(tx)
	if err != nil {
		return err
	}
	if admins.EN == "" {
		en, zh = append(en, "an admin"), append(zh, "管理员")
	} else {
		en, zh = append(en, "an admin ("+admins.EN+")"), append(zh, "管理员（"+admins.ZH+"）")
	}
	return bot.Err(bot.EFORBIDDEN, bot.T(
		"Only "+bot.JoinOr(en, bot.LangEN)+" can "+doing.EN+". You can still comment on it.",
		bot.ZHConcat("只有", strings.TrimSpace(bot.JoinOr(zh, bot.LangZH)), "可以"+doing.ZH+"。你仍然可以评论。")))
}
