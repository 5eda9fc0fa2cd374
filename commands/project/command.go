package project

import "github.com/tandemhq/tandem/commands"

// command is the project command (owner: the commands helper replaces this
// placeholder).
func (f *feature) command() *commands.Command {
	return &commands.Command{Name: "project"}
}
