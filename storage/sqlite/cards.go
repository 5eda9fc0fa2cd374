package sqlite

import (
	"database/sql"
	"encoding/json"
	"slices"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// rememberCard records the copy of a live card that outgoing message o
// posts (see bot.CardTx). A message merged into a queued one keeps that
// one's copy.
func (t *tx) rememberCard(o *bot.Outgoing, now time.Time) error {
	c := o.Msg.Card
	if c == nil || c.Subject == "" || o.Msg.Edit != nil {
		return nil
	}
	dest, err := json.Marshal(o.To)
	if err != nil {
		return internal(err, "encode card destination")
	}
	_, err = t.exec(`INSERT INTO card_copies (subject, outbox_id, destination, lang, tz, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (outbox_id) DO NOTHING`,
		c.Subject, o.ID, string(dest), string(c.Lang), c.TZ, now.UnixMilli())
	return internal(err, "remember card")
}

const cardCopyColumns = `c.id, c.subject, COALESCE(c.outbox_id, 0), c.destination, c.lang, c.tz, c.remote_id,
	COALESCE(o.state, 'sent'), COALESCE(o.next_attempt_at, 0), c.created_at`

func scanCardCopy(scan func(...any) error) (*bot.CardCopy, error) {
	c := &bot.CardCopy{}
	var dest, lang, posted string
	var due, created int64
	if err := scan(&c.ID, &c.Subject, &c.OutboxID, &dest, &lang, &c.TZ, &c.RemoteID, &posted, &due, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(dest), &c.To); err != nil {
		return nil, err
	}
	c.Lang, c.Posted = bot.Lang(lang), bot.OutboxState(posted)
	if c.Posted == bot.OutboxQueued {
		c.PostAt = fromMS(sql.NullInt64{Int64: due, Valid: true})
	}
	c.CreatedAt = fromMS(sql.NullInt64{Int64: created, Valid: true})
	return c, nil
}

// cardCopiesQuery reads a subject's newest copies from the index
// card_copies_subject.
const cardCopiesQuery = `SELECT ` + cardCopyColumns + ` FROM card_copies c LEFT JOIN outbox o ON o.id = c.outbox_id
	WHERE c.subject = ? ORDER BY c.id DESC LIMIT ?`

// CardCopies implements bot.CardTx.
func (t *tx) CardCopies(subject string, limit int) ([]*bot.CardCopy, error) {
	rows, err := t.query(cardCopiesQuery, subject, limit)
	if err != nil {
		return nil, internal(err, "card copies")
	}
	defer rows.Close()
	var out []*bot.CardCopy
	for rows.Next() {
		c, err := scanCardCopy(rows.Scan)
		if err != nil {
			return nil, internal(err, "card copies")
		}
		out = append(out, c)
	}
	slices.Reverse(out)
	return out, internal(rows.Err(), "card copies")
}

// FindCardCopy implements bot.CardTx.
func (t *tx) FindCardCopy(id int64) (*bot.CardCopy, error) {
	rows, err := t.query(`SELECT `+cardCopyColumns+` FROM card_copies c LEFT JOIN outbox o ON o.id = c.outbox_id
		WHERE c.id = ?`, id)
	if err != nil {
		return nil, internal(err, "find card copy")
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, internal(err, "find card copy")
		}
		return nil, bot.Errorf(bot.ENOTFOUND, "That card is gone.", "该卡片已不存在。")
	}
	c, err := scanCardCopy(rows.Scan)
	return c, internal(err, "find card copy")
}

// ReviseQueuedCard implements bot.CardTx, under the rule coalescing keeps: a
// message a sender has claimed, or tried, is never changed.
func (t *tx) ReviseQueuedCard(outboxID int64, card *bot.Card) (bool, error) {
	var stored string
	found, err := t.queryRow(`SELECT message FROM outbox WHERE id = ? AND state = 'queued' AND attempts = 0 AND lease_owner = ''`,
		[]any{outboxID}, &stored)
	if err != nil || !found {
		return false, internal(err, "revise queued card")
	}
	var m bot.Message
	if err := json.Unmarshal([]byte(stored), &m); err != nil {
		return false, internal(err, "decode queued card")
	}
	m.Card = card
	msg, err := json.Marshal(m)
	if err != nil {
		return false, internal(err, "encode queued card")
	}
	res, err := t.exec(`UPDATE outbox SET message = ? WHERE id = ? AND state = 'queued' AND attempts = 0 AND lease_owner = ''`, string(msg), outboxID)
	if err != nil {
		return false, internal(err, "revise queued card")
	}
	n, err := res.RowsAffected()
	return n == 1, internal(err, "revise queued card")
}

// SaveCardCopy implements bot.CardTx.
func (t *tx) SaveCardCopy(c *bot.CardCopy, now time.Time) error {
	if c.ID != 0 {
		res, err := t.exec(`UPDATE card_copies SET remote_id = ? WHERE id = ?`, c.RemoteID, c.ID)
		return mustAffect(res, err, "save card copy")
	}
	dest, err := json.Marshal(c.To)
	if err != nil {
		return internal(err, "encode card destination")
	}
	c.ID, err = insertedID(t.exec(`INSERT INTO card_copies (subject, destination, lang, tz, remote_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, c.Subject, string(dest), string(c.Lang), c.TZ, c.RemoteID, now.UnixMilli()))
	if c.Posted == "" {
		c.Posted = bot.OutboxSent
	}
	c.CreatedAt = now.UTC().Truncate(time.Millisecond)
	return internal(err, "save card copy")
}
