package bot

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"
)

// Live cards. A card about something that changes (a task, later a ticket,
// a meeting, a request) names it in Card.Subject ("task/3"). Every copy of
// such a card that is posted through the outbox is remembered with where it
// went (a CardCopy, recorded by OutboxTx.Enqueue and completed with the
// platform's message id by MarkSent), and Request.UpdateCards edits every
// copy in place when the subject changes: each is re-rendered for the reader
// it was rendered for and queued as an edit (Message.Edit), which the
// platform's Sender applies (Slack chat.update, Feishu message patch, WeCom
// update_template_card, DingTalk card update), or, where the platform cannot
// edit that message any more, answers with a short follow-up instead.

// CardCopy is one posted copy of a live card.
type CardCopy struct {
	ID       int64
	Subject  string
	OutboxID int64 // the message that posted it; 0 for a card posted inline, known from a click
	To       Destination
	Lang     Lang   // the reader it was rendered for
	TZ       string // their zone ("" for the default)
	// RemoteID is the platform's id of the posted message (what Sender.Send
	// returned, or a click's Action.MessageID); "" until it is known.
	RemoteID string
	// Posted is the delivery state of the message that posted it (sent for
	// an inline one).
	Posted OutboxState
	// PostAt is when the message is next tried while Posted is queued.
	PostAt    time.Time
	CreatedAt time.Time
}

// Edit marks a message as the new state of a card posted earlier: the
// Sender replaces that message in place instead of posting a new one.
type Edit struct {
	CopyID int64 `json:"copy_id"`
	// RemoteID is the platform's id of the message to replace. The
	// dispatcher fills it in from the copy just before sending, because the
	// original may still have been on its way when the edit was queued.
	RemoteID string `json:"remote_id,omitempty"`
}

// CardTx stores where live cards were posted.
type CardTx interface {
	// CardCopies lists the newest limit copies of subject's card, oldest
	// first, from an index on the subject.
	CardCopies(subject string, limit int) ([]*CardCopy, error)
	// FindCardCopy returns one copy; ENOTFOUND if it was pruned.
	FindCardCopy(id int64) (*CardCopy, error)
	// SaveCardCopy stores c (ID zero: a new copy, posted inline, with its
	// RemoteID known from a click) or records a new RemoteID for it (WeCom
	// gives a fresh, single-use code with every click).
	SaveCardCopy(c *CardCopy, now time.Time) error
	// ReviseQueuedCard replaces the card of the queued message outboxID
	// with card, if no sender has claimed it yet (as coalescing does), and
	// reports whether it did: a card not posted yet is posted in its latest
	// state rather than posted stale and then edited.
	ReviseQueuedCard(outboxID int64, card *Card) (bool, error)
}

// maxCardCopies bounds the copies one update edits: a card goes to its
// owner, its creator and a chat or two, not to hundreds.
const maxCardCopies = 50

// UpdateCards edits every posted copy of subject's card: render is called
// once per copy with the language and zone of the reader it was rendered for,
// and its Message (the new card, and a one-line text used where the platform
// cannot edit and posts a follow-up instead) goes out as an edit of that
// copy. When the request is a click on a card whose message is not among the
// copies (a card given as an inline answer), that message is remembered and
// edited too. The edits are queued in the request's unit and go out at once,
// never merged with other notifications.
func (r *Request) UpdateCards(subject string, render func(lang Lang, loc *time.Location) Message) error {
	copies, err := r.Tx.CardCopies(subject, maxCardCopies)
	if err != nil {
		return err
	}
	if clicked, err := r.clickedCopy(subject, copies); err != nil {
		return err
	} else if clicked != nil {
		copies = append(copies, clicked)
	}
	edits, err := cardEdits(r.Tx, subject, copies, r.bot.DefaultLang, r.bot.DefaultTZ, render)
	r.notes = append(r.notes, edits...)
	return err
}

// UpdateCardsIn is Request.UpdateCards for a unit with no request (a job,
// or a mechanism such as commands/asks called with a bare unit): the edits
// of subject's posted copies are queued in tx at once. lang and loc are
// the reader's when a copy does not say (the host's defaults).
func UpdateCardsIn(tx Tx, subject string, lang Lang, loc *time.Location, now time.Time, render func(lang Lang, loc *time.Location) Message) error {
	copies, err := tx.CardCopies(subject, maxCardCopies)
	if err != nil {
		return err
	}
	edits, err := cardEdits(tx, subject, copies, lang, loc, render)
	if err != nil {
		return err
	}
	for _, o := range edits {
		o.Key = editKey(o, now)
		if _, err := tx.Enqueue(o, now); err != nil {
			return err
		}
	}
	return nil
}

// editKey keys an edit queued outside a request (whose replies the bot
// keys): by copy, moment and content, so that two different states of a
// card in one unit (a decision recorded, then the next step) are both
// queued while the same edit queued twice is stored once. Without a key
// every such edit shared the key "" and all but the first were dropped.
func editKey(o *Outgoing, now time.Time) string {
	b, _ := json.Marshal(o.Msg)
	sum := sha256.Sum256(b)
	return fmt.Sprintf("edit/%d/%d/%x", o.Msg.Edit.CopyID, now.UnixMilli(), sum[:8])
}

// cardEdits renders each copy for its reader (defLang and defLoc when the
// copy does not say) and returns the edits to queue; a copy still waiting
// unclaimed in the outbox is revised in place instead.
func cardEdits(tx CardTx, subject string, copies []*CardCopy, defLang Lang, defLoc *time.Location, render func(lang Lang, loc *time.Location) Message) ([]*Outgoing, error) {
	var edits []*Outgoing
	for _, c := range copies {
		lang, loc := readerOf(c, defLang, defLoc)
		m := render(lang, loc)
		if m.Card == nil {
			return nil, fmt.Errorf("bot: UpdateCards(%q): render gave no card", subject)
		}
		card := *m.Card
		card.Subject, card.Lang, card.TZ = subject, lang, c.TZ
		// A copy whose message is still waiting in the outbox, unclaimed
		// (a notification gathering changes for a minute, or held for
		// quiet hours), simply goes out with the new card.
		if c.Posted == OutboxQueued && c.OutboxID != 0 {
			revised, err := tx.ReviseQueuedCard(c.OutboxID, &card)
			if err != nil {
				return nil, err
			}
			if revised {
				continue
			}
		}
		m.Card, m.Edit = &card, &Edit{CopyID: c.ID, RemoteID: c.RemoteID}
		// An edit goes out at once and is never merged with news: it is
		// the card's state, not a line of news.
		edits = append(edits, &Outgoing{To: c.To, Msg: m})
	}
	return edits, nil
}

// readerOf is the language and zone a copy was rendered for.
func readerOf(c *CardCopy, defLang Lang, defLoc *time.Location) (Lang, *time.Location) {
	loc := defLoc
	if c.TZ != "" {
		if l, err := time.LoadLocation(c.TZ); err == nil {
			loc = l
		}
	}
	lang := c.Lang
	if lang == "" {
		lang = defLang
	}
	return lang, loc
}

// clickedCopy makes sure the card whose button the request is a click on
// is among the copies to edit. A copy with the clicked message's id is
// already there. A click that brings a single-use edit code (WeCom) was on
// a card Tandem posted into this chat: the newest copy there takes the code.
// Otherwise the clicked card was an inline answer, which no outbox row
// posted: it becomes a copy of its own, returned to be edited as well.
func (r *Request) clickedCopy(subject string, copies []*CardCopy) (*CardCopy, error) {
	a := r.Event.Action
	if a == nil || (a.MessageID == "" && a.EditCode == "") {
		return nil, nil
	}
	to := r.Event.ReplyDestination()
	to.ReplyHandle, to.ThreadID = "", ""
	for i := len(copies) - 1; i >= 0; i-- {
		c := copies[i]
		if c.To.Platform != to.Platform || c.To.Workspace != to.Workspace {
			continue
		}
		if a.EditCode != "" && r.inChatOf(c) {
			c.RemoteID = a.EditCode
			return nil, r.Tx.SaveCardCopy(c, r.Now)
		}
		if a.EditCode == "" && c.RemoteID == a.MessageID {
			return nil, nil
		}
	}
	if a.MessageID == "" {
		return nil, nil
	}
	c := &CardCopy{Subject: subject, To: to, Lang: r.Lang, TZ: r.Loc.String(), RemoteID: a.MessageID, Posted: OutboxSent}
	if err := r.Tx.SaveCardCopy(c, r.Now); err != nil {
		return nil, err
	}
	return c, nil
}

// inChatOf says whether the request came from the chat copy c was posted
// to: the same group chat, or, for a copy sent as a direct message (no chat
// id, only the user), the direct chat with that user.
func (r *Request) inChatOf(c *CardCopy) bool {
	if c.To.ChatID != "" {
		return c.To.ChatID == r.Event.ChatID
	}
	return r.Event.ChatType == ChatDirect && c.To.UserID == r.Event.Sender.UserID
}

// ForReader returns m with its card marked as rendered for a reader with
// lang and loc, unless the card says so already, so that an update of a
// live card is rendered for the same reader.
func (m Message) ForReader(lang Lang, loc *time.Location) Message {
	if m.Card == nil || m.Card.Lang != "" {
		return m
	}
	c := *m.Card
	c.Lang = lang
	if loc != nil && loc != time.UTC && loc.String() != "Local" {
		c.TZ = loc.String()
	}
	m.Card = &c
	return m
}

// silenceToldEdits drops the follow-up line of every edit whose reader
// learns of the change anyway: the one who made it (they have their answer),
// and whoever the same unit sends news about the same subject. Where the
// card cannot be edited (a WeCom code already spent, a Feishu card too old,
// a terminal), the follow-up would say it a second time.
func silenceToldEdits(ev *Event, notes []*Outgoing) {
	type about struct {
		to      Destination
		subject string
	}
	told := map[about]bool{}
	for _, n := range notes {
		if n.Msg.Edit == nil && n.Msg.Card != nil && n.Msg.Card.Subject != "" {
			told[about{reader(n.To), n.Msg.Card.Subject}] = true
		}
	}
	for _, n := range notes {
		if n.Msg.Edit != nil && n.Msg.Card != nil && (told[about{reader(n.To), n.Msg.Card.Subject}] || actorsOwn(ev, n.To)) {
			n.Msg.Text = ""
		}
	}
}

// actorsOwn says whether to is the direct chat of the one who sent ev, on
// the platform they wrote on: a card there is theirs alone.
func actorsOwn(ev *Event, to Destination) bool {
	if to.Platform != ev.Platform || to.Workspace != ev.Workspace || to.UserID != ev.Sender.UserID {
		return false
	}
	return to.ChatID == "" || (to.ChatID == ev.ChatID && ev.ChatType == ChatDirect)
}

// reader is where a message goes, without how it is threaded.
func reader(to Destination) Destination {
	to.ThreadID, to.ReplyHandle = "", ""
	return to
}
