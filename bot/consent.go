package bot

import "time"

// Consent kinds: a change to someone that needs their yes.
const (
	// ConsentDeptJoin asks the subject to join DeptID, at the request of
	// a department head.
	ConsentDeptJoin = "dept_join"
	// ConsentLink asks the subject (who showed a link code) to accept that
	// the requester (who typed it and confirmed) becomes one person with
	// them.
	ConsentLink = "link"
)

// ConsentState is where a request for consent stands.
type ConsentState string

// Consent states. A pending consent past its expiry can no longer be answered.
const (
	ConsentPending  ConsentState = "pending"
	ConsentAccepted ConsentState = "accepted"
	ConsentDeclined ConsentState = "declined"
)

// Consent is a stored request for someone's agreement to a change that
// another person asked for. Nothing changes until the subject accepts it.
type Consent struct {
	ID          int64
	Kind        string
	RequesterID int64 // who asked
	SubjectID   int64 // who must answer
	DeptID      int64 // ConsentDeptJoin: the department
	State       ConsentState
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// PersonSeed is what the config last applied to a person, so that a start
// can tell a value an admin changed in the file (applied) from one the
// person changed themselves since (kept).
type PersonSeed struct {
	Lang string `json:"lang,omitempty"`
	TZ   string `json:"tz,omitempty"`
	Dept string `json:"dept,omitempty"` // lower-cased department name
	Role string `json:"role,omitempty"`
	// Position and Manager (a handle) are the config's at every start; a
	// directory does not change what the config sets.
	Position string `json:"position,omitempty"`
	Manager  string `json:"manager,omitempty"`
}

// TrustTx stores what guards changes to people's identity and rights:
// requests for consent, the audit log, and what the config seeded.
type TrustTx interface {
	// AddAudit appends e and sets e.ID.
	AddAudit(e *AuditEntry) error
	// AuditLog returns entries newest first, read from an index (by time,
	// or by subject and time).
	AuditLog(f AuditFilter) ([]*AuditEntry, error)
	// CreateConsent stores c as pending and sets c.ID.
	CreateConsent(c *Consent, now time.Time) error
	// FindConsent returns ENOTFOUND if there is no such consent.
	FindConsent(id int64) (*Consent, error)
	// PendingConsent returns the unexpired pending consent of this kind
	// for subject about dept (0 for none), or ENOTFOUND.
	PendingConsent(kind string, subjectID, deptID int64, now time.Time) (*Consent, error)
	// AnswerConsent records the subject's answer to a pending consent that
	// has not expired; ENOTFOUND when it was answered already or expired,
	// so that two clicks answer once.
	AnswerConsent(id int64, accept bool, now time.Time) error
	// PersonSeed returns what the config last applied to the person; ok is
	// false if it never did.
	PersonSeed(personID int64) (s PersonSeed, ok bool, err error)
	SetPersonSeed(personID int64, s PersonSeed) error
}
