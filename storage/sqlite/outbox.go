package sqlite

import (
	"database/sql"
	"encoding/json"
	"sort"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Enqueue implements bot.OutboxTx.
func (t *tx) Enqueue(o *bot.Outgoing, now time.Time) (bool, error) {
	dest, err := json.Marshal(o.To)
	if err != nil {
		return false, internal(err, "encode destination")
	}
	if err := t.storeMedia(o, now); err != nil {
		return false, err
	}
	msg, err := json.Marshal(o.Msg)
	if err != nil {
		return false, internal(err, "encode message")
	}
	next := o.NextAttempt
	if next.IsZero() {
		next = now
	}
	if o.Coalesce != "" {
		if merged, err := t.coalesce(o, now); err != nil {
			return false, err
		} else if merged {
			return false, t.rememberCard(o, now)
		}
	}
	o.State, o.CreatedAt, o.NextAttempt = bot.OutboxQueued, now.UTC(), next.UTC()
	res, err := t.exec(`INSERT INTO outbox (key, platform, recipient, destination, message, state, next_attempt_at, created_at, coalesce_key)
		VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
		o.Key, o.To.Platform, o.To.UserID, string(dest), string(msg), next.UnixMilli(), now.UnixMilli(), o.Coalesce)
	if err != nil {
		return false, internal(err, "enqueue")
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err == nil, internal(err, "enqueue")
	}
	if o.ID, err = res.LastInsertId(); err != nil {
		return false, internal(err, "enqueue")
	}
	return false, t.rememberCard(o, now)
}

// coalesceQuery finds the message a notification may be merged into (see
// coalesce), from the partial index outbox_coalesce.
const coalesceQuery = `SELECT id, message FROM outbox
	WHERE coalesce_key = ? AND state = 'queued' AND coalesce_key != '' AND attempts = 0 AND lease_owner = '' AND next_attempt_at > ?
	ORDER BY id DESC LIMIT 1`

// coalesce merges o into the queued message with its Coalesce key, if there
// is one that no sender has claimed (attempts = 0 and no lease: a deferral
// gives its attempt back, so a message held back by a rate limit still
// counts as untried) and that is not due yet. A due message is the
// sender's: changing it then could race a claim in another process, and a
// change after the window is news of its own.
func (t *tx) coalesce(o *bot.Outgoing, now time.Time) (bool, error) {
	var id int64
	var stored string
	found, err := t.queryRow(coalesceQuery, []any{o.Coalesce, now.UnixMilli()}, &id, &stored)
	if err != nil || !found {
		return false, internal(err, "find coalesced outgoing")
	}
	var earlier bot.Message
	if err := json.Unmarshal([]byte(stored), &earlier); err != nil {
		return false, internal(err, "decode coalesced outgoing")
	}
	msg, err := json.Marshal(bot.MergeMessages(earlier, o.Msg))
	if err != nil {
		return false, internal(err, "encode coalesced outgoing")
	}
	res, err := t.exec(`UPDATE outbox SET message = ? WHERE id = ? AND state = 'queued' AND attempts = 0 AND lease_owner = ''`, string(msg), id)
	if err := mustAffect(res, err, "coalesce outgoing"); err != nil {
		return false, err
	}
	o.ID = id
	return true, nil
}

const outgoingColumns = `id, key, destination, message, state, attempts, next_attempt_at, last_error, remote_id, created_at, image_key`

func scanOutgoing(scan func(...any) error) (*bot.Outgoing, error) {
	o := &bot.Outgoing{}
	var dest, msg, state string
	var next, created int64
	var imageKey string
	if err := scan(&o.ID, &o.Key, &dest, &msg, &state, &o.Attempts, &next, &o.LastError, &o.RemoteID, &created, &imageKey); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(dest), &o.To); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(msg), &o.Msg); err != nil {
		return nil, err
	}
	if a := o.Msg.Attachment(); a != nil {
		a.SetUploadKey(imageKey) // the column holds the upload of either
	}
	o.State = bot.OutboxState(state)
	o.NextAttempt = fromMS(sql.NullInt64{Int64: next, Valid: true})
	o.CreatedAt = fromMS(sql.NullInt64{Int64: created, Valid: true})
	return o, nil
}

func (t *tx) scanOutgoingRows(rows *sql.Rows, err error, what string) ([]*bot.Outgoing, error) {
	if err != nil {
		return nil, internal(err, what)
	}
	defer rows.Close()
	var out []*bot.Outgoing
	for rows.Next() {
		o, err := scanOutgoing(rows.Scan)
		if err != nil {
			return nil, internal(err, what)
		}
		out = append(out, o)
	}
	return out, internal(rows.Err(), what)
}

// ClaimOutgoing implements bot.OutboxTx. The claim counts as an attempt, so a
// message whose sender crashes mid-send is still bounded by the retry limit.
func (t *tx) ClaimOutgoing(platform string, now time.Time, lease time.Duration, owner string, limit int) ([]*bot.Outgoing, error) {
	if c := t.outboxClaimer(); c != nil {
		rows, err := c.ClaimOutgoing(t.ctx, platform, now.UnixMilli(), now.Add(lease).UnixMilli(), owner, limit)
		return t.scanOutgoingRows(rows, err, "claim outgoing")
	}
	rows, err := t.query(`UPDATE outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox WHERE state = 'queued' AND platform = ? AND next_attempt_at <= ? AND lease_until <= ?
			ORDER BY next_attempt_at, id LIMIT ?)
		RETURNING `+outgoingColumns,
		owner, now.Add(lease).UnixMilli(), platform, now.UnixMilli(), now.UnixMilli(), limit)
	return t.scanOutgoingRows(rows, err, "claim outgoing")
}

// TakeOutgoing implements bot.OutboxTx.
func (t *tx) TakeOutgoing(platform, recipient string, now time.Time, limit int) ([]*bot.Outgoing, error) {
	rows, err := t.query(`UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox WHERE state = 'queued' AND platform = ? AND recipient = ? AND next_attempt_at <= ?
			ORDER BY id LIMIT ?)
		RETURNING `+outgoingColumns,
		now.UnixMilli(), platform, recipient, now.UnixMilli(), limit)
	out, err := t.scanOutgoingRows(rows, err, "take outgoing")
	// RETURNING gives no order guarantee; people read messages in order.
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}

// MarkSent implements bot.OutboxTx.
func (t *tx) MarkSent(id int64, remoteID string, now time.Time) error {
	res, err := t.exec(`UPDATE outbox SET state = 'sent', remote_id = ?, sent_at = ?, lease_owner = '', lease_until = 0 WHERE id = ?`,
		remoteID, now.UnixMilli(), id)
	if err := mustAffect(res, err, "mark sent"); err != nil || remoteID == "" {
		return err
	}
	// The copy of a live card this message posted now knows where it is.
	_, err = t.exec(`UPDATE card_copies SET remote_id = ? WHERE outbox_id = ?`, remoteID, id)
	return internal(err, "mark sent")
}

// MarkRetry implements bot.OutboxTx.
func (t *tx) MarkRetry(id int64, next time.Time, errText string) error {
	res, err := t.exec(`UPDATE outbox SET next_attempt_at = ?, last_error = ?, lease_owner = '', lease_until = 0 WHERE id = ?`,
		next.UnixMilli(), errText, id)
	return mustAffect(res, err, "mark retry")
}

// MarkDeferred implements bot.OutboxTx.
func (t *tx) MarkDeferred(id int64, next time.Time) error {
	res, err := t.exec(`UPDATE outbox SET next_attempt_at = ?, attempts = MAX(attempts - 1, 0), lease_owner = '', lease_until = 0, deferred = 1
		WHERE id = ? AND state = 'queued'`, next.UnixMilli(), id)
	return mustAffect(res, err, "defer outgoing")
}

// MarkDead implements bot.OutboxTx.
func (t *tx) MarkDead(id int64, errText string, now time.Time) error {
	res, err := t.exec(`UPDATE outbox SET state = 'dead', last_error = ?, lease_owner = '', lease_until = 0 WHERE id = ?`, errText, id)
	return mustAffect(res, err, "mark dead")
}

// RetryOutgoing implements bot.OutboxTx.
func (t *tx) RetryOutgoing(id int64, now time.Time) error {
	res, err := t.exec(`UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = ?, lease_owner = '', lease_until = 0
		WHERE id = ? AND state = 'dead'`, now.UnixMilli(), id)
	return mustAffect(res, err, "retry outgoing")
}

// NextOutgoingAt implements bot.OutboxTx.
func (t *tx) NextOutgoingAt(platform string) (time.Time, error) {
	var next sql.NullInt64
	_, err := t.queryRow(`SELECT MIN(MAX(next_attempt_at, lease_until)) FROM outbox WHERE state = 'queued' AND platform = ?`,
		[]any{platform}, &next)
	return fromMS(next), internal(err, "next outgoing")
}

const nextOutgoingForQuery = `SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'queued' AND platform = ? AND recipient = ?`

// NextOutgoingFor implements bot.OutboxTx, from the index outbox_recipient.
func (t *tx) NextOutgoingFor(platform, recipient string) (time.Time, error) {
	var next sql.NullInt64
	_, err := t.queryRow(nextOutgoingForQuery, []any{platform, recipient}, &next)
	return fromMS(next), internal(err, "next outgoing for recipient")
}

// FindOutgoing implements bot.OutboxTx.
func (t *tx) FindOutgoing(state bot.OutboxState, limit int) ([]*bot.Outgoing, error) {
	return t.ListOutgoing(state, 0, limit)
}

// ListOutgoing implements bot.OutboxTx. Dead messages are read from
// outbox_dead, newest first; the literal state is what lets SQLite use it.
func (t *tx) ListOutgoing(state bot.OutboxState, offset, limit int) ([]*bot.Outgoing, error) {
	q, args := listOutgoingQuery(state, offset, limit)
	rows, err := t.query(q, args...)
	return t.scanOutgoingRows(rows, err, "find outgoing")
}

func listOutgoingQuery(state bot.OutboxState, offset, limit int) (string, []any) {
	if state == bot.OutboxDead {
		return `SELECT ` + outgoingColumns + ` FROM outbox WHERE state = 'dead' ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
			[]any{limit, max(offset, 0)}
	}
	return `SELECT ` + outgoingColumns + ` FROM outbox WHERE state = ? ORDER BY id DESC LIMIT ? OFFSET ?`,
		[]any{string(state), limit, max(offset, 0)}
}
