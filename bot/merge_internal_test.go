package bot

import "testing"

// Ensure a merge keeps the older record's position and manager, takes the
// newer one's when the older has none, and never leaves the kept record
// reporting to the record merged away or to itself.
func TestFillPerson_PositionAndManager(t *testing.T) {
	for _, tc := range []struct {
		name        string
		into, from  Person
		wantPos     string
		wantMgr     int64
		wantPending string
	}{
		{"older's kept", Person{ID: 1, Position: "Lead", ManagerID: 7}, Person{ID: 2, Position: "Intern", ManagerID: 8}, "Lead", 7, ""},
		{"newer's taken", Person{ID: 1}, Person{ID: 2, Position: "Designer", ManagerID: 8}, "Designer", 8, ""},
		{"manager was the other record", Person{ID: 1, ManagerID: 2}, Person{ID: 2, ManagerID: 9}, "", 9, ""},
		{"would manage themselves", Person{ID: 1, ManagerID: 2}, Person{ID: 2, ManagerID: 1}, "", 0, ""},
		{"pending taken", Person{ID: 1}, Person{ID: 2, PendingManager: "feishu:t:ou_x"}, "", 0, "feishu:t:ou_x"},
	} {
		into, from := tc.into, tc.from
		fillPerson(&into, &from)
		if into.Position != tc.wantPos || into.ManagerID != tc.wantMgr || into.PendingManager != tc.wantPending {
			t.Errorf("%s: got %q, %d, %q; want %q, %d, %q", tc.name, into.Position, into.ManagerID, into.PendingManager, tc.wantPos, tc.wantMgr, tc.wantPending)
		}
	}
}
