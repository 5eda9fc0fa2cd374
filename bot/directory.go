package bot

import (
	"context"
	"strings"
)

// DirectoryUser is what a platform's directory says about one account.
// Fields the platform withholds are empty: WeCom gives new self-built apps
// neither email nor mobile, Slack gives email only with users:read.email, and
// no platform gives anything outside the app's visibility scope.
type DirectoryUser struct {
	UserID string // the account's id on the platform, as events carry it
	Name   string
	Email  string
	Mobile string   // as the platform gives it; compare with NormalizeMobile
	Depts  []string // ids of the platform departments (or groups) the user is in
	// Position is the job title; "" when the platform gives none.
	Position string
	// ManagerID is the platform user id of the user's manager (Feishu
	// leader_user_id, DingTalk manager_userid, WeCom direct_leader); ""
	// when the platform gives none (Slack has no reporting lines).
	ManagerID string
}

// DirectoryDept is a department, or on Slack a user group, of a platform's
// directory.
type DirectoryDept struct {
	ID       string
	Name     string
	ParentID string // "" at the top
}

// Directory is one workspace's (tenant's, corp's) user directory. Calls reach
// the platform over the network: they are made outside units of work, by job
// handlers that implement JobFetcher.
type Directory interface {
	// User returns one account's profile; ENOTFOUND when the platform does
	// not know it or does not let the app see it.
	User(ctx context.Context, userID string) (DirectoryUser, error)
	// Lookup finds the account with this email or, when email is "" or
	// unknown, this mobile; ENOTFOUND when there is none. A platform that
	// cannot search by one of them ignores it.
	Lookup(ctx context.Context, email, mobile string) (DirectoryUser, error)
	// Departments lists every department the app may see.
	Departments(ctx context.Context) ([]DirectoryDept, error)
	// Members lists the users directly in one department.
	Members(ctx context.Context, deptID string) ([]DirectoryUser, error)
}

// NormalizeMobile reduces a phone number to the form used to compare numbers
// across platforms: digits only, and mainland China's +86 country code
// dropped, because DingTalk gives "13800000000" where Feishu gives
// "+8613800000000". Other country codes are kept.
func NormalizeMobile(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	d := b.String()
	if strings.HasPrefix(d, "86") && len(d) == 13 && d[2] == '1' {
		d = d[2:]
	}
	return d
}

// NormalizeEmail lower-cases an email address and trims it, so that the
// same mailbox spelled differently on two platforms matches.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
