package bot

// MayChangeTask says whether actor may change task t: its creator, its owner,
// the head of the owner's department, or an admin may. Anyone may comment, so
// comments do not ask. The refusal says who could.
func MayChangeTask(tx Tx, actor *Person, t *Task) error {
	if actor.Role == RoleAdmin || actor.ID == t.CreatorID || actor.ID == t.OwnerID {
		return nil
	}
	if actor.Role == RoleHead || actor.DeptID != 0 {
		deptID := t.DeptID
		if t.OwnerID != 0 {
			if owner, err := tx.FindPersonByID(t.OwnerID); err == nil && owner.DeptID != 0 {
				deptID = owner.DeptID
			}
		}
		if deptID != 0 {
			d, err := tx.FindDepartmentByID(deptID)
			if err != nil && ErrorCode(err) != ENOTFOUND {
				return err
			}
			if err == nil && d.HeadID == actor.ID {
				return nil
			}
		}
	}
	return Errorf(EFORBIDDEN,
		"Only the task's creator, its owner, the owner's department head or an admin can change %s. You can still comment on it.",
		"只有任务的创建人、负责人、负责人所在部门的负责人或管理员可以修改 %s。你仍然可以评论。", t.Ref())
}
