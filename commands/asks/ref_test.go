package asks_test

import (
	"testing"

	"github.com/tandemhq/tandem/commands/asks"
)

// Ensure every way people write an ask reads as its id, in one place for
// every feature.
func TestParseRef(t *testing.T) {
	for in, want := range map[string]int64{"A-12": 12, "a-12": 12, "A12": 12, "A－12": 12, "#12": 12, "12": 12, " A-7 ": 7} {
		if got, ok := asks.ParseRef(in); !ok || got != want {
			t.Errorf("ParseRef(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "A-", "B-12", "A-0", "A--3", "twelve"} {
		if got, ok := asks.ParseRef(in); ok {
			t.Errorf("ParseRef(%q) = %d; want refused", in, got)
		}
	}
}
