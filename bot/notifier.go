package bot

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Notifier is the one place that decides how a person is told something:
// commands (Request.Notify, NotifyAbout, NotifyAt) and job handlers
// (reminders, digests) all go through it. For each notice it decides, in
// this order:
//
//  1. Where: the person's home account (Person.Home) if it is still theirs
//     and its platform has a sender here (Platforms); else their oldest
//     account on a platform with a sender; else, when none has one, the
//     home (or the oldest account), where the message waits until that
//     platform is configured. Nobody with no account is told anything.
//  2. In what language: the person's choice (Person.Lang), else the notice's
//     hint (the language its text is in, or the one the person just wrote
//     in), else DefaultLang.
//  3. In what zone every time is written: the person's (Person.TZ), else
//     the notice's (a reminder's own zone), else DefaultTZ.
//  4. When: at once, or, for news about a subject (Notice.Subject), after
//     Window, so that what else is said about the subject to the person
//     meanwhile is merged into one message (Outgoing.Coalesce). A notice
//     that is not Urgent and would arrive within Quiet (in the person's
//     zone) is held until the quiet hours end: the outbox row is due then.
//
// The decision is pure (Decide: the person, their accounts and now in, a
// Delivery out); Reach and Tell read the accounts and store the message.
type Notifier struct {
	DefaultLang Lang           // "" means English
	DefaultTZ   *time.Location // nil means UTC
	// Window is how long news about one subject waits to gather more
	// (DefaultNotifyWindow); zero sends each at once.
	Window time.Duration
	// Quiet are the hours, in each reader's own zone, in which only urgent
	// notices are delivered (bot.quiet_hours); zero means none.
	Quiet QuietHours
	// Platforms are the platforms with a sender in this process; empty
	// means every platform is taken to have one.
	Platforms []string
}

// Notice is something to tell one person.
type Notice struct {
	To *Person
	// Subject names what the notice is about ("task/3") for coalescing;
	// "" sends it on its own.
	Subject string
	// Urgent notices ignore quiet hours: a reminder someone set for
	// themselves, a digest at the time they chose.
	Urgent bool
	// Lang is the language to fall back on when the person chose none: the
	// language of the text being passed on, or of the message they just
	// wrote; "" for the notifier's default.
	Lang Lang
	// Zone is the zone to fall back on when the person chose none; nil for
	// the notifier's default.
	Zone *time.Location
}

// Delivery is the notifier's decision about one notice.
type Delivery struct {
	To   Destination
	Lang Lang
	Loc  *time.Location
	// Due is when the message may go; zero means at once.
	Due time.Time
	// Coalesce is the Outgoing.Coalesce of news about a subject.
	Coalesce string
}

// Outgoing returns the outbox row that delivers m as decided, under key.
func (d Delivery) Outgoing(key string, m Message) *Outgoing {
	return &Outgoing{Key: key, To: d.To, Msg: m, Coalesce: d.Coalesce, NextAttempt: d.Due}
}

// Decide decides how n tells nt.To, who has accts (oldest first), at now.
// ok is false when the person has no account to be told at.
func (n *Notifier) Decide(nt Notice, accts []LinkedAccount, now time.Time) (d Delivery, ok bool) {
	a, ok := n.route(nt.To, accts)
	if !ok {
		return Delivery{}, false
	}
	d.To = Destination{Platform: a.Platform, Workspace: a.Workspace, UserID: a.UserID}
	n.decideFor(&d, nt, now)
	return d, true
}

// DecideAt is Decide for a notice that must go to one account a, whoever
// holds it (a link that merged it away): only language, zone and time are
// decided, from nt.To when known.
func (n *Notifier) DecideAt(a Account, nt Notice, now time.Time) Delivery {
	d := Delivery{To: Destination{Platform: a.Platform, Workspace: a.Workspace, UserID: a.UserID}}
	n.decideFor(&d, nt, now)
	return d
}

func (n *Notifier) decideFor(d *Delivery, nt Notice, now time.Time) {
	d.Lang, d.Loc = n.langAndZone(nt)
	due := now
	if nt.Subject != "" && n.Window > 0 {
		d.Coalesce = d.To.Platform + "/" + d.To.Workspace + "/" + d.To.ChatID + "/" + d.To.UserID + "/" + nt.Subject
		due = now.Add(n.Window)
	}
	if !nt.Urgent {
		if end, quiet := n.Quiet.EndAfter(due, d.Loc); quiet {
			due = end
		}
	}
	if due.After(now) {
		d.Due = due
	}
}

func (n *Notifier) langAndZone(nt Notice) (Lang, *time.Location) {
	lang := n.DefaultLang
	if nt.Lang != "" {
		lang = nt.Lang
	}
	if nt.To != nil && nt.To.Lang != "" {
		lang = nt.To.Lang
	}
	if lang == "" {
		lang = LangEN
	}
	zone := n.DefaultTZ
	if nt.Zone != nil {
		zone = nt.Zone
	}
	if zone == nil {
		zone = time.UTC
	}
	if nt.To != nil {
		zone = nt.To.Location(zone)
	}
	return lang, zone
}

// route picks the account to tell p at (see Notifier).
func (n *Notifier) route(p *Person, accts []LinkedAccount) (Account, bool) {
	if p == nil || len(accts) == 0 {
		return Account{}, false
	}
	home := -1
	for i, a := range accts {
		if p.Home.UserID != "" && a.Account == p.Home {
			home = i
		}
	}
	if home >= 0 && n.sends(accts[home].Platform) {
		return accts[home].Account, true
	}
	for _, a := range accts {
		if n.sends(a.Platform) {
			return a.Account, true
		}
	}
	if home >= 0 {
		return accts[home].Account, true
	}
	return accts[0].Account, true
}

func (n *Notifier) sends(platform string) bool {
	return len(n.Platforms) == 0 || slices.Contains(n.Platforms, platform)
}

// Reach decides how to tell nt.To (Decide), reading their accounts through
// tx; ok is false when they have none.
func (n *Notifier) Reach(tx PeopleTx, nt Notice, now time.Time) (Delivery, bool, error) {
	if nt.To == nil {
		return Delivery{}, false, nil
	}
	accts, err := tx.AccountsOf(nt.To.ID)
	if err != nil {
		return Delivery{}, false, err
	}
	d, ok := n.Decide(nt, accts, now)
	return d, ok, nil
}

// Tell queues, under key, the message compose writes in the person's
// language and zone, as decided by Reach. It reports whether the person
// could be reached.
func (n *Notifier) Tell(tx Tx, key string, nt Notice, now time.Time, compose func(lang Lang, loc *time.Location) Message) (bool, error) {
	d, ok, err := n.Reach(tx, nt, now)
	if err != nil || !ok {
		return false, err
	}
	_, err = tx.Enqueue(d.Outgoing(key, compose(d.Lang, d.Loc)), now)
	return err == nil, err
}

// QuietHours is a daily span of local time, such as 22:00 to 08:00, read in
// each reader's own zone. The zero value is no quiet hours.
type QuietHours struct {
	From, To time.Duration // since midnight; From == To means none
}

// ParseQuietHours reads "HH:MM-HH:MM" ("22:00-08:00" spans midnight); ""
// is none.
func ParseQuietHours(s string) (QuietHours, error) {
	if s == "" {
		return QuietHours{}, nil
	}
	bad := fmt.Errorf("quiet hours must be HH:MM-HH:MM, such as 22:00-08:00, not %q", s)
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return QuietHours{}, bad
	}
	f, ferr := time.Parse("15:04", strings.TrimSpace(from))
	t, terr := time.Parse("15:04", strings.TrimSpace(to))
	if ferr != nil || terr != nil {
		return QuietHours{}, bad
	}
	q := QuietHours{From: time.Duration(f.Hour())*time.Hour + time.Duration(f.Minute())*time.Minute,
		To: time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute}
	if q.From == q.To {
		return QuietHours{}, fmt.Errorf("quiet hours %q start and end at the same time", s)
	}
	return q, nil
}

// EndAfter reports whether t falls in the quiet hours, read in loc, and if
// so when they end. The end is a wall-clock time in loc, so a quiet night
// across a daylight-saving change still ends at its hour.
func (q QuietHours) EndAfter(t time.Time, loc *time.Location) (time.Time, bool) {
	if q.From == q.To {
		return time.Time{}, false
	}
	lt := t.In(loc)
	y, m, d := lt.Date()
	since := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute +
		time.Duration(lt.Second())*time.Second + time.Duration(lt.Nanosecond())
	at := func(day int, off time.Duration) time.Time {
		return time.Date(y, m, d+day, int(off/time.Hour), int(off%time.Hour/time.Minute), 0, 0, loc)
	}
	switch {
	case q.From < q.To: // within one day: 12:00-14:00
		if since >= q.From && since < q.To {
			return at(0, q.To), true
		}
	case since >= q.From: // spans midnight, before it: 23:00 in 22:00-08:00
		return at(1, q.To), true
	case since < q.To: // spans midnight, after it: 03:00 in 22:00-08:00
		return at(0, q.To), true
	}
	return time.Time{}, false
}

// Defaults fills in the language and zone a host left unset: English and
// UTC.
func Defaults(lang Lang, loc *time.Location) (Lang, *time.Location) {
	if lang == "" {
		lang = LangEN
	}
	if loc == nil {
		loc = time.UTC
	}
	return lang, loc
}

// NotifierOr is n, or, when a host gave none (tests, tools), a notifier
// with the defaults lang and loc (Defaults) and no window or quiet hours.
func NotifierOr(n *Notifier, lang Lang, loc *time.Location) *Notifier {
	if n != nil {
		return n
	}
	lang, loc = Defaults(lang, loc)
	return &Notifier{DefaultLang: lang, DefaultTZ: loc}
}
