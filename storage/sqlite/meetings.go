package sqlite

import (
	"cmp"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/meeting"
)

// The unit implements the meeting feature's store contract (meeting.From)
// and the chat bindings (bot.Bindings).
var (
	_ meeting.Store = (*tx)(nil)
	_ bot.BindingTx = (*tx)(nil)
)

const meetingColumns = `meetings.id, meetings.title, meetings.start_at, meetings.duration_ms, meetings.until_at,
	meetings.tz, meetings.room, meetings.online, meetings.dept_id, meetings.organizer_id, meetings.group_chat,
	meetings.rule, meetings.holiday, meetings.status, meetings.reminders, meetings.created_at, meetings.updated_at`

func scanMeeting(scan func(...any) error) (*meeting.Meeting, error) {
	m := &meeting.Meeting{}
	var start, until, created, updated, dept, organizer sql.NullInt64
	var duration int64
	var group, holiday, status, reminders string
	if err := scan(&m.ID, &m.Title, &start, &duration, &until, &m.TZ, &m.Room, &m.Online, &dept, &organizer, &group,
		&m.Rule, &holiday, &status, &reminders, &created, &updated); err != nil {
		return nil, err
	}
	m.Start, m.Until, m.CreatedAt, m.UpdatedAt = fromMS(start), fromMS(until), fromMS(created), fromMS(updated)
	m.Duration = time.Duration(duration) * time.Millisecond
	m.DeptID, m.OrganizerID = dept.Int64, organizer.Int64
	m.Holiday, m.Status = meeting.HolidayRule(holiday), meeting.Status(status)
	if group != "" {
		if err := json.Unmarshal([]byte(group), &m.Group); err != nil {
			return nil, err
		}
	}
	var offsets []int64
	if err := json.Unmarshal([]byte(reminders), &offsets); err != nil {
		return nil, err
	}
	for _, o := range offsets {
		m.Reminders = append(m.Reminders, time.Duration(o)*time.Millisecond)
	}
	return m, nil
}

// meetingRow is what a meeting keeps beside its fields: whether it is a
// series, when its last occurrence ends (nil: never), its group chat as
// JSON ("" when none) and its reminders as JSON milliseconds.
type meetingRow struct {
	series    bool
	endsAt    any
	group     string
	reminders string
}

func newMeetingRow(m *meeting.Meeting) (meetingRow, error) {
	r := meetingRow{series: m.Rule != ""}
	switch {
	case !r.series:
		r.endsAt = m.Start.Add(m.Duration).UnixMilli()
	case !m.Until.IsZero():
		r.endsAt = m.Until.Add(m.Duration).UnixMilli()
	}
	if m.Group != (bot.Destination{}) {
		g, err := json.Marshal(m.Group)
		if err != nil {
			return r, err
		}
		r.group = string(g)
	}
	offsets := make([]int64, len(m.Reminders))
	for i, d := range m.Reminders {
		offsets[i] = d.Milliseconds()
	}
	rem, err := json.Marshal(offsets)
	r.reminders = string(rem)
	return r, err
}

// CreateMeeting implements meeting.Store.
func (t *tx) CreateMeeting(m *meeting.Meeting) error {
	r, err := newMeetingRow(m)
	if err != nil {
		return internal(err, "create meeting")
	}
	res, err := t.exec(`INSERT INTO meetings (title, start_at, duration_ms, until_at, ends_at, tz, room, online, dept_id,
		organizer_id, group_chat, rule, series, holiday, status, reminders, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.Title, m.Start.UnixMilli(), m.Duration.Milliseconds(), ms(m.Until), r.endsAt, m.TZ, m.Room, m.Online,
		nullID(m.DeptID), nullID(m.OrganizerID), r.group, m.Rule, r.series, string(m.Holiday), string(m.Status),
		r.reminders, m.CreatedAt.UnixMilli(), m.UpdatedAt.UnixMilli())
	id, err := insertedID(res, err)
	if err != nil {
		return meetingRefs(err, "create meeting")
	}
	m.ID = id
	return nil
}

// FindMeetingByID implements meeting.Store.
func (t *tx) FindMeetingByID(id int64) (*meeting.Meeting, error) {
	ms, err := t.scanMeetings(`SELECT `+meetingColumns+` FROM meetings WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, noMeeting(id)
	}
	return ms[0], nil
}

func noMeeting(id int64) error {
	return bot.Errorf(bot.ENOTFOUND, "There is no meeting M-%d.", "没有会议 M-%d。", id)
}

// UpdateMeeting implements meeting.Store: everything but the id and the
// creation time. The attendees' copies of its status, kind and times are
// written too, so that their lists see the change.
func (t *tx) UpdateMeeting(m *meeting.Meeting) error {
	r, err := newMeetingRow(m)
	if err != nil {
		return internal(err, "update meeting")
	}
	res, err := t.exec(`UPDATE meetings SET title = ?, start_at = ?, duration_ms = ?, until_at = ?, ends_at = ?, tz = ?,
		room = ?, online = ?, dept_id = ?, organizer_id = ?, group_chat = ?, rule = ?, series = ?, holiday = ?,
		status = ?, reminders = ?, updated_at = ? WHERE id = ?`,
		m.Title, m.Start.UnixMilli(), m.Duration.Milliseconds(), ms(m.Until), r.endsAt, m.TZ, m.Room, m.Online,
		nullID(m.DeptID), nullID(m.OrganizerID), r.group, m.Rule, r.series, string(m.Holiday), string(m.Status),
		r.reminders, m.UpdatedAt.UnixMilli(), m.ID)
	if err := mustAffect(res, err, "update meeting"); err != nil {
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			return noMeeting(m.ID)
		}
		return meetingRefs(err, "update meeting")
	}
	_, err = t.exec(`UPDATE meeting_attendees SET status = ?, series = ?, start_at = ?, ends_at = ? WHERE meeting_id = ?`,
		string(m.Status), r.series, m.Start.UnixMilli(), r.endsAt, m.ID)
	return internal(err, "update meeting attendees")
}

// Conditions of the meeting indexes' ranges (0120_meetings.sql). The
// literal status lets SQLite use the partial *_ends indexes.
const (
	scheduledMeeting = "status = 'scheduled'"
	defaultPageSize  = 100
)

// meetingArm is one index range of a list: its query (ordered by its key,
// then id) and whether it lists series.
type meetingArm struct {
	q      string
	args   []any
	series bool
}

// findMeetingsArms builds FindMeetings' reads. A list is series first (by
// first occurrence), then one-offs by start, each from the index of whom it
// is for (meetings_start, meetings_dept, meetings_organizer,
// meeting_attendees_person); a person's list is the meetings they organize
// and, from their attendee rows, those they attend and do not organize.
// Each arm reads at most offset+limit rows in the list's order and
// FindMeetings merges them, so a page costs its offset and its size per
// arm, whatever the table holds (meetings_internal_test.go checks the
// plans).
func findMeetingsArms(f meeting.Filter) []meetingArm {
	n := max(f.Offset, 0) + pageSize(f.Limit)
	var arms []meetingArm
	for _, series := range []bool{true, false} {
		window, wargs := meetingWindow("", series, f.From, f.To)
		switch {
		case f.PersonID != 0:
			where := "meetings.organizer_id = ? AND meetings." + scheduledMeeting + " AND meetings.series = ? AND " + window
			args := append([]any{f.PersonID, series}, wargs...)
			if f.DeptID != 0 {
				where, args = where+" AND meetings.dept_id = ?", append(args, f.DeptID)
			}
			arms = append(arms, meetingArm{`SELECT ` + meetingColumns + ` FROM meetings WHERE ` + where +
				` ORDER BY meetings.start_at, meetings.id LIMIT ?`, append(args, n), series})
			window, wargs = meetingWindow("a.", series, f.From, f.To)
			where = "a.person_id = ? AND a." + scheduledMeeting + " AND a.series = ? AND " + window +
				" AND meetings.organizer_id IS NOT ?"
			args = append(append([]any{f.PersonID, series}, wargs...), f.PersonID)
			if f.DeptID != 0 {
				where, args = where+" AND meetings.dept_id = ?", append(args, f.DeptID)
			}
			arms = append(arms, meetingArm{`SELECT ` + meetingColumns + ` FROM meeting_attendees a
				JOIN meetings ON meetings.id = a.meeting_id WHERE ` + where +
				` ORDER BY a.start_at, a.meeting_id LIMIT ?`, append(args, n), series})
		case f.DeptID != 0:
			arms = append(arms, meetingArm{`SELECT ` + meetingColumns + ` FROM meetings WHERE meetings.dept_id = ? AND meetings.` +
				scheduledMeeting + ` AND meetings.series = ? AND ` + window + ` ORDER BY meetings.start_at, meetings.id LIMIT ?`,
				append(append([]any{f.DeptID, series}, wargs...), n), series})
		default:
			arms = append(arms, meetingArm{`SELECT ` + meetingColumns + ` FROM meetings WHERE meetings.` + scheduledMeeting +
				` AND meetings.series = ? AND ` + window + ` ORDER BY meetings.start_at, meetings.id LIMIT ?`,
				append(append([]any{series}, wargs...), n), series})
		}
	}
	return arms
}

// meetingWindow is the condition on a list's window (columns of table
// prefix p): a one-off whose start is in [from, to), a series that started
// before to and whose last occurrence ends after from. A zero to is no
// bound.
func meetingWindow(p string, series bool, from, to time.Time) (string, []any) {
	var conds []string
	var args []any
	if !series {
		conds, args = append(conds, p+"start_at >= ?"), append(args, from.UnixMilli())
	}
	if !to.IsZero() {
		conds, args = append(conds, p+"start_at < ?"), append(args, to.UnixMilli())
	}
	if series {
		conds, args = append(conds, "("+p+"ends_at IS NULL OR "+p+"ends_at > ?)"), append(args, from.UnixMilli())
	}
	return strings.Join(conds, " AND "), args
}

func pageSize(limit int) int {
	if limit <= 0 {
		return defaultPageSize
	}
	return limit
}

// FindMeetings implements meeting.Store: scheduled meetings, series first
// (by first occurrence), then one-offs by start; ties by id.
func (t *tx) FindMeetings(f meeting.Filter) ([]*meeting.Meeting, error) {
	var series, oneOffs []*meeting.Meeting
	for _, arm := range findMeetingsArms(f) {
		ms, err := t.scanMeetings(arm.q, arm.args...)
		if err != nil {
			return nil, err
		}
		if arm.series {
			series = append(series, ms...)
		} else {
			oneOffs = append(oneOffs, ms...)
		}
	}
	// The arms hold different meetings (a person's attendee arm leaves out
	// what they organize); each is in order, so sorting their union by the
	// same key is their merge.
	slices.SortFunc(series, byStart)
	slices.SortFunc(oneOffs, byStart)
	all := append(series, oneOffs...)
	from := min(max(f.Offset, 0), len(all))
	return all[from:min(from+pageSize(f.Limit), len(all))], nil
}

// meetingsOfQueries are MeetingsOf's reads, (person, from, to, limit)
// each: the series that started before to and have not ended by from, from
// meetings_organizer and meeting_attendees_person, by first occurrence; and
// the one-offs that end after from and start before to, from
// meetings_organizer_ends and meeting_attendees_person_ends (what is ahead
// of the person, never their history), by end. The attendee arms leave out
// declined invitations and the meetings the person organizes (read by the
// organizer arms).
var meetingsOfQueries = []string{
	`SELECT ` + meetingColumns + ` FROM meetings WHERE meetings.organizer_id = ?1 AND meetings.` + scheduledMeeting +
		` AND meetings.series = 1 AND meetings.start_at < ?3 AND (meetings.ends_at IS NULL OR meetings.ends_at > ?2)
		ORDER BY meetings.start_at, meetings.id LIMIT ?4`,
	`SELECT ` + meetingColumns + ` FROM meeting_attendees a JOIN meetings ON meetings.id = a.meeting_id
		WHERE a.person_id = ?1 AND a.` + scheduledMeeting + ` AND a.series = 1 AND a.start_at < ?3
		AND (a.ends_at IS NULL OR a.ends_at > ?2) AND a.answer <> 'declined' AND meetings.organizer_id IS NOT ?1
		ORDER BY a.start_at, a.meeting_id LIMIT ?4`,
	`SELECT ` + meetingColumns + ` FROM meetings WHERE meetings.organizer_id = ?1 AND meetings.` + scheduledMeeting +
		` AND meetings.series = 0 AND meetings.ends_at > ?2 AND meetings.start_at < ?3 ORDER BY meetings.ends_at, meetings.id LIMIT ?4`,
	`SELECT ` + meetingColumns + ` FROM meeting_attendees a JOIN meetings ON meetings.id = a.meeting_id
		WHERE a.person_id = ?1 AND a.` + scheduledMeeting + ` AND a.series = 0 AND a.ends_at > ?2 AND a.start_at < ?3
		AND a.answer <> 'declined' AND meetings.organizer_id IS NOT ?1 ORDER BY a.ends_at, a.meeting_id LIMIT ?4`,
}

// MeetingsOf implements meeting.Store: series first, by first occurrence,
// then one-offs by end (ties by id), up to limit (<= 0: 100). Each arm
// reads at most limit rows in that order, so the merge is exact. An
// invitation the person declined does not make them busy.
func (t *tx) MeetingsOf(personID int64, from, to time.Time, limit int) ([]*meeting.Meeting, error) {
	limit = pageSize(limit)
	var arms [4][]*meeting.Meeting
	for i, q := range meetingsOfQueries {
		ms, err := t.scanMeetings(q, personID, from.UnixMilli(), to.UnixMilli(), limit)
		if err != nil {
			return nil, err
		}
		arms[i] = ms
	}
	series, oneOffs := append(arms[0], arms[1]...), append(arms[2], arms[3]...)
	slices.SortFunc(series, byStart)
	slices.SortFunc(oneOffs, func(a, b *meeting.Meeting) int {
		return cmp.Or(a.Start.Add(a.Duration).Compare(b.Start.Add(b.Duration)), cmp.Compare(a.ID, b.ID))
	})
	all := append(series, oneOffs...)
	return all[:min(limit, len(all))], nil
}

// byStart orders meetings by their first occurrence, then id.
func byStart(a, b *meeting.Meeting) int {
	return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID))
}

func (t *tx) scanMeetings(q string, args ...any) ([]*meeting.Meeting, error) {
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, internal(err, "find meetings")
	}
	defer rows.Close()
	var out []*meeting.Meeting
	for rows.Next() {
		m, err := scanMeeting(rows.Scan)
		if err != nil {
			return nil, internal(err, "scan meeting")
		}
		out = append(out, m)
	}
	return out, internal(rows.Err(), "find meetings")
}

// SetAttendee implements meeting.Store. The row copies the meeting's
// status, kind and times (see 0120_meetings.sql); an empty answer is
// pending.
func (t *tx) SetAttendee(a *meeting.Attendee) error {
	if a.Answer == "" {
		a.Answer = meeting.Pending
	}
	res, err := t.exec(`INSERT INTO meeting_attendees (meeting_id, person_id, answer, answered_at, status, series, start_at, ends_at)
		SELECT id, ?, ?, ?, status, series, start_at, ends_at FROM meetings WHERE id = ?
		ON CONFLICT (meeting_id, person_id) DO UPDATE SET answer = excluded.answer, answered_at = excluded.answered_at`,
		a.PersonID, string(a.Answer), ms(a.AnsweredAt), a.MeetingID)
	if err := mustAffect(res, err, "set attendee"); err != nil {
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			return noMeeting(a.MeetingID)
		}
		return meetingRefs(err, "set attendee")
	}
	return nil
}

// Attendees implements meeting.Store.
func (t *tx) Attendees(meetingID int64) ([]*meeting.Attendee, error) {
	rows, err := t.query(`SELECT meeting_id, person_id, answer, answered_at FROM meeting_attendees
		WHERE meeting_id = ? ORDER BY id`, meetingID)
	if err != nil {
		return nil, internal(err, "list attendees")
	}
	defer rows.Close()
	var out []*meeting.Attendee
	for rows.Next() {
		a := &meeting.Attendee{}
		var answer string
		var at sql.NullInt64
		if err := rows.Scan(&a.MeetingID, &a.PersonID, &answer, &at); err != nil {
			return nil, internal(err, "scan attendee")
		}
		a.Answer, a.AnsweredAt = meeting.Answer(answer), fromMS(at)
		out = append(out, a)
	}
	return out, internal(rows.Err(), "list attendees")
}

// AddAgendaItem implements meeting.Store. An item with a position from 1
// to the agenda's length is inserted there (the items from there on move
// down one); any other position appends it. a.Position is set to where it
// went.
func (t *tx) AddAgendaItem(a *meeting.AgendaItem) error {
	var n int
	if _, err := t.queryRow(`SELECT count(*) FROM meeting_agenda WHERE meeting_id = ?`, []any{a.MeetingID}, &n); err != nil {
		return internal(err, "count agenda")
	}
	if a.Position < 1 || a.Position > n {
		a.Position = n + 1
	} else if _, err := t.exec(`UPDATE meeting_agenda SET position = position + 1 WHERE meeting_id = ? AND position >= ?`,
		a.MeetingID, a.Position); err != nil {
		return internal(err, "make room on the agenda")
	}
	links, err := json.Marshal(append([]string{}, a.Links...))
	if err != nil {
		return internal(err, "add agenda item")
	}
	res, err := t.exec(`INSERT INTO meeting_agenda (meeting_id, position, title, owner_id, timebox_ms, links) VALUES (?, ?, ?, ?, ?, ?)`,
		a.MeetingID, a.Position, a.Title, nullID(a.OwnerID), a.TimeBox.Milliseconds(), string(links))
	id, err := insertedID(res, err)
	if err != nil {
		return meetingRefs(err, "add agenda item")
	}
	a.ID = id
	return nil
}

// Agenda implements meeting.Store: by position.
func (t *tx) Agenda(meetingID int64) ([]*meeting.AgendaItem, error) {
	rows, err := t.query(`SELECT id, meeting_id, position, title, owner_id, timebox_ms, links FROM meeting_agenda
		WHERE meeting_id = ? ORDER BY position`, meetingID)
	if err != nil {
		return nil, internal(err, "list agenda")
	}
	defer rows.Close()
	var out []*meeting.AgendaItem
	for rows.Next() {
		a := &meeting.AgendaItem{}
		var owner sql.NullInt64
		var timebox int64
		var links string
		if err := rows.Scan(&a.ID, &a.MeetingID, &a.Position, &a.Title, &owner, &timebox, &links); err != nil {
			return nil, internal(err, "scan agenda item")
		}
		a.OwnerID, a.TimeBox = owner.Int64, time.Duration(timebox)*time.Millisecond
		if err := json.Unmarshal([]byte(links), &a.Links); err != nil {
			return nil, internal(err, "scan agenda links")
		}
		if len(a.Links) == 0 {
			a.Links = nil
		}
		out = append(out, a)
	}
	return out, internal(rows.Err(), "list agenda")
}

// DeleteAgendaItem implements meeting.Store: the items after it move up
// one, so positions stay 1, 2, …; ENOTFOUND when there is no such item.
func (t *tx) DeleteAgendaItem(meetingID int64, position int) error {
	res, err := t.exec(`DELETE FROM meeting_agenda WHERE meeting_id = ? AND position = ?`, meetingID, position)
	if err := mustAffect(res, err, "delete agenda item"); err != nil {
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			return bot.Errorf(bot.ENOTFOUND, "M-%d has no agenda item %d.", "会议 M-%d 没有第 %d 项议程。", meetingID, position)
		}
		return err
	}
	_, err = t.exec(`UPDATE meeting_agenda SET position = position - 1 WHERE meeting_id = ? AND position > ?`, meetingID, position)
	return internal(err, "close the agenda's gap")
}

// AddMinute implements meeting.Store.
func (t *tx) AddMinute(m *meeting.Minute) error {
	res, err := t.exec(`INSERT INTO meeting_minutes (meeting_id, occurrence, kind, text, owner_id, due_at, task_id, author_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.MeetingID, m.Occurrence.UnixMilli(), string(m.Kind), m.Text, nullID(m.OwnerID), ms(m.Due), nullID(m.TaskID),
		nullID(m.AuthorID), m.CreatedAt.UnixMilli())
	id, err := insertedID(res, err)
	if err != nil {
		return meetingRefs(err, "add minute")
	}
	m.ID = id
	return nil
}

// Minutes implements meeting.Store.
func (t *tx) Minutes(meetingID int64, occurrence time.Time) ([]*meeting.Minute, error) {
	rows, err := t.query(`SELECT id, meeting_id, occurrence, kind, text, owner_id, due_at, task_id, author_id, created_at
		FROM meeting_minutes WHERE meeting_id = ? AND occurrence = ? ORDER BY id`, meetingID, occurrence.UnixMilli())
	if err != nil {
		return nil, internal(err, "list minutes")
	}
	defer rows.Close()
	var out []*meeting.Minute
	for rows.Next() {
		m := &meeting.Minute{}
		var occ, due, created, owner, task, author sql.NullInt64
		var kind string
		if err := rows.Scan(&m.ID, &m.MeetingID, &occ, &kind, &m.Text, &owner, &due, &task, &author, &created); err != nil {
			return nil, internal(err, "scan minute")
		}
		m.Occurrence, m.Due, m.CreatedAt = fromMS(occ), fromMS(due), fromMS(created)
		m.Kind, m.OwnerID, m.TaskID, m.AuthorID = meeting.MinuteKind(kind), owner.Int64, task.Int64, author.Int64
		out = append(out, m)
	}
	return out, internal(rows.Err(), "list minutes")
}

// UpdateMinute implements meeting.Store: its kind, text, owner, due date
// and task (the meeting, occurrence, author and creation stay).
func (t *tx) UpdateMinute(m *meeting.Minute) error {
	res, err := t.exec(`UPDATE meeting_minutes SET kind = ?, text = ?, owner_id = ?, due_at = ?, task_id = ? WHERE id = ?`,
		string(m.Kind), m.Text, nullID(m.OwnerID), ms(m.Due), nullID(m.TaskID), m.ID)
	if err := mustAffect(res, err, "update minute"); err != nil {
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			return bot.Errorf(bot.ENOTFOUND, "There is no such line of minutes.", "没有这条会议纪要。")
		}
		return meetingRefs(err, "update minute")
	}
	return nil
}

// meetingRefs turns a broken reference (a meeting, person, department or
// task that does not exist) into ENOTFOUND.
func meetingRefs(err error, what string) error {
	if err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
		return bot.Errorf(bot.ENOTFOUND, "The meeting, person, department or task it names does not exist.",
			"所指的会议、人员、部门或任务不存在。")
	}
	return internal(err, what)
}

// Bind implements bot.BindingTx: one binding of each kind per chat (its
// platform, workspace and chat id; a thread is not a chat of its own).
func (t *tx) Bind(b *bot.Binding) error {
	if b.Chat.Platform == "" || b.Chat.ChatID == "" || b.Kind == "" || b.Ref == "" {
		return bot.Errorf(bot.EINVALID, "Only a group chat can be bound, to a department or a project.",
			"只有群聊可以绑定到部门或项目。")
	}
	_, err := t.exec(`INSERT INTO chat_bindings (platform, workspace, chat_id, kind, ref, bound_by, bound_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (platform, workspace, chat_id, kind) DO UPDATE
		SET ref = excluded.ref, bound_by = excluded.bound_by, bound_at = excluded.bound_at`,
		b.Chat.Platform, b.Chat.Workspace, b.Chat.ChatID, b.Kind, b.Ref, nullID(b.BoundByID), b.BoundAt.UnixMilli())
	if err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
		return bot.Errorf(bot.ENOTFOUND, "The person who binds the chat does not exist.", "绑定群聊的人员不存在。")
	}
	return internal(err, "bind chat")
}

// Unbind implements bot.BindingTx.
func (t *tx) Unbind(chat bot.Destination, kind string) error {
	res, err := t.exec(`DELETE FROM chat_bindings WHERE platform = ? AND workspace = ? AND chat_id = ? AND kind = ?`,
		chat.Platform, chat.Workspace, chat.ChatID, kind)
	if err := mustAffect(res, err, "unbind chat"); err != nil {
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			return bot.Errorf(bot.ENOTFOUND, "This chat has no %s binding.", "本群没有 %s 绑定。", kind)
		}
		return err
	}
	return nil
}

const bindingColumns = `platform, workspace, chat_id, kind, ref, bound_by, bound_at`

// boundChatsQuery reads BoundChats from chat_bindings_ref, oldest first.
const boundChatsQuery = `SELECT ` + bindingColumns + ` FROM chat_bindings WHERE kind = ? AND ref = ?
	ORDER BY bound_at, platform, workspace, chat_id LIMIT ?`

// BindingsOf implements bot.BindingTx: by kind.
func (t *tx) BindingsOf(chat bot.Destination) ([]*bot.Binding, error) {
	return t.scanBindings(`SELECT `+bindingColumns+` FROM chat_bindings WHERE platform = ? AND workspace = ? AND chat_id = ?
		ORDER BY kind`, chat.Platform, chat.Workspace, chat.ChatID)
}

// BoundChats implements bot.BindingTx; limit <= 0 is 100.
func (t *tx) BoundChats(kind, ref string, limit int) ([]*bot.Binding, error) {
	return t.scanBindings(boundChatsQuery, kind, ref, pageSize(limit))
}

func (t *tx) scanBindings(q string, args ...any) ([]*bot.Binding, error) {
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, internal(err, "list bindings")
	}
	defer rows.Close()
	var out []*bot.Binding
	for rows.Next() {
		b := &bot.Binding{}
		var by, at sql.NullInt64
		if err := rows.Scan(&b.Chat.Platform, &b.Chat.Workspace, &b.Chat.ChatID, &b.Kind, &b.Ref, &by, &at); err != nil {
			return nil, internal(err, "scan binding")
		}
		b.BoundByID, b.BoundAt = by.Int64, fromMS(at)
		out = append(out, b)
	}
	return out, internal(rows.Err(), "list bindings")
}
