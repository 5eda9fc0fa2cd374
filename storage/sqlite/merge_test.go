package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
)

// Ensure a merge moves every reference to the person merged away: tasks
// owned, created and acted on, reminders set by and for them.
func TestPeople_MergeMovesEverything(t *testing.T) {
	db := MustOpenDB(t, "")
	from, into, other := mustPerson(t, db, "Ann"), mustPerson(t, db, "Bob"), mustPerson(t, db, "Cy")
	var tasks []*task.Task
	var jobs []*bot.Job
	mustUpdate(t, db, func(tx bot.Tx) error {
		for _, tk := range []*task.Task{
			{Title: "own open", OwnerID: from.ID, CreatorID: from.ID, Status: task.Todo},
			{Title: "own done", OwnerID: from.ID, CreatorID: from.ID, Status: task.Done, ClosedAt: t0},
			{Title: "made for cy", OwnerID: other.ID, CreatorID: from.ID, Status: task.Todo},
			{Title: "made unassigned", CreatorID: from.ID, Status: task.Cancelled, ClosedAt: t0},
			{Title: "cy's", OwnerID: other.ID, CreatorID: other.ID, Status: task.Todo},
		} {
			tk.Priority, tk.CreatedAt, tk.UpdatedAt = task.PriorityNormal, t0, t0
			if err := task.From(tx).CreateTask(tk); err != nil {
				return err
			}
			if err := task.From(tx).AddTaskEvent(&task.Event{TaskID: tk.ID, ActorID: from.ID, Kind: task.Commented, At: t0}); err != nil {
				return err
			}
			tasks = append(tasks, tk)
		}
		for _, j := range []*bot.Job{
			{OwnerID: from.ID, SubjectID: other.ID, Payload: fmt.Appendf(nil, `{"text":"a","to_person":%d,"set_by":%d}`, other.ID, from.ID)},
			{OwnerID: other.ID, SubjectID: from.ID, Payload: fmt.Appendf(nil, `{"text":"b","to_person":%d,"set_by":%d}`, from.ID, other.ID)},
			{OwnerID: from.ID, SubjectID: from.ID, Payload: fmt.Appendf(nil, `{"text":"c","to_person":%d,"set_by":%d}`, from.ID, from.ID)},
		} {
			j.Kind, j.RunAt = "reminder", t0
			if _, err := tx.ScheduleJob(j, t0); err != nil {
				return err
			}
			jobs = append(jobs, j)
		}
		return tx.MergePeople(from.ID, into.ID)
	})
	moved := func(id int64) int64 {
		if id == from.ID {
			t.Errorf("person %d is still referred to after the merge", id)
		}
		return id
	}
	db.View(context.Background(), func(tx bot.Tx) error {
		for _, tk := range tasks {
			got, err := task.From(tx).FindTaskByID(tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			moved(got.OwnerID)
			moved(got.CreatorID)
			evs, _ := task.From(tx).TaskEvents(tk.ID)
			if len(evs) != 1 || evs[0].ActorID != into.ID {
				t.Errorf("history of %q: %+v", tk.Title, evs)
			}
		}
		for _, j := range jobs {
			got, err := tx.FindJobByID(j.ID)
			if err != nil {
				t.Fatal(err)
			}
			var rem struct {
				ToPerson int64 `json:"to_person"`
				SetBy    int64 `json:"set_by"`
			}
			json.Unmarshal(got.Payload, &rem)
			moved(got.OwnerID)
			moved(got.SubjectID)
			moved(rem.ToPerson)
			moved(rem.SetBy)
			if got.SubjectID != rem.ToPerson || got.OwnerID != rem.SetBy {
				t.Errorf("job %d: owner %d subject %d, payload %s", j.ID, got.OwnerID, got.SubjectID, got.Payload)
			}
		}
		if own, _ := task.From(tx).FindTasks(task.Filter{OwnerID: into.ID, OpenOnly: true}); len(own) != 1 {
			t.Errorf("bob's open tasks after the merge: %d, want 1", len(own))
		}
		return nil
	})
}
