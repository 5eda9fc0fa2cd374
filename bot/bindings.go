package bot

import (
	"fmt"
	"time"
)

// Binding ties a group chat to a department or a project ("group bind
// dept:Design"): what is addressed to the department (digests,
// announcements, a meeting's minutes, a ticket ladder's group step) goes to
// its bound chats on every platform, and a meeting created in the chat
// belongs to it.
type Binding struct {
	Chat Destination // platform, workspace, chat id
	// Kind is "dept" or "project"; Ref the department's id or the
	// project's key.
	Kind      string
	Ref       string
	BoundByID int64
	BoundAt   time.Time
}

// BindingTx stores chat bindings.
type BindingTx interface {
	// Bind stores b, replacing the chat's binding of the same kind.
	Bind(b *Binding) error
	// Unbind removes the chat's binding of kind; ENOTFOUND when none.
	Unbind(chat Destination, kind string) error
	// BindingsOf lists the bindings of a chat.
	BindingsOf(chat Destination) ([]*Binding, error)
	// BoundChats lists the chats bound to kind/ref, oldest first, up to
	// limit.
	BoundChats(kind, ref string, limit int) ([]*Binding, error)
}

// Bindings returns the chat bindings of a unit (Contract); a unit without
// them gets a BindingTx whose every call fails with an internal error.
func Bindings(tx Tx) BindingTx {
	if s, ok := Contract[BindingTx](tx); ok {
		return s
	}
	return missingBindings{fmt.Errorf("bot: the unit %T does not implement bot.BindingTx", tx)}
}

type missingBindings struct{ err error }

func (m missingBindings) Bind(*Binding) error                        { return m.err }
func (m missingBindings) Unbind(Destination, string) error           { return m.err }
func (m missingBindings) BindingsOf(Destination) ([]*Binding, error) { return nil, m.err }
func (m missingBindings) BoundChats(string, string, int) ([]*Binding, error) {
	return nil, m.err
}
