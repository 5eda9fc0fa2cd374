package commands_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/tandemhq/tandem/commands/commandstest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Ensure help is generated from the definitions (golden files, -update to rewrite).
func TestHelpGolden(t *testing.T) {
	h := commandstest.New(t)
	for _, c := range []struct{ file, in string }{
		{"help.en.golden", "help"}, {"help.zh.golden", "帮助"},
		{"help_task.en.golden", "help task"}, {"help_task.zh.golden", "帮助 任务"},
	} {
		got := h.Say("alice", c.in)
		path := filepath.Join("testdata", c.file)
		if *update {
			os.WriteFile(path, []byte(got), 0o644)
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s: got\n%s\nwant\n%s", c.in, got, want)
		}
	}
}
