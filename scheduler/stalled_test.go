package scheduler_test

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/scheduler"
	"github.com/tandemhq/tandem/storage/storetest/memstore"
)

// Ensure Stalled says a loop that never ran is not running, passes a loop
// just opened, and fails one not heard from for longer than its bound.
func TestScheduler_Stalled(t *testing.T) {
	s := &scheduler.Scheduler{Store: memstore.New(), Idle: time.Second, Timeout: time.Second}
	if err := s.Stalled(time.Now()); err == nil {
		t.Fatal("a scheduler never opened is not stalled")
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Stalled(time.Now()); err != nil {
		t.Fatalf("just opened: %v", err)
	}
	// 2×Idle + Timeout + 1 min = 63 s without a cycle.
	if err := s.Stalled(time.Now().Add(2 * time.Minute)); err == nil {
		t.Fatal("no cycle for two minutes is not stalled")
	}
}
