package ticket

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands"
)

// Option keys people type in either language (documented in README).
var (
	categoryKeys = []string{"cat", "category", "type", "类别", "分类", "类型"}
	priorityKeys = []string{"p", "pri", "prio", "priority", "优先级", "优先"}
	deptKeys     = []string{"for", "dept", "department", "to", "部门", "给", "处理部门"}
	impactKeys   = []string{"impact", "affects", "影响", "影响范围"}
	needKeys     = []string{"need", "needs", "support", "需要", "需求", "所需支持"}
)

const (
	maxTitleLen = 200
	maxTextLen  = 2000
)

// open reads a new ticket, routes it, snapshots its policy, starts its
// clock, schedules its ladder, runs its category's playbook and answers
// with its live card.
func (f *feature) open(c *commands.Ctx) error {
	tk := &ticket.Ticket{RequesterID: c.Person.ID, Priority: ticket.P3, Status: ticket.Open, Cycle: 1,
		Origin: c.Event.ReplyDestination(), OpenedAt: c.Now, CreatedAt: c.Now, UpdatedAt: c.Now}
	var loose []string
	titleQuoted := false
	deptName := ""
	for _, t := range c.Args {
		switch {
		case t.Key != "" && commands.Contains(categoryKeys, t.Key):
			tk.Category = strings.ToLower(strings.TrimSpace(t.Text))
		case t.Key != "" && commands.Contains(priorityKeys, t.Key):
			p, ok := ticket.ParsePriority(t.Text)
			if !ok {
				return c.Usage(bot.Tf("%q is not a priority: use P1–P4, urgent, high, medium or low.",
					"「%s」不是有效的优先级：请用 紧急、高、中、低（或 P1–P4）。", t.Text))
			}
			tk.Priority = p
		case t.Key != "" && commands.Contains(deptKeys, t.Key):
			deptName = strings.TrimSpace(t.Text)
		case t.Key != "" && commands.Contains(impactKeys, t.Key):
			tk.Impact = strings.TrimSpace(t.Text)
		case t.Key != "" && commands.Contains(needKeys, t.Key):
			tk.Need = strings.TrimSpace(t.Text)
		case t.Key != "":
			return c.Usage(bot.Tf("I don't know the option %q. Options: cat:, p:, for:, impact:, need:.",
				"我不认识选项「%s」。可用的选项：类别、优先级、部门、影响、需要（写作「类别：质量」）。", t.Key))
		case t.Quoted && !titleQuoted:
			tk.Title, titleQuoted = strings.TrimSpace(t.Text), true
		default:
			// After a quoted title a bare priority word is the priority
			// ("工单 新建 "标签脱落" 紧急").
			if p, ok := ticket.ParsePriority(t.Text); ok && titleQuoted && !isDigits(t.Text) {
				tk.Priority = p
				continue
			}
			loose = append(loose, t.Raw)
		}
	}
	if !titleQuoted {
		tk.Title = strings.Join(loose, " ")
	} else if len(loose) > 0 {
		return c.Usage(bot.Tf("I don't understand %q after the title; put details in impact:\"…\" or need:\"…\".",
			"标题后面的「%s」我没看懂；详细信息请写在「影响：…」或「需要：…」里。", strings.Join(loose, " ")))
	}
	switch {
	case tk.Title == "":
		return c.Usage(bot.T("A ticket needs a title.", "工单需要一个标题。"))
	case utf8.RuneCountInString(tk.Title) > maxTitleLen:
		return c.Usage(bot.Tf("That title is too long (at most %d characters); put the details in impact: or need:.",
			"标题太长了（最多 %d 个字）；详细内容请写在「影响：…」或「需要：…」里。", maxTitleLen))
	case utf8.RuneCountInString(tk.Impact) > maxTextLen || utf8.RuneCountInString(tk.Need) > maxTextLen:
		return c.Usage(bot.Tf("impact: and need: take at most %d characters each.", "「影响」和「需要」各最多 %d 个字。", maxTextLen))
	}
	route := f.routeFor(tk.Category)
	if deptName == "" && route != nil {
		deptName = route.Dept
	}
	if deptName == "" {
		return c.Usage(bot.T("Which department is it for? Add for:<department> (no routing rule covers this category).",
			"这个工单交给哪个部门？请加上 部门：<部门名称>（没有适用于该类别的分派规则）。"))
	}
	dept, err := commands.FindDept(c, deptName)
	if err != nil {
		return err
	}
	tk.DeptID = dept.ID
	if route != nil && !strings.EqualFold(route.Dept, dept.Name) && route.Dept != "" {
		route = nil // the requester chose another department: its head decides
	}
	if tk.OwnerID, err = f.ownerFor(c.Tx, tk, route, dept); err != nil {
		return err
	}
	away, err := f.ownerStandIn(c.Tx, tk, c.Now)
	if err != nil {
		return err
	}
	tk.Policy = f.policyFor(tk.Priority, tk.Category, dept.Name)
	st := ticket.From(c.Tx)
	if err := st.CreateTicket(tk); err != nil {
		return err
	}
	if err := st.AddClockEvent(&ticket.ClockEvent{TicketID: tk.ID, Cycle: 1, Kind: ticket.ClockStart, At: c.Now}); err != nil {
		return err
	}
	if _, err := f.record(c, tk, ticket.Opened, "", tk.Title); err != nil {
		return err
	}
	if tk.OwnerID != 0 {
		// Routing chose the owner, not the requester: the bot is the actor.
		e := &ticket.Event{TicketID: tk.ID, Kind: ticket.Assigned, To: strconv.FormatInt(tk.OwnerID, 10), At: c.Now}
		if err := st.AddTicketEvent(e); err != nil {
			return err
		}
		if err := f.recordStandIn(c.Tx, tk, away, 0, c.Now); err != nil {
			return err
		}
	}
	if err := f.runPlaybook(c, tk); err != nil {
		return err
	}
	if err := f.scheduleNext(c.Tx, tk, ticket.Start, c.Now, ""); err != nil {
		return err
	}
	if err := f.scheduleWarRoom(c, tk); err != nil {
		return err
	}
	v, err := f.load(c.Tx, tk, c.Now)
	if err != nil {
		return err
	}
	c.Reply(bot.Message{Text: c.T("Opened %s for %s.", "已提报工单 %s，处理部门：%s。", tk.Ref(), dept.Name),
		Card: v.card(c.Now, c.Loc, c.Lang)})
	return f.tellHandlers(c, v, func(rd reader) string {
		return rd.T("%[1]s opened %[2]s for %[3]s: %[4]s", "%[1]s 向「%[3]s」提报了工单 %[2]s：%[4]s", "@"+c.Person.Handle, tk.Ref(), dept.Name, tk.Title)
	})
}

func isDigits(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// routeFor is the first route for category (an empty route category
// matches any).
func (f *feature) routeFor(category string) *Route {
	for i, r := range f.Config.Routes {
		if r.Category == "" || strings.EqualFold(r.Category, category) {
			return &f.Config.Routes[i]
		}
	}
	return nil
}

// ownerFor picks the owner of a new ticket: the route's owner; else, in
// rotation, the department's member given a ticket least recently (the turn is
// recorded in the unit, so it survives restarts and a rolled-back command
// takes no turn); else the department's head; else nobody yet.
func (f *feature) ownerFor(tx bot.Tx, tk *ticket.Ticket, route *Route, dept *bot.Department) (int64, error) {
	if route != nil && route.Owner != "" {
		if p := findHandle(tx, route.Owner); p != nil {
			return p.ID, nil
		}
	}
	if route != nil && route.RoundRobin {
		pool := "route/" + strings.ToLower(route.Category) + "/" + strings.ToLower(dept.Name)
		turns := ticket.TurnsFrom(tx)
		next, err := turns.NextTicketTurn(pool, dept.ID)
		if err != nil || next != 0 {
			if err == nil {
				err = turns.TakeTicketTurn(pool, next)
			}
			return next, err
		}
	}
	return dept.HeadID, nil
}

// findHandle is the person whose handle is h (without "@"), or nil.
func findHandle(tx bot.Tx, h string) *bot.Person { return commands.FindHandle(tx, h) }

// taskPriority maps a ticket's priority onto the task scale.
var taskPriority = map[ticket.Priority]task.Priority{
	ticket.P1: task.PriorityUrgent, ticket.P2: task.PriorityHigh, ticket.P3: task.PriorityNormal, ticket.P4: task.PriorityLow,
}

// runPlaybook creates the category's follow-up tasks, each linked to the
// ticket and owned by its department's head (or unowned).
func (f *feature) runPlaybook(c *commands.Ctx, tk *ticket.Ticket) error {
	for _, play := range f.Config.Playbooks[strings.ToLower(tk.Category)] {
		d, err := c.Tx.FindDepartmentByName(play.Dept)
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			continue // the config check names it; a missing department skips its task
		} else if err != nil {
			return err
		}
		t := &task.Task{Title: play.Title + " (" + tk.Ref() + ")", CreatorID: c.Person.ID, OwnerID: d.HeadID, DeptID: d.ID,
			Priority: taskPriority[tk.Priority], Status: task.Todo, CreatedAt: c.Now, UpdatedAt: c.Now,
			Description: tk.Ref() + " " + tk.Title}
		if err := task.From(c.Tx).CreateTask(t); err != nil {
			return err
		}
		if err := ticket.From(c.Tx).LinkTicketTask(tk.ID, t.ID); err != nil {
			return err
		}
		if _, err := f.record(c, tk, ticket.TaskLinked, "", strconv.FormatInt(t.ID, 10)); err != nil {
			return err
		}
		if head, err := c.Tx.FindPersonByID(d.HeadID); err == nil {
			if err := c.Tell(bot.Notice{To: head, Subject: "task/" + strconv.FormatInt(t.ID, 10)}, func(lang bot.Lang, _ *time.Location) bot.Message {
				return bot.Message{Text: bot.Tf("%s opened %s, which needs from %s: %s (task #%d).",
					"%s 提报了工单 %s，需要「%s」：%s（任务 #%d）。", "@"+c.Person.Handle, tk.Ref(), d.Name, play.Title, t.ID).In(lang)}
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

// record appends to a ticket's timeline (and its war room).
func (f *feature) record(c *commands.Ctx, tk *ticket.Ticket, kind ticket.EventKind, from, to string) (*ticket.Event, error) {
	e := &ticket.Event{TicketID: tk.ID, ActorID: c.Person.ID, Kind: kind, From: from, To: to, At: c.Now}
	return e, f.addEvent(c.Tx, tk, e)
}

// stepJob is the payload of an escalation job: step Step (1-based) of
// repeat round Round of cycle Cycle's ladder; or, with Ack set, the
// acknowledgement timeout armed when the ticket was last touched at Ack
// (Unix ms), counted from Since.
type stepJob struct {
	Ticket int64 `json:"ticket"`
	Cycle  int   `json:"cycle"`
	Step   int   `json:"step,omitempty"`
	Round  int   `json:"round,omitempty"`
	Ack    int64 `json:"ack,omitempty"`
	Since  int64 `json:"since,omitempty"`
}

// key is the job's dedup key: "ticket/7/1/step/2" (the second step of
// cycle 1), "ticket/7/1/step/3r1" (the third step's first repeat),
// "ticket/7/1/ack/<touch>"; a re-arm adds a suffix naming its time.
func (s stepJob) key(suffix string) string {
	k := "ticket/" + strconv.FormatInt(s.Ticket, 10) + "/" + strconv.Itoa(s.Cycle)
	if s.Ack != 0 {
		return k + "/ack/" + strconv.FormatInt(s.Ack, 10) + suffix
	}
	k += "/step/" + strconv.Itoa(s.Step)
	if s.Round > 0 {
		k += "r" + strconv.Itoa(s.Round)
	}
	return k + suffix
}

func scheduleStep(tx bot.Tx, s stepJob, at, now time.Time, suffix string) error {
	payload, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = tx.ScheduleJob(&bot.Job{Kind: JobEscalate, Payload: payload, RunAt: at, DedupKey: s.key(suffix)}, now)
	return err
}
