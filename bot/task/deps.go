package task

import (
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// MaxBlockers bounds how many tasks may block one task (and, in the cycle
// check, how far a chain is walked): a dependency list is read whole on
// every "done", so it must stay small.
const MaxBlockers = 50

// maxWalk bounds the cycle check's walk over the dependency graph, so a
// "task block" costs at most this many index reads however tangled the
// graph is. A graph too large to check is refused rather than risked.
const maxWalk = 2000

// CheckBlock says whether blocker may be made to block dependant: a task
// cannot block itself, and no chain of blockers may lead from blocker back
// to dependant (dependant → … → blocker → dependant would be a cycle that
// no one could ever finish). blockersOf returns the ids of the tasks that
// block a task. The refusal names the chain.
func CheckBlock(blocker, dependant int64, blockersOf func(id int64) ([]int64, error)) error {
	if blocker == dependant {
		return bot.Errorf(bot.EINVALID, "#%d can't block itself.", "#%d 不能依赖于自己。", blocker)
	}
	// Walk from blocker along "is blocked by" edges; reaching dependant
	// means dependant already (transitively) blocks blocker.
	prev := map[int64]int64{blocker: 0}
	queue := []int64{blocker}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		ids, err := blockersOf(id)
		if err != nil {
			return err
		}
		for _, next := range ids {
			if _, seen := prev[next]; seen {
				continue
			}
			prev[next] = id
			if next == dependant {
				return cycleError(blocker, dependant, prev)
			}
			if len(prev) > maxWalk {
				return bot.Errorf(bot.EINVALID, "The dependencies of #%d are too many to check for a cycle.",
					"#%d 的依赖关系太多，无法检查是否成环。", blocker)
			}
			queue = append(queue, next)
		}
	}
	return nil
}

// cycleError names the cycle that blocking dependant by blocker would close:
// "#12 → #14 → #12" read as "waits for".
func cycleError(blocker, dependant int64, prev map[int64]int64) error {
	// prev leads from dependant back to blocker along "blocked by" edges
	// reversed: dependant was reached from prev[dependant], and so on.
	chain := []int64{dependant}
	for id := prev[dependant]; id != 0; id = prev[id] {
		chain = append(chain, id)
	}
	// chain is dependant, …, blocker; blocker waits for …, which waits for
	// dependant, and the new link makes dependant wait for blocker.
	refs := make([]string, 0, len(chain)+1)
	for i := len(chain) - 1; i >= 0; i-- {
		refs = append(refs, "#"+strconv.FormatInt(chain[i], 10))
	}
	refs = append(refs, "#"+strconv.FormatInt(blocker, 10))
	path := strings.Join(refs, " → ")
	return bot.Err(bot.EINVALID, bot.T(
		"That would make a cycle ("+path+", each waiting for the next), so none of them could ever be done.",
		"这样会形成循环依赖（"+path+"，每个都在等下一个），它们都将无法完成。"))
}

// CheckDone says whether t may be marked done while blockers (the tasks
// that block it) are as given: not while any is open, unless forced.
// The refusal lists the open blockers and how to force.
func CheckDone(t *Task, blockers []*Task, force bool) error {
	if force {
		return nil
	}
	var open []string
	for _, b := range blockers {
		if b.Status.Open() {
			open = append(open, b.Ref())
		}
	}
	if len(open) == 0 {
		return nil
	}
	en, zh := strings.Join(open, ", "), strings.Join(open, "、")
	return bot.Err(bot.ECONFLICT, bot.T(
		t.Ref()+" is still waiting for "+en+". Finish that first, or remove the dependency with `task unblock "+
			strconv.FormatInt(t.ID, 10)+" by:<id>`; the owner's department head or an admin can force it with `task done "+
			strconv.FormatInt(t.ID, 10)+" force`.",
		t.Ref()+" 还在等待 "+zh+"。请先完成它，或用「任务 解除依赖 "+strconv.FormatInt(t.ID, 10)+
			" 依赖于:<编号>」解除依赖；负责人的部门负责人或管理员可以用「任务 完成 "+strconv.FormatInt(t.ID, 10)+" 强制」强制完成。"))
}

// MayForce says whether actor may mark t done over its open blockers: the
// head of the owner's department or an admin may. The owner and creator may
// not: a dependency is a promise to someone else, and overriding it is a
// decision above the work. The refusal names who could.
func MayForce(tx bot.Tx, actor *bot.Person, t *Task) error {
	if actor.Role == bot.RoleAdmin {
		return nil
	}
	dept, err := department(tx, t)
	if err != nil {
		return err
	}
	if dept != nil && dept.HeadID == actor.ID {
		return nil
	}
	var en, zh []string
	if dept != nil && dept.HeadID != 0 {
		if head, err := tx.FindPersonByID(dept.HeadID); err == nil {
			en = append(en, "@"+head.Handle+" (head of "+dept.Name+")")
			zh = append(zh, "@"+head.Handle+"（「"+dept.Name+"」部门负责人）")
		} else if bot.ErrorCode(err) != bot.ENOTFOUND {
			return err
		}
	}
	en, zh, err = orAdmin(tx, en, zh)
	if err != nil {
		return err
	}
	return bot.Err(bot.EFORBIDDEN, bot.T(
		"Only "+bot.JoinOr(en, bot.LangEN)+" can force "+t.Ref()+" done while a task it waits for is open.",
		bot.ZHConcat("只有", bot.JoinOr(zh, bot.LangZH), "可以在依赖任务未完成时强制完成", t.Ref()+"。")))
}

// Slipped reports whether blocker cannot be expected to be done before
// dependant is due: blocker's due time is past dependant's, or dependant's
// due time has come and blocker is still open (it became overdue past it,
// or never had a date). Both must be open and dependant dated.
func Slipped(blocker, dependant *Task, now time.Time) bool {
	if !blocker.Status.Open() || !dependant.Status.Open() || dependant.Due.IsZero() {
		return false
	}
	return blocker.Due.After(dependant.Due) || !now.Before(dependant.Due)
}

// Checklist counts a parent's subtasks: how many are done, of how many that
// were not cancelled (a cancelled subtask is no longer part of the work).
type Checklist struct{ Done, Total int }

// String is the checklist figure shown on the parent card: "2/5".
func (p Checklist) String() string { return strconv.Itoa(p.Done) + "/" + strconv.Itoa(p.Total) }
