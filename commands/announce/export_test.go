package announce

// SetWithdrawnPage sets the cards one announce.withdrawn run edits, so a
// test pages a small ledger; it returns the old value.
func SetWithdrawnPage(n int) int { old := withdrawnPage; withdrawnPage = n; return old }
