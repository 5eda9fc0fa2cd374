package webhook

import (
	"context"
	"testing"
	"time"
)

// Ensure the pacer spaces calls Every apart and gives up when the context
// ends. (Spacing is asserted as a lower bound only: a busy machine can make
// calls later, never earlier.)
func TestPacer(t *testing.T) {
	p := &Pacer{Every: 20 * time.Millisecond}
	start := time.Now()
	for range 4 {
		if err := p.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took < 60*time.Millisecond {
		t.Fatalf("4 calls in %s, want at least 60 ms", took)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	slow := &Pacer{Every: time.Hour}
	slow.Wait(ctx) // the first call goes at once
	if err := slow.Wait(ctx); err == nil {
		t.Fatal("a cancelled wait returned no error")
	}
}
