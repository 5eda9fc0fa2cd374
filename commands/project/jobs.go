package project

import "github.com/tandemhq/tandem/bot"

// jobs are the project job kinds (owner: the progress helper replaces this
// placeholder).
func (f *feature) jobs() map[string]bot.JobHandler { return nil }
