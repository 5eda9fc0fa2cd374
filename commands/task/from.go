package task

import (
	"strings"
	"unicode/utf8"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands"
)

// thisWords name the message an event acts on: "task from this".
var thisWords = []string{"this", "it", "that", "这条", "这个", "此消息", "本条"}

// quoteTitleLen is how much of a quoted message becomes the new task's
// title; the whole message is in the description.
const quoteTitleLen = 60

// fromSub is `task from this [@owner] [due:…]` / `task from "<pasted text>"`.
func (f *feature) fromSub() *commands.Sub {
	return &commands.Sub{Name: "from", Aliases: []string{"转", "从消息"},
		Usage: bot.T(`task from this [@owner] [due:<time>] [p:…] ["<title>"]  (reply to a message, or use the message shortcut) | task from "<pasted text>" [@owner]`,
			`转任务 [@负责人] [截止:<时间>]（回复一条消息）| 任务 转 "<粘贴的内容>" [@负责人]`),
		Summary: bot.T("Turn a chat message into a task quoting it", "把一条聊天消息转成任务（引用原消息）"),
		Example: bot.T("task from this @bob due:fri", "转任务 @bob 截止:周五"),
		Run:     f.taskFrom}
}

// fromCommand is the Chinese short form "转任务 …", which people type when
// replying to a message: the same as "任务 转 这条 …".
func (f *feature) fromCommand() *commands.Command {
	return &commands.Command{Name: "totask", Aliases: []string{"转任务"},
		Summary: bot.T("Turn the message you reply to into a task", "把你回复的消息转成任务"),
		Usage:   bot.T("totask [@owner] [due:<time>] (as a reply to a message)", "转任务 [@负责人] [截止:<时间>]（回复一条消息时）"),
		Run:     f.taskFrom}
}

// taskFrom creates a task from the message ev quotes (a reply, a message
// shortcut) or, where the platform gives none (WeCom), from a pasted quoted
// text. It hands taskNew a title and the description as tokens, so a task
// made from a message is made, checked and announced as any other.
func (f *feature) taskFrom(c *commands.Ctx) error {
	q := c.Event.Quoted
	var args []commands.Token
	title := ""
	var pasted string
	for _, t := range c.Args {
		switch {
		case !t.Quoted && t.Key == "" && commands.Contains(thisWords, strings.ToLower(t.Text)):
		case t.Quoted && q == nil && pasted == "":
			pasted = strings.TrimSpace(t.Text)
		case t.Quoted && title == "":
			title = strings.TrimSpace(t.Text)
		default:
			args = append(args, t)
		}
	}
	if q == nil && pasted != "" {
		q = &bot.QuotedMessage{Text: pasted}
	}
	if q == nil {
		return c.Usage(bot.T(`There is no message to turn into a task. Reply to the message with "task from this" (on Slack: the message's ⋮ menu → "Make a task"), or paste it: task from "<text>".`,
			`没有可以转成任务的消息。请回复那条消息并写「转任务」（Slack 上：消息的 ⋮ 菜单 →「Make a task」），或者把内容粘贴进来：任务 转 "<内容>"。`))
	}
	text := strings.TrimSpace(q.Text)
	if text == "" {
		return c.Usage(bot.T(`I could not read that message (the platform did not give its text). Paste it instead: task from "<text>".`,
			`我读不到那条消息的内容（平台没有提供）。请把内容粘贴进来：任务 转 "<内容>"。`))
	}
	if title == "" {
		title = quoteTitle(text)
	}
	args = append([]commands.Token{{Text: title, Raw: title, Quoted: true}}, args...)
	// The description as one loose token: taskNew joins loose words into
	// the description, and a single token keeps the message's line breaks.
	desc := quoteDescription(c, q, text)
	args = append(args, commands.Token{Text: desc, Raw: desc})
	c.Args = args
	return f.taskNew(c)
}

// quoteTitle is the message's first line, shortened.
func quoteTitle(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) <= quoteTitleLen {
		return line
	}
	r := []rune(line)
	return strings.TrimSpace(string(r[:quoteTitleLen-1])) + "…"
}

// quoteDescription quotes the message with its author and a link back:
//
//	> the message
//	— @alice, https://…
func quoteDescription(c *commands.Ctx, q *bot.QuotedMessage, text string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(text, "\n") {
		b.WriteString("> " + line + "\n")
	}
	var by []string
	if q.AuthorID != "" || q.AuthorName != "" {
		by = append(by, authorHandle(c, q))
	}
	if q.Link != "" {
		by = append(by, q.Link)
	}
	if len(by) > 0 {
		b.WriteString("— " + strings.Join(by, " · "))
	}
	return strings.TrimRight(b.String(), "\n")
}

// authorHandle names the quoted message's author: their Tandem handle when
// the account is linked, else the name the platform gave, else the
// platform's mention token, which the adapters render as a mention.
func authorHandle(c *commands.Ctx, q *bot.QuotedMessage) string {
	if q.AuthorID != "" {
		a := bot.Account{Platform: c.Event.Platform, Workspace: c.Event.Workspace, UserID: q.AuthorID}
		if p, err := c.Tx.FindPersonByAccount(a); err == nil {
			return "@" + p.Handle
		}
	}
	if q.AuthorName != "" {
		return q.AuthorName
	}
	return "<@" + q.AuthorID + ">"
}
