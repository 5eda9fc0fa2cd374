package wecom

import "testing"

// Ensure a field that does not fit on the card is written with the colon
// its label's language takes (Chinese text uses the full-width one).
func TestFieldLine_Colon(t *testing.T) {
	for label, want := range map[string]string{"已拒绝": "已拒绝：@hank", "Declined": "Declined: @hank", "": "@hank"} {
		if got := fieldLine(label, "@hank"); got != want {
			t.Errorf("fieldLine(%q) = %q, want %q", label, got, want)
		}
	}
}
