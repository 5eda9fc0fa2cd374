package sqlite

import (
	"encoding/json"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// InsertInbound implements bot.InboxTx.
func (t *tx) InsertInbound(ev *bot.Event, state bot.InboxState, now time.Time) (bool, error) {
	payload := []byte{}
	if state == bot.InboxPending {
		var err error
		if payload, err = json.Marshal(ev); err != nil {
			return false, internal(err, "encode event")
		}
	}
	var dedup any
	if ev.DedupKey != "" {
		dedup = ev.DedupKey
	}
	var finished any
	if state != bot.InboxPending {
		finished = now.UnixMilli()
	}
	res, err := t.exec(`INSERT INTO inbox (platform, workspace, dedup_key, state, payload, received_at, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, workspace, dedup_key) DO NOTHING`,
		ev.Platform, ev.Workspace, dedup, string(state), string(payload), now.UnixMilli(), finished)
	if err != nil {
		return false, internal(err, "insert inbound")
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, internal(err, "insert inbound")
	} else if n == 1 {
		ev.ID, err = res.LastInsertId()
		return false, internal(err, "insert inbound")
	}
	if _, err := t.queryRow(`SELECT id FROM inbox WHERE platform = ? AND workspace = ? AND dedup_key = ?`,
		[]any{ev.Platform, ev.Workspace, dedup}, &ev.ID); err != nil {
		return true, internal(err, "find duplicate inbound")
	}
	return true, nil
}

// PendingInbound implements bot.InboxTx.
func (t *tx) PendingInbound(id int64) (*bot.Event, bool, error) {
	var payload string
	found, err := t.queryRow(`SELECT payload FROM inbox WHERE id = ? AND state = 'pending'`, []any{id}, &payload)
	if err != nil || !found {
		return nil, false, internal(err, "load inbound")
	}
	ev := &bot.Event{}
	if err := json.Unmarshal([]byte(payload), ev); err != nil {
		return nil, false, internal(err, "decode inbound")
	}
	ev.ID = id
	return ev, true, nil
}

// FinishInbound implements bot.InboxTx. An event finished as done (or
// ignored) keeps only its identity, as InsertInbound stores such events:
// its payload is cleared. The raw event may say more than its effects
// should keep — a click on an anonymous vote carries the voter's account
// and choice — and nothing reads a finished event's payload: PendingInbound
// reads pending ones only, and RecordInboundFailure writes the event in
// full again. A failed event keeps its payload for the admins to look at.
func (t *tx) FinishInbound(id int64, state bot.InboxState, note string, now time.Time) error {
	res, err := t.exec(`UPDATE inbox SET state = ?1, last_error = CASE WHEN ?2 = '' THEN last_error ELSE ?2 END, finished_at = ?3,
		payload = CASE WHEN ?1 IN ('done', 'ignored') THEN '' ELSE payload END
		WHERE id = ?4 AND state = 'pending'`,
		string(state), note, now.UnixMilli(), id)
	if err != nil {
		return internal(err, "finish inbound")
	}
	if n, err := res.RowsAffected(); err != nil {
		return internal(err, "finish inbound")
	} else if n == 0 {
		return bot.ErrAlreadyHandled
	}
	return nil
}

// RecordInboundFailure implements bot.InboxTx. The event is written in full
// again, since an event stored as done kept only its identity.
func (t *tx) RecordInboundFailure(ev *bot.Event, errText string, now time.Time) (int, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return 0, internal(err, "encode event")
	}
	var n int
	found, err := t.queryRow(`UPDATE inbox SET attempts = attempts + 1, last_error = ?, state = 'pending', finished_at = NULL, payload = ?
		WHERE id = ? RETURNING attempts`,
		[]any{errText, string(payload), ev.ID}, &n)
	if err != nil {
		return 0, internal(err, "record inbound failure")
	}
	if !found {
		return 0, bot.Errorf(bot.ENOTFOUND, "No such event.", "没有这条事件。")
	}
	return n, nil
}

// PendingInboundIDs implements bot.InboxTx.
func (t *tx) PendingInboundIDs(before time.Time, limit int) ([]int64, error) {
	rows, err := t.query(`SELECT id FROM inbox WHERE state = 'pending' AND received_at < ? ORDER BY received_at, id LIMIT ?`,
		before.UnixMilli(), limit)
	if err != nil {
		return nil, internal(err, "list pending inbound")
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, internal(err, "scan pending inbound")
		}
		ids = append(ids, id)
	}
	return ids, internal(rows.Err(), "list pending inbound")
}
