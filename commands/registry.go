// Package commands is Tandem's command language: the definitions of every
// command in English and Chinese, the parser, and the help generated from the
// definitions. It implements bot.Router and reaches storage only through bot.Tx.
package commands

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/workcal"
)

// Command is a top-level command such as "task" / "任务".
type Command struct {
	Name    string   // English name, used in help and action ids
	Aliases []string // other names: Chinese, abbreviations
	Summary bot.Text
	// Subs are the sub-commands; the first is the default when none is named.
	Subs []*Sub
	// Fallback names the sub-command that takes the arguments when the first
	// word is no sub-command ("remind @bob tomorrow …" is "remind set …").
	Fallback string
	// Run handles a command without sub-commands.
	Run   func(c *Ctx) error
	Usage bot.Text // for commands without sub-commands
}

// Sub is a sub-command such as "task new" / "任务 新建".
type Sub struct {
	Name    string
	Aliases []string
	Usage   bot.Text // the form, e.g. `task assign <id> @person`
	Summary bot.Text
	Example bot.Text
	Run     func(c *Ctx) error
}

// Ctx is what a command's Run receives.
type Ctx struct {
	*bot.Request
	Context context.Context
	Args    []Token
	// SubWord is the word that selected the sub-command, as typed ("me" in
	// "remind me …"); "" when none was named.
	SubWord string
	cmd     *Command
	sub     *Sub
	env     *Router
}

// Clock returns "now" in the sender's time zone.
func (c *Ctx) Clock() time.Time { return c.Now.In(c.Loc) }

// T picks the sentence for the sender's language.
func (c *Ctx) T(en, zh string, args ...any) string { return bot.Tf(en, zh, args...).In(c.Lang) }

// Usage returns an EINVALID error that says what is wrong and shows the
// right form, so a malformed command is answered with its correct shape.
func (c *Ctx) Usage(problem bot.Text) error {
	form := c.cmd.Usage
	example := bot.Text{}
	if c.sub != nil {
		form, example = c.sub.Usage, c.sub.Example
	}
	en := problem.EN + "\nUsage: " + form.EN
	zh := problem.ZH + "\n用法：" + form.ZH
	if example.EN != "" {
		en += "\nExample: " + example.EN
		zh += "\n示例：" + example.ZH
	}
	return &bot.Error{Code: bot.EINVALID, Text: bot.T(en, zh)}
}

// Router dispatches requests to commands. It implements bot.Router.
type Router struct {
	// DueClock is the time of day a date-only due time means (e.g. 18:00).
	DueHour, DueMinute int
	// NextRun computes the first run of a recurring schedule (see bot.Job);
	// cmd wires it to the scheduler's calendar-aware implementation.
	NextRun func(schedule string, after time.Time, loc *time.Location) (time.Time, error)
	// Calendar is the work calendar the calendar command answers from; nil
	// means none is configured.
	Calendar *workcal.Calendar
	// Directories are the platforms' user directories; nil when none is
	// configured.
	Directories *Directories
	// Notifier is how the job handlers tell people things (the bot's own,
	// shared); nil means one from the defaults JobHandlers is given.
	Notifier *bot.Notifier

	commands []*Command
	byName   map[string]*Command
}

var _ bot.Router = (*Router)(nil)

// NewRouter returns a router with every built-in command registered.
func NewRouter() *Router {
	r := &Router{DueHour: 18, byName: map[string]*Command{}}
	r.Register(helpCommand(r))
	r.Register(taskCommand())
	r.Register(langCommand())
	r.Register(tzCommand())
	r.Register(whoamiCommand())
	r.Register(deptCommand())
	r.Register(calendarCommand())
	r.Register(remindCommand())
	r.Register(digestCommand())
	r.Register(linkCommand())
	r.Register(homeCommand())
	r.Register(adminCommand())
	return r
}

// JobHandlers are the job kinds the commands schedule, with their handlers.
// The digest reads store outside the writer and follows the work calendar
// through NextRun (set it first); defaults apply to people who have not
// chosen a zone or language.
func (r *Router) JobHandlers(store bot.Store, defaultTZ *time.Location, defaultLang bot.Lang) map[string]bot.JobHandler {
	hs := map[string]bot.JobHandler{
		JobReminder: ReminderHandler{DefaultLang: defaultLang, Notifier: r.Notifier},
		JobDigest:   DigestHandler{Store: store, NextRun: r.NextRun, DefaultTZ: defaultTZ, DefaultLang: defaultLang, Notifier: r.Notifier},
	}
	if r.Directories != nil {
		maps.Copy(hs, r.Directories.Handlers())
	}
	return hs
}

// Register adds a command. It panics on a name clash, so wiring mistakes show
// at start-up rather than as a command that silently never runs.
func (r *Router) Register(c *Command) {
	for _, name := range append([]string{c.Name}, c.Aliases...) {
		key := strings.ToLower(name)
		if _, dup := r.byName[key]; dup {
			panic(fmt.Sprintf("commands: %q registered twice", name))
		}
		r.byName[key] = c
	}
	seen := map[string]bool{}
	for _, s := range c.Subs {
		for _, name := range append([]string{s.Name}, s.Aliases...) {
			key := strings.ToLower(name)
			if seen[key] {
				panic(fmt.Sprintf("commands: %s %q registered twice", c.Name, name))
			}
			seen[key] = true
		}
	}
	r.commands = append(r.commands, c)
}

// Commands returns the registered commands in registration order.
func (r *Router) Commands() []*Command { return r.commands }

// Route implements bot.Router.
func (r *Router) Route(ctx context.Context, req *bot.Request) error {
	if a := req.Event.Action; a != nil {
		return r.routeAction(ctx, req, a)
	}
	toks := Tokenize(req.Event.Text)
	// Commands typed with a leading slash or bang ("/task", "!task") work too.
	if len(toks) > 0 {
		toks[0].Text = strings.TrimLeft(toks[0].Text, "/!！")
	}
	if len(toks) == 0 || toks[0].Text == "" {
		req.ReplyText(bot.T("Hi! I'm Tandem. Type `help` to see what I can do.",
			"你好！我是 Tandem。输入「帮助」查看我能做什么。"))
		return nil
	}
	cmd, ok := r.byName[strings.ToLower(toks[0].Text)]
	if !ok {
		return r.unknown(toks[0].Text)
	}
	return r.run(ctx, req, cmd, toks[1:])
}

// routeAction runs a card button: its id is "command.sub" and its value the
// arguments, so a button does exactly what typing the command does.
func (r *Router) routeAction(ctx context.Context, req *bot.Request, a *bot.Action) error {
	name, sub, _ := strings.Cut(a.ID, ".")
	cmd, ok := r.byName[name]
	if !ok || sub == "" {
		return bot.Errorf(bot.EINVALID, "That button is no longer supported.", "该按钮已失效。")
	}
	args := append([]Token{{Text: sub, Raw: sub}}, Tokenize(a.Value)...)
	return r.run(ctx, req, cmd, args)
}

func (r *Router) run(ctx context.Context, req *bot.Request, cmd *Command, args []Token) error {
	c := &Ctx{Request: req, Context: ctx, cmd: cmd, env: r}
	if len(cmd.Subs) == 0 {
		c.Args = args
		return cmd.Run(c)
	}
	if len(args) == 0 {
		c.sub = cmd.Subs[0]
		return c.sub.Run(c)
	}
	name := strings.ToLower(args[0].Text)
	for _, s := range cmd.Subs {
		if s.Name == name || contains(s.Aliases, name) {
			c.sub, c.Args, c.SubWord = s, args[1:], args[0].Text
			return s.Run(c)
		}
	}
	// "task 12" is "task show 12".
	if _, err := parseTaskID(args[0].Text); err == nil && cmd.Name == "task" {
		c.sub, c.Args = findSub(cmd, "show"), args
		return c.sub.Run(c)
	}
	if cmd.Fallback != "" {
		c.sub, c.Args = findSub(cmd, cmd.Fallback), args
		return c.sub.Run(c)
	}
	return r.unknownSub(cmd, args[0].Text)
}

func findSub(cmd *Command, name string) *Sub {
	for _, s := range cmd.Subs {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func (r *Router) unknown(word string) error {
	var names []string
	for _, c := range r.commands {
		names = append(names, append([]string{c.Name}, c.Aliases...)...)
	}
	if best := nearest(word, names); best != "" {
		c := r.byName[strings.ToLower(best)]
		return bot.Err(bot.EINVALID, bot.T(
			fmt.Sprintf("I don't know the command %q. Did you mean `%s`? Type `help` for the list.", word, c.Name),
			fmt.Sprintf("我不认识命令「%s」。你是想输入「%s」吗？输入「帮助」查看全部命令。", word, localName(c.Aliases, c.Name, bot.LangZH))))
	}
	return bot.Errorf(bot.EINVALID, "I don't know the command %q. Type `help` for the list.",
		"我不认识命令「%s」。输入「帮助」查看全部命令。", word)
}

func (r *Router) unknownSub(cmd *Command, word string) error {
	var names []string
	bySub := map[string]*Sub{}
	for _, s := range cmd.Subs {
		for _, n := range append([]string{s.Name}, s.Aliases...) {
			names = append(names, n)
			bySub[n] = s
		}
	}
	en, zh := cmd.Name, localName(cmd.Aliases, cmd.Name, bot.LangZH)
	if best := nearest(strings.ToLower(word), names); best != "" {
		s := bySub[best]
		return bot.Err(bot.EINVALID, bot.T(
			fmt.Sprintf("`%s` has no %q. Did you mean `%s %s`? Type `help %s` for all of them.", en, word, en, s.Name, en),
			fmt.Sprintf("「%s」没有「%s」这个操作。你是想输入「%s %s」吗？输入「帮助 %s」查看全部。", zh, word, zh, localName(s.Aliases, s.Name, bot.LangZH), zh)))
	}
	return bot.Err(bot.EINVALID, bot.T(
		fmt.Sprintf("`%s` has no %q. Type `help %s` for what it can do.", en, word, en),
		fmt.Sprintf("「%s」没有「%s」这个操作。输入「帮助 %s」查看全部。", zh, word, zh)))
}

// nearest returns the candidate closest to word, if it is close enough to be
// a plausible typo: at most a third of its length in edits (at least one).
// A candidate that word begins ("列" for "列表") counts as one edit away and
// wins ties; one-letter aliases are never suggested.
func nearest(word string, candidates []string) string {
	sort.Strings(candidates)
	word = strings.ToLower(word)
	best, bestScore := "", 1<<30
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if len([]rune(lc)) < 2 {
			continue
		}
		score := 2 * bot.EditDistance(word, lc)
		if strings.HasPrefix(lc, word) && word != "" {
			score = 1
		}
		if score < bestScore {
			best, bestScore = c, score
		}
	}
	if bestScore <= 2*max(1, len([]rune(word))/3) {
		return best
	}
	return ""
}
