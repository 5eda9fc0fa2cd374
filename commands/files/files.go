// Package files is the chat surface of file links (文件库): the `files`
// command, which lists a department's or a project's links with who added
// them and when, and the pieces the task, ticket and meeting commands share
// to add links to their items (LinkSub) and show them on their cards
// (Load, CardField). Tandem keeps the links, never the files.
package files

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/files"
	"github.com/tandemhq/tandem/commands"
	"github.com/tandemhq/tandem/commands/group"
)

// OnCard is how many links a card shows; the rest are listed by the item's
// link command without a URL ("task link 12").
const OnCard = 5

// MaxTitle is the longest title kept, in characters.
const MaxTitle = 200

// Module is the files feature: the `files` command. It lists the links on
// tasks, tickets and meetings newest first: of the department or project
// named, else of the one this chat is bound to, else of the sender's
// department.
func Module() commands.Module {
	return commands.Module{Name: "files", Commands: []*commands.Command{{
		Name:    "files",
		Aliases: []string{"file", "文件", "文件库"},
		Summary: bot.T("List the file links of a department or project", "列出部门或项目的文件链接"),
		Usage:   bot.T("files [dept:<name> | project:<key>] [page N]", "文件 [部门:<名称> | 项目:<键>] [第N页]"),
		Run:     list,
	}}}
}

// Item is what a link is added to, as its feature found it.
type Item struct {
	Subject string // its live card's subject, "task/12"
	Ref     string // "#12", "T-3", "M-5"
	DeptID  int64  // 0 when it has none
	// Card reads what the item's card shows (its links included) and
	// returns how to render it for a reader; it is called after the link
	// is added.
	Card func() (func(lang bot.Lang, loc *time.Location) *bot.Card, error)
}

// LinkSub is the "link" sub-command of a feature's command: `task link 12
// <url> [title]` adds a link to the item find reads from the first
// argument, and `task link 12` lists its links. Anyone who may read the
// item may add a link, as anyone may comment on a task.
func LinkSub(cmdEN, cmdZH, idEN, idZH string, find func(c *commands.Ctx) (Item, error)) *commands.Sub {
	return &commands.Sub{
		Name:    "link",
		Aliases: []string{"links", "attach", "file", "链接", "附件", "文件"},
		Usage:   bot.T(fmt.Sprintf("%s link <%s> <url> [title]", cmdEN, idEN), fmt.Sprintf("%s 链接 <%s> <网址> [标题]", cmdZH, idZH)),
		Summary: bot.T("Attach a link to a file (a URL, or a file shared in the chat: copy its link); without a URL, list the links",
			"附上文件链接（网址，或聊天中分享的文件：复制其链接）；不写网址则列出已有链接"),
		Example: bot.T(cmdEN+" link 12 https://drive.example.com/poster.pdf Poster draft", cmdZH+" 链接 12 https://drive.example.com/poster.pdf 海报初稿"),
		Run:     func(c *commands.Ctx) error { return link(c, cmdEN, cmdZH, find) },
	}
}

func link(c *commands.Ctx, cmdEN, cmdZH string, find func(c *commands.Ctx) (Item, error)) error {
	it, err := find(c)
	if err != nil {
		return err
	}
	page, rest, err := commands.PageArg(c, c.Args[1:])
	if err != nil {
		return err
	}
	if len(rest) == 0 && len(c.Event.Files) == 0 {
		return listItem(c, it, page, cmdEN, cmdZH)
	}
	ls, err := linksGiven(c, rest)
	if err != nil {
		return err
	}
	var labels []string
	for _, l := range ls {
		l.Subject, l.Ref, l.DeptID, l.AddedByID, l.AddedAt = it.Subject, it.Ref, it.DeptID, c.Person.ID, c.Now
		if err := fileUnder(c, l); err != nil {
			return err
		}
		if err := files.From(c.Tx).AddFileLink(l); bot.ErrorCode(err) == bot.ECONFLICT {
			return bot.Errorf(bot.ECONFLICT, "%s already has this link: %s", "%s 已有这个链接：%s", it.Ref, l.URL)
		} else if err != nil {
			return err
		}
		labels = append(labels, l.Label())
	}
	render, err := it.Card()
	if err != nil {
		return err
	}
	added := strings.Join(labels, ", ")
	reply := bot.Message{Text: c.T("Added to %s: %s", "已添加到 %s：%s", it.Ref, added)}
	if c.Event.Action == nil {
		reply.Card = render(c.Lang, c.Loc)
	}
	c.Reply(reply)
	return c.UpdateCards(it.Subject, func(lang bot.Lang, loc *time.Location) bot.Message {
		line := bot.Tf("%s: @%s added a file: %s", "%s：@%s 添加了文件：%s", it.Ref, c.Person.Handle, added).In(lang)
		return bot.Message{Text: line, Card: render(lang, loc)}
	})
}

// linksGiven reads the links a link command gives: a URL and an optional
// title; or, when the words hold no URL, the files shared with the message
// (Slack), titled by the words when there is one file, else by their
// names.
func linksGiven(c *commands.Ctx, words []commands.Token) ([]*files.Link, error) {
	var u string
	var urlErr error
	if len(words) > 0 {
		raw := words[0].Raw
		if words[0].Quoted {
			raw = words[0].Text
		}
		u, urlErr = files.ParseURL(raw)
	}
	shared := c.Event.Files
	if urlErr == nil && u != "" {
		words, shared = words[1:], nil
	} else if len(shared) == 0 {
		return nil, c.Usage(urlErr.(*bot.Error).Text)
	}
	title := commands.JoinRaw(words)
	if len(words) == 1 && words[0].Quoted && words[0].Key == "" {
		title = words[0].Text
	}
	if utf8.RuneCountInString(title) > MaxTitle {
		return nil, c.Usage(bot.Tf("That title is longer than %d characters.", "标题超过了 %d 个字。", MaxTitle))
	}
	if shared == nil {
		return []*files.Link{{URL: u, Title: title}}, nil
	}
	var out []*files.Link
	for _, f := range shared {
		u, err := files.ParseURL(f.URL)
		if err != nil {
			return nil, err
		}
		l := &files.Link{URL: u, Title: f.Name}
		if len(shared) == 1 && title != "" {
			l.Title = title
		}
		out = append(out, l)
	}
	return out, nil
}

// fileUnder files l for the lists: under the item's department, else the
// chat's, else the sender's; and under the project the chat is bound to.
func fileUnder(c *commands.Ctx, l *files.Link) error {
	var bindings []*bot.Binding
	if c.Event.ChatType == bot.ChatGroup && c.Event.ChatID != "" {
		var err error
		chat := bot.Destination{Platform: c.Event.Platform, Workspace: c.Event.Workspace, ChatID: c.Event.ChatID}
		if bindings, err = bot.Bindings(c.Tx).BindingsOf(chat); err != nil {
			return err
		}
	}
	for _, b := range bindings {
		switch b.Kind {
		case "project":
			l.Project = b.Ref
		case "dept":
			if id, err := commands.ParseID(b.Ref); err == nil && l.DeptID == 0 {
				l.DeptID = id
			}
		}
	}
	if l.DeptID == 0 {
		l.DeptID = c.Person.DeptID
	}
	return nil
}

// listItem pages the links of one item, oldest first.
func listItem(c *commands.Ctx, it Item, page int, cmdEN, cmdZH string) error {
	ls, err := files.From(c.Tx).FileLinksOf(it.Subject, (page-1)*commands.PageSize, commands.PageSize+1)
	if err != nil {
		return err
	}
	if len(ls) == 0 && page == 1 {
		c.ReplyText(bot.T(fmt.Sprintf("%s has no links yet. Add one with `%s link %s <url> [title]`.", it.Ref, cmdEN, c.Args[0].Text),
			fmt.Sprintf("%s 还没有链接。添加方法：%s 链接 %s <网址> [标题]", it.Ref, cmdZH, c.Args[0].Text)))
		return nil
	}
	more := len(ls) > commands.PageSize
	ls = ls[:min(len(ls), commands.PageSize)]
	var b strings.Builder
	b.WriteString(commands.PageTitle(c, bot.Tf("Links on %s", "%s 的链接", it.Ref), page, len(ls), more))
	lines(&b, c, ls, false)
	if more {
		b.WriteString("\n" + commands.NextPage(c, cmdEN+" link", cmdZH+" 链接", c.Args[:1], page))
	}
	c.Reply(bot.Message{Text: b.String(), Private: true})
	return nil
}

// lines writes one line per link: its title and URL, the item it is on
// (when withRef), who added it and when.
func lines(b *strings.Builder, c *commands.Ctx, ls []*files.Link, withRef bool) {
	ppl := commands.NewPeople(c.Tx, c.Person)
	rd := commands.ReaderOf(c)
	for _, l := range ls {
		b.WriteString("\n• ")
		if l.Title != "" {
			b.WriteString(l.Title + " ")
		}
		b.WriteString(l.URL)
		if withRef {
			b.WriteString(" · " + l.Ref)
		}
		b.WriteString(" · " + ppl.Handle(l.AddedByID, c.Lang) + " · " + rd.Time(l.AddedAt))
	}
}

// list is `files [dept:<name> | project:<key>] [page N]`.
func list(c *commands.Ctx) error {
	page, rest, err := commands.PageArg(c, c.Args)
	if err != nil {
		return err
	}
	f, name, err := scope(c, rest)
	if err != nil {
		return err
	}
	f.Offset, f.Limit = (page-1)*commands.PageSize, commands.PageSize+1
	ls, err := files.From(c.Tx).FindFileLinks(f)
	if err != nil {
		return err
	}
	if len(ls) == 0 && page == 1 {
		c.ReplyText(bot.Tf("No file links in %s yet. Add one to a task with `task link <id> <url>`.",
			"%s 还没有文件链接。给任务添加链接：任务 链接 <编号> <网址>", name))
		return nil
	}
	more := len(ls) > commands.PageSize
	ls = ls[:min(len(ls), commands.PageSize)]
	var b strings.Builder
	b.WriteString(commands.PageTitle(c, bot.Tf("Files of %s", "%s 的文件", name), page, len(ls), more))
	lines(&b, c, ls, true)
	if len(ls) == 0 {
		b.WriteString(c.T("\n(no more)", "\n（没有更多了）"))
	}
	if more {
		b.WriteString("\n" + commands.NextPage(c, "files", "文件", rest, page))
	}
	c.Reply(bot.Message{Text: b.String(), Private: true})
	return nil
}

var (
	deptWords    = []string{"dept", "department", "部门"}
	projectWords = []string{"project", "proj", "项目"}
)

// scope reads which links to list: "dept:Design" or "dept Design",
// "project:q3" or "project q3"; with neither, the chat's department, else
// its project, else the sender's department.
func scope(c *commands.Ctx, args []commands.Token) (files.Filter, string, error) {
	kind, value := "", ""
	switch {
	case len(args) == 1 && args[0].Key != "":
		kind, value = args[0].Key, args[0].Text
	case len(args) >= 2 && args[0].Key == "":
		kind, value = strings.ToLower(args[0].Text), commands.JoinRaw(args[1:])
	case len(args) != 0:
		return files.Filter{}, "", c.Usage(bot.Tf("%q is not a department or project: write dept:<name> or project:<key>.",
			"「%s」不是部门或项目：请写 部门:<名称> 或 项目:<键>。", commands.JoinRaw(args)))
	}
	switch {
	case commands.Contains(deptWords, kind):
		d, err := commands.FindDept(c, value)
		if err != nil {
			return files.Filter{}, "", err
		}
		return files.Filter{DeptID: d.ID}, d.Name, nil
	case commands.Contains(projectWords, kind):
		return files.Filter{Project: value}, value, nil
	case kind != "":
		return files.Filter{}, "", c.Usage(bot.Tf("%q is not a department or project: write dept:<name> or project:<key>.",
			"「%s」不是部门或项目：请写 部门:<名称> 或 项目:<键>。", commands.JoinRaw(args)))
	}
	if c.Event.ChatType == bot.ChatGroup && c.Event.ChatID != "" {
		chat := bot.Destination{Platform: c.Event.Platform, Workspace: c.Event.Workspace, ChatID: c.Event.ChatID}
		if d, err := group.BoundDept(c.Tx, chat); err != nil {
			return files.Filter{}, "", err
		} else if d != nil {
			return files.Filter{DeptID: d.ID}, d.Name, nil
		}
		bs, err := bot.Bindings(c.Tx).BindingsOf(chat)
		if err != nil {
			return files.Filter{}, "", err
		}
		for _, b := range bs {
			if b.Kind == "project" {
				return files.Filter{Project: b.Ref}, b.Ref, nil
			}
		}
	}
	if c.Person.DeptID != 0 {
		if d, err := c.Tx.FindDepartmentByID(c.Person.DeptID); err == nil {
			return files.Filter{DeptID: d.ID}, d.Name, nil
		}
	}
	return files.Filter{}, "", c.Usage(bot.T("Whose files? You are in no department: write dept:<name> or project:<key>.",
		"哪里的文件？你不属于任何部门：请写 部门:<名称> 或 项目:<键>。"))
}

// Shown is what a card shows of its item's links: the first OnCard, and
// how many there are in all.
type Shown struct {
	Links []*files.Link
	Total int
}

// Load reads what subject's card shows of its links.
func Load(tx bot.Tx, subject string) (Shown, error) {
	ls, err := files.From(tx).FileLinksOf(subject, 0, OnCard+1)
	if err != nil || len(ls) <= OnCard {
		return Shown{Links: ls, Total: len(ls)}, err
	}
	n, err := files.From(tx).CountFileLinks(subject)
	return Shown{Links: ls[:OnCard], Total: n}, err
}

// Field is the card's "Files" field: one line per link, and how many more
// there are; ok is false when there is none.
func (s Shown) Field(lang bot.Lang) (f bot.Field, ok bool) {
	if len(s.Links) == 0 {
		return bot.Field{}, false
	}
	var b strings.Builder
	for i, l := range s.Links {
		if i > 0 {
			b.WriteString("\n")
		}
		if l.Title != "" {
			b.WriteString(l.Title + " ")
		}
		b.WriteString(l.URL)
	}
	if more := s.Total - len(s.Links); more > 0 {
		b.WriteString(bot.Tf("\n… and %d more", "\n……另有 %d 个", more).In(lang))
	}
	return bot.Field{Label: bot.T("Files", "文件").In(lang), Value: b.String()}, true
}

// CardField reads and renders subject's links for a card that is built
// without an error path (the task card): a link that cannot be read leaves
// the field out, as a department that cannot be read leaves the card's
// department empty; the command's own reads report the error.
func CardField(tx bot.Tx, subject string, lang bot.Lang) (bot.Field, bool) {
	s, err := Load(tx, subject)
	if err != nil {
		return bot.Field{}, false
	}
	return s.Field(lang)
}
