package people_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands/commandstest"
)

// Ensure a department head cannot move someone into their department: the
// person is asked, moves only on accepting (once, however often they
// click), the head is told either way, and an admin moves people directly.
func TestDept_JoinNeedsConsentOrAdmin(t *testing.T) {
	h := commandstest.New(t)
	h.Admin("root")
	h.Meet("carol", "bob", "dave")
	h.Expect("root", "dept add Design @carol", "Department Design added")
	h.Expect("root", "dept add Sales", "Department Sales added")

	// A head asks; nothing moves yet.
	h.Expect("carol", "dept join Design @root", "I asked @root to join Design (request 1)")
	h.Expect("carol", "dept join Design @bob", "I asked @bob to join Design (request 2)")
	h.Expect("carol", "dept join Design @bob", "@bob was already asked to join Design (request 2)")
	if h.Person("bob").DeptID != 0 || h.Person("root").DeptID != 0 {
		t.Fatal("a head's request moved someone before they accepted")
	}
	asked := strings.Join(h.QueuedCards("bob"), "\n")
	for _, want := range []string{"@carol asks you to join Design.", "[Accept: dept accept 2]", "[Decline: dept decline 2]"} {
		if !strings.Contains(asked, want) {
			t.Fatalf("bob's request lacks %q:\n%s", want, asked)
		}
	}
	// Only bob answers bob's request, and only once.
	h.Expect("dave", "dept accept 2", "There is no request 2 for you.")
	if got := h.Send("bob", "", &bot.Action{ID: "dept.accept", Value: "2"}); !strings.Contains(got, "You are now in Design.") {
		t.Fatalf("accept: %q", got)
	}
	h.Expect("bob", "dept decline 2", "You answered request 2 already.")
	if d := h.Person("bob").DeptID; d == 0 {
		t.Fatal("bob accepted but was not moved")
	}
	if got := strings.Join(h.QueuedFor("carol"), "\n"); !strings.Contains(got, "@bob accepted: they are now in Design.") {
		t.Fatalf("carol was told %q", got)
	}
	h.Expect("root", "部门 拒绝 1", "好的，你没有加入「Design」。")
	if h.Person("root").DeptID != 0 {
		t.Fatal("root declined but was moved")
	}
	if got := strings.Join(h.QueuedFor("carol"), "\n"); !strings.Contains(got, "@root declined to join Design.") {
		t.Fatalf("carol was told %q", got)
	}

	// Someone who heads nothing there cannot even ask; an admin moves.
	h.Expect("dave", "dept join Sales @bob", "Only an admin can move someone else into Sales")
	h.Expect("root", "dept join Sales @dave", "@dave is now in Sales.")
	if got := strings.Join(h.QueuedFor("dave"), "\n"); !strings.Contains(got, "@root put you in Sales.") {
		t.Fatalf("dave was told %q", got)
	}
	// Joining yourself needs nobody.
	h.Expect("dave", "部门 加入 Design", "@dave 已加入「Design」。")

	// A request left unanswered expires.
	h.Expect("carol", "dept join Design @root", "(request 3)")
	h.SetNow(commandstest.Friday10.Add(8 * 24 * time.Hour))
	h.Expect("root", "dept accept 3", "Request 3 has expired")

	h.Expect("root", "admin audit", "@carol moved @bob from no department to Design, as @bob accepted.",
		"@root moved @dave from no department to Sales.", "@dave moved from Sales to Design.")
}

// Ensure whoami and who show the position and the manager, in both
// languages, and that who asks for one person.
func TestWho_PositionAndManager(t *testing.T) {
	h := commandstest.New(t)
	h.Meet("ann", "bob")
	err := h.DB.Update(context.Background(), func(tx bot.Tx) error {
		bob := h.Person("bob")
		bob.Position, bob.ManagerID = "Designer", h.Person("ann").ID
		return tx.UpdatePerson(bob)
	})
	if err != nil {
		t.Fatal(err)
	}
	h.Expect("bob", "whoami", "Position: Designer", "Manager: ann (@ann)")
	h.Expect("ann", "who @bob", "bob (@bob)", "Position: Designer", "Manager: ann (@ann)")
	h.Expect("ann", "查人 @ann", "职位：未知", "上级：未知")
	h.Expect("ann", "who", "Name one person")
	h.Expect("ann", "who @nobody", "nobody")
}
