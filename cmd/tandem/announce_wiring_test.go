package main

import (
	"strings"
	"testing"

	"github.com/tandemhq/tandem/commands/announce"
)

// Ensure a review mode that is none of off, optional and required is
// refused at start, and the documented example's mode is read.
func TestAnnounceReviewConfig(t *testing.T) {
	_, err := ParseConfig(strings.NewReader("announce: {review: sometimes}"), env(nil))
	if err == nil || !strings.Contains(err.Error(), `announce.review: must be off, optional or required, not "sometimes"`) {
		t.Fatalf("a bad review mode: %v", err)
	}
	cfg, err := ParseConfig(strings.NewReader("announce: {review: Required}"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Announce.deps().Review; got != announce.ReviewRequired {
		t.Errorf("review %q, want required", got)
	}
	if got := exampleConfig(t).Announce.deps().Review; got != announce.ReviewOptional {
		t.Errorf("the example's review %q, want optional", got)
	}
}
