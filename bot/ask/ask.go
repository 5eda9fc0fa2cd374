// Package ask is the one mechanism behind every structured question Tandem
// puts to people: a resource request going up an approver chain, an
// announcement to be acknowledged, a feedback form after a project or ticket
// closes, an anonymous vote. An Ask is sent to its recipients on whatever
// platform each uses; every answer (and every native read receipt, kept
// apart) is recorded in one ledger (Recipient rows); those who have not
// answered are reminded on working days and escalated to their head at the
// deadline. The four features differ only in who is asked, what the
// answer is and what happens after it. The store contract is Store; the
// chat surface is commands/ask (the mechanism) and commands/announce,
// commands/request, commands/feedback and commands/vote (the features). It
// imports bot only.
package ask

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Kind is which feature an ask belongs to.
type Kind string

// Ask kinds.
const (
	Request      Kind = "request"  // 资源申请单: approved step by step
	Announcement Kind = "announce" // 信息发布: acknowledged by each reader
	Feedback     Kind = "feedback" // 协作反馈表: scored 1–5 on four dimensions
	Vote         Kind = "vote"     // 匿名投票: ballots not linked to people
	// Suggestion is an anonymous suggestion (匿名建议) to a department's
	// head: its AuthorID is 0 and nothing stored names who made it.
	Suggestion Kind = "suggest"
)

// Status is where an ask is.
type Status string

// Ask statuses. An announcement may wait in Review for a head's approval
// before it is sent; a request is Open while its chain runs and ends
// Approved or Rejected; the others are Open until Closed (deadline passed,
// or closed by hand). Cancelled: withdrawn by its author.
const (
	Draft     Status = "draft"
	Review    Status = "review"
	Open      Status = "open"
	Approved  Status = "approved"
	Rejected  Status = "rejected"
	Closed    Status = "closed"
	Cancelled Status = "cancelled"
)

// Ended reports whether nothing more is asked.
func (s Status) Ended() bool {
	return s == Approved || s == Rejected || s == Closed || s == Cancelled
}

// Ask is one structured question.
type Ask struct {
	ID       int64
	Kind     Kind
	Title    string
	Body     string
	AuthorID int64
	// DeptID is the department the ask is for: the department a request is
	// charged to ("for:Finance"), the department announcing; 0 when none.
	DeptID int64
	Status Status
	// Audience is who is asked, as written; the recipients are the
	// audience resolved (people of the departments, the people named)
	// when the ask is sent.
	Audience Audience
	// Options are a vote's choices, in order; an answer to a vote is an
	// index into them.
	Options []string
	// Fields are a feature's own details, shown on the card in order: a
	// request's kind, amount and reason; a feedback form's subject.
	Fields []Field
	// Subject names what the ask is about, for feedback forms ("project/3",
	// "ticket/7") and for live cards ("ask/12").
	Subject string
	// Deadline: an announcement's ack-by, a vote's closing, a request
	// step's decision time. Zero: none.
	Deadline time.Time
	// Step is a request's current step in its chain (1-based; 0 before it
	// starts).
	Step int
	// Anonymous asks (votes, and suggestions) keep no link from an answer
	// to a person: see Store.CastBallot.
	Anonymous bool
	// Salt keys a vote's ballot tokens (Token); random per vote.
	Salt []byte
	// Origin is the chat the ask was made from, told of the outcome.
	Origin    bot.Destination
	CreatedAt time.Time
	SentAt    time.Time // when fan-out started; zero before
	ClosedAt  time.Time
}

// Ref is how people refer to an ask in chat: "A-12".
func (a *Ask) Ref() string { return "A-" + strconv.FormatInt(a.ID, 10) }

// Field is one labelled detail of an ask.
type Field struct {
	Key   string `json:"key"`   // "kind", "amount", "reason"
	Value string `json:"value"` // as written
}

// Get returns the value of the field key, or "".
func (a *Ask) Get(key string) string {
	for _, f := range a.Fields {
		if f.Key == key {
			return f.Value
		}
	}
	return ""
}

// Audience is who an ask goes to.
type Audience struct {
	DeptIDs   []int64 `json:"depts,omitempty"`
	PersonIDs []int64 `json:"people,omitempty"`
	// Everyone: every person Tandem knows (an all-hands announcement).
	Everyone bool `json:"everyone,omitempty"`
	// Groups: also post to the chats bound to those departments (the post
	// is not an acknowledgement; people still click).
	Groups bool `json:"groups,omitempty"`
}

// Role is why a person is in an ask's ledger.
type Role string

// Recipient roles.
const (
	Reader     Role = "reader"     // asked to acknowledge
	Respondent Role = "respondent" // asked to answer (feedback, vote)
	Approver   Role = "approver"   // a step of a request's chain
	Reviewer   Role = "reviewer"   // reviews an announcement before it goes out
)

// State is where one recipient's answer is.
type State string

// Recipient states.
const (
	Pending  State = "pending"
	Answered State = "answered" // acknowledged, approved, rejected, responded, voted
	Skipped  State = "skipped"  // no longer asked (a later step answered, the ask ended)
)

// Recipient is one person's line in an ask's ledger.
type Recipient struct {
	AskID    int64
	PersonID int64
	// Step is the request step this line belongs to (0 for broadcasts).
	Step int
	Role Role
	// OnBehalfOf is the approver a delegate stands in for while they are
	// on leave (0: asked in their own right).
	OnBehalfOf int64
	State      State
	// Answer: "ack"; "approve" / "reject"; a feedback form's scores
	// "4,5,3,5"; for a vote only "voted" — the choice is never stored here.
	Answer  string
	Comment string
	Via     string // the platform the answer came from
	// OutboxID is the direct message that asked them (its platform id, once
	// sent, is what native read receipts are matched on).
	OutboxID   int64
	SentAt     time.Time
	AnsweredAt time.Time
	// ReadAt is a native read receipt (Feishu read_users, DingTalk
	// readStatus), kept apart from the explicit answer; ReadVia names the
	// platform. Zero when none is known.
	ReadAt      time.Time
	ReadVia     string
	Reminders   int
	RemindedAt  time.Time
	EscalatedAt time.Time
}

// Counts summarise a ledger, read from an index.
type Counts struct {
	Total, Answered, Pending, Skipped int
	Read                              int // with a native read receipt
	ReadNotAnswered                   int // read but not acknowledged
	Escalated                         int
}

// EventKind says what a timeline entry records.
type EventKind string

// Timeline kinds.
const (
	Created    EventKind = "created"
	Submitted  EventKind = "submitted" // for review
	Sent       EventKind = "sent"
	Answer     EventKind = "answer" // a decision of a step, a review; not each acknowledgement
	Delegated  EventKind = "delegated"
	Reminded   EventKind = "reminded" // a reminder round: Text says how many
	Escalated  EventKind = "escalated"
	ClosedKind EventKind = "closed"
	Withdrawn  EventKind = "withdrawn"
)

// Event is one entry of an ask's timeline.
type Event struct {
	ID      int64
	AskID   int64
	ActorID int64 // 0 for the bot
	Kind    EventKind
	Text    string
	At      time.Time
}

// Filter selects asks. Zero fields do not filter.
type Filter struct {
	Kind     Kind
	Status   Status
	AuthorID int64
	// Subject selects the asks about one thing ("ticket/7"), from an index.
	Subject string
	Offset  int
	Limit   int
}

// RecipientFilter pages one ask's ledger by person id.
type RecipientFilter struct {
	State State // "" for all
	Step  int   // -1 for every step
	// AfterPersonID pages: the next page starts after it.
	AfterPersonID int64
	Limit         int
}

// Unread is a delivered direct message of an ask whose reader has neither
// answered nor been seen to read it: what the read-receipt poll asks the
// platform about.
type Unread struct {
	PersonID  int64
	Platform  string
	Workspace string
	RemoteID  string // the platform's message id, as Sender.Send returned it
	SentAt    time.Time
}

// Store is what storage implements for asks.
type Store interface {
	// CreateAsk stores a and sets a.ID.
	CreateAsk(a *Ask) error
	// FindAsk returns ENOTFOUND when there is none.
	FindAsk(id int64) (*Ask, error)
	// UpdateAsk stores every field but ID, Kind, Salt and CreatedAt.
	UpdateAsk(a *Ask) error
	// FindAsks lists a page of asks, newest first.
	FindAsks(f Filter) ([]*Ask, error)

	// AddRecipients adds ledger lines, skipping any (ask, person, step)
	// already there, and returns how many were added: a fan-out that runs
	// again after a crash adds nothing twice.
	AddRecipients(rs []*Recipient) (added int, err error)
	// FindRecipient returns ENOTFOUND when the person is not in that step
	// of the ledger.
	FindRecipient(askID, personID int64, step int) (*Recipient, error)
	// UpdateRecipient stores the answer, read, reminder, escalation and
	// outbox fields of a line.
	UpdateRecipient(r *Recipient) error
	// SkipPending marks every pending line of an ask skipped (the ask
	// ended), in one statement over the ask's pending lines, and returns
	// how many there were.
	SkipPending(askID int64) (int, error)
	// Recipients pages the ledger by person id (see RecipientFilter), from
	// an index.
	Recipients(askID int64, f RecipientFilter) ([]*Recipient, error)
	// CountRecipients summarises the ledger (of one step, or every step
	// with step -1).
	CountRecipients(askID int64, step int) (Counts, error)
	// PendingAsks pages the open asks waiting for a person's answer,
	// oldest first: their "to answer" list.
	// kind "" lists every kind; a kind, that feature's alone.
	PendingAsks(personID int64, kind Kind, offset, limit int) ([]*Ask, error)
	// UnreadDeliveries pages the lines of an ask on a platform that were
	// delivered (their outbox row sent, with a remote id) after since, and
	// are neither answered nor read, by person id after afterPersonID.
	UnreadDeliveries(askID int64, platform string, since time.Time, afterPersonID int64, limit int) ([]Unread, error)

	// CastBallot records an anonymous ballot: the token (Token) marks that
	// its holder voted, and the choice's tally goes up by one — no row links
	// the two, nor either to a person. ECONFLICT when the token voted
	// already.
	CastBallot(askID int64, token string, choice int) error
	// Tally returns the votes per option, in option order.
	Tally(askID int64) ([]int, error)

	// AddAskEvent appends to the timeline and sets e.ID; AskEvents returns
	// it oldest first, up to limit (<= 0: all).
	AddAskEvent(e *Event) error
	AskEvents(askID int64, limit int) ([]*Event, error)
}

// From returns the ask store of a unit (bot.Contract); a unit without one
// gets a Store whose every call fails with an internal error.
func From(tx bot.Tx) Store {
	if s, ok := bot.Contract[Store](tx); ok {
		return s
	}
	return missing{fmt.Errorf("ask: the unit %T does not implement ask.Store", tx)}
}

// missing is the Store of a unit without one: every call fails.
type missing struct{ err error }

func (m missing) CreateAsk(*Ask) error                                { return m.err }
func (m missing) FindAsk(int64) (*Ask, error)                         { return nil, m.err }
func (m missing) UpdateAsk(*Ask) error                                { return m.err }
func (m missing) FindAsks(Filter) ([]*Ask, error)                     { return nil, m.err }
func (m missing) AddRecipients([]*Recipient) (int, error)             { return 0, m.err }
func (m missing) FindRecipient(int64, int64, int) (*Recipient, error) { return nil, m.err }
func (m missing) SkipPending(int64) (int, error)                      { return 0, m.err }
func (m missing) UpdateRecipient(*Recipient) error                    { return m.err }
func (m missing) Recipients(int64, RecipientFilter) ([]*Recipient, error) {
	return nil, m.err
}
func (m missing) CountRecipients(int64, int) (Counts, error)        { return Counts{}, m.err }
func (m missing) PendingAsks(int64, Kind, int, int) ([]*Ask, error) { return nil, m.err }
func (m missing) UnreadDeliveries(int64, string, time.Time, int64, int) ([]Unread, error) {
	return nil, m.err
}
func (m missing) CastBallot(int64, string, int) error    { return m.err }
func (m missing) Tally(int64) ([]int, error)             { return nil, m.err }
func (m missing) AddAskEvent(*Event) error               { return m.err }
func (m missing) AskEvents(int64, int) ([]*Event, error) { return nil, m.err }

// Token is the ballot token of a person in a vote: an HMAC of their id
// under the vote's salt. It lets the store refuse a second ballot without
// storing who cast the first; it is stored alone, in a table with no
// choice in it.
func Token(salt []byte, personID int64) string {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(strconv.FormatInt(personID, 10)))
	return hex.EncodeToString(m.Sum(nil))
}

// Everyone pages every person by id, for an audience of everyone
// (Audience.Everyone): storage implements it beside Store, from the
// primary key.
type Everyone interface {
	PeopleAfter(afterID int64, limit int) ([]*bot.Person, error)
}
