package task

import (
	"testing"

	"github.com/tandemhq/tandem/commands"
)

// Ensure the Chinese verbs typed for buttons are real aliases of the task
// sub-commands, so the console's hints always work.
func TestButtonVerbsAreAliases(t *testing.T) {
	cmd := (&feature{}).command()
	for action, verb := range taskVerbsZH {
		s := findSub(cmd, action)
		if s == nil || !commands.Contains(s.Aliases, verb) {
			t.Errorf("button %q types %q, which is not an alias of task %s", action, verb, action)
		}
	}
}

func findSub(cmd *commands.Command, name string) *commands.Sub {
	for _, s := range cmd.Subs {
		if s.Name == name {
			return s
		}
	}
	return nil
}
