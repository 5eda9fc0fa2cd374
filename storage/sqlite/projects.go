package sqlite

import (
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
)

// The unit implements the project feature's store contract (project.From).
var _ project.Store = (*tx)(nil)

// projectColumns are a project's columns; the departments come as one text
// of ids in their order ("3,5"), read from project_departments' primary key.
const projectColumns = `projects.id, projects.key, projects.name, projects.goal_text, projects.goal_metric,
	projects.goal_target, projects.goal_baseline, projects.lead_id, projects.creator_id, projects.start_at,
	projects.end_at, projects.status, projects.review_weekday, projects.review_clock_ms, projects.review_off,
	projects.result, projects.created_at, projects.updated_at, projects.closed_at,
	projects.warned_slip, projects.warned_at,
	(SELECT group_concat(d.dept_id, ',' ORDER BY d.position) FROM project_departments d WHERE d.project_id = projects.id)`

func scanProject(scan func(...any) error) (*project.Project, error) {
	p := &project.Project{}
	var lead, creator, start, end, closed, created, updated, warned sql.NullInt64
	var depts sql.NullString
	var status string
	var weekday int
	var clock int64
	if err := scan(&p.ID, &p.Key, &p.Name, &p.Goal.Text, &p.Goal.Metric, &p.Goal.Target, &p.Goal.Baseline,
		&lead, &creator, &start, &end, &status, &weekday, &clock, &p.Review.Off,
		&p.Result, &created, &updated, &closed, &p.WarnedSlip, &warned, &depts); err != nil {
		return nil, err
	}
	p.LeadID, p.CreatorID = lead.Int64, creator.Int64
	p.Start, p.End, p.ClosedAt = fromMS(start), fromMS(end), fromMS(closed)
	p.CreatedAt, p.UpdatedAt, p.WarnedAt = fromMS(created), fromMS(updated), fromMS(warned)
	p.Status, p.Review.Weekday, p.Review.Clock = project.Status(status), time.Weekday(weekday), time.Duration(clock)*time.Millisecond
	if depts.String != "" {
		for _, s := range strings.Split(depts.String, ",") {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, err
			}
			p.DeptIDs = append(p.DeptIDs, id)
		}
	}
	return p, nil
}

// projectRefs turns a broken reference (a person or department that does not
// exist) into ENOTFOUND, and a taken key into ECONFLICT naming it.
func projectRefs(err error, p *project.Project, what string) error {
	if err == nil {
		return nil
	}
	if strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
		return bot.Errorf(bot.ENOTFOUND, "The person or department the project names does not exist.",
			"项目所指的人员或部门不存在。")
	}
	if strings.Contains(err.Error(), "UNIQUE constraint failed: projects.key") {
		return bot.Errorf(bot.ECONFLICT, "There is a project %s already: choose another key.",
			"已经有项目 %s，请换一个标识。", p.Key)
	}
	return internal(err, what)
}

// CreateProject implements project.Store; the lead becomes an admin
// member. The id is chosen before the row
// is written (the next after the highest: the writer is alone in its unit)
// so that a project without a key gets DefaultKey(id) in the same INSERT.
func (t *tx) CreateProject(p *project.Project) error {
	var id int64
	if _, err := t.queryRow(`SELECT coalesce(max(id), 0) + 1 FROM projects`, nil, &id); err != nil {
		return internal(err, "create project")
	}
	key := p.Key
	if key == "" {
		key = project.DefaultKey(id)
	}
	_, err := t.exec(`INSERT INTO projects (id, key, name, goal_text, goal_metric, goal_target, goal_baseline, lead_id,
		creator_id, start_at, end_at, status, review_weekday, review_clock_ms, review_off, result, created_at, updated_at, closed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, key, p.Name, p.Goal.Text, p.Goal.Metric, p.Goal.Target, p.Goal.Baseline, nullID(p.LeadID),
		nullID(p.CreatorID), ms(p.Start), ms(p.End), string(p.Status), int(p.Review.Weekday), p.Review.Clock.Milliseconds(),
		p.Review.Off, p.Result, p.CreatedAt.UnixMilli(), p.UpdatedAt.UnixMilli(), ms(p.ClosedAt))
	if err != nil {
		return projectRefs(err, &project.Project{Key: key}, "create project")
	}
	if err := t.writeProjectDepts(id, p.DeptIDs); err != nil {
		return err
	}
	if err := t.leadIsAdmin(id, p.LeadID, p.CreatedAt); err != nil {
		return err
	}
	p.ID, p.Key = id, key
	return nil
}

// leadIsAdmin makes the lead an admin member (project.Member: the lead's
// row says admin), so that Filter.MemberID finds the projects a person
// leads from the members' index alone. A lead replaced keeps their row.
func (t *tx) leadIsAdmin(projectID, leadID int64, at time.Time) error {
	if leadID == 0 {
		return nil
	}
	return t.SetMember(&project.Member{ProjectID: projectID, PersonID: leadID, Role: project.Admin, AddedAt: at})
}

// writeProjectDepts replaces a project's departments, in the order given,
// each once.
func (t *tx) writeProjectDepts(projectID int64, deptIDs []int64) error {
	if _, err := t.exec(`DELETE FROM project_departments WHERE project_id = ?`, projectID); err != nil {
		return internal(err, "write project departments")
	}
	var seen []int64
	for _, d := range deptIDs {
		if slices.Contains(seen, d) {
			continue
		}
		seen = append(seen, d)
		if _, err := t.exec(`INSERT INTO project_departments (project_id, position, dept_id) VALUES (?, ?, ?)`,
			projectID, len(seen)-1, d); err != nil {
			return projectRefs(err, nil, "write project departments")
		}
	}
	return nil
}

// FindProjectByID implements project.Store.
func (t *tx) FindProjectByID(id int64) (*project.Project, error) {
	ps, err := t.queryProjects(`SELECT `+projectColumns+` FROM projects WHERE id = ?`, id)
	if err == nil && len(ps) == 0 {
		err = bot.Errorf(bot.ENOTFOUND, "There is no project %s.", "没有项目 %s。", project.DefaultKey(id))
	}
	return first(ps, err)
}

// FindProjectByKey implements project.Store.
func (t *tx) FindProjectByKey(key string) (*project.Project, error) {
	ps, err := t.queryProjects(`SELECT `+projectColumns+` FROM projects WHERE key = ?`, key)
	if err == nil && len(ps) == 0 {
		err = bot.Errorf(bot.ENOTFOUND, "There is no project %s.", "没有项目 %s。", key)
	}
	return first(ps, err)
}

func first[T any](xs []*T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return xs[0], nil
}

func (t *tx) queryProjects(q string, args ...any) ([]*project.Project, error) {
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, internal(err, "find projects")
	}
	defer rows.Close()
	var out []*project.Project
	for rows.Next() {
		p, err := scanProject(rows.Scan)
		if err != nil {
			return nil, internal(err, "scan project")
		}
		out = append(out, p)
	}
	return out, internal(rows.Err(), "find projects")
}

// UpdateProject implements project.Store: everything but the id, the key
// and the creation time; the departments are written again, and the lead
// is an admin member.
func (t *tx) UpdateProject(p *project.Project) error {
	res, err := t.exec(`UPDATE projects SET name = ?, goal_text = ?, goal_metric = ?, goal_target = ?, goal_baseline = ?,
		lead_id = ?, creator_id = ?, start_at = ?, end_at = ?, status = ?, review_weekday = ?, review_clock_ms = ?,
		review_off = ?, result = ?, updated_at = ?, closed_at = ?, warned_slip = ?, warned_at = ? WHERE id = ?`,
		p.Name, p.Goal.Text, p.Goal.Metric, p.Goal.Target, p.Goal.Baseline, nullID(p.LeadID), nullID(p.CreatorID),
		ms(p.Start), ms(p.End), string(p.Status), int(p.Review.Weekday), p.Review.Clock.Milliseconds(), p.Review.Off,
		p.Result, p.UpdatedAt.UnixMilli(), ms(p.ClosedAt), p.WarnedSlip, ms(p.WarnedAt), p.ID)
	if err := mustAffect(res, err, "update project"); err != nil {
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			return bot.Errorf(bot.ENOTFOUND, "There is no project %s.", "没有项目 %s。", p.Ref())
		}
		return projectRefs(err, p, "update project")
	}
	if err := t.writeProjectDepts(p.ID, p.DeptIDs); err != nil {
		return err
	}
	return t.leadIsAdmin(p.ID, p.LeadID, p.UpdatedAt)
}

// findProjectsQuery builds FindProjects' query so that it reads its page in
// id order from an index (projects_internal_test.go checks the plans): a
// member's projects from project_members_person (the status checked on
// each of them: a person is in few projects), by status from
// projects_status, everyone's from the table in rowid order — each stops
// after offset+limit rows.
func findProjectsQuery(f project.Filter) (string, []any) {
	var where []string
	var args []any
	from, order := "projects", "projects.id"
	if f.MemberID != 0 {
		from, order = "project_members m JOIN projects ON projects.id = m.project_id", "m.project_id"
		where, args = append(where, "m.person_id = ?"), append(args, f.MemberID)
	}
	if f.Status != "" {
		where, args = append(where, "projects.status = ?"), append(args, string(f.Status))
	}
	q := `SELECT ` + projectColumns + ` FROM ` + from
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	return q + " ORDER BY " + order + " LIMIT ? OFFSET ?", append(args, pageSize(f.Limit), max(f.Offset, 0))
}

// FindProjects implements project.Store; Limit <= 0 is the default page.
func (t *tx) FindProjects(f project.Filter) ([]*project.Project, error) {
	q, args := findProjectsQuery(f)
	return t.queryProjects(q, args...)
}

// SetMember implements project.Store: a member added again keeps when they
// were first added.
func (t *tx) SetMember(m *project.Member) error {
	if !m.Role.Valid() {
		return bot.Errorf(bot.EINVALID, "%q is not a project role: use admin, editor or viewer.",
			"“%s”不是项目角色：请用管理员、编辑者或查看者。", string(m.Role))
	}
	_, err := t.exec(`INSERT INTO project_members (project_id, person_id, role, added_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (project_id, person_id) DO UPDATE SET role = excluded.role`,
		m.ProjectID, m.PersonID, string(m.Role), m.AddedAt.UnixMilli())
	if err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
		return bot.Errorf(bot.ENOTFOUND, "The project or person does not exist.", "项目或人员不存在。")
	}
	return internal(err, "set project member")
}

// RemoveMember implements project.Store.
func (t *tx) RemoveMember(projectID, personID int64) error {
	res, err := t.exec(`DELETE FROM project_members WHERE project_id = ? AND person_id = ?`, projectID, personID)
	if err := mustAffect(res, err, "remove project member"); err != nil {
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			return bot.Errorf(bot.ENOTFOUND, "They are not a member of the project.", "此人不是该项目的成员。")
		}
		return err
	}
	return nil
}

// membersQuery reads a project's members from project_members_listed in
// the order shown: admins first, then by when added.
const membersQuery = `SELECT project_id, person_id, role, added_at FROM project_members
	WHERE project_id = ? ORDER BY role <> 'admin', added_at, person_id`

// Members implements project.Store.
func (t *tx) Members(projectID int64) ([]*project.Member, error) {
	rows, err := t.query(membersQuery, projectID)
	if err != nil {
		return nil, internal(err, "list project members")
	}
	defer rows.Close()
	var out []*project.Member
	for rows.Next() {
		m := &project.Member{}
		var role string
		var added sql.NullInt64
		if err := rows.Scan(&m.ProjectID, &m.PersonID, &role, &added); err != nil {
			return nil, internal(err, "scan project member")
		}
		m.Role, m.AddedAt = project.Role(role), fromMS(added)
		out = append(out, m)
	}
	return out, internal(rows.Err(), "list project members")
}

// MemberRole implements project.Store.
func (t *tx) MemberRole(projectID, personID int64) (project.Role, bool, error) {
	var role string
	found, err := t.queryRow(`SELECT role FROM project_members WHERE project_id = ? AND person_id = ?`,
		[]any{projectID, personID}, &role)
	if err != nil {
		return "", false, internal(err, "find project member")
	}
	return project.Role(role), found, nil
}

// milestoneRefs turns a repeated name into ECONFLICT and a missing project
// into ENOTFOUND.
func milestoneRefs(err error, m *project.Milestone, what string) error {
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return bot.Errorf(bot.ECONFLICT, "The project has a milestone %q already.", "该项目已有里程碑「%s」。", m.Name)
	}
	if err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
		return bot.Errorf(bot.ENOTFOUND, "There is no such project.", "没有这个项目。")
	}
	return internal(err, what)
}

// AddMilestone implements project.Store.
func (t *tx) AddMilestone(m *project.Milestone) error {
	res, err := t.exec(`INSERT INTO project_milestones (project_id, name, due_at, done_at, warned_slip, warned_at)
		VALUES (?, ?, ?, ?, ?, ?)`, m.ProjectID, m.Name, ms(m.Due), ms(m.DoneAt), m.WarnedSlip, ms(m.WarnedAt))
	id, err := insertedID(res, err)
	if err != nil {
		return milestoneRefs(err, m, "add milestone")
	}
	m.ID = id
	return nil
}

// UpdateMilestone implements project.Store; ENOTFOUND when there is no such
// milestone, ECONFLICT when it is renamed to a name the project has.
func (t *tx) UpdateMilestone(m *project.Milestone) error {
	res, err := t.exec(`UPDATE project_milestones SET name = ?, due_at = ?, done_at = ?, warned_slip = ?, warned_at = ?
		WHERE id = ?`, m.Name, ms(m.Due), ms(m.DoneAt), m.WarnedSlip, ms(m.WarnedAt), m.ID)
	if err := mustAffect(res, err, "update milestone"); err != nil {
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			return bot.Errorf(bot.ENOTFOUND, "There is no such milestone.", "没有这个里程碑。")
		}
		return milestoneRefs(err, m, "update milestone")
	}
	return nil
}

// RemoveMilestone implements project.Store: the items under the milestone
// are found by project_items_milestone and detached first, since they
// reference it.
func (t *tx) RemoveMilestone(id int64) (int, error) {
	res, err := t.exec(`UPDATE project_items SET milestone_id = NULL WHERE milestone_id = ?`, id)
	if err != nil {
		return 0, internal(err, "detach milestone items")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, internal(err, "detach milestone items")
	}
	res, err = t.exec(`DELETE FROM project_milestones WHERE id = ?`, id)
	if err := mustAffect(res, err, "remove milestone"); err != nil {
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			return 0, bot.Errorf(bot.ENOTFOUND, "There is no such milestone.", "没有这个里程碑。")
		}
		return 0, err
	}
	return int(n), nil
}

// milestonesQuery reads a project's milestones from project_milestones_due
// in the order shown (a milestone without a due date first).
const milestonesQuery = `SELECT id, project_id, name, due_at, done_at, warned_slip, warned_at FROM project_milestones
	WHERE project_id = ? ORDER BY due_at, id`

// Milestones implements project.Store.
func (t *tx) Milestones(projectID int64) ([]*project.Milestone, error) {
	rows, err := t.query(milestonesQuery, projectID)
	if err != nil {
		return nil, internal(err, "list milestones")
	}
	defer rows.Close()
	var out []*project.Milestone
	for rows.Next() {
		m := &project.Milestone{}
		var due, done, warned sql.NullInt64
		if err := rows.Scan(&m.ID, &m.ProjectID, &m.Name, &due, &done, &m.WarnedSlip, &warned); err != nil {
			return nil, internal(err, "scan milestone")
		}
		m.Due, m.DoneAt, m.WarnedAt = fromMS(due), fromMS(done), fromMS(warned)
		out = append(out, m)
	}
	return out, internal(rows.Err(), "list milestones")
}

// itemColumns are an attachment's columns in the table aliased i.
const itemColumns = `i.project_id, i.kind, i.ref_id, i.milestone_id, i.days, i.start_at, i.added_at`

// itemDest returns the scan destinations of itemColumns for it, and a
// function that finishes it once scanned.
func itemDest(it *project.Item) (dest []any, done func()) {
	var kind string
	var milestone, start, added sql.NullInt64
	return []any{&it.ProjectID, &kind, &it.RefID, &milestone, &it.Days, &start, &added}, func() {
		it.Kind, it.MilestoneID, it.Start, it.AddedAt = project.ItemKind(kind), milestone.Int64, fromMS(start), fromMS(added)
	}
}

// noWork is ENOTFOUND for a task or ticket that does not exist.
func noWork(kind project.ItemKind, refID int64) error {
	if kind == project.TicketItem {
		return noTicket(refID)
	}
	return bot.Errorf(bot.ENOTFOUND, "There is no task #%d.", "没有任务 #%d。", refID)
}

// workRef is how chat names a task or ticket.
func workRef(kind project.ItemKind, refID int64) string {
	if kind == project.TicketItem {
		return "T-" + strconv.FormatInt(refID, 10)
	}
	return "#" + strconv.FormatInt(refID, 10)
}

// checkItem checks what an attachment names beyond its foreign keys: a
// known kind, work that exists (ref_id names a task or a ticket by kind,
// which no foreign key can say) and a milestone of the item's own project.
func (t *tx) checkItem(it *project.Item) error {
	var table string
	switch it.Kind {
	case project.TaskItem:
		table = "tasks"
	case project.TicketItem:
		table = "tickets"
	default:
		return bot.Errorf(bot.EINVALID, "Only tasks and tickets can be added to a project.", "只有任务和工单可以加入项目。")
	}
	var one int
	found, err := t.queryRow(`SELECT 1 FROM `+table+` WHERE id = ?`, []any{it.RefID}, &one)
	if err != nil {
		return internal(err, "check project item")
	}
	if !found {
		return noWork(it.Kind, it.RefID)
	}
	if it.MilestoneID == 0 {
		return nil
	}
	var projectID int64
	found, err = t.queryRow(`SELECT project_id FROM project_milestones WHERE id = ?`, []any{it.MilestoneID}, &projectID)
	if err != nil {
		return internal(err, "check project item")
	}
	if !found || projectID != it.ProjectID {
		return bot.Errorf(bot.ENOTFOUND, "The project has no such milestone.", "该项目没有这个里程碑。")
	}
	return nil
}

// AddItem implements project.Store. Days below 1 are stored as 1, the
// planned length of a task not estimated.
func (t *tx) AddItem(it *project.Item) error {
	if err := t.checkItem(it); err != nil {
		return err
	}
	it.Days = max(it.Days, 1)
	_, err := t.exec(`INSERT INTO project_items (kind, ref_id, project_id, milestone_id, days, start_at, added_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, string(it.Kind), it.RefID, it.ProjectID, nullID(it.MilestoneID), it.Days,
		ms(it.Start), it.AddedAt.UnixMilli())
	switch {
	case err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed"):
		var key string
		if _, kerr := t.queryRow(`SELECT p.key FROM project_items i JOIN projects p ON p.id = i.project_id
			WHERE i.kind = ? AND i.ref_id = ?`, []any{string(it.Kind), it.RefID}, &key); kerr != nil {
			return internal(kerr, "add project item")
		}
		return bot.Errorf(bot.ECONFLICT, "%s is in project %s already.", "%s 已经属于项目 %s。", workRef(it.Kind, it.RefID), key)
	case err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed"):
		return bot.Errorf(bot.ENOTFOUND, "There is no such project.", "没有这个项目。")
	}
	return internal(err, "add project item")
}

// UpdateItem implements project.Store: the milestone, days and start.
func (t *tx) UpdateItem(it *project.Item) error {
	if err := t.checkItem(it); err != nil {
		return err
	}
	it.Days = max(it.Days, 1)
	res, err := t.exec(`UPDATE project_items SET milestone_id = ?, days = ?, start_at = ? WHERE kind = ? AND ref_id = ?`,
		nullID(it.MilestoneID), it.Days, ms(it.Start), string(it.Kind), it.RefID)
	if err := mustAffect(res, err, "update project item"); err != nil {
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			return notAttached(it.Kind, it.RefID)
		}
		return err
	}
	return nil
}

func notAttached(kind project.ItemKind, refID int64) error {
	return bot.Errorf(bot.ENOTFOUND, "%s is in no project.", "%s 不属于任何项目。", workRef(kind, refID))
}

// RemoveItem implements project.Store.
func (t *tx) RemoveItem(kind project.ItemKind, refID int64) error {
	res, err := t.exec(`DELETE FROM project_items WHERE kind = ? AND ref_id = ?`, string(kind), refID)
	if err := mustAffect(res, err, "remove project item"); err != nil {
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			return notAttached(kind, refID)
		}
		return err
	}
	return nil
}

// itemOfQuery finds an attachment in project_items_ref.
const itemOfQuery = `SELECT ` + itemColumns + ` FROM project_items i WHERE i.kind = ? AND i.ref_id = ?`

// ItemOf implements project.Store.
func (t *tx) ItemOf(kind project.ItemKind, refID int64) (*project.Item, error) {
	it := &project.Item{}
	dest, done := itemDest(it)
	found, err := t.queryRow(itemOfQuery, []any{string(kind), refID}, dest...)
	if err != nil {
		return nil, internal(err, "find project item")
	}
	if !found {
		return nil, notAttached(kind, refID)
	}
	done()
	return it, nil
}

const countItemsQuery = `SELECT count(*) FROM project_items WHERE project_id = ?`

// CountItems implements project.Store, from project_items' primary key.
func (t *tx) CountItems(projectID int64) (int, error) {
	var n int
	_, err := t.queryRow(countItemsQuery, []any{projectID}, &n)
	return n, internal(err, "count project items")
}

// The queries of a project's work, each one range of project_items' primary
// key (in ref_id order) joined to its rows by primary key
// (projects_internal_test.go checks the plans). The task and ticket columns
// are those tasks.go and tickets.go read, scanned by their scanners.
var (
	projectTasksSQL = `SELECT ` + itemColumns + `, ` + prefixedTaskColumns + ` FROM project_items i
		JOIN tasks t ON t.id = i.ref_id WHERE i.project_id = ? AND i.kind = 'task' ORDER BY i.ref_id`
	projectTicketsSQL = `SELECT ` + itemColumns + `, ` + ticketColumns + ` FROM project_items i
		JOIN tickets ON tickets.id = i.ref_id WHERE i.project_id = ? AND i.kind = 'ticket' ORDER BY i.ref_id`
	// A block counts when both of its tasks are the project's: the
	// dependants from the project's range, their blockers from
	// task_blocks' primary key, each blocker's attachment looked up in
	// project_items_ref — linear in the project's tasks and blocks.
	projectBlocksSQL = `SELECT b.blocker_id, b.dependant_id FROM project_items i
		JOIN task_blocks b ON b.dependant_id = i.ref_id
		WHERE i.project_id = ?1 AND i.kind = 'task' AND EXISTS (SELECT 1 FROM project_items j
			WHERE j.ref_id = b.blocker_id AND j.kind = 'task' AND j.project_id = ?1)
		ORDER BY i.ref_id`
)

// queryWork runs one of the project's work queries: each row is an
// attachment followed by the columns scanRow reads.
func queryWork[T any](t *tx, what, q string, projectID int64,
	scanRow func(func(...any) error) (T, error), pair func(*project.Item, T)) error {
	rows, err := t.query(q, projectID)
	if err != nil {
		return internal(err, what)
	}
	defer rows.Close()
	for rows.Next() {
		it := &project.Item{}
		dest, done := itemDest(it)
		v, err := scanRow(func(more ...any) error { return rows.Scan(append(dest, more...)...) })
		if err != nil {
			return internal(err, what)
		}
		done()
		pair(it, v)
	}
	return internal(rows.Err(), what)
}

// ProjectTasks implements project.Store.
func (t *tx) ProjectTasks(projectID int64) ([]project.TaskOf, error) {
	var out []project.TaskOf
	err := queryWork(t, "list project tasks", projectTasksSQL, projectID, scanTask,
		func(it *project.Item, tk *task.Task) { out = append(out, project.TaskOf{Item: it, Task: tk}) })
	return out, err
}

// ProjectTickets implements project.Store.
func (t *tx) ProjectTickets(projectID int64) ([]project.TicketOf, error) {
	var out []project.TicketOf
	err := queryWork(t, "list project tickets", projectTicketsSQL, projectID, scanTicket,
		func(it *project.Item, tk *ticket.Ticket) { out = append(out, project.TicketOf{Item: it, Ticket: tk}) })
	return out, err
}

// ProjectBlocks implements project.Store: by dependant.
func (t *tx) ProjectBlocks(projectID int64) ([]project.Block, error) {
	rows, err := t.query(projectBlocksSQL, projectID)
	if err != nil {
		return nil, internal(err, "list project blocks")
	}
	defer rows.Close()
	var out []project.Block
	for rows.Next() {
		var b project.Block
		if err := rows.Scan(&b.BlockerID, &b.DependantID); err != nil {
			return nil, internal(err, "scan project block")
		}
		out = append(out, b)
	}
	return out, internal(rows.Err(), "list project blocks")
}

// AddProjectEvent implements project.Store; ENOTFOUND when the project (or
// actor) does not exist.
func (t *tx) AddProjectEvent(e *project.Event) error {
	res, err := t.exec(`INSERT INTO project_events (project_id, actor_id, kind, text, at) VALUES (?, ?, ?, ?, ?)`,
		e.ProjectID, nullID(e.ActorID), string(e.Kind), e.Text, e.At.UnixMilli())
	id, err := insertedID(res, err)
	if err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed") {
		return bot.Errorf(bot.ENOTFOUND, "The project or person does not exist.", "项目或人员不存在。")
	}
	if err != nil {
		return internal(err, "add project event")
	}
	e.ID = id
	return nil
}

// projectEventsQuery reads the timeline from project_events_project.
const projectEventsQuery = `SELECT id, project_id, actor_id, kind, text, at FROM project_events
	WHERE project_id = ? ORDER BY id LIMIT ?`

// recentProjectEventsQuery reads the timeline backwards from
// project_events_project; with a kind, the entries of other kinds are
// skipped on the way (kind is not in the index: a project's timeline is
// short, and the entries newer than the last review are a week's).
const recentProjectEventsQuery = `SELECT id, project_id, actor_id, kind, text, at FROM project_events
	WHERE project_id = ? AND (? = '' OR kind = ?) ORDER BY id DESC LIMIT ?`

// countProjectEventsQuery counts a project's entries in
// project_events_project alone.
const countProjectEventsQuery = `SELECT count(*) FROM project_events WHERE project_id = ?`

// ProjectEvents implements project.Store.
func (t *tx) ProjectEvents(projectID int64, limit int) ([]*project.Event, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return t.projectEvents(projectEventsQuery, projectID, limit)
}

// RecentProjectEvents implements project.Store.
func (t *tx) RecentProjectEvents(projectID int64, kind project.EventKind, limit int) ([]*project.Event, error) {
	if limit <= 0 {
		return nil, bot.Errorf(bot.EINVALID, "A limit is needed.", "需要数量上限。")
	}
	return t.projectEvents(recentProjectEventsQuery, projectID, string(kind), string(kind), limit)
}

// CountProjectEvents implements project.Store.
func (t *tx) CountProjectEvents(projectID int64) (int, error) {
	var n int
	_, err := t.queryRow(countProjectEventsQuery, []any{projectID}, &n)
	return n, internal(err, "count project events")
}

// projectEvents reads timeline entries with q.
func (t *tx) projectEvents(q string, args ...any) ([]*project.Event, error) {
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, internal(err, "list project events")
	}
	defer rows.Close()
	var out []*project.Event
	for rows.Next() {
		e := &project.Event{}
		var actor, at sql.NullInt64
		var kind string
		if err := rows.Scan(&e.ID, &e.ProjectID, &actor, &kind, &e.Text, &at); err != nil {
			return nil, internal(err, "scan project event")
		}
		e.ActorID, e.Kind, e.At = actor.Int64, project.EventKind(kind), fromMS(at)
		out = append(out, e)
	}
	return out, internal(rows.Err(), "list project events")
}
