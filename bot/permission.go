package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNamedAdmins is how many admins a refusal names: enough to find one
// who is around, few enough to stay one line.
const maxNamedAdmins = 3

// AdminsOnly is the refusal of what only admins may do, naming whom to ask.
// what completes "Only admins can …" ("add departments", "添加部门").
func AdminsOnly(tx Tx, what Text) error {
	admins, err := NamedAdmins(tx)
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

// NamedAdmins names up to maxNamedAdmins admins ("@root, @ops or @it",
// "@root、@ops 或 @it"); empty when there are none.
func NamedAdmins(tx Tx) (Text, error) {
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
