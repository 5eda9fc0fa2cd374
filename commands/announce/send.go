package announce

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ask"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/asks"
)

var (
	deptKeys     = []string{"dept", "depts", "department", "departments", "to", "部门"}
	ackKeys      = []string{"ackby", "by", "due", "deadline", "确认截止", "截止", "确认", "期限"}
	everyoneWord = []string{"everyone", "all", "全员", "所有人", "全体"}
	reviewWord   = []string{"review", "审核"}
	groupsWord   = []string{"groups", "group", "群", "群发"}
)

// maxTitle bounds the card's title; the whole text is the body.
const maxTitle = 80

// maxText bounds an announcement's text.
const maxText = 4000

// draft is an announcement as written, before it is stored.
type draft struct {
	text     string
	depts    []*bot.Department
	people   []*bot.Person
	everyone bool
	groups   bool
	review   bool
	ackBy    time.Time
}

// parse reads `announce …`'s words.
func (f *feature) parse(c *commands.Ctx) (*draft, error) {
	d := &draft{}
	var loose []string
	args := make([]commands.Token, len(c.Args))
	for i, t := range c.Args {
		// "ack-by:fri" has a hyphen in its key, which Tokenize does not
		// read as a key: it is taken apart here.
		if v, ok := cutAckBy(t.Raw); ok && t.Key == "" && !t.Quoted {
			t = commands.Token{Text: v, Raw: t.Raw, Key: "ackby"}
		}
		args[i] = t
	}
	for i := 0; i < len(args); {
		t := args[i]
		lower := strings.ToLower(t.Text)
		switch {
		case t.Key != "" && commands.Contains(deptKeys, t.Key):
			for _, name := range splitList(t.Text) {
				dept, err := commands.FindDept(c, name)
				if err != nil {
					return nil, err
				}
				d.depts = append(d.depts, dept)
			}
		case t.Key != "" && commands.Contains(ackKeys, t.Key):
			at, used, err := f.parseAckBy(c, args, i)
			if err != nil {
				return nil, err
			}
			d.ackBy, i = at, i+used
			continue
		case t.IsMention():
			p, err := c.ResolvePerson(t.Text)
			if err != nil {
				return nil, err
			}
			d.people = append(d.people, p)
		case t.Quoted && t.Key == "" && d.text == "":
			d.text = strings.TrimSpace(t.Text)
		case !t.Quoted && t.Key == "" && commands.Contains(everyoneWord, lower):
			d.everyone = true
		case !t.Quoted && t.Key == "" && commands.Contains(reviewWord, lower):
			d.review = true
		case !t.Quoted && t.Key == "" && commands.Contains(groupsWord, lower):
			d.groups = true
		default:
			loose = append(loose, t.Raw)
		}
		i++
	}
	if d.text == "" {
		d.text = strings.TrimSpace(strings.Join(loose, " "))
	}
	switch {
	case d.text == "":
		return nil, c.Usage(bot.T("An announcement needs its text, in quotes.", "公告需要内容，请写在引号里。"))
	case utf8.RuneCountInString(d.text) > maxText:
		return nil, c.Usage(bot.Tf("That text is too long (%d characters; at most %d).", "内容太长了（%d 个字，最多 %d 个）。",
			utf8.RuneCountInString(d.text), maxText))
	case len(d.depts) == 0 && len(d.people) == 0 && !d.everyone:
		return nil, c.Usage(bot.T("Say whom it is for: dept:<department>, everyone, or @people.",
			"请说明发给谁：部门：<部门>、全员，或 @某人。"))
	}
	if d.ackBy.IsZero() {
		// No ack-by: a week, at the end of that day.
		y, m, day := c.Now.In(c.Loc).AddDate(0, 0, 7).Date()
		d.ackBy = time.Date(y, m, day, f.DueHour, f.DueMinute, 0, 0, c.Loc)
	}
	return d, nil
}

// cutAckBy reads "ack-by:<value>" (either colon, any case).
func cutAckBy(raw string) (string, bool) {
	for _, p := range []string{"ack-by:", "ack-by：", "ack_by:", "ack_by："} {
		if len(raw) > len(p) && strings.EqualFold(raw[:len(p)], p) {
			return raw[len(p):], true
		}
	}
	return "", false
}

// splitList splits "Sales,Design" (ASCII or full-width commas, 、).
func splitList(s string) []string {
	var out []string
	for _, x := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// parseAckBy reads the ack-by time at args[i] (an option word, its value
// in Text) and the plain words after it that continue it ("ack-by:fri
// 12:00"), returning the tokens used. A date alone means the configured
// end of the working day.
func (f *feature) parseAckBy(c *commands.Ctx, args []commands.Token, i int) (time.Time, int, error) {
	at, used, ws, ok := commands.TimeOption(args, i, true, c.Now, c.Loc, f.DueHour, f.DueMinute)
	if !ok {
		shown := strings.Join(ws, " ")
		if len(ws) > 2 {
			shown = strings.Join(ws[:2], " ") + " …"
		}
		return time.Time{}, 0, c.Usage(bot.Tf("I couldn't read the ack-by date %q. Try: ack-by:fri, ack-by:2026-12-11, 确认截止：周五.",
			"我没看懂确认截止时间「%s」。可以这样写：确认截止：周五、确认截止：2026-12-11、ack-by:fri。", shown))
	}
	if !at.After(c.Now) {
		return time.Time{}, 0, c.Usage(bot.Tf("That ack-by time (%s) has already passed.", "这个确认截止时间（%s）已经过去了。",
			commands.FormatTime(at, c.Now, c.Loc, c.Lang)))
	}
	return at, used, nil
}

// send is `announce …`: the announcement is stored and sent, or submitted
// for a head's review.
func (f *feature) send(c *commands.Ctx) error {
	// "announce A-12" is its status: the router only knows bare numbers.
	if len(c.Args) == 1 && !c.Args[0].Quoted {
		if _, ok := asks.ParseRef(c.Args[0].Text); ok {
			return f.status(c)
		}
	}
	d, err := f.parse(c)
	if err != nil {
		return err
	}
	me := c.Person
	admin := me.Role == bot.RoleAdmin
	if d.everyone && !admin {
		return bot.Errorf(bot.EFORBIDDEN, "Only admins can announce to everyone.", "只有管理员可以向全员发布公告。")
	}
	heads, err := headsOf(c.Tx, me, d.depts)
	if err != nil {
		return err
	}
	direct := admin || heads.ofAll && (len(d.depts) > 0 || heads.any)
	review := false
	switch f.Config.Review {
	case ReviewOff:
		if !direct {
			return bot.Err(bot.EFORBIDDEN, heads.refusal())
		}
	case ReviewRequired:
		review = !admin
	default:
		review = !direct || d.review
	}
	var reviewer *bot.Person
	if review {
		if reviewer, err = reviewerFor(c.Tx, me, d.depts); err != nil {
			return err
		}
		if reviewer == nil && !direct {
			return bot.Errorf(bot.EFORBIDDEN, "Your announcement needs a department head's review, and there is no head to review it. Ask an admin to set one (`dept head`).",
				"你的公告需要部门负责人审核，但没有可以审核的负责人。请管理员设置部门负责人（「部门 负责人」）。")
		}
		// A head with nobody above them in these departments sends directly.
		review = reviewer != nil
	}
	a := f.newAsk(c, d)
	st := ask.From(c.Tx)
	if err := st.CreateAsk(a); err != nil {
		return err
	}
	if err := st.AddAskEvent(&ask.Event{AskID: a.ID, ActorID: me.ID, Kind: ask.Created, At: c.Now}); err != nil {
		return err
	}
	if review {
		a.Status = ask.Review
		a.Fields = append(a.Fields, ask.Field{Key: "reviewer", Value: "@" + reviewer.Handle})
		if err := st.UpdateAsk(a); err != nil {
			return err
		}
		if err := st.AddAskEvent(&ask.Event{AskID: a.ID, ActorID: me.ID, Kind: ask.Submitted, Text: "@" + reviewer.Handle, At: c.Now}); err != nil {
			return err
		}
		if err := f.Engine.AskNow(c.Tx, a, []*ask.Recipient{{PersonID: reviewer.ID, Step: reviewStep, Role: ask.Reviewer}}, c.Now); err != nil {
			return err
		}
		if err := f.postStatus(c, a); err != nil {
			return err
		}
		c.ReplyText(bot.Tf("%s is waiting for @%s's review; it goes out when approved.", "%s 正在等待 @%s 审核，通过后发布。",
			a.Ref(), reviewer.Handle))
		return nil
	}
	if err := f.Engine.Send(c.Tx, a, c.Now); err != nil {
		return err
	}
	if err := f.postStatus(c, a); err != nil {
		return err
	}
	c.ReplyText(bot.Tf("%s is on its way; this card shows the acknowledgements as they come in.",
		"%s 正在发送；这张卡片会随时显示确认已读的人数。", a.Ref()))
	return nil
}

// reviewStep is the ledger step of an announcement's review line: the
// readers are step 0, so a head who reviews an announcement to their own
// department still acknowledges it as a reader.
const reviewStep = 1

// newAsk is the ask of a draft, its words kept in Fields for the cards
// (which are rendered without a unit).
func (f *feature) newAsk(c *commands.Ctx, d *draft) *ask.Ask {
	title := d.text
	if utf8.RuneCountInString(title) > maxTitle {
		title = string([]rune(title)[:maxTitle-1]) + "…"
	}
	var to []string
	var ids []int64
	for _, dept := range d.depts {
		to, ids = append(to, dept.Name), append(ids, dept.ID)
	}
	var people []int64
	for _, p := range d.people {
		to, people = append(to, "@"+p.Handle), append(people, p.ID)
	}
	if d.everyone {
		to = append([]string{"everyone"}, to...)
	}
	return &ask.Ask{Kind: ask.Announcement, Title: title, Body: d.text, AuthorID: c.Person.ID, DeptID: c.Person.DeptID,
		Status: ask.Draft, Audience: ask.Audience{DeptIDs: ids, PersonIDs: people, Everyone: d.everyone, Groups: d.groups},
		Fields:   []ask.Field{{Key: "from", Value: "@" + c.Person.Handle}, {Key: "to", Value: strings.Join(to, ", ")}},
		Deadline: d.ackBy, Origin: c.Event.ReplyDestination(), CreatedAt: c.Now}
}

// postStatus gives the author their live card (Subject "ask/<id>") in the
// chat they announced from, which the mechanism edits as acknowledgements
// come in. It goes through the outbox, not as an inline answer, so that
// its copy is remembered and can be edited.
func (f *feature) postStatus(c *commands.Ctx, a *ask.Ask) error {
	card := f.Engine.StatusCard(a, ask.Counts{}, c.Lang, c.Loc)
	to := c.Event.ReplyDestination()
	_, err := c.Tx.Enqueue(&bot.Outgoing{Key: fmt.Sprintf("ask/%d/author", a.ID), To: to,
		Msg: bot.Message{Text: card.Title, Card: &card}.ForReader(c.Lang, c.Loc)}, c.Now)
	return err
}

// heads says which of the target departments the author heads.
type heads struct {
	ofAll bool // every target department is headed by the author
	any   bool // the author heads some department
	names []string
}

func headsOf(tx bot.Tx, me *bot.Person, depts []*bot.Department) (heads, error) {
	h := heads{ofAll: true}
	for _, d := range depts {
		if d.HeadID != me.ID {
			h.ofAll = false
			if p, err := tx.FindPersonByID(d.HeadID); d.HeadID != 0 && err == nil {
				h.names = append(h.names, "@"+p.Handle)
			}
		}
	}
	if me.Role == bot.RoleHead {
		h.any = true
	} else if me.DeptID != 0 {
		if d, err := tx.FindDepartmentByID(me.DeptID); err == nil && d.HeadID == me.ID {
			h.any = true
		}
	}
	return h, nil
}

func (h heads) refusal() bot.Text {
	if len(h.names) == 0 {
		return bot.T("Only the heads of those departments and admins can announce to them.",
			"只有这些部门的负责人和管理员可以向其发布公告。")
	}
	return commands.TfList("Only the heads of those departments and admins can announce to them: ask %s.",
		"只有这些部门的负责人和管理员可以向其发布公告：请联系 %s。", h.names)
}

// reviewerFor is who reviews an author's announcement: the head of their
// own department, else the head of the first target department, never
// the author; nil when there is none.
func reviewerFor(tx bot.Tx, me *bot.Person, depts []*bot.Department) (*bot.Person, error) {
	var ids []int64
	if me.DeptID != 0 {
		d, err := tx.FindDepartmentByID(me.DeptID)
		if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
			return nil, err
		}
		if err == nil {
			ids = append(ids, d.HeadID)
		}
	}
	for _, d := range depts {
		ids = append(ids, d.HeadID)
	}
	for _, id := range ids {
		if id == 0 || id == me.ID {
			continue
		}
		p, err := tx.FindPersonByID(id)
		if bot.ErrorCode(err) == bot.ENOTFOUND {
			continue
		}
		return p, err
	}
	return nil, nil
}
