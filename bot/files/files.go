// Package files is the domain of file links (文件库): links to files kept
// elsewhere (a URL, or the permalink of a file shared in a chat) attached to
// tasks, tickets and meetings. Tandem stores no file of its own, only the
// link, who added it and when. It imports bot only; the chat surface is
// commands/files.
package files

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Link is one link on an item.
type Link struct {
	ID int64
	// Subject is the item the link is on, named as its live card is
	// ("task/12", "ticket/3", "meeting/5").
	Subject string
	// Ref is how people refer to the item in chat ("#12", "T-3", "M-5"),
	// so that a list can name it without reading it.
	Ref   string
	URL   string
	Title string // "" when none was given
	// DeptID and Project file the link for `files dept X` and `files
	// project Y`: the item's department (else the chat's), and the project
	// the chat it was added in is bound to. Copied when the link is added.
	DeptID    int64
	Project   string
	AddedByID int64
	AddedAt   time.Time
}

// Label is what a list shows for the link: its title, else its URL.
func (l *Link) Label() string {
	if l.Title != "" {
		return l.Title
	}
	return l.URL
}

// Filter selects the links of a department or a project (exactly one of
// the two), newest first, a page at a time.
type Filter struct {
	DeptID        int64
	Project       string
	Offset, Limit int
}

// Store is the file links' store contract, implemented by the same unit as
// bot.Tx (see From).
type Store interface {
	// AddFileLink stores l and sets its ID; ECONFLICT when its subject
	// already has that URL.
	AddFileLink(l *Link) error
	// FileLinksOf lists the links of subject, oldest first, from offset,
	// up to limit.
	FileLinksOf(subject string, offset, limit int) ([]*Link, error)
	// CountFileLinks counts the links of subject.
	CountFileLinks(subject string) (int, error)
	// FindFileLinks lists a department's or a project's links, newest
	// first (ties by id, newest first), paged by f.
	FindFileLinks(f Filter) ([]*Link, error)
}

// From returns the file links store of the unit tx (see task.From). A unit
// without one fails every call with an internal error.
func From(tx bot.Tx) Store {
	if s, ok := bot.Contract[Store](tx); ok {
		return s
	}
	return missing{fmt.Errorf("files: the unit %T does not implement files.Store", tx)}
}

type missing struct{ err error }

func (m missing) AddFileLink(*Link) error                       { return m.err }
func (m missing) FileLinksOf(string, int, int) ([]*Link, error) { return nil, m.err }
func (m missing) CountFileLinks(string) (int, error)            { return 0, m.err }
func (m missing) FindFileLinks(Filter) ([]*Link, error)         { return nil, m.err }

// MaxURL is the longest URL kept: longer ones are refused rather than cut,
// since a cut URL leads nowhere.
const MaxURL = 2048

// ParseURL checks that s is a link to open: an absolute http or https URL
// with a host. Slack writes links as <url> or <url|label>; both are read as
// the URL. Anything else is refused with a text that says what is wanted.
func ParseURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">") {
		s, _, _ = strings.Cut(s[1:len(s)-1], "|")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", bot.Errorf(bot.EINVALID,
			"%q is not a link: give a web address starting with https:// (for a file shared in the chat, copy its link).",
			"「%s」不是链接：请给出以 https:// 开头的网址（聊天中分享的文件，请复制它的链接）。", s)
	}
	if len(s) > MaxURL {
		return "", bot.Errorf(bot.EINVALID, "That link is longer than %d characters.", "这个链接超过了 %d 个字符。", MaxURL)
	}
	return s, nil
}
