package directory_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands/commandstest"
	"github.com/tandemhq/tandem/commands/directory"
	"github.com/tandemhq/tandem/commands/features"
)

// memDir is an in-memory bot.Directory that records its calls.
type memDir struct {
	mu      sync.Mutex
	users   map[string]bot.DirectoryUser
	depts   []bot.DirectoryDept
	members map[string][]string // dept id → user ids
	fail    error               // answered to every call when set
	calls   []string
}

func (d *memDir) call(s string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, s)
	return d.fail
}

func (d *memDir) User(_ context.Context, id string) (bot.DirectoryUser, error) {
	if err := d.call("user " + id); err != nil {
		return bot.DirectoryUser{}, err
	}
	if u, ok := d.users[id]; ok {
		return u, nil
	}
	return bot.DirectoryUser{}, bot.Errorf(bot.ENOTFOUND, "no such user", "无此用户")
}

func (d *memDir) Lookup(_ context.Context, email, mobile string) (bot.DirectoryUser, error) {
	if err := d.call("lookup " + email + " " + mobile); err != nil {
		return bot.DirectoryUser{}, err
	}
	for _, u := range d.users {
		if (email != "" && bot.NormalizeEmail(u.Email) == email) || (mobile != "" && bot.NormalizeMobile(u.Mobile) == mobile) {
			return u, nil
		}
	}
	return bot.DirectoryUser{}, bot.Errorf(bot.ENOTFOUND, "no such user", "无此用户")
}

func (d *memDir) Departments(context.Context) ([]bot.DirectoryDept, error) {
	return d.depts, d.call("departments")
}

func (d *memDir) Members(_ context.Context, dept string) ([]bot.DirectoryUser, error) {
	if err := d.call("members " + dept); err != nil {
		return nil, err
	}
	var out []bot.DirectoryUser
	for _, id := range d.members[dept] {
		u := d.users[id]
		u.Depts = []string{dept}
		out = append(out, u)
	}
	return out, nil
}

// dirHarness is the command harness with directories for Slack (T1) and
// Feishu (tk1), wired as cmd wires them.
func dirHarness(t *testing.T) (*commandstest.Harness, *directory.Directories, *memDir, *memDir) {
	slackDir := &memDir{users: map[string]bot.DirectoryUser{
		"UALICE": {UserID: "UALICE", Name: "Alice Wang", Email: "Alice@Example.com"},
		"UBOB":   {UserID: "UBOB", Name: "Bob", Mobile: "+86 138-0000-0002"},
	}}
	feishuDir := &memDir{users: map[string]bot.DirectoryUser{
		"ou_alice": {UserID: "ou_alice", Name: "王爱丽", Email: "alice@example.com"},
		"ou_bob":   {UserID: "ou_bob", Name: "Bob", Mobile: "13800000002"},
	}}
	d := &directory.Directories{MatchEmail: true, MatchMobile: true, Log: slog.New(slog.DiscardHandler), Sources: []directory.Source{
		{Platform: bot.PlatformSlack, Workspace: "T1", Dir: slackDir},
		{Platform: bot.PlatformFeishu, Workspace: "tk1", App: "main", Dir: feishuDir},
	}}
	h := commandstest.New(t, func(deps *features.Deps) { deps.Directories = d })
	h.Bot.OnNewAccount = d.OnNewAccount
	return h, d, slackDir, feishuDir
}

// runDirJobs runs every pending directory job the way the scheduler does:
// the fetch outside a unit, then its apply inside one.
func runDirJobs(h *commandstest.Harness, d *directory.Directories) error {
	h.T.Helper()
	handlers := d.Handlers()
	for _, j := range h.Jobs(bot.JobFilter{State: bot.JobPending}) {
		f, ok := handlers[j.Kind].(bot.JobFetcher)
		if !ok {
			continue
		}
		apply, err := f.FetchJob(context.Background(), j, h.Now())
		if err != nil {
			return err
		}
		err = h.DB.Update(context.Background(), func(tx bot.Tx) error {
			if apply != nil {
				if err := apply(tx); err != nil {
					return err
				}
			}
			return tx.CompleteJob(j.ID, time.Time{}, h.Now())
		})
		if err != nil {
			h.T.Fatal(err)
		}
	}
	return nil
}

// Ensure a Slack account seen for the first time gets its profile from
// Slack's directory, and that the Feishu account with the same email (in
// another case) becomes the same person, keeping the older record.
func TestDirectory_ProfileLinksByEmail(t *testing.T) {
	h, d, slackDir, feishuDir := dirHarness(t)
	h.SendOn(bot.PlatformFeishu, "tk1", "ou_alice", "王爱丽", "whoami")
	h.SendOn(bot.PlatformSlack, "T1", "UBOB", "", "whoami")
	h.SendOn(bot.PlatformSlack, "T1", "UBOB", "", `task new "Budget review" <@UALICE>`)

	profiles := h.Jobs(bot.JobFilter{Kind: directory.JobProfile})
	if len(profiles) != 3 { // ou_alice, UBOB and the mentioned UALICE
		t.Fatalf("profile jobs: %d, want one per new account: 3", len(profiles))
	}
	if err := runDirJobs(h, d); err != nil {
		t.Fatal(err)
	}
	alice := h.PersonOf(bot.Account{Platform: bot.PlatformFeishu, Workspace: "tk1", UserID: "ou_alice"})
	if got := h.PersonOf(bot.Account{Platform: bot.PlatformSlack, Workspace: "T1", UserID: "UALICE"}); got.ID != alice.ID {
		t.Fatalf("Slack UALICE is person %d, Feishu ou_alice %d: not linked", got.ID, alice.ID)
	}
	if alice.Email != "alice@example.com" || alice.Home.Platform != bot.PlatformFeishu {
		t.Fatalf("alice after the merge: %+v", alice)
	}
	if tk := h.Task(1); tk.OwnerID != alice.ID {
		t.Fatalf("task owner %d, want alice %d", tk.OwnerID, alice.ID)
	}
	if !slices.Contains(slackDir.calls, "user UALICE") || !slices.Contains(feishuDir.calls, "lookup alice@example.com ") {
		t.Fatalf("calls: slack %q feishu %q", slackDir.calls, feishuDir.calls)
	}

	// Bob had no name (a Slack event gives none): the directory's is used,
	// and his mobile (+86, dashes) finds his Feishu account, which had not
	// written yet: it is linked to him, so he can be reached there.
	bob := h.PersonOf(bot.Account{Platform: bot.PlatformSlack, Workspace: "T1", UserID: "UBOB"})
	if bob.Name != "Bob" || bob.Handle != "bob" || bob.Mobile != "13800000002" {
		t.Fatalf("bob: %+v", bob)
	}
	if got := h.PersonOf(bot.Account{Platform: bot.PlatformFeishu, Workspace: "tk1", UserID: "ou_bob"}); got.ID != bob.ID {
		t.Fatalf("Feishu ou_bob is person %d, want bob %d", got.ID, bob.ID)
	}
	if reply := h.SendOn(bot.PlatformFeishu, "tk1", "ou_alice", "王爱丽", "task"); !strings.Contains(reply, "Budget review") {
		t.Fatalf("alice's list on Feishu: %q", reply)
	}
}

// Ensure someone seeded with an email (from the config) is merged with the
// account the directory says has it; two people sharing one email (a
// shared mailbox) are left alone; and matching can be turned off.
func TestDirectory_MergeByContact(t *testing.T) {
	h, d, slackDir, _ := dirHarness(t)
	slackDir.users["UCAROL"] = bot.DirectoryUser{UserID: "UCAROL", Name: "Carol", Email: "carol@example.com"}
	slackDir.users["UTEAM"] = bot.DirectoryUser{UserID: "UTEAM", Name: "Team", Email: "team@example.com"}
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		for _, p := range []*bot.Person{
			{Name: "Carol", Handle: "carol", Email: "CAROL@example.com", Role: bot.RoleAdmin},
			{Name: "Team A", Handle: "team-a", Email: "team@example.com"},
			{Name: "Team B", Handle: "team-b", Email: "team@example.com"},
		} {
			if err := tx.CreatePerson(p, commandstest.Friday10); err != nil {
				return err
			}
		}
		// carol is named in the config, as cmd's seed records it.
		return tx.SetPersonSeed(1, bot.PersonSeed{Role: string(bot.RoleAdmin)})
	})
	if err != nil {
		t.Fatal(err)
	}
	h.SendOn(bot.PlatformSlack, "T1", "UCAROL", "", "hi")
	h.SendOn(bot.PlatformSlack, "T1", "UTEAM", "", "hi")
	if err := runDirJobs(h, d); err != nil {
		t.Fatal(err)
	}
	carol := h.PersonOf(bot.Account{Platform: bot.PlatformSlack, Workspace: "T1", UserID: "UCAROL"})
	if carol.Handle != "carol" || carol.Role != bot.RoleAdmin {
		t.Fatalf("UCAROL is %+v, want the seeded admin carol", carol)
	}
	if team := h.PersonOf(bot.Account{Platform: bot.PlatformSlack, Workspace: "T1", UserID: "UTEAM"}); team.Handle == "team-a" || team.Handle == "team-b" {
		t.Fatalf("a shared email was merged into %s", team.Handle)
	}

	// Matching off: a new account is profiled but linked to no one.
	d.MatchEmail, d.MatchMobile = false, false
	slackDir.users["UDAVE"] = bot.DirectoryUser{UserID: "UDAVE", Name: "Dave", Email: "carol@example.com"}
	h.SendOn(bot.PlatformSlack, "T1", "UDAVE", "", "hi")
	if err := runDirJobs(h, d); err != nil {
		t.Fatal(err)
	}
	if dave := h.PersonOf(bot.Account{Platform: bot.PlatformSlack, Workspace: "T1", UserID: "UDAVE"}); dave.ID == carol.ID || dave.Name != "Dave" {
		t.Fatalf("with matching off, UDAVE is %+v", dave)
	}
}

// Ensure a merge by the directories never raises a role: two records of
// which the config names neither keep the lower role (an admin record and a
// member record with one email become a member), a record the config names
// keeps the role it has, and both merges are in the audit log.
func TestDirectory_MergeNeverRaisesRole(t *testing.T) {
	h, d, slackDir, _ := dirHarness(t)
	slackDir.users["UERIN"] = bot.DirectoryUser{UserID: "UERIN", Name: "Erin", Email: "erin@example.com"}
	slackDir.users["UFRED"] = bot.DirectoryUser{UserID: "UFRED", Name: "Fred", Email: "fred@example.com"}
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		erin := &bot.Person{Name: "Erin", Handle: "erin", Email: "erin@example.com", Role: bot.RoleAdmin}
		fred := &bot.Person{Name: "Fred", Handle: "fred", Email: "fred@example.com", Role: bot.RoleMember}
		for _, p := range []*bot.Person{erin, fred} {
			if err := tx.CreatePerson(p, commandstest.Friday10); err != nil {
				return err
			}
		}
		// The config names fred as a member; erin is an older admin
		// record it does not name.
		return tx.SetPersonSeed(fred.ID, bot.PersonSeed{Role: string(bot.RoleMember)})
	})
	if err != nil {
		t.Fatal(err)
	}
	// A Slack account that was made an admin some other way (as a link did
	// before links kept the lower role) has fred's email.
	h.SendOn(bot.PlatformSlack, "T1", "UFRED", "", "hi")
	h.SendOn(bot.PlatformSlack, "T1", "UERIN", "", "hi")
	err = h.DB.Update(context.Background(), func(tx bot.Tx) error {
		p, err := tx.FindPersonByAccount(bot.Account{Platform: bot.PlatformSlack, Workspace: "T1", UserID: "UFRED"})
		if err != nil {
			return err
		}
		p.Role = bot.RoleAdmin
		return tx.UpdatePerson(p)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := runDirJobs(h, d); err != nil {
		t.Fatal(err)
	}
	erin := h.PersonOf(bot.Account{Platform: bot.PlatformSlack, Workspace: "T1", UserID: "UERIN"})
	if erin.Handle != "erin" || erin.Role != bot.RoleMember {
		t.Fatalf("UERIN merged with the admin record erin is %s, a %s; want erin, a member", erin.Handle, erin.Role)
	}
	fred := h.PersonOf(bot.Account{Platform: bot.PlatformSlack, Workspace: "T1", UserID: "UFRED"})
	if fred.Handle != "fred" || fred.Role != bot.RoleMember {
		t.Fatalf("UFRED merged with the config's fred is %s, a %s; want fred, a member", fred.Handle, fred.Role)
	}
	h.Admin("root")
	h.Expect("root", "admin audit @erin", "the directory found @", "to be one person and merged them into @erin",
		"the directory changed the role of @erin from admin to member")
	h.Expect("root", "admin audit @fred", "merged them into @fred")
}

// Ensure a directory that fails (rate limit, outage) fails the job so the
// scheduler retries it, instead of recording half an answer.
func TestDirectory_FailureIsRetried(t *testing.T) {
	h, d, _, feishuDir := dirHarness(t)
	feishuDir.fail = errors.New("feishu: 429 too many requests")
	h.SendOn(bot.PlatformSlack, "T1", "UALICE", "", "hi")
	if err := runDirJobs(h, d); err == nil || !strings.Contains(err.Error(), "429") {
		t.Fatalf("fetch error = %v, want the lookup's failure", err)
	}
}

// Ensure the import takes the members of a mapped department (by name) and
// of its sub-departments, puts them in the Tandem department, links those
// already known by email, leaves unmapped departments alone, asks for the
// profile of members listed without contact details, and changes nothing
// when run again.
func TestDirectory_Import(t *testing.T) {
	h, d, _, feishuDir := dirHarness(t)
	feishuDir.depts = []bot.DirectoryDept{
		{ID: "od-design", Name: "Design"}, {ID: "od-posters", Name: "Posters", ParentID: "od-design"}, {ID: "od-sales", Name: "Sales"},
	}
	feishuDir.users["ou_carol"] = bot.DirectoryUser{UserID: "ou_carol", Name: "Carol", Email: "carol@example.com"}
	feishuDir.users["ou_dan"] = bot.DirectoryUser{UserID: "ou_dan", Name: "Dan"}
	feishuDir.users["ou_erin"] = bot.DirectoryUser{UserID: "ou_erin", Name: "Erin"}
	feishuDir.members = map[string][]string{"od-design": {"ou_carol"}, "od-posters": {"ou_dan", "ou_alice"}, "od-sales": {"ou_erin"}}
	d.Depts = []directory.DeptMapping{{Dept: "Design", Platform: bot.PlatformFeishu, Ref: "Design"}}
	h.Admin("carol") // the console's carol, given the same email below
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		p, err := tx.FindPeopleByName("carol")
		if err != nil {
			return err
		}
		p[0].Email = "carol@example.com"
		if err := tx.UpdatePerson(p[0]); err != nil {
			return err
		}
		return tx.CreateDepartment(&bot.Department{Name: "Design"})
	})
	if err != nil {
		t.Fatal(err)
	}
	h.Expect("carol", "admin directory sync", "Importing the mapped departments now")
	if err := runDirJobs(h, d); err != nil {
		t.Fatal(err)
	}
	design := h.Person("carol").DeptID
	if design == 0 {
		t.Fatal("carol (known by email) not put in Design")
	}
	for _, id := range []string{"ou_carol", "ou_dan", "ou_alice"} {
		p := h.PersonOf(bot.Account{Platform: bot.PlatformFeishu, Workspace: "tk1", UserID: id})
		if p.DeptID != design {
			t.Errorf("%s (%s) in department %d, want Design %d", id, p.Name, p.DeptID, design)
		}
	}
	if h.PersonOf(bot.Account{Platform: bot.PlatformFeishu, Workspace: "tk1", UserID: "ou_carol"}).Handle != "carol" {
		t.Error("ou_carol not linked to carol by email")
	}
	var erin error
	h.DB.View(context.Background(), func(tx bot.Tx) error {
		_, erin = tx.FindPersonByAccount(bot.Account{Platform: bot.PlatformFeishu, Workspace: "tk1", UserID: "ou_erin"})
		return nil
	})
	if bot.ErrorCode(erin) != bot.ENOTFOUND {
		t.Errorf("erin of the unmapped Sales was imported: %v", erin)
	}
	if slices.Contains(feishuDir.calls, "members od-sales") {
		t.Error("the unmapped department was listed")
	}
	// Dan was listed without email or mobile: his profile is read next.
	var danProfile bool
	for _, j := range h.Jobs(bot.JobFilter{Kind: directory.JobProfile, State: bot.JobPending}) {
		danProfile = danProfile || strings.Contains(string(j.Payload), "ou_dan")
	}
	if !danProfile {
		t.Error("no profile job for ou_dan")
	}

	count := func() int {
		n := 0
		for _, name := range []string{"carol", "Dan", "王爱丽"} {
			h.DB.View(context.Background(), func(tx bot.Tx) error {
				ps, _ := tx.FindPeopleByName(name)
				n += len(ps)
				return nil
			})
		}
		return n
	}
	before := count()
	h.Expect("carol", "admin directory sync", "Importing")
	if err := runDirJobs(h, d); err != nil {
		t.Fatal(err)
	}
	if after := count(); after != before || before != 3 {
		t.Fatalf("people: %d before, %d after a second import; want 3 both times", before, after)
	}
	h.Expect("carol", "admin directory", "feishu/main", "Design ← feishu:Design", "Accounts are linked by: email, mobile")
	h.Expect("bob", "admin directory", "Only admins")
}

// Ensure the import records positions and managers: a manager listed after
// their report, and one outside the mapped departments who appears only
// later (by writing), are both set once known; a merge keeps the manager.
func TestDirectory_ImportManagers(t *testing.T) {
	h, d, _, feishuDir := dirHarness(t)
	feishuDir.depts = []bot.DirectoryDept{{ID: "od-design", Name: "Design"}}
	feishuDir.users["ou_dan"] = bot.DirectoryUser{UserID: "ou_dan", Name: "Dan", Email: "dan@example.com", Position: "Illustrator", ManagerID: "ou_carol"}
	feishuDir.users["ou_carol"] = bot.DirectoryUser{UserID: "ou_carol", Name: "Carol", Email: "carol@example.com", Position: "Head of Design", ManagerID: "ou_vp"}
	feishuDir.users["ou_vp"] = bot.DirectoryUser{UserID: "ou_vp", Name: "Vera", Email: "vera@example.com", Position: "VP"}
	feishuDir.members = map[string][]string{"od-design": {"ou_dan", "ou_carol"}}
	d.Depts = []directory.DeptMapping{{Dept: "Design", Platform: bot.PlatformFeishu, Ref: "od-design"}}
	h.Admin("root")
	if err := h.DB.Update(context.Background(), func(tx bot.Tx) error { return tx.CreateDepartment(&bot.Department{Name: "Design"}) }); err != nil {
		t.Fatal(err)
	}
	h.Expect("root", "admin directory sync", "Importing")
	if err := runDirJobs(h, d); err != nil {
		t.Fatal(err)
	}
	acct := func(id string) bot.Account {
		return bot.Account{Platform: bot.PlatformFeishu, Workspace: "tk1", UserID: id}
	}
	dan, carol := h.PersonOf(acct("ou_dan")), h.PersonOf(acct("ou_carol"))
	if dan.Position != "Illustrator" || dan.ManagerID != carol.ID || dan.PendingManager != "" {
		t.Fatalf("dan = %+v; want an Illustrator reporting to carol %d", dan, carol.ID)
	}
	if carol.ManagerID != 0 || carol.PendingManager != acct("ou_vp").String() {
		t.Fatalf("carol = %+v; want her manager pending as %s", carol, acct("ou_vp"))
	}

	// Vera writes: her profile is read, and carol's manager is set.
	h.SendOn(bot.PlatformFeishu, "tk1", "ou_vp", "Vera", "whoami")
	if err := runDirJobs(h, d); err != nil {
		t.Fatal(err)
	}
	vera := h.PersonOf(acct("ou_vp"))
	if carol = h.PersonOf(acct("ou_carol")); carol.ManagerID != vera.ID || carol.PendingManager != "" {
		t.Fatalf("carol = %+v; want reporting to vera %d", carol, vera.ID)
	}
	if vera.Position != "VP" {
		t.Fatalf("vera = %+v", vera)
	}
}

// Ensure the position and manager the config sets stand: the directory's
// are applied only to what the config leaves unset.
func TestDirectory_ConfigOrgStands(t *testing.T) {
	h, d, _, feishuDir := dirHarness(t)
	feishuDir.users["ou_dan"] = bot.DirectoryUser{UserID: "ou_dan", Name: "Dan", Position: "Illustrator", ManagerID: "ou_alice"}
	h.SendOn(bot.PlatformFeishu, "tk1", "ou_alice", "王爱丽", "whoami")
	h.SendOn(bot.PlatformFeishu, "tk1", "ou_dan", "Dan", "whoami")
	h.Meet("boss")
	dan := h.PersonOf(bot.Account{Platform: bot.PlatformFeishu, Workspace: "tk1", UserID: "ou_dan"})
	boss := h.Person("boss")
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		dan.ManagerID = boss.ID
		if err := tx.UpdatePerson(dan); err != nil {
			return err
		}
		return tx.SetPersonSeed(dan.ID, bot.PersonSeed{Manager: "boss"}) // as the config's seed records it
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := runDirJobs(h, d); err != nil {
		t.Fatal(err)
	}
	dan = h.PersonOf(bot.Account{Platform: bot.PlatformFeishu, Workspace: "tk1", UserID: "ou_dan"})
	if dan.ManagerID != boss.ID || dan.PendingManager != "" || dan.Position != "Illustrator" {
		t.Fatalf("dan = %+v; want the config's manager boss %d kept, the directory's position taken", dan, boss.ID)
	}
}

// With registration approval on, the directory import's people are members
// at once: those it creates, and one who wrote first and was waiting for
// an admin. Someone an admin turned away stays so.
func TestDirectory_ImportedPeopleNotPending(t *testing.T) {
	h, d, _, feishuDir := dirHarness(t)
	feishuDir.depts = []bot.DirectoryDept{{ID: "od-design", Name: "Design"}}
	feishuDir.users["ou_dan"] = bot.DirectoryUser{UserID: "ou_dan", Name: "Dan", Email: "dan@example.com"}
	feishuDir.users["ou_erin"] = bot.DirectoryUser{UserID: "ou_erin", Name: "Erin", Email: "erin@example.com"}
	feishuDir.users["ou_fay"] = bot.DirectoryUser{UserID: "ou_fay", Name: "Fay", Email: "fay@example.com"}
	feishuDir.members = map[string][]string{"od-design": {"ou_dan", "ou_erin", "ou_fay"}}
	d.Depts = []directory.DeptMapping{{Dept: "Design", Platform: bot.PlatformFeishu, Ref: "Design"}}
	h.Admin("carol")
	if err := h.DB.Update(context.Background(), func(tx bot.Tx) error { return tx.CreateDepartment(&bot.Department{Name: "Design"}) }); err != nil {
		t.Fatal(err)
	}
	h.Bot.Approval = true
	h.SendOn(bot.PlatformFeishu, "tk1", "ou_erin", "Erin", "hello")
	h.SendOn(bot.PlatformFeishu, "tk1", "ou_fay", "Fay", "hello")
	erin := bot.Account{Platform: bot.PlatformFeishu, Workspace: "tk1", UserID: "ou_erin"}
	fay := bot.Account{Platform: bot.PlatformFeishu, Workspace: "tk1", UserID: "ou_fay"}
	if p := h.PersonOf(erin); p.Admission != bot.AdmissionPending {
		t.Fatalf("erin wrote first: admission %q, want pending", p.Admission)
	}
	h.Expect("carol", "people reject @fay", "turned away")
	h.Expect("carol", "admin directory sync", "Importing")
	if err := runDirJobs(h, d); err != nil {
		t.Fatal(err)
	}
	dan := h.PersonOf(bot.Account{Platform: bot.PlatformFeishu, Workspace: "tk1", UserID: "ou_dan"})
	if !dan.Admitted() || !h.PersonOf(erin).Admitted() {
		t.Fatalf("imported people not members: dan %q, erin %q", dan.Admission, h.PersonOf(erin).Admission)
	}
	if p := h.PersonOf(fay); p.Admission != bot.AdmissionRefused {
		t.Fatalf("a refused person listed by the directory: admission %q, want refused", p.Admission)
	}
	if got := h.SendOn(bot.PlatformFeishu, "tk1", "ou_erin", "Erin", "whoami"); !strings.Contains(got, "Erin") || strings.Contains(got, "approve") {
		t.Fatalf("erin, imported, was still kept out: %q", got)
	}
}
