package bot

import "time"

// AuditKind is what kind of privileged change an AuditEntry records.
type AuditKind string

// Audit kinds. Each is one sentence in `admin audit`; the values are stored,
// so they never change.
const (
	AuditLink        AuditKind = "link"         // two people became one by `link`, both having confirmed
	AuditMerge       AuditKind = "merge"        // two records of one human merged by the directories
	AuditAccount     AuditKind = "account"      // an account was bound to a person (config, directory)
	AuditRole        AuditKind = "role"         // a person's role changed
	AuditDept        AuditKind = "dept"         // a person moved to another department (or out of one)
	AuditDeptHead    AuditKind = "dept_head"    // a department got a new head
	AuditJobRetry    AuditKind = "job_retry"    // an admin ran a failed job again
	AuditOutboxRetry AuditKind = "outbox_retry" // an admin queued an undelivered message again
	// AuditBinding: a group chat was bound to a department (To, its name)
	// or unbound (To ""); From is the chat (platform:workspace:chat).
	AuditBinding AuditKind = "binding"
	// AuditAdmission: an admin let someone in (To "member") or turned them
	// away (To "refused"); From is what they were ("pending", "refused").
	AuditAdmission AuditKind = "admission"
)

// How a change came about, in AuditEntry.Via.
const (
	ViaChat      = "chat"      // a command typed or clicked by the actor
	ViaConsent   = "consent"   // asked by the actor, accepted by the subject
	ViaConfig    = "config"    // applied from the config at start
	ViaDirectory = "directory" // applied from a platform's directory
)

// AuditEntry is one privileged change: who did what to whom, when. Handles
// are kept as they were at the time, so a record still reads the same after
// its people were renamed or merged away.
type AuditEntry struct {
	ID        int64
	At        time.Time
	Kind      AuditKind
	ActorID   int64  // 0 for the config or a directory
	Actor     string // the actor's handle
	SubjectID int64  // the person the change is about; 0 for none (a job)
	Subject   string // the subject's handle
	From, To  string // the values before and after: roles, department names, the merged handle, an account
	Via       string // ViaChat, ViaConsent, ViaConfig or ViaDirectory
	Ref       int64  // the job or message retried
}

// AuditFilter selects audit entries: those about one person (SubjectID), or
// all of them, newest first, one page at a time.
type AuditFilter struct {
	SubjectID     int64
	Offset, Limit int
}

// Audit appends a record of a change that actor made to subject; either may
// be nil (the config, a directory; a change about no one).
func Audit(tx Tx, e AuditEntry, actor, subject *Person, now time.Time) error {
	if actor != nil {
		e.ActorID, e.Actor = actor.ID, actor.Handle
	}
	if subject != nil {
		e.SubjectID, e.Subject = subject.ID, subject.Handle
	}
	e.At = now
	return tx.AddAudit(&e)
}

// MoveToDepartment puts p in d (nil: out of any) and records the move;
// actor is nil for the config or a directory. Nothing happens, and nothing
// is recorded, when p is there already.
func MoveToDepartment(tx Tx, p *Person, d *Department, actor *Person, via string, now time.Time) error {
	to, toName := int64(0), ""
	if d != nil {
		to, toName = d.ID, d.Name
	}
	if p.DeptID == to {
		return nil
	}
	from := ""
	if p.DeptID != 0 {
		old, err := tx.FindDepartmentByID(p.DeptID)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return err
		}
		if err == nil {
			from = old.Name
		}
	}
	p.DeptID = to
	if err := tx.UpdatePerson(p); err != nil {
		return err
	}
	return Audit(tx, AuditEntry{Kind: AuditDept, From: from, To: toName, Via: via}, actor, p, now)
}

// SetRole gives p a role and records the change; nothing when p has it.
func SetRole(tx Tx, p *Person, role Role, actor *Person, via string, now time.Time) error {
	if p.Role == role {
		return nil
	}
	from := p.Role
	p.Role = role
	if err := tx.UpdatePerson(p); err != nil {
		return err
	}
	return Audit(tx, AuditEntry{Kind: AuditRole, From: string(from), To: string(role), Via: via}, actor, p, now)
}

// SetDepartmentHead makes head the head of d and records it, naming the
// head it replaces; nothing when head heads d already.
func SetDepartmentHead(tx Tx, d *Department, head *Person, actor *Person, via string, now time.Time) error {
	if d.HeadID == head.ID {
		return nil
	}
	from := ""
	if d.HeadID != 0 {
		old, err := tx.FindPersonByID(d.HeadID)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return err
		}
		if err == nil {
			from = old.Handle
		}
	}
	d.HeadID = head.ID
	if err := tx.UpdateDepartment(d); err != nil {
		return err
	}
	return Audit(tx, AuditEntry{Kind: AuditDeptHead, From: from, To: d.Name, Via: via}, actor, head, now)
}

// LowerRole is the lesser of two roles: what two records merged by a link
// keep, so that a merge never gives anyone rights they did not have.
func LowerRole(a, b Role) Role {
	if roleRank(a) < roleRank(b) {
		return a
	}
	return b
}

func roleRank(r Role) int {
	switch r {
	case RoleAdmin:
		return 2
	case RoleHead:
		return 1
	}
	return 0
}
