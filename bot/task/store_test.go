package task_test

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
)

// bareTx is a unit of a store that implements no feature's contract.
type bareTx struct{ bot.Tx }

// taskTx is a unit that carries the task contract.
type taskTx struct {
	bot.Tx
	task.Store
}

// Ensure From finds the contract on a unit that has it, and that a unit
// without it fails every call with an error naming the unit, not a panic.
func TestFrom(t *testing.T) {
	if _, ok := task.From(taskTx{}).(taskTx); !ok {
		t.Error("From wrapped a unit that implements the contract")
	}
	missing := task.From(bareTx{})
	_, err := missing.FindTaskByID(1)
	if err == nil || !strings.Contains(err.Error(), "bareTx") || !strings.Contains(err.Error(), "task.Store") {
		t.Errorf("FindTaskByID on a bare unit: %v", err)
	}
	if err := missing.CreateTask(&task.Task{}); err == nil || bot.ErrorCode(err) != bot.EINTERNAL {
		t.Errorf("CreateTask on a bare unit: %v, want an internal error", err)
	}
}

// wrapper is a unit that wraps another, as the hooked units of a running
// bot do (bot.Hooked), and says so.
type wrapper struct{ inner bot.Tx }

func (w wrapper) Unwrap() bot.Tx { return w.inner }

// Ensure From finds the contract underneath a wrapping unit: commands run in
// hooked units, and a contract missed there would fail every task command.
func TestFrom_Wrapped(t *testing.T) {
	w := struct {
		bot.Tx
		wrapper
	}{wrapper: wrapper{inner: taskTx{}}}
	if _, ok := task.From(w).(taskTx); !ok {
		t.Error("From did not look underneath a wrapping unit")
	}
}
