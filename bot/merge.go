package bot

import "time"

// MergeRecords makes from part of into (its accounts, tasks and reminders
// move, what into lacks is filled from it), gives into role, and records
// the merge as kind (a link or a directory merge) by actor, and the role
// change if there is one. Both kinds of merge go through here, so each is
// done and recorded the same way.
func MergeRecords(tx Tx, into, from *Person, role Role, kind AuditKind, actor *Person, via string, now time.Time) error {
	oldRole := into.Role
	fillPerson(into, from)
	into.Role = role
	if err := tx.MergePeople(from.ID, into.ID); err != nil {
		return err
	}
	if err := tx.UpdatePerson(into); err != nil {
		return err
	}
	if err := Audit(tx, AuditEntry{Kind: kind, From: from.Handle, To: into.Handle, Via: via}, actor, into, now); err != nil {
		return err
	}
	if role == oldRole {
		return nil
	}
	return Audit(tx, AuditEntry{Kind: AuditRole, From: string(oldRole), To: string(role), Via: via}, actor, into, now)
}

// fillPerson copies to into the settings it lacks from from. Roles are the
// caller's to decide: a merge must not raise one.
func fillPerson(into, from *Person) {
	if into.Email == "" {
		into.Email = from.Email
	}
	if into.Mobile == "" {
		into.Mobile = from.Mobile
	}
	if into.Lang == "" {
		into.Lang = from.Lang
	}
	if into.TZ == "" {
		into.TZ = from.TZ
	}
	if into.DeptID == 0 {
		into.DeptID = from.DeptID
	}
	if into.Digest == "" && !into.DigestOff {
		// into never touched its digest: the other record's choice, time
		// and on/off together, is the only one made.
		into.Digest, into.DigestOff = from.Digest, from.DigestOff
	}
	if into.Home.UserID == "" {
		into.Home = from.Home
	}
	if into.Position == "" {
		into.Position = from.Position
	}
	// A manager that is the other record would be a deleted person, and
	// one that is the merged human would be themselves: the other record's
	// manager stands in.
	if into.ManagerID == 0 || into.ManagerID == from.ID {
		into.ManagerID = from.ManagerID
	}
	if into.ManagerID == into.ID || into.ManagerID == from.ID {
		into.ManagerID = 0
	}
	if into.ManagerID == 0 && into.PendingManager == "" {
		into.PendingManager = from.PendingManager
	}
}
