package ticket

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/ticket"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/warroom"
)

// War rooms (emergency mode): a P1 ticket gets a group chat with its
// responders, created by the war room job (commands/warroom) outside any
// unit; once it is recorded the ticket's card and timeline so far are
// posted there, the card is kept live like every other copy, and every
// later timeline entry is posted there too.
const (
	// warRoomSize caps a war room's members: the owner, the department's
	// head and the requester first, then the department's longest-known
	// members, up to this many people. A room is for the people who act;
	// others follow the ticket's card.
	warRoomSize = 20
	// rosterRead bounds how many of the department's accounts are read to
	// choose the platform and the members, so a P1 in a department of
	// thousands costs the same as in one of twenty.
	rosterRead = 200
	// warRoomGather is how long a timeline line waits in the outbox for
	// the lines that follow it (a status change with its note, a breach):
	// lines within it go into the war room as one message.
	warRoomGather = 2 * time.Second
)

// WarRoomDeps are the war room job's dependencies with the ticket
// feature's callbacks: how a war room is recorded (Recorded, OnCreated)
// and how a refusal is told (OnRefused). commands/features registers
// warroom.Module with them.
func WarRoomDeps(d Deps) warroom.Deps {
	f := &feature{Deps: d}
	return warroom.Deps{Creators: d.GroupCreators, Store: d.Store, Log: d.Log,
		Recorded: f.warRoomRecorded, OnCreated: f.warRoomCreated, OnRefused: f.warRoomRefused}
}

// hasRoom reports whether tk's war room is recorded.
func hasRoom(tk *ticket.Ticket) bool { return tk.WarRoom != (bot.Destination{}) }

// scheduleWarRoom asks for tk's war room when it is a P1. The room is
// made on the platform (and workspace) where most of the responders (the
// owner, the head, the requester and the department's members, counted
// as people) have an account and an app there can create groups; a tie
// goes to the platform of the lead's home account (the owner's, else the
// head's), then to the platform's name, so the choice is deterministic.
// Responders only on the console (which has no group chats) get no room
// and no note; responders on platforms where no app can create groups get
// a note on the timeline and the owner is told.
func (f *feature) scheduleWarRoom(c *commands.Ctx, tk *ticket.Ticket) error {
	if f.GroupCreators == nil || tk.Priority != ticket.P1 || hasRoom(tk) {
		return nil
	}
	req, onGroupPlatform, err := f.warRoomRequest(c.Tx, tk)
	if err != nil {
		return err
	}
	if req == nil {
		if !onGroupPlatform {
			return nil
		}
		return f.warRoomRefused(c.Tx, tk.ID, bot.Errorf(bot.EUNAVAILABLE,
			"No app configured on the platforms the responders use can create group chats (an admin can enable it: Slack groups:write, Feishu im:chat:create, WeCom an app visible to the whole company, DingTalk a scene group template).",
			"响应人所用平台上配置的应用都不能创建群聊（管理员可以开通：Slack 的 groups:write，飞书的 im:chat:create，企业微信对全员可见的自建应用，钉钉的场景群模板）。"), c.Now)
	}
	_, err = warroom.Schedule(c.Tx, *req, c.Now)
	return err
}

// place is a platform and workspace.
type place struct{ platform, workspace string }

// warRoomRequest chooses where tk's war room goes and who is in it (see
// scheduleWarRoom); nil when no responder is where a group can be made.
// onGroupPlatform says whether any responder is on a platform other than
// the console.
func (f *feature) warRoomRequest(tx bot.Tx, tk *ticket.Ticket) (req *warroom.Request, onGroupPlatform bool, err error) {
	var headID int64
	if d, err := tx.FindDepartmentByID(tk.DeptID); err == nil {
		headID = d.HeadID
	}
	lead := cmp.Or(tk.OwnerID, headID)
	var accounts []bot.LinkedAccount // core responders first, in order
	var leadHome place
	seen := map[int64]bool{}
	for _, id := range []int64{tk.OwnerID, headID, tk.RequesterID} {
		if id == 0 || seen[id] {
			continue
		}
		seen[id] = true
		as, err := tx.AccountsOf(id)
		if err != nil {
			return nil, false, err
		}
		for i := range as {
			as[i].PersonID = id
		}
		if id == lead && len(as) > 0 {
			home := as[0].Account
			if p, err := tx.FindPersonByID(id); err == nil && p.Home != (bot.Account{}) {
				home = p.Home
			}
			leadHome = place{home.Platform, home.Workspace}
		}
		accounts = append(accounts, as...)
	}
	roster, err := ticket.RosterFrom(tx).TicketDeptAccounts(tk.DeptID, rosterRead)
	if err != nil {
		return nil, false, err
	}
	accounts = append(accounts, roster...)

	can := map[place]bool{}
	people := map[place]map[int64]bool{}
	for _, a := range accounts {
		if a.Platform == bot.PlatformConsole {
			continue
		}
		onGroupPlatform = true
		at := place{a.Platform, a.Workspace}
		ok, asked := can[at]
		if !asked {
			_, ok = f.GroupCreators.GroupCreator(at.platform, at.workspace)
			can[at] = ok
		}
		if ok {
			if people[at] == nil {
				people[at] = map[int64]bool{}
			}
			people[at][a.PersonID] = true
		}
	}
	if len(people) == 0 {
		return nil, onGroupPlatform, nil
	}
	places := make([]place, 0, len(people))
	for at := range people {
		places = append(places, at)
	}
	slices.SortFunc(places, func(a, b place) int {
		return cmp.Or(-cmp.Compare(len(people[a]), len(people[b])), boolFirst(a == leadHome, b == leadHome),
			cmp.Compare(a.platform, b.platform), cmp.Compare(a.workspace, b.workspace))
	})
	at := places[0]
	req = &warroom.Request{TicketID: tk.ID, Platform: at.platform, Workspace: at.workspace}
	in := map[int64]bool{}
	for _, a := range accounts {
		if at != (place{a.Platform, a.Workspace}) || in[a.PersonID] || len(in) == warRoomSize {
			continue
		}
		in[a.PersonID] = true
		req.Members = append(req.Members, a.UserID)
		if a.PersonID == lead {
			req.Owner = a.UserID
		}
	}
	lang, _ := f.defaults()
	req.Name = tk.Priority.String() + " " + tk.Ref() + " " + tk.Title
	req.Topic = bot.Tf("War room of %s (%s): %s", "%s（%s）应急群：%s", tk.Ref(), tk.Priority.Label(lang), tk.Title).In(lang)
	return req, true, nil
}

// boolFirst orders true before false.
func boolFirst(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// warRoomRecorded is warroom.Deps.Recorded: a ticket has one war room,
// wherever it is.
func (f *feature) warRoomRecorded(tx bot.Tx, ticketID int64, _, _ string) (bot.Destination, bool, error) {
	tk, err := ticket.From(tx).FindTicketByID(ticketID)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return bot.Destination{}, false, nil
	} else if err != nil {
		return bot.Destination{}, false, err
	}
	return tk.WarRoom, hasRoom(tk), nil
}

// warRoomCreated is warroom.Deps.OnCreated: it records the room on the
// ticket and its timeline, edits the ticket's posted cards (they show the
// room now), and posts the card (a live copy, edited on every change
// from now on) and the timeline so far into the room. It leaves
// UpdatedAt alone: the room is not a touch of the ticket (the
// acknowledgement timeout counts from the last one).
func (f *feature) warRoomCreated(tx bot.Tx, ticketID int64, room bot.Destination, now time.Time) error {
	st := ticket.From(tx)
	tk, err := st.FindTicketByID(ticketID)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil // deleted meanwhile: nothing to record
	} else if err != nil {
		return err
	}
	tk.WarRoom = room
	if err := st.UpdateTicket(tk); err != nil {
		return err
	}
	if err := st.AddTicketEvent(&ticket.Event{TicketID: tk.ID, Kind: ticket.WarRoomSet, To: room.Platform, At: now}); err != nil {
		return err
	}
	v, err := f.load(tx, tk, now)
	if err != nil {
		return err
	}
	key := "ticket/" + strconv.FormatInt(tk.ID, 10) + "/warroom"
	if err := f.editCards(tx, v, key, now, func(rd reader) string {
		name := platformName(room.Platform, rd.Lang)
		return bot.T(tk.Ref()+": a war room was opened on "+name+".", bot.ZHConcat(tk.Ref()+"：已在", name, "建立应急群。")).In(rd.Lang)
	}); err != nil {
		return err
	}
	lang, loc := f.defaults()
	rd := reader{Lang: lang, Loc: loc, Now: now}
	card := bot.Message{Text: rd.T("War room for %s. Its timeline follows here as it grows.", "%s 的应急群。工单时间线会持续同步到这里。", tk.Ref()),
		Card: v.card(now, loc, lang)}
	if _, err := tx.Enqueue(&bot.Outgoing{Key: key + "/card", To: room, Msg: card.ForReader(lang, loc)}, now); err != nil {
		return err
	}
	evs, err := st.TicketEvents(tk.ID, roomTimeline)
	if err != nil {
		return err
	}
	ppl := commands.NewPeople(tx)
	lines := []string{rd.T("Timeline:", "时间线：")}
	for _, e := range evs {
		lines = append(lines, "• "+line(e, ppl, rd))
	}
	_, err = tx.Enqueue(&bot.Outgoing{Key: key + "/timeline", To: room, Msg: bot.Message{Text: strings.Join(lines, "\n")}}, now)
	return err
}

// warRoomRefused is warroom.Deps.OnRefused: a note on the timeline, and
// the owner (else the department's head) told, in their language, why
// there is no room and what an admin must grant (why's text).
func (f *feature) warRoomRefused(tx bot.Tx, ticketID int64, why *bot.Error, now time.Time) error {
	st := ticket.From(tx)
	tk, err := st.FindTicketByID(ticketID)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if err := st.AddTicketEvent(&ticket.Event{TicketID: tk.ID, Kind: ticket.WarRoomSet, From: "refused", At: now}); err != nil {
		return err
	}
	id := tk.OwnerID
	if id == 0 {
		if d, err := tx.FindDepartmentByID(tk.DeptID); err == nil {
			id = d.HeadID
		}
	}
	p, err := tx.FindPersonByID(id)
	if id == 0 || bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	_, err = f.notifier().Tell(tx, "ticket/"+strconv.FormatInt(tk.ID, 10)+"/warroom/refused", bot.Notice{To: p, Urgent: true}, now,
		func(lang bot.Lang, _ *time.Location) bot.Message {
			return bot.Message{Text: bot.T("No war room was opened for "+tk.Ref()+" "+tk.Title+": "+why.Text.EN,
				bot.ZHConcat("未能为工单", tk.Ref(), "（"+tk.Title+"）建立应急群：", why.Text.ZH)).In(lang)}
		})
	return err
}

// addEvent appends e to tk's timeline and, when tk has a war room, posts
// the entry there (lines within warRoomGather are one message).
func (f *feature) addEvent(tx bot.Tx, tk *ticket.Ticket, e *ticket.Event) error {
	if err := ticket.From(tx).AddTicketEvent(e); err != nil {
		return err
	}
	if !hasRoom(tk) {
		return nil
	}
	lang, loc := f.defaults()
	text := line(e, commands.NewPeople(tx), reader{Lang: lang, Loc: loc, Now: e.At})
	id := strconv.FormatInt(tk.ID, 10)
	_, err := tx.Enqueue(&bot.Outgoing{Key: "ticket/" + id + "/warroom/event/" + strconv.FormatInt(e.ID, 10), To: tk.WarRoom,
		Coalesce: "ticket/" + id + "/warroom", NextAttempt: e.At.Add(warRoomGather), Msg: bot.Message{Text: text}}, e.At)
	return err
}

// platformName is how people call a platform.
func platformName(platform string, lang bot.Lang) string {
	names := map[string]bot.Text{
		bot.PlatformSlack: bot.T("Slack", "Slack"), bot.PlatformFeishu: bot.T("Feishu", "飞书"),
		bot.PlatformWeCom: bot.T("WeCom", "企业微信"), bot.PlatformDingTalk: bot.T("DingTalk", "钉钉"),
	}
	if n, ok := names[platform]; ok {
		return n.In(lang)
	}
	return platform
}

// roomTimeline bounds the timeline posted when a war room opens: a P1's room
// opens minutes after the ticket, with a handful of entries; `ticket show`
// pages through the rest.
const roomTimeline = 100
