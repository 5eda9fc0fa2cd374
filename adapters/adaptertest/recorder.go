package adaptertest

import (
	"sync"
	"time"
)

// Recorder keeps, in order, the calls a fake platform server received; it
// is safe for use by the server's handlers and the test at once. Each test
// kit records its own Call type, which holds that platform's wire format.
type Recorder[C any] struct {
	mu    sync.Mutex
	calls []C
}

// Record appends c and returns its index, for Update.
func (r *Recorder[C]) Record(c C) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c)
	return len(r.calls) - 1
}

// Update lets edit change the call at index i (as Record returned it), for
// what is known only once the call was answered.
func (r *Recorder[C]) Update(i int, edit func(*C)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	edit(&r.calls[i])
}

// All returns the calls so far.
func (r *Recorder[C]) All() []C {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]C(nil), r.calls...)
}

// Matching returns the calls so far for which match is true.
func (r *Recorder[C]) Matching(match func(C) bool) []C {
	var out []C
	for _, c := range r.All() {
		if match(c) {
			out = append(out, c)
		}
	}
	return out
}

// Await polls until at least n calls match, for at most timeout (a fake is
// called from the outbox's and the adapter's own goroutines), and returns
// those that do, however many that is.
func (r *Recorder[C]) Await(n int, timeout time.Duration, match func(C) bool) []C {
	var got []C
	WaitFor(timeout, func() bool { got = r.Matching(match); return len(got) >= n })
	return got
}

// WaitFor polls until cond holds, for at most timeout, and says whether it
// did. It polls rather than waits for a signal because what it waits for
// (a call to a fake, a row in the store) happens in goroutines the test
// does not own; a test fails on false, never on how long it took.
func WaitFor(timeout time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(timeout); ; time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}
