package bot

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Request is one inbound event being handled inside its unit of work. Commands
// read the event and the resolved sender from it, write through Tx, and add
// replies and notifications, which the bot stores in the outbox in the same
// unit.
type Request struct {
	Event  *Event
	Person *Person // the sender
	Tx     Tx
	Now    time.Time
	Lang   Lang           // the language to answer in
	Loc    *time.Location // the sender's time zone
	// Prepared is what the command's prepare step returned (Preparer), run
	// before this unit and outside it; PrepareErr is its error. Both are
	// zero for commands without one.
	Prepared   any
	PrepareErr error
	// Command is the English name of the command the router ran for the
	// event ("" when it ran none), for the usage counters, metrics and logs;
	// the router sets it.
	Command string

	bot     *Bot
	replies []Message
	notes   []*Outgoing // keyed and queued by the bot after the command
}

// AfterCommit registers f to run once the request's unit has committed,
// never if it rolls back (a refused command's effects go with its writes)
// or is run again. Waking the senders and the scheduler needs no call: the
// store does it for whatever the unit queued or scheduled (Hooks).
func (r *Request) AfterCommit(f func()) { AfterCommit(r.Tx, f) }

// Reply answers the sender.
func (r *Request) Reply(m Message) { r.replies = append(r.replies, m) }

// ReplyText answers the sender with a sentence in their language.
func (r *Request) ReplyText(t Text) { r.Reply(Message{Text: t.In(r.Lang)}) }

// Tell tells nt.To what compose writes, in their language and zone, where
// and when the bot's Notifier decides. Nothing is sent to the sender about
// their own action, nor to people with no account yet.
func (r *Request) Tell(nt Notice, compose func(lang Lang, loc *time.Location) Message) error {
	if nt.To == nil || nt.To.ID == r.Person.ID {
		return nil
	}
	d, ok, err := r.bot.notifier().Reach(r.Tx, nt, r.Now)
	if err != nil || !ok {
		return err
	}
	r.notes = append(r.notes, d.Outgoing("", compose(d.Lang, d.Loc).ForReader(d.Lang, d.Loc)))
	return nil
}

// Notify is Tell for a message already written (in LangOf(p)).
func (r *Request) Notify(p *Person, m Message) error {
	return r.Tell(Notice{To: p}, func(Lang, *time.Location) Message { return m })
}

// NotifyAt sends m by direct message to one account, whoever it belongs
// to now: for telling someone about a change to the very person their
// account belonged to (a link that merged it away). The quiet hours are
// read in the zone of the account's person now.
func (r *Request) NotifyAt(a Account, m Message) {
	r.TellAt(a, Notice{}, func(Lang, *time.Location) Message { return m })
}

// TellAt is Tell at one account, whoever it belongs to now (NotifyAt): the
// notifier decides the language, zone and time for the account's person,
// and compose writes in them.
func (r *Request) TellAt(a Account, nt Notice, compose func(lang Lang, loc *time.Location) Message) {
	if p, err := r.Tx.FindPersonByAccount(a); err == nil {
		nt.To = p
	}
	d := r.bot.notifier().DecideAt(a, nt, r.Now)
	r.notes = append(r.notes, d.Outgoing("", compose(d.Lang, d.Loc).ForReader(d.Lang, d.Loc)))
}

// HomeAccount returns the account direct messages to p go to when every
// platform has a sender: the home they chose, else their first account; ok
// is false if they have none. Notifications go through the Notifier, which
// also skips platforms without a sender.
func HomeAccount(tx Tx, p *Person) (Account, bool, error) {
	if p.Home.UserID != "" {
		return p.Home, true, nil
	}
	accts, err := tx.AccountsOf(p.ID)
	if err != nil || len(accts) == 0 {
		return Account{}, false, err
	}
	return accts[0].Account, true, nil
}

// LangOf returns the language to write to p in.
func (r *Request) LangOf(p *Person) Lang {
	if p.Lang != "" {
		return p.Lang
	}
	if p.ID == r.Person.ID {
		return r.Lang
	}
	return r.bot.DefaultLang
}

// LocationOf returns p's time zone.
func (r *Request) LocationOf(p *Person) *time.Location { return r.bot.Location(p) }

// ResolvePerson turns a mention token into a person. "<@ID>" is an account on
// the event's platform, which the platform itself vouches for: it is
// registered on first sight, like a sender. "@name" and "name" (also with
// the full-width "＠" of Chinese input methods) must match a handle or a
// display name someone already has: a name that matches nobody is an
// error that suggests the nearest handle, never a new person, so a typo
// cannot assign a task to someone who does not exist.
func (r *Request) ResolvePerson(token string) (*Person, error) {
	if id, ok := strings.CutPrefix(token, "<@"); ok && strings.HasSuffix(id, ">") {
		id = strings.TrimSuffix(id, ">")
		if i := strings.IndexByte(id, '|'); i >= 0 { // Slack's escaped form <@U123|name>
			id = id[:i]
		}
		name := ""
		for _, m := range r.Event.Mentions {
			if m.UserID == id {
				name = m.Name
			}
		}
		acct := Account{Platform: r.Event.Platform, Workspace: r.Event.Workspace, UserID: id}
		return r.personFor(acct, name, "")
	}
	name := strings.TrimPrefix(strings.TrimPrefix(token, "@"), "＠")
	if name == "" {
		return nil, Errorf(EINVALID, "Name someone after the @.", "请在 @ 后面写上人名。")
	}
	switch strings.ToLower(name) {
	case "me", "myself", "我", "自己":
		return r.Person, nil
	}
	people, err := r.Tx.FindPeopleByName(name)
	if err != nil {
		return nil, err
	}
	switch len(people) {
	case 0:
		return nil, r.noOneCalled(name)
	case 1:
		return people[0], nil
	}
	handles := make([]string, len(people))
	for i, p := range people {
		handles[i] = "@" + p.Handle
	}
	return nil, Err(EINVALID, T(fmt.Sprintf("@%s could be %s: which one?", name, strings.Join(handles, ", ")),
		fmt.Sprintf("@%s 可能是 %s，请指明是哪一位。", name, strings.Join(handles, "、"))))
}

// noOneCalled is the answer to an @name that matches nobody: the nearest
// handle when one is near, else how the person becomes known.
func (r *Request) noOneCalled(name string) error {
	near, err := SuggestHandle(r.Tx, name)
	if err != nil {
		return err
	}
	if near != "" {
		return Errorf(ENOTFOUND, "No one is called @%s — did you mean @%s?", "没有叫 @%s 的人——你是想找 @%s 吗？", name, near)
	}
	return Errorf(ENOTFOUND, "No one is called @%s. They need to talk to me once, or be added to the config by an admin.",
		"没有叫 @%s 的人。请对方先和我说一句话，或请管理员在配置文件中添加。", name)
}

// personFor finds the person behind an account, registering a member the first
// time an account is seen.
func (r *Request) personFor(acct Account, name, email string) (*Person, error) {
	p, err := r.Tx.FindPersonByAccount(acct)
	if err == nil || ErrorCode(err) != ENOTFOUND {
		return p, err
	}
	if name == "" {
		name = acct.UserID
	}
	p = &Person{Name: name, Handle: HandleFrom(name, acct.UserID), Email: email, Role: RoleMember, Home: acct}
	if r.bot.Approval {
		p.Admission = AdmissionPending
	}
	if err := r.Tx.CreatePerson(p, r.Now); err != nil {
		return nil, err
	}
	if err := r.Tx.LinkAccount(p.ID, acct, name, r.Now); err != nil {
		return nil, err
	}
	if r.bot.OnNewAccount != nil {
		if err := r.bot.OnNewAccount(r.Tx, p, acct, r.Now); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// HandleFrom derives a handle from a display name: lower case, spaces as dots,
// only letters, digits, '.', '_' and '-'. It falls back to the user id.
func HandleFrom(name, userID string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(strings.TrimSpace(name)) {
		switch {
		case unicode.IsLetter(c) || unicode.IsDigit(c) || c == '_' || c == '-' || c == '.':
			b.WriteRune(c)
		case unicode.IsSpace(c):
			b.WriteRune('.')
		}
	}
	if b.Len() == 0 {
		return strings.ToLower(userID)
	}
	return b.String()
}

// ContainsHan reports whether s has Chinese characters.
func ContainsHan(s string) bool {
	for _, c := range s {
		if unicode.Is(unicode.Han, c) {
			return true
		}
	}
	return false
}

func isASCIIWords(s string) bool {
	letters := 0
	for _, c := range s {
		if c > unicode.MaxASCII {
			return false
		}
		if unicode.IsLetter(c) {
			letters++
		}
	}
	return letters > 0
}
