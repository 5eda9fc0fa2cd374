package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Ensure the module's packages keep the direction of imports. The imports
// are production code's: tests may reach further (bot's tests run against
// storage/sqlite). They are read from the sources with go/parser rather than
// from `go list`, so that go test's cache sees the files and runs the check
// again when one changes; files for every platform are read, not only this
// one's.
func TestImportsPointTowardBot(t *testing.T) {
	imports := map[string][]string{}
	root := "../.."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		pkg := Module + "/" + filepath.ToSlash(rel)
		for _, imp := range f.Imports {
			dep, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return err
			}
			imports[pkg] = append(imports[pkg], dep)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"bot", "adapters/slack", "commands", "scheduler", "storage/sqlite", "cmd/tandem"} {
		if _, ok := imports[Module+"/"+want]; !ok {
			t.Fatalf("found no package %s: the check would pass on nothing", want)
		}
	}
	if v := Violations(imports); len(v) > 0 {
		t.Fatalf("imports against the architecture's direction (docs/architecture.md):\n%s", strings.Join(v, "\n"))
	}
}

// Ensure each rule catches what it forbids and lets through what it allows.
func TestViolations(t *testing.T) {
	m := func(rel string) string { return Module + "/" + rel }
	for _, tc := range []struct {
		from, to string
		bad      bool
	}{
		{"bot", "storage/sqlite", true},
		{"bot/task", "commands", true},
		{"bot", "adapters/slack", true},
		{"bot", "scheduler", true},
		{"bot", "cmd/tandem", true},
		{"bot/task", "bot", false},
		{"bot", "github.com/robfig/cron/v3", false},
		{"adapters/slack", "commands", true},
		{"adapters/slack", "scheduler", true},
		{"adapters/slack", "storage/sqlite", true},
		{"adapters/slack", "adapters/feishu", true},
		{"adapters/slack/slacktest", "adapters/feishu/feishutest", true},
		{"adapters/slack", "adapters/webhook", false},
		{"adapters/slack", "adapters/httpserver", false},
		{"adapters/slack/slacktest", "adapters/adaptertest", false},
		{"adapters/slack/slacktest", "adapters/slack", false},
		{"adapters/slack", "bot", false},
		{"adapters/webhook", "adapters/slack", true},
		{"adapters/draw", "bot/picture", false},
		{"adapters/draw", "adapters/slack", true},
		{"adapters/slack", "adapters/draw", true},
		{"commands/project", "adapters/draw", true}, // features get a picture.Painter, wired in cmd/
		{"cmd/tandem", "adapters/draw", false},
		{"commands", "adapters/console", true},
		{"commands/task", "scheduler", true},
		{"commands", "storage/sqlite", true},
		{"commands/task", "bot/task", false},
		{"scheduler", "storage/sqlite", true},
		{"scheduler", "commands", true},
		{"scheduler", "bot/workcal", false},
		{"storage/sqlite", "adapters/slack", true},
		{"storage/sqlite", "commands", true},
		{"storage/sqlite", "scheduler", true},
		{"storage/storetest/memstore", "storage/storetest", false},
		{"storage/sqlite", "bot", false},
		{"cmd/tandem", "adapters/slack", false},
		{"cmd/tandem", "storage/sqlite", false},
		{"cmd/tandem", "commands", false},
		{"cmd/jobload", "cmd/tandem", true},
		{"commands/commandstest", "storage/sqlite", false},
		{"commands/commandstest", "adapters/console", false},
		{"commands/commandstest", "cmd/tandem", true},
		{"commands/task", "commands/commandstest", true},
		{"adapters/slack", "adapters/slack/slacktest", true},
		{"cmd/tandem", "adapters/slack/slacktest", true},
		{"storage/storetest/memstore", "storage/sqlite", false},
	} {
		v := Violations(map[string][]string{m(tc.from): {m(tc.to)}})
		if tc.to == "github.com/robfig/cron/v3" {
			v = Violations(map[string][]string{m(tc.from): {tc.to}})
		}
		if got := len(v) > 0; got != tc.bad {
			t.Errorf("%s → %s: violations %v, want bad=%v", tc.from, tc.to, v, tc.bad)
		}
	}
	// Every violation is reported, in order.
	v := Violations(map[string][]string{m("storage/sqlite"): {m("commands"), m("adapters/slack")}, m("bot"): {m("scheduler")}})
	if len(v) != 3 || !slices.IsSorted(v) || !strings.HasPrefix(v[0], "bot imports scheduler") {
		t.Errorf("violations = %q", v)
	}
}
