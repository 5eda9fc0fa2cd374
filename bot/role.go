package bot

// Label is the role in the reader's language.
func (r Role) Label(lang Lang) string {
	switch r {
	case RoleAdmin:
		return T("admin", "管理员").In(lang)
	case RoleHead:
		return T("department head", "部门负责人").In(lang)
	}
	return T("member", "成员").In(lang)
}
