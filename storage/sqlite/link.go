package sqlite

import (
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/link"
)

// The unit implements the link feature's store contract (link.From).
var _ link.Store = (*tx)(nil)

// CreateLinkCode implements link.Store.
func (t *tx) CreateLinkCode(code string, personID int64, expires time.Time) error {
	_, err := t.exec(`INSERT INTO link_codes (code, person_id, expires_at) VALUES (?, ?, ?)`, code, personID, expires.UnixMilli())
	return internal(err, "create link code")
}

// UseLinkCode implements link.Store. A code works once; expired codes are
// cleared on the way.
func (t *tx) UseLinkCode(code string, now time.Time) (int64, error) {
	if _, err := t.exec(`DELETE FROM link_codes WHERE expires_at <= ?`, now.UnixMilli()); err != nil {
		return 0, internal(err, "clear link codes")
	}
	var id int64
	found, err := t.queryRow(`DELETE FROM link_codes WHERE code = ? RETURNING person_id`, []any{code}, &id)
	if err != nil {
		return 0, internal(err, "use link code")
	}
	if !found {
		return 0, bot.Errorf(bot.ENOTFOUND, "That code is unknown or has expired.", "这个代码无效或已过期。")
	}
	return id, nil
}

// MergePeople implements link.Store. Every statement finds the rows of
// the two people from an index (query_internal_test.go checks the plans),
// so a merge costs their rows, not the size of the tables. Reminder payloads
// name their recipient and author by person id, so those move with the
// jobs' subject_id and owner_id columns.
func (t *tx) MergePeople(from, into int64) error {
	if from == into {
		return nil
	}
	t.peopleChanged()
	for _, q := range mergeStatements {
		if _, err := t.exec(q, into, from); err != nil {
			return internal(err, "merge people")
		}
	}
	if err := t.mergeTrust(from, into); err != nil {
		return err
	}
	res, err := t.exec(`DELETE FROM people WHERE id = ?`, from)
	return mustAffect(res, err, "merge people: delete "+strconv.FormatInt(from, 10))
}

// mergeStatements move the rows of person ?2 to person ?1. Owners move
// before creators: a task its creator owned is then found by tasks_creator,
// which holds the tasks whose creator is not their owner.
var mergeStatements = []string{
	`UPDATE accounts SET person_id = ?1 WHERE person_id = ?2`,
	`UPDATE tasks SET owner_id = ?1 WHERE owner_id = ?2 AND ` + openTask,
	`UPDATE tasks SET owner_id = ?1 WHERE owner_id = ?2 AND ` + closedTask,
	`UPDATE tasks SET creator_id = ?1 WHERE creator_id = ?2 AND owner_id IS NOT creator_id`,
	`UPDATE task_events SET actor_id = ?1 WHERE actor_id = ?2`,
	`UPDATE tickets SET owner_id = ?1 WHERE owner_id = ?2 AND ` + activeTicket,
	`UPDATE tickets SET owner_id = ?1 WHERE owner_id = ?2 AND ` + finishedTicket,
	`UPDATE tickets SET requester_id = ?1 WHERE requester_id = ?2 AND ` + activeTicket,
	`UPDATE tickets SET requester_id = ?1 WHERE requester_id = ?2 AND ` + finishedTicket,
	`UPDATE ticket_events SET actor_id = ?1 WHERE actor_id = ?2`,
	`UPDATE meetings SET organizer_id = ?1 WHERE organizer_id = ?2`,
	// Invited twice (both people were invited to one meeting): the row of
	// the person kept stays, the other goes.
	`UPDATE meeting_attendees SET person_id = ?1 WHERE person_id = ?2
		AND meeting_id NOT IN (SELECT meeting_id FROM meeting_attendees WHERE person_id = ?1)`,
	`DELETE FROM meeting_attendees WHERE person_id = ?2`,
	`UPDATE meeting_agenda SET owner_id = ?1 WHERE owner_id = ?2`,
	`UPDATE meeting_minutes SET owner_id = ?1 WHERE owner_id = ?2`,
	`UPDATE meeting_minutes SET author_id = ?1 WHERE author_id = ?2`,
	`UPDATE chat_bindings SET bound_by = ?1 WHERE bound_by = ?2`,
	`UPDATE departments SET head_id = ?1 WHERE head_id = ?2`,
	// The merged person's reports report to the one kept; the one kept no
	// longer reports to itself (bot.MergeRecords then writes its manager).
	`UPDATE people SET manager_id = ?1 WHERE manager_id = ?2 AND id != ?1`,
	`UPDATE people SET manager_id = NULL WHERE id = ?1 AND manager_id = ?2`,
	// Payloads are BLOBs, which SQLite's JSON functions would read as
	// binary JSONB: they are cast to text.
	`UPDATE jobs SET subject_id = ?1, payload = ` + movePayloadField("to_person") + ` WHERE subject_id = ?2`,
	`UPDATE jobs SET owner_id = ?1, payload = ` + movePayloadField("set_by") + ` WHERE owner_id = ?2`,
	`UPDATE link_codes SET person_id = ?1 WHERE person_id = ?2`,
	// Asked twice on one day (both people were in the department): the
	// kept person's ask stays, the other goes.
	`UPDATE OR IGNORE standup_asks SET person_id = ?1 WHERE person_id = ?2`,
	`DELETE FROM standup_asks WHERE person_id = ?2`,
	`UPDATE leaves SET person_id = ?1 WHERE person_id = ?2`,
	`UPDATE leaves SET delegate_id = ?1 WHERE delegate_id = ?2`,
	`UPDATE file_links SET added_by = ?1 WHERE added_by = ?2`,
	`UPDATE projects SET lead_id = ?1 WHERE lead_id = ?2`,
	`UPDATE projects SET creator_id = ?1 WHERE creator_id = ?2`,
	// A member of one project twice (both people were members): the kept
	// person takes the higher of the two roles, and the other row goes.
	`UPDATE project_members SET role = m.role FROM project_members AS m
		WHERE project_members.person_id = ?1 AND m.person_id = ?2 AND m.project_id = project_members.project_id
		AND ` + projectRoleRank("m.role") + ` > ` + projectRoleRank("project_members.role"),
	`UPDATE OR IGNORE project_members SET person_id = ?1 WHERE person_id = ?2`,
	`DELETE FROM project_members WHERE person_id = ?2`,
	`UPDATE project_events SET actor_id = ?1 WHERE actor_id = ?2`,
	`UPDATE asks SET author_id = ?1 WHERE author_id = ?2`,
	// Asked twice in one step of an ask (both people were in the audience):
	// the kept person's line stays, the other goes. Ballots name nobody and
	// do not move.
	`UPDATE OR IGNORE ask_recipients SET person_id = ?1 WHERE person_id = ?2`,
	`DELETE FROM ask_recipients WHERE person_id = ?2`,
	`UPDATE ask_recipients SET on_behalf_of = ?1 WHERE on_behalf_of = ?2`,
	`UPDATE ask_events SET actor_id = ?1 WHERE actor_id = ?2`,
}

// projectRoleRank is a project role's rank (project.Role.AtLeast) in SQL.
func projectRoleRank(col string) string {
	return `CASE ` + col + ` WHEN 'admin' THEN 3 WHEN 'editor' THEN 2 ELSE 1 END`
}

// movePayloadField is a job's payload with field (a person id) changed from
// ?2 to ?1 where it holds ?2.
func movePayloadField(field string) string {
	return `CASE WHEN json_valid(CAST(payload AS TEXT)) AND json_extract(CAST(payload AS TEXT), '$.` + field + `') = ?2
		THEN json_set(CAST(payload AS TEXT), '$.` + field + `', ?1) ELSE payload END`
}
