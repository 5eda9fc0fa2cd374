package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/console"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/features"
	"github.com/tandemhq/tandem/storage/sqlite"
)

// seedWorld is a store and a bot over it, restarted by calling seed again
// as Main.Run does at every start.
type seedWorld struct {
	t   *testing.T
	db  *sqlite.DB
	bot *bot.Bot
	seq int
	now time.Time
}

func newSeedWorld(t *testing.T) *seedWorld {
	w := &seedWorld{t: t, now: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	w.db = sqlite.NewDB(filepath.Join(t.TempDir(), "t.db"))
	w.db.Log = slog.New(slog.DiscardHandler)
	if err := w.db.Open(); err != nil {
		t.Fatal(err)
	}
	w.bot = &bot.Bot{Store: w.db, Router: commands.NewRouter(features.Modules(features.Deps{Store: w.db, DueHour: 18})...), Now: func() time.Time { return w.now }, Log: slog.New(slog.DiscardHandler)}
	if err := w.bot.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.bot.Close(); w.db.Close() })
	return w
}

func (w *seedWorld) start(cfg Config) {
	w.t.Helper()
	if err := seed(context.Background(), w.db, cfg, w.now); err != nil {
		w.t.Fatal(err)
	}
}

func (w *seedWorld) say(user, text string) string {
	w.t.Helper()
	w.seq++
	ev := &bot.Event{Platform: bot.PlatformConsole, Workspace: console.Workspace, DedupKey: fmt.Sprint(w.seq), ChatID: "dm:" + user,
		ChatType: bot.ChatDirect, Sender: bot.Author{UserID: user, Name: user}, Text: text}
	res, err := w.bot.Accept(context.Background(), ev, 10*time.Second)
	if err != nil || !res.Done {
		w.t.Fatalf("%q: %+v %v", text, res, err)
	}
	var out []string
	for _, m := range res.Replies {
		out = append(out, console.Render(m))
	}
	return strings.Join(out, "\n")
}

func (w *seedWorld) person(handle string) (p *bot.Person, dept string) {
	w.t.Helper()
	err := w.db.View(context.Background(), func(tx bot.Tx) error {
		ps, err := tx.FindPeopleByName(handle)
		if err != nil || len(ps) != 1 {
			return fmt.Errorf("person %s: %v %v", handle, ps, err)
		}
		p = ps[0]
		if p.DeptID != 0 {
			d, err := tx.FindDepartmentByID(p.DeptID)
			if err != nil {
				return err
			}
			dept = d.Name
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return p, dept
}

// Ensure starting again with the config keeps what people chose themselves
// (language, time zone, department), while a value an admin changed in the
// file since the last start is applied; roles are the config's at every
// start, and a change of role is recorded once.
func TestSeed_PeoplesOwnSettingsWin(t *testing.T) {
	w := newSeedWorld(t)
	cfg := Config{
		Departments: []DepartmentConfig{{Name: "Design"}, {Name: "Sales"}, {Name: "Ops"}},
		People: []PersonConfig{
			{Name: "Root", Handle: "root", Role: "admin", Accounts: []string{"console:root"}},
			{Name: "Bob", Handle: "bob", Dept: "Design", Lang: "en", TZ: "Asia/Shanghai", Accounts: []string{"console:bob"}},
		},
	}
	w.start(cfg)
	if bob, dept := w.person("bob"); bob.Lang != bot.LangEN || bob.TZ != "Asia/Shanghai" || dept != "Design" || bob.Role != bot.RoleMember {
		t.Fatalf("bob as seeded: %+v in %s", bob, dept)
	}
	w.say("bob", "lang zh")
	w.say("bob", "tz Europe/Berlin")
	w.say("bob", "dept join Sales")

	w.start(cfg) // a restart with the same config
	bob, dept := w.person("bob")
	if bob.Lang != bot.LangZH || bob.TZ != "Europe/Berlin" || dept != "Sales" {
		t.Fatalf("after a restart bob is %s, %s, in %s; want his own zh-CN, Europe/Berlin, Sales", bob.Lang, bob.TZ, dept)
	}

	// An admin edits one field in the file: that field applies, the others
	// stay bob's.
	cfg.People[1].TZ = "Asia/Tokyo"
	w.start(cfg)
	if bob, dept = w.person("bob"); bob.TZ != "Asia/Tokyo" || bob.Lang != bot.LangZH || dept != "Sales" {
		t.Fatalf("after the zone changed in the file bob is %s, %s, in %s", bob.Lang, bob.TZ, dept)
	}
	cfg.People[1].Dept, cfg.People[1].Lang = "Ops", "zh"
	w.start(cfg)
	if bob, dept = w.person("bob"); dept != "Ops" || bob.Lang != bot.LangZH {
		t.Fatalf("after the department changed in the file bob is %s in %s", bob.Lang, dept)
	}

	// Roles are the config's: a change in the file applies and is recorded,
	// and a role changed otherwise goes back to the config's at the next
	// start.
	cfg.People[1].Role = "head"
	w.start(cfg)
	if bob, _ = w.person("bob"); bob.Role != bot.RoleHead {
		t.Fatalf("bob is a %s, want head", bob.Role)
	}
	w.start(cfg)
	if err := w.db.Update(context.Background(), func(tx bot.Tx) error {
		root, _ := w.person("root")
		return bot.SetRole(tx, root, bot.RoleMember, nil, bot.ViaChat, w.now)
	}); err != nil {
		t.Fatal(err)
	}
	w.start(cfg)
	if root, _ := w.person("root"); root.Role != bot.RoleAdmin {
		t.Fatalf("root is a %s after a start, want the config's admin", root.Role)
	}
	got := w.say("root", "admin audit @bob")
	for _, want := range []string{"the config changed the role of @bob from member to department head.",
		"the config moved @bob from Sales to Ops.", "@bob moved from Design to Sales.",
		"the config moved @bob from no department to Design.", "the config linked the account console:local:bob to @bob."} {
		if !strings.Contains(got, want) {
			t.Errorf("audit lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "changed the role"); n != 1 {
		t.Errorf("%d role changes recorded for one change and two starts:\n%s", n, got)
	}
}
