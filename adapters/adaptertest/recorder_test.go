package adaptertest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"
)

type call struct {
	Path   string
	Answer string
}

// Ensure calls recorded from several goroutines are all kept, that Update
// changes the call Record named, and that Await returns the matching calls
// once there are enough, or what there is when time runs out.
func TestRecorder(t *testing.T) {
	var r adaptertest.Recorder[call]
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { r.Record(call{Path: "/a"}) })
	}
	i := r.Record(call{Path: "/b"})
	r.Update(i, func(c *call) { c.Answer = "ok" })
	wg.Wait()
	if n := len(r.All()); n != 21 {
		t.Fatalf("%d calls, want 21", n)
	}
	toB := func(c call) bool { return c.Path == "/b" }
	if got := r.Matching(toB); len(got) != 1 || got[0].Answer != "ok" {
		t.Fatalf("got %+v", got)
	}

	go func() { r.Record(call{Path: "/b"}) }()
	if got := r.Await(2, 5*time.Second, toB); len(got) != 2 {
		t.Fatalf("%d calls to /b, want 2", len(got))
	}
	if got := r.Await(3, 20*time.Millisecond, toB); len(got) != 2 {
		t.Fatalf("%d calls to /b after the timeout, want the 2 there are", len(got))
	}
}

// Ensure WaitFor says whether its condition came true.
func TestWaitFor(t *testing.T) {
	n := 0
	if !adaptertest.WaitFor(5*time.Second, func() bool { n++; return n == 3 }) {
		t.Fatal("false for a condition that held")
	}
	if adaptertest.WaitFor(20*time.Millisecond, func() bool { return false }) {
		t.Fatal("true for a condition that never held")
	}
}
