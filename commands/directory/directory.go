package directory

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
)

// Job kinds of the directories.
const (
	// JobProfile reads one newly seen account's profile from its platform's
	// directory (name, email, mobile, departments) and links it to the same
	// person's accounts on the other platforms.
	JobProfile = "profile"
	// JobDirectory imports the members of the mapped departments.
	JobDirectory = "directory"
)

// directoryKey is the dedup key of the recurring import.
const directoryKey = "system/directory"

// Source is one workspace's directory.
type Source struct {
	Platform  string
	Workspace string // "" when not known from config: matches any workspace of Platform
	App       string // the app's name in config, used by mappings and logs
	Dir       bot.Directory
}

// DeptMapping maps a platform department (or Slack user group) to a Tandem
// department.
type DeptMapping struct {
	Dept     string // the Tandem department's name
	Platform string
	App      string // "" for any app of Platform
	Ref      string // the platform department's id, or its name
}

// Directories reads the platforms' directories: a newly seen account gets
// its profile and is linked to the same person's accounts elsewhere (same
// email or mobile), and the members of mapped departments are imported on a
// schedule. Directory calls are network calls, so both jobs are JobFetchers:
// they fetch outside the unit of work and apply what they found inside it.
type Directories struct {
	Sources []Source
	Depts   []DeptMapping
	// MatchEmail and MatchMobile say what links accounts across platforms.
	// Both come from the platforms' directories (or the config), never from
	// what a user typed, so a match is the same human.
	MatchEmail, MatchMobile bool
	// Sync is the import's schedule (a scheduler schedule, e.g.
	// "cron:0 3 * * *", read in the calendar's zone); "" means import only
	// when an admin asks.
	Sync string
	// Timeout bounds one fetch; the import of a large organisation makes
	// many calls under the platforms' rate limits.
	Timeout time.Duration
	Log     *slog.Logger
}

// source returns the directory of an account's workspace: the one
// configured for that workspace, else the platform's only one.
func (d *Directories) source(platform, workspace string) *Source {
	var only *Source
	n := 0
	for i := range d.Sources {
		s := &d.Sources[i]
		if s.Platform != platform {
			continue
		}
		if s.Workspace != "" && s.Workspace == workspace {
			return s
		}
		only = s
		n++
	}
	if n == 1 && (only.Workspace == "" || workspace == "") {
		return only
	}
	return nil
}

// OnNewAccount schedules the profile job for an account seen for the first
// time. It runs in the unit that registered the account, so the job exists
// exactly when the account does.
func (d *Directories) OnNewAccount(tx bot.Tx, _ *bot.Person, a bot.Account, now time.Time) error {
	if d.source(a.Platform, a.Workspace) == nil {
		return nil
	}
	_, err := scheduleProfile(tx, a, now)
	return err
}

func scheduleProfile(tx bot.Tx, a bot.Account, now time.Time) (bool, error) {
	payload, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	dup, err := tx.ScheduleJob(&bot.Job{Kind: JobProfile, Payload: payload, RunAt: now,
		DedupKey: "profile/" + a.Platform + "/" + a.Workspace + "/" + a.UserID}, now)
	return !dup, err
}

// Module is the directory feature: the profile and import jobs (no
// commands of its own; admins ask for an import with "admin directory"),
// and the recurring import, a system job on Sync, cancelled when the import
// is off or nothing is mapped.
func (d *Directories) Module() commands.Module {
	want := ""
	if len(d.Depts) > 0 {
		want = d.Sync
	}
	return commands.Module{
		Name:       "directory",
		Jobs:       d.Handlers(),
		SystemJobs: []commands.SystemJob{{Kind: JobDirectory, Schedule: want, Key: directoryKey}},
	}
}

// Handlers are the directories' job handlers.
func (d *Directories) Handlers() map[string]bot.JobHandler {
	return map[string]bot.JobHandler{JobProfile: profileJob{d}, JobDirectory: importJob{d}}
}

func (d *Directories) timeout() time.Duration {
	if d.Timeout > 0 {
		return d.Timeout
	}
	return 10 * time.Minute
}

func (d *Directories) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

// errFetchOnly is RunJob's answer: these jobs are run by FetchJob.
var errFetchOnly = fmt.Errorf("directory jobs run through FetchJob")

// found is an account some directory reported.
type found struct {
	acct bot.Account
	user bot.DirectoryUser
	dept string // the Tandem department it maps to; "" for none
}

type profileJob struct{ d *Directories }

func (profileJob) RunJob(context.Context, bot.Tx, *bot.Job, time.Time) error { return errFetchOnly }
func (j profileJob) FetchTimeout() time.Duration                             { return time.Minute }

// FetchJob reads the account's profile, then asks every other directory for
// the same email or mobile.
func (j profileJob) FetchJob(ctx context.Context, job *bot.Job, now time.Time) (func(bot.Tx) error, error) {
	d := j.d
	var acct bot.Account
	if err := json.Unmarshal(job.Payload, &acct); err != nil {
		return nil, fmt.Errorf("profile job payload: %w", err)
	}
	src := d.source(acct.Platform, acct.Workspace)
	if src == nil {
		return nil, nil // the directory was removed from the config since
	}
	u, err := src.Dir.User(ctx, acct.UserID)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil, nil // out of the app's visibility: nothing to learn
	} else if err != nil {
		return nil, err
	}
	self := found{acct: acct, user: u, dept: d.deptByID(src, u.Depts)}
	others, err := d.lookupElsewhere(ctx, src, u)
	if err != nil {
		return nil, err
	}
	return func(tx bot.Tx) error {
		p, err := tx.FindPersonByAccount(acct)
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			return nil // merged away or never committed: nothing to enrich
		} else if err != nil {
			return err
		}
		return d.apply(tx, p, self, others, now)
	}, nil
}

// lookupElsewhere asks each other directory for the account with u's email
// or mobile.
func (d *Directories) lookupElsewhere(ctx context.Context, src *Source, u bot.DirectoryUser) ([]found, error) {
	email, mobile := "", ""
	if d.MatchEmail {
		email = bot.NormalizeEmail(u.Email)
	}
	if d.MatchMobile {
		mobile = bot.NormalizeMobile(u.Mobile)
	}
	if email == "" && mobile == "" {
		return nil, nil
	}
	var out []found
	for i := range d.Sources {
		other := &d.Sources[i]
		if other == src || other.Workspace == "" {
			continue // an account there could not be named
		}
		v, err := other.Dir.Lookup(ctx, email, mobile)
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("look up in %s %s: %w", other.Platform, other.App, err)
		}
		acct := bot.Account{Platform: other.Platform, Workspace: other.Workspace, UserID: v.UserID}
		out = append(out, found{acct: acct, user: v, dept: d.deptByID(other, v.Depts)})
	}
	return out, nil
}

// apply records what the directories said about p: its profile, the
// accounts found elsewhere (linked to p, or their people merged with p), and
// anyone already known by the same email or mobile.
func (d *Directories) apply(tx bot.Tx, p *bot.Person, self found, others []found, now time.Time) error {
	p, err := d.enrich(tx, p, self, now)
	if err != nil {
		return err
	}
	for _, o := range others {
		q, err := tx.FindPersonByAccount(o.acct)
		switch {
		case bot.ErrorCode(err) == bot.ENOTFOUND:
			if err := linkAccount(tx, p, o.acct, o.user.Name, now); err != nil {
				return err
			}
		case err != nil:
			return err
		case q.ID != p.ID:
			if p, err = mergePeople(tx, p, q, now); err != nil {
				return err
			}
		}
		if p, err = d.enrich(tx, p, o, now); err != nil {
			return err
		}
	}
	if err := d.mergeByContact(tx, p, now); err != nil {
		return err
	}
	accts := []bot.Account{self.acct}
	for _, o := range others {
		accts = append(accts, o.acct)
	}
	return resolveReports(tx, accts)
}

// reportsPage bounds the people read at once whose manager has just
// appeared; each is resolved before the next page is read.
const reportsPage = 100

// resolveReports sets the manager of the people whose directory named one
// of accts as their manager before Tandem knew it (PendingManager): the
// person the account now belongs to. A manager the directories name is
// recorded at once when known, and otherwise when their account appears,
// whichever way it does (an import, a first message, a lookup).
func resolveReports(tx bot.Tx, accts []bot.Account) error {
	for _, a := range accts {
		for {
			waiting, err := tx.PeopleAwaitingManager(a, reportsPage)
			if err != nil {
				return err
			}
			if len(waiting) == 0 {
				break
			}
			m, err := tx.FindPersonByAccount(a)
			if err != nil {
				return err
			}
			for _, q := range waiting {
				if q.ID != m.ID {
					q.ManagerID = m.ID
				}
				q.PendingManager = ""
				if err := tx.UpdatePerson(q); err != nil {
					return err
				}
			}
			if len(waiting) < reportsPage {
				break
			}
		}
	}
	return nil
}

// linkAccount binds an account the directories found to p, and records it:
// the account acts as p from now on.
func linkAccount(tx bot.Tx, p *bot.Person, a bot.Account, name string, now time.Time) error {
	if err := tx.LinkAccount(p.ID, a, name, now); err != nil {
		return err
	}
	return bot.Audit(tx, bot.AuditEntry{Kind: bot.AuditAccount, To: a.String(), Via: bot.ViaDirectory}, nil, p, now)
}

// mergeByContact merges p with the one other person who has its email or
// mobile, such as someone seeded from the config or imported from a
// directory that cannot be searched. Two or more others are ambiguous (a
// shared mailbox): nothing is merged.
func (d *Directories) mergeByContact(tx bot.Tx, p *bot.Person, now time.Time) error {
	email, mobile := "", ""
	if d.MatchEmail {
		email = p.Email
	}
	if d.MatchMobile {
		mobile = p.Mobile
	}
	people, err := tx.FindPeopleByContact(email, mobile)
	if err != nil {
		return err
	}
	var others []*bot.Person
	for _, q := range people {
		if q.ID != p.ID {
			others = append(others, q)
		}
	}
	switch len(others) {
	case 0:
		return nil
	case 1:
		_, err := mergePeople(tx, p, others[0], now)
		return err
	}
	d.log().Warn("directory: several people share an email or mobile; not merged", "person", p.ID, "others", len(others))
	return nil
}

// enrich fills what p lacks from a directory's profile: a real name where
// only the user id was known, email, mobile, and the mapped department.
func (d *Directories) enrich(tx bot.Tx, p *bot.Person, f found, now time.Time) (*bot.Person, error) {
	changed := false
	u := f.user
	if u.Name != "" && (p.Name == "" || p.Name == f.acct.UserID) {
		p.Name = u.Name
		// A handle made from the user id gives way to one from the name;
		// one the person or the config chose stays.
		if p.Handle == strings.ToLower(bot.HandleFrom(f.acct.UserID, f.acct.UserID)) {
			h, err := freeHandle(tx, bot.HandleFrom(u.Name, f.acct.UserID), p.ID)
			if err != nil {
				return nil, err
			}
			p.Handle = h
		}
		changed = true
	}
	if email := bot.NormalizeEmail(u.Email); email != "" && p.Email == "" {
		p.Email, changed = email, true
	}
	if mobile := bot.NormalizeMobile(u.Mobile); mobile != "" && p.Mobile == "" {
		p.Mobile, changed = mobile, true
	}
	org, err := organise(tx, p, f)
	if err != nil {
		return nil, err
	}
	if changed || org {
		if err := tx.UpdatePerson(p); err != nil {
			return nil, err
		}
	}
	if f.dept != "" {
		dept, err := tx.FindDepartmentByName(f.dept)
		if err != nil {
			return nil, err
		}
		if err := bot.MoveToDepartment(tx, p, dept, nil, bot.ViaDirectory, now); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// organise records the position and the manager a directory gives for p,
// unless the config sets them (it is the authority on those it names). A
// manager not known yet is remembered by account (PendingManager) and set
// by resolveReports when that account appears. It reports whether p
// changed.
func organise(tx bot.Tx, p *bot.Person, f found) (bool, error) {
	u := f.user
	if u.Position == "" && u.ManagerID == "" {
		return false, nil
	}
	seed, _, err := tx.PersonSeed(p.ID)
	if err != nil {
		return false, err
	}
	changed := false
	if u.Position != "" && seed.Position == "" && u.Position != p.Position {
		p.Position, changed = u.Position, true
	}
	if u.ManagerID == "" || seed.Manager != "" {
		return changed, nil
	}
	ma := bot.Account{Platform: f.acct.Platform, Workspace: f.acct.Workspace, UserID: u.ManagerID}
	m, err := tx.FindPersonByAccount(ma)
	switch {
	case bot.ErrorCode(err) == bot.ENOTFOUND:
		if p.PendingManager != ma.String() {
			p.PendingManager, changed = ma.String(), true
		}
	case err != nil:
		return false, err
	case m.ID != p.ID && (m.ID != p.ManagerID || p.PendingManager != ""):
		p.ManagerID, p.PendingManager, changed = m.ID, "", true
	}
	return changed, nil
}

// freeHandle returns base, or base with a number, such that nobody but
// person id has it.
func freeHandle(tx bot.Tx, base string, id int64) (string, error) {
	for n := 1; n < 1000; n++ {
		h := base
		if n > 1 {
			h = fmt.Sprintf("%s%d", base, n)
		}
		people, err := tx.FindPeopleByName(h)
		if err != nil {
			return "", err
		}
		taken := false
		for _, q := range people {
			if q.Handle == h && q.ID != id {
				taken = true
			}
		}
		if !taken {
			return h, nil
		}
	}
	return "", bot.Errorf(bot.ECONFLICT, "No free handle for %s.", "%s 没有可用的用户名。", base)
}

// deptByID maps a directory user's departments to a Tandem department
// through the mappings that name platform departments by id (mappings by
// name are resolved by the import, which lists the departments).
func (d *Directories) deptByID(src *Source, ids []string) string {
	for _, m := range d.Depts {
		if m.Platform != src.Platform || (m.App != "" && m.App != src.App) {
			continue
		}
		for _, id := range ids {
			if id == m.Ref {
				return m.Dept
			}
		}
	}
	return ""
}

type importJob struct{ d *Directories }

func (importJob) RunJob(context.Context, bot.Tx, *bot.Job, time.Time) error { return errFetchOnly }
func (j importJob) FetchTimeout() time.Duration                             { return j.d.timeout() }

// FetchJob lists the members of every mapped department, with their
// sub-departments, mapping in the config's order: a person in two mapped
// departments goes to the first.
func (j importJob) FetchJob(ctx context.Context, _ *bot.Job, now time.Time) (func(bot.Tx) error, error) {
	d := j.d
	var members []found
	seen := map[bot.Account]bool{}
	for i := range d.Sources {
		src := &d.Sources[i]
		var maps []DeptMapping
		for _, m := range d.Depts {
			if m.Platform == src.Platform && (m.App == "" || m.App == src.App) {
				maps = append(maps, m)
			}
		}
		if len(maps) == 0 {
			continue
		}
		if src.Workspace == "" {
			d.log().Warn("directory: not imported: the app's workspace is unknown", "platform", src.Platform, "app", src.App)
			continue
		}
		depts, err := src.Dir.Departments(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s %s departments: %w", src.Platform, src.App, err)
		}
		listed := map[string]bool{}
		for _, m := range maps {
			for _, id := range subtree(depts, m.Ref) {
				if listed[id] {
					continue // a sub-department mapped on its own, earlier
				}
				listed[id] = true
				us, err := src.Dir.Members(ctx, id)
				if err != nil {
					return nil, fmt.Errorf("%s %s members of %s: %w", src.Platform, src.App, id, err)
				}
				for _, u := range us {
					acct := bot.Account{Platform: src.Platform, Workspace: src.Workspace, UserID: u.UserID}
					if seen[acct] {
						continue
					}
					seen[acct] = true
					members = append(members, found{acct: acct, user: u, dept: m.Dept})
				}
			}
		}
	}
	return func(tx bot.Tx) error { return d.importMembers(tx, members, now) }, nil
}

// subtree returns the ids of the department ref names (by id, else by name)
// and of all departments below it.
func subtree(depts []bot.DirectoryDept, ref string) []string {
	var roots []string
	for _, dp := range depts {
		if dp.ID == ref {
			roots = []string{dp.ID}
			break
		}
		if dp.Name == ref {
			roots = append(roots, dp.ID)
		}
	}
	if len(roots) == 0 && ref != "" {
		// Not among the listed departments (the listing may leave out a
		// root the app cannot see): try it as an id.
		roots = []string{ref}
	}
	children := map[string][]string{}
	for _, dp := range depts {
		children[dp.ParentID] = append(children[dp.ParentID], dp.ID)
	}
	var out []string
	done := map[string]bool{}
	for len(roots) > 0 {
		id := roots[0]
		roots = roots[1:]
		if done[id] {
			continue
		}
		done[id] = true
		out = append(out, id)
		roots = append(roots, children[id]...)
	}
	return out
}

// importMembers creates or finds the person behind each member, links
// accounts that share an email or mobile, and sets departments. Accounts
// whose listing gave no email or mobile get a profile job, which reads them
// and searches the other directories.
func (d *Directories) importMembers(tx bot.Tx, members []found, now time.Time) error {
	created, profiled := 0, 0
	for _, f := range members {
		p, err := tx.FindPersonByAccount(f.acct)
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			if p, err = d.register(tx, f, now); err != nil {
				return err
			}
			created++
			if f.user.Email == "" && f.user.Mobile == "" {
				if _, err := scheduleProfile(tx, f.acct, now); err != nil {
					return err
				}
				profiled++
			}
		} else if err != nil {
			return err
		} else if err := admitListed(tx, p, now); err != nil {
			return err
		}
		if err := d.apply(tx, p, f, nil, now); err != nil {
			return err
		}
	}
	d.log().Info("directory import", "members", len(members), "new_people", created, "profiles_to_read", profiled)
	return nil
}

// admitListed lets in someone waiting for an admin (bot.registration:
// approval) whom the organisation's directory lists: the directory knows
// them, as it knows the people it creates. Someone an admin turned away
// stays turned away.
func admitListed(tx bot.Tx, p *bot.Person, now time.Time) error {
	if p.Admission != bot.AdmissionPending {
		return nil
	}
	p.Admission = ""
	if err := tx.UpdatePerson(p); err != nil {
		return err
	}
	return bot.Audit(tx, bot.AuditEntry{Kind: bot.AuditAdmission, From: string(bot.AdmissionPending), To: "member", Via: bot.ViaDirectory}, nil, p, now)
}

// register creates the person for an account first seen in a directory:
// the one person already known by its email or mobile (the account is bound
// to them, and that is recorded), or a new member.
func (d *Directories) register(tx bot.Tx, f found, now time.Time) (*bot.Person, error) {
	email, mobile := "", ""
	if d.MatchEmail {
		email = f.user.Email
	}
	if d.MatchMobile {
		mobile = f.user.Mobile
	}
	people, err := tx.FindPeopleByContact(email, mobile)
	if err != nil {
		return nil, err
	}
	if len(people) == 1 {
		return people[0], linkAccount(tx, people[0], f.acct, f.user.Name, now)
	}
	name := f.user.Name
	if name == "" {
		name = f.acct.UserID
	}
	p := &bot.Person{Name: name, Handle: bot.HandleFrom(name, f.acct.UserID), Email: f.user.Email, Mobile: f.user.Mobile, Role: bot.RoleMember}
	if err := tx.CreatePerson(p, now); err != nil {
		return nil, err
	}
	return p, tx.LinkAccount(p.ID, f.acct, f.user.Name, now)
}

// mergePeople merges two records of one human into the older, which keeps
// its handle and settings and takes from the newer what it lacks, and
// records it. The merge never raises a role: the record the config names
// keeps the role it has (the config is the authority on the people it
// names, and the directories matched this one to it by the email or
// mobile the config gives); otherwise the lower of the two roles stands.
func mergePeople(tx bot.Tx, a, b *bot.Person, now time.Time) (*bot.Person, error) {
	into, from := a, b
	if b.ID < a.ID {
		into, from = b, a
	}
	role, err := directoryMergeRole(tx, into, from)
	if err != nil {
		return nil, err
	}
	return into, bot.MergeRecords(tx, into, from, role, bot.AuditMerge, nil, bot.ViaDirectory, now)
}

// directoryMergeRole is the role of two records merged by the directories:
// that of the one the config names, if only one is; else the lower.
func directoryMergeRole(tx bot.Tx, a, b *bot.Person) (bot.Role, error) {
	_, aNamed, err := tx.PersonSeed(a.ID)
	if err != nil {
		return "", err
	}
	_, bNamed, err := tx.PersonSeed(b.ID)
	if err != nil {
		return "", err
	}
	switch {
	case aNamed && !bNamed:
		return a.Role, nil
	case bNamed && !aNamed:
		return b.Role, nil
	}
	return bot.LowerRole(a.Role, b.Role), nil
}
