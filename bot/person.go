package bot

import "time"

// Role is a person's organisation-wide role. Roles are least-privilege: a member
// may change only their own work; a department head also their department's;
// an admin anything.
type Role string

// Roles.
const (
	RoleMember Role = "member"
	RoleHead   Role = "head"
	RoleAdmin  Role = "admin"
)

// Person is one human, who may have accounts on several platforms.
type Person struct {
	ID     int64
	Name   string // display name
	Handle string // unique lower-case handle used in plain "@handle" mentions
	Email  string // normalized with NormalizeEmail
	Mobile string // normalized with NormalizeMobile
	// Lang is the language the person chose with "lang"; "" means not chosen,
	// in which case replies follow the language of each message.
	Lang   Lang
	TZ     string // IANA zone; "" means the configured default
	DeptID int64  // 0 when not in a department
	Role   Role
	// Position is the person's job title ("Designer", "产品经理"), from the
	// config or a platform's directory; "" when unknown.
	Position string
	// ManagerID is the person they report to; 0 when unknown.
	ManagerID int64
	// PendingManager is the account ("platform:workspace:user_id") a
	// directory named as the manager before Tandem knew it; the manager is
	// set when that account is linked to someone (directory.Directories).
	PendingManager string
	// Home is the account that direct messages go to; zero means the first
	// linked account.
	Home Account
	// Digest is when the daily digest comes: "" for the default (09:00 in
	// the person's zone) or "HH:MM". DigestOff turns it off and keeps the
	// time, so that turning it on again brings back the time chosen.
	Digest    string
	DigestOff bool
	// DigestNext is when the next digest is due; zero when it is not known
	// yet (a new person, or one who changed their digest time or zone).
	// The digest job keeps it (digest.Store.SetDigestNext in bot/digest); UpdatePerson never
	// writes it, and clears it when Digest, DigestOff or TZ change.
	DigestNext time.Time
	CreatedAt  time.Time
	// Admission is whether an admin let them in (bot.registration:
	// approval): "" a member, AdmissionPending waiting, AdmissionRefused
	// turned away. Only the people feature's guard reads it; until admitted
	// nothing else runs for them.
	Admission Admission
	// AccessAskedAt is when the admins were last asked to let them in
	// (zero: never); asking again waits a day.
	AccessAskedAt time.Time
}

// Admission is a person's standing with the admins when registration needs
// their approval.
type Admission string

// Admissions other than "" (admitted).
const (
	AdmissionPending Admission = "pending"
	AdmissionRefused Admission = "refused"
)

// Admitted reports whether p may use Tandem: a member, not someone waiting
// for an admin or turned away.
func (p *Person) Admitted() bool { return p.Admission == "" }

// Location is the time zone p chose, or fallback when they chose none (or
// one this machine does not know).
func (p *Person) Location(fallback *time.Location) *time.Location {
	if p.TZ != "" {
		if loc, err := time.LoadLocation(p.TZ); err == nil {
			return loc
		}
	}
	return fallback
}

// Department is a unit of the organisation.
type Department struct {
	ID     int64
	Name   string
	HeadID int64 // 0 when there is no head
}

// LinkedAccount is an Account bound to a person.
type LinkedAccount struct {
	Account
	PersonID int64
	Name     string // the name the platform gave this account
}
