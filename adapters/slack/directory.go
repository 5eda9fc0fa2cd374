package slack

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/tandemhq/tandem/bot"
)

// The directory needs these bot scopes (all in the manifest's botScopes):
//   - users:read        users.info, to read names and whether an account is
//     deleted or a bot;
//   - users:read.email  users.lookupByEmail, and profile.email in every
//     answer (without it Email is simply empty);
//   - usergroups:read   usergroups.list and usergroups.users.list.
//
// Slack has no departments. User groups (@design, @oncall) are what teams
// use to name themselves, so they stand in for departments: Departments
// lists them, Members lists a group's people. User itself reports no Depts,
// because users.info does not say which groups a person is in.

var _ bot.Directory = (*Adapter)(nil)

// usersInfoBatch is how many ids one batched users.info call carries. Slack
// does not document the batch form, so the size is a conservative one that
// long-running clients (mautrix-slack, for one) use.
const usersInfoBatch = 100

// slackbotID is Slackbot's user id. Slack reports it with is_bot false, yet
// it is no person to assign work to.
const slackbotID = "USLACKBOT"

// notFoundErrors are the Web API error codes that mean the thing asked for
// does not exist or is hidden from the app. Every other error (rate limits,
// 5xx, network, missing_scope, invalid_auth) is returned as is, so the job
// that called fails and is retried rather than concluding "nobody there".
var notFoundErrors = map[string]bool{
	"user_not_found":        true, // users.info
	"user_not_visible":      true, // users.info: outside the app's visibility
	"users_not_found":       true, // users.lookupByEmail
	"no_such_subteam":       true, // usergroups.users.list: the group is gone
	"plan_upgrade_required": true, // usergroups.*: free plans have no groups
}

// User implements bot.Directory with users.info. Deleted accounts and bots
// are ENOTFOUND: neither is a person who can be linked or given work.
func (a *Adapter) User(ctx context.Context, userID string) (bot.DirectoryUser, error) {
	u, err := a.api.GetUserInfoContext(ctx, userID)
	if err != nil {
		if isNotFound(err) {
			return bot.DirectoryUser{}, errUserNotFound(userID)
		}
		return bot.DirectoryUser{}, apiError("users.info", err)
	}
	if !isPerson(u) {
		return bot.DirectoryUser{}, errUserNotFound(userID)
	}
	return directoryUser(u), nil
}

// Lookup implements bot.Directory with users.lookupByEmail. Slack has no
// search by phone number, so mobile is ignored, as the interface allows: a
// lookup by mobile alone is ENOTFOUND without asking Slack.
func (a *Adapter) Lookup(ctx context.Context, email, _ string) (bot.DirectoryUser, error) {
	if email == "" {
		return bot.DirectoryUser{}, bot.Errorf(bot.ENOTFOUND,
			"Slack can find people only by email, and no email was given.",
			"Slack 只能按邮箱查找用户，但没有提供邮箱。")
	}
	u, err := a.api.GetUserByEmailContext(ctx, email)
	if err != nil {
		if isNotFound(err) {
			return bot.DirectoryUser{}, errEmailNotFound(email)
		}
		return bot.DirectoryUser{}, apiError("users.lookupByEmail", err)
	}
	if !isPerson(u) {
		return bot.DirectoryUser{}, errEmailNotFound(email)
	}
	return directoryUser(u), nil
}

// Departments implements bot.Directory with usergroups.list. Disabled groups
// are skipped: they keep no members and cannot be mentioned. Slack already
// leaves them out unless include_disabled is set; the check keeps that true
// whatever Slack sends. A workspace on the free plan has no user groups, so
// it has no departments rather than an error that no retry would fix.
func (a *Adapter) Departments(ctx context.Context) ([]bot.DirectoryDept, error) {
	groups, err := a.api.GetUserGroupsContext(ctx)
	if err != nil {
		if slackErrorCode(err) == "plan_upgrade_required" {
			return nil, nil
		}
		return nil, apiError("usergroups.list", err)
	}
	depts := make([]bot.DirectoryDept, 0, len(groups))
	for _, g := range groups {
		if g.DateDelete != 0 {
			continue
		}
		name := g.Name
		if name == "" {
			name = g.Handle
		}
		depts = append(depts, bot.DirectoryDept{ID: g.ID, Name: name})
	}
	return depts, nil
}

// Members implements bot.Directory: usergroups.users.list gives the group's
// user ids, then batched users.info (users=U1,U2,…) gives their profiles.
//
// Why batched users.info: one users.info per member would cost a call per
// person, and users.list would page through the whole workspace for every
// group (Tier 2, 20 calls a minute) to keep a handful of people. The batched
// form is undocumented but long supported (slack-go's GetUsersInfo, which
// mautrix-slack calls with 100 ids at a time); it costs one Tier 4 call per
// 100 members. Ids Slack does not return, and deleted users and bots, are left
// out; each user returned lists deptID in Depts.
func (a *Adapter) Members(ctx context.Context, deptID string) ([]bot.DirectoryUser, error) {
	ids, err := a.api.GetUserGroupMembersContext(ctx, deptID)
	if err != nil {
		if isNotFound(err) {
			return nil, bot.Errorf(bot.ENOTFOUND, "Slack has no user group %s.", "Slack 中没有用户组 %s。", deptID)
		}
		return nil, apiError("usergroups.users.list", err)
	}
	members := make([]bot.DirectoryUser, 0, len(ids))
	for start := 0; start < len(ids); start += usersInfoBatch {
		batch := ids[start:min(start+usersInfoBatch, len(ids))]
		users, err := a.api.GetUsersInfoContext(ctx, batch...)
		if err != nil {
			return nil, apiError("users.info", err)
		}
		if users == nil {
			continue
		}
		for i := range *users {
			u := &(*users)[i]
			if !isPerson(u) {
				continue
			}
			du := directoryUser(u)
			du.Depts = []string{deptID}
			members = append(members, du)
		}
	}
	return members, nil
}

// directoryUser maps a Slack user. The display name comes first because it
// is the name people chose to be called by in Slack; many leave it empty,
// hence the real name and then the account's handle.
func directoryUser(u *slack.User) bot.DirectoryUser {
	name := u.Profile.DisplayName
	if name == "" {
		name = u.Profile.RealName
	}
	if name == "" {
		name = u.RealName
	}
	if name == "" {
		name = u.Name
	}
	return bot.DirectoryUser{
		UserID: u.ID,
		Name:   name,
		Email:  u.Profile.Email, // empty without users:read.email
		Mobile: u.Profile.Phone,
		// Slack has a title but no reporting lines.
		Position: u.Profile.Title,
	}
}

// isPerson reports whether u is a live human account.
func isPerson(u *slack.User) bool {
	return u != nil && !u.Deleted && !u.IsBot && u.ID != slackbotID
}

func isNotFound(err error) bool { return notFoundErrors[slackErrorCode(err)] }

// slackErrorCode returns the Web API error code of err, or "".
func slackErrorCode(err error) string {
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		return se.Err
	}
	return ""
}

// apiError names the method that failed and keeps err wrapped, so callers
// can still find a *slack.RateLimitedError and its wait. slack-go's errors
// hold the error code, HTTP status or request URL, never the token, which
// travels in the request body.
func apiError(method string, err error) error {
	return fmt.Errorf("slack: %s: %w", method, err)
}

func errUserNotFound(id string) error {
	return bot.Errorf(bot.ENOTFOUND, "Slack has no person with the id %s.", "Slack 中没有 ID 为 %s 的用户。", id)
}

func errEmailNotFound(email string) error {
	return bot.Errorf(bot.ENOTFOUND, "Slack has no person with the email %s.", "Slack 中没有邮箱为 %s 的用户。", email)
}
