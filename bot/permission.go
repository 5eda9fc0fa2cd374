package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNamedAdmins is how many admins a refusal names: enough to find one
// who is around, few enough to stay one line.
const maxNamedAdmins = 3

// MayChangeTask says whether actor may change task t: its creator, its owner,
// the head of the owner's department, or an admin may. Anyone may comment, so
// comments do not ask. The refusal names who could.
func MayChangeTask(tx Tx, actor *Person, t *Task) error {
	if actor.Role == RoleAdmin || actor.ID == t.CreatorID || actor.ID == t.OwnerID {
		return nil
	}
	dept, err := taskDepartment(tx, t)
	if err != nil {
		return err
	}
	if dept != nil && dept.HeadID == actor.ID {
		return nil
	}
	return refuseTaskChange(tx, t, dept)
}

// taskDepartment is the department whose head may change t: the owner's, or
// the task's own when the owner has none. Nil when there is none.
func taskDepartment(tx Tx, t *Task) (*Department, error) {
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
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil
	}
	return d, err
}

// refuseTaskChange is the refusal that names who may change t: "Only
// @alice (creator), @bob (owner), @carol (head of Design) or an admin
// (@root) can change #3."
func refuseTaskChange(tx Tx, t *Task, dept *Department) error {
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
		if ErrorCode(err) == ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		en = append(en, "@"+p.Handle+" ("+strings.Join(w.en, " and ")+")")
		zh = append(zh, "@"+p.Handle+"（"+strings.Join(w.zh, "、")+"）")
	}
	admins, err := namedAdmins(tx)
	if err != nil {
		return err
	}
	if admins.EN == "" {
		en, zh = append(en, "an admin"), append(zh, "管理员")
	} else {
		en, zh = append(en, "an admin ("+admins.EN+")"), append(zh, "管理员（"+admins.ZH+"）")
	}
	return Err(EFORBIDDEN, T(
		"Only "+JoinOr(en, LangEN)+" can change "+t.Ref()+". You can still comment on it.",
		ZHConcat("只有", JoinOr(zh, LangZH), "可以修改", t.Ref()+"。你仍然可以评论。")))
}

// AdminsOnly is the refusal of what only admins may do, naming whom to ask.
// what completes "Only admins can …" ("add departments", "添加部门").
func AdminsOnly(tx Tx, what Text) error {
	admins, err := namedAdmins(tx)
	if err != nil {
		return err
	}
	if admins.EN == "" {
		return Err(EFORBIDDEN, T("Only admins can "+what.EN+", and there is no admin yet: the config's people[].role makes one.",
			"只有管理员可以"+what.ZH+"，但目前还没有管理员：可在配置的 people[].role 中设置。"))
	}
	return Err(EFORBIDDEN, T("Only admins can "+what.EN+". Ask "+admins.EN+".",
		ZHConcat("只有管理员可以"+what.ZH+"，请联系", admins.ZH+"。")))
}

// namedAdmins names up to maxNamedAdmins admins ("@root, @ops or @it",
// "@root、@ops 或 @it"); empty when there are none.
func namedAdmins(tx Tx) (Text, error) {
	admins, err := tx.FindPeopleByRole(RoleAdmin, maxNamedAdmins)
	if err != nil || len(admins) == 0 {
		return Text{}, err
	}
	handles := make([]string, len(admins))
	for i, a := range admins {
		handles[i] = "@" + a.Handle
	}
	return T(JoinOr(handles, LangEN), JoinOr(handles, LangZH)), nil
}

// JoinOr lists alternatives: "a, b or c" in English, "a、b 或 c" in Chinese.
func JoinOr(items []string, lang Lang) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	if lang == LangZH {
		return ZHConcat(strings.Join(items[:len(items)-1], "、"), "或", items[len(items)-1])
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// ZHConcat joins the parts of a Chinese sentence the way its text is
// written: a space where a Chinese character meets a Latin letter, digit,
// @ or # ("可以修改 #3", "@bob 或管理员"), none between Chinese characters or
// next to full-width punctuation ("负责人）或管理员").
func ZHConcat(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			last, _ := utf8.DecodeLastRuneInString(b.String())
			first, _ := utf8.DecodeRuneInString(p)
			if unicode.Is(unicode.Han, last) && isLatin(first) || isLatin(last) && unicode.Is(unicode.Han, first) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(p)
	}
	return b.String()
}

func isLatin(r rune) bool {
	return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '@' || r == '#')
}
