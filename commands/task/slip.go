package task

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/commands"
)

// JobSlipCheck runs at a dependant's due time and tells both owners of each
// blocker still open then (a blocker that became overdue past it). A
// blocker due after the dependant was told of when its date moved
// (tellSlipped); this job covers the slip that no command makes: time
// passing. It is a job row, not a timer, so a restart does not lose it.
const JobSlipCheck = "task.slip"

// slipCheck is the job's payload: the dependant and the due time the job
// was scheduled for. A job for a due time since moved finds it changed and
// does nothing; the move scheduled its own.
type slipCheck struct {
	Task int64 `json:"task"`
	Due  int64 `json:"due"` // Unix milliseconds
}

// scheduleSlipCheck schedules the check at tk's due time, once per task
// and due time (the dedup key names both).
func scheduleSlipCheck(tx bot.Tx, tk *task.Task, now time.Time) error {
	if tk.Due.IsZero() || !tk.Status.Open() || !tk.Due.After(now) {
		return nil
	}
	payload, err := json.Marshal(slipCheck{Task: tk.ID, Due: tk.Due.UnixMilli()})
	if err != nil {
		return err
	}
	_, err = tx.ScheduleJob(&bot.Job{Kind: JobSlipCheck, Payload: payload, RunAt: tk.Due,
		DedupKey: fmt.Sprintf("%s/%d/%d", JobSlipCheck, tk.ID, tk.Due.UnixMilli())}, now)
	return err
}

func (f *feature) runSlipCheck(_ context.Context, tx bot.Tx, job *bot.Job, now time.Time) error {
	var p slipCheck
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return fmt.Errorf("task: slip check payload: %w", err)
	}
	store := task.From(tx)
	dependant, err := store.FindTaskByID(p.Task)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if !dependant.Status.Open() || dependant.Due.UnixMilli() != p.Due {
		return nil
	}
	blockers, err := store.TaskBlockers(dependant.ID)
	if err != nil {
		return err
	}
	ppl := commands.NewPeople(tx)
	for _, b := range blockers {
		if !task.Slipped(b, dependant, now) || b.Due.After(dependant.Due) {
			continue
		}
		line := slipLine(b, dependant)
		for _, tk := range slipOwners(b, dependant, ppl) {
			key := fmt.Sprintf("%s/%d/%d/%d/%d", JobSlipCheck, dependant.ID, p.Due, b.ID, tk.OwnerID)
			nt := bot.Notice{To: ppl.Get(tk.OwnerID), Subject: Subject(tk)}
			if _, err := f.notifier().Tell(tx, key, nt, now, func(lang bot.Lang, loc *time.Location) bot.Message {
				return bot.Message{Text: line(reader{lang: lang, loc: loc, now: now}), Card: taskCard(tx, tk, ppl, now, loc, lang)}
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

// notifier is the host's, or one with the defaults in tests that give none.
func (f *feature) notifier() *bot.Notifier {
	return bot.NotifierOr(f.Notifier, f.DefaultLang, f.DefaultTZ)
}
