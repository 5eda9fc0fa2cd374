package commands

import (
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Module is one feature's chat surface, as the router and the scheduler see
// it: its commands, the job kinds it schedules with their handlers, and the
// recurring system jobs it needs. A feature's package builds its Module from
// the dependencies it is given (its constructor's arguments); the router
// and cmd/tandem know nothing else about it.
type Module struct {
	// Name names the feature in wiring errors ("task", "remind").
	Name string
	// Commands are registered in order; help lists them in that order.
	Commands []*Command
	// Jobs are the job kinds the feature schedules, with their handlers.
	Jobs map[string]bot.JobHandler
	// SystemJobs are recurring jobs kept in step with the code at start
	// (EnsureSystemJobs).
	SystemJobs []SystemJob
	// Listen, when set, is offered a typed message that names no command
	// (a standup's answer is the member's next message): it reports whether
	// it took the message. Listeners are asked in module order; when none
	// takes it, the message gets the usual "I don't know" reply.
	Listen func(c *Ctx) (handled bool, err error)
	// Guard, when set, is offered every request (typed or a button) before
	// its command is looked up: one it handles goes no further, so no
	// command and no listener runs for it (people waiting for an admin,
	// commands/people). Guards are asked in module order.
	Guard func(c *Ctx) (handled bool, err error)
}

// SystemJob is a recurring job a feature needs whatever anyone types: the
// digest sweep, the directory import. It is stored once under Key; a
// schedule that changed between releases replaces the stored one, and an
// empty Schedule (the feature is switched off) cancels it.
type SystemJob struct {
	Kind     string
	Schedule string // a schedule bot.Job accepts; "" to cancel
	TZ       string
	Key      string // the job's DedupKey, e.g. "system/digest"
	// First, when set, is when a newly stored job first runs; nil runs it
	// at once. A job that tells people (a weekly digest) waits for its
	// first occurrence rather than greet a fresh install with last week.
	First func(now time.Time) time.Time
}

// EnsureSystemJobs keeps every module's system jobs in step with the code,
// in the unit tx; cmd/tandem runs it at start. A job is due at once, so a
// new schedule takes effect at start.
func EnsureSystemJobs(tx bot.JobTx, now time.Time, modules ...Module) error {
	for _, m := range modules {
		for _, sj := range m.SystemJobs {
			if err := ensureSystemJob(tx, sj, now); err != nil {
				return err
			}
		}
	}
	return nil
}

func ensureSystemJob(tx bot.JobTx, sj SystemJob, now time.Time) error {
	if sj.Schedule != "" {
		at := now
		if sj.First != nil {
			at = sj.First(now)
		}
		return bot.EnsureJob(tx, &bot.Job{Kind: sj.Kind, Schedule: sj.Schedule, TZ: sj.TZ, DedupKey: sj.Key, RunAt: at}, now)
	}
	// By its key, not its kind: a scan of the pending jobs for the kind made
	// every start as slow as the backlog is long (250 ms for a million).
	return bot.CancelJobs(tx, sj.Key, now)
}
