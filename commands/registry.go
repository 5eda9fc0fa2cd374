// Package commands is the kit every feature's chat surface is built with:
// the Router (it implements bot.Router) built from feature Modules, Command
// and Sub definitions in English and Chinese, the tokenizer, paging, shared
// formatting and the help generated from the definitions. The features
// themselves live in commands/<feature> (task, remind, digest, …) and reach
// storage only through bot.Tx and their own contracts in bot/<feature>.
package commands

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
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
	// ByID names the sub-command that takes the arguments when the first
	// word is an id (ParseID): "task 12" is "task show 12". It is tried
	// before Fallback.
	ByID string
	// Run handles a command without sub-commands.
	Run func(c *Ctx) error
	// Prepare, when set, gives the step a command without sub-commands
	// needs run before its unit (see Sub.Prepare).
	Prepare func(ev *bot.Event, args []Token) bot.PrepareFunc
	Usage   bot.Text // for commands without sub-commands
}

// Sub is a sub-command such as "task new" / "任务 新建".
type Sub struct {
	Name    string
	Aliases []string
	Usage   bot.Text // the form, e.g. `task assign <id> @person`
	Summary bot.Text
	Example bot.Text
	Run     func(c *Ctx) error
	// Prepare, when set, returns what must be read from the network before
	// Run's unit (free/busy, a chat's members) for these arguments, or nil.
	// The bot runs it outside the unit, once per processing, and Run finds
	// its result in Ctx.Prepared and its error in Ctx.PrepareErr. It only
	// reads: what changes the world is a row the unit writes.
	Prepare func(ev *bot.Event, args []Token) bot.PrepareFunc
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
}

// Clock returns "now" in the sender's time zone.
func (c *Ctx) Clock() time.Time { return c.Now.In(c.Loc) }

// T picks the sentence for the sender's language.
func (c *Ctx) T(en, zh string, args ...any) string { return bot.Tf(en, zh, args...).In(c.Lang) }

// Usage returns an EINVALID error that says what is wrong and shows the
// right form, so a malformed command is answered with its correct shape.
func (c *Ctx) Usage(problem bot.Text) error {
	if c.sub != nil {
		return c.UsageOf(c.sub, problem)
	}
	return usage(c.cmd.Usage, bot.Text{}, problem)
}

// UsageOf is Usage showing the form of s: a command without sub-commands
// that reads several forms (calendar) names the one that was meant.
func (c *Ctx) UsageOf(s *Sub, problem bot.Text) error {
	return usage(s.Usage, s.Example, problem)
}

func usage(form, example, problem bot.Text) error {
	en := problem.EN + "\nUsage: " + form.EN
	zh := problem.ZH + "\n用法：" + form.ZH
	if example.EN != "" {
		en += "\nExample: " + example.EN
		zh += "\n示例：" + example.ZH
	}
	return &bot.Error{Code: bot.EINVALID, Text: bot.T(en, zh)}
}

// Router dispatches requests to the commands of its modules. It implements
// bot.Router. It knows nothing of any feature: what a feature needs is given
// to the feature's module constructor.
type Router struct {
	modules  []Module
	commands []*Command
	byName   map[string]*Command
}

var (
	_ bot.Router   = (*Router)(nil)
	_ bot.Preparer = (*Router)(nil)
)

// NewRouter returns a router with help and every module's commands
// registered, in order. It panics when two modules claim one command name or
// job kind, so wiring mistakes show at start-up rather than as a command
// that silently never runs.
func NewRouter(modules ...Module) *Router {
	r := &Router{byName: map[string]*Command{}}
	r.Register(helpCommand(r))
	kinds := map[string]string{}
	for _, m := range modules {
		for _, c := range m.Commands {
			r.Register(c)
		}
		for kind := range m.Jobs {
			if other, dup := kinds[kind]; dup {
				panic(fmt.Sprintf("commands: job kind %q claimed by modules %s and %s", kind, other, m.Name))
			}
			kinds[kind] = m.Name
		}
	}
	r.modules = modules
	return r
}

// JobHandlers are the job kinds the modules schedule, with their handlers.
func (r *Router) JobHandlers() map[string]bot.JobHandler {
	hs := map[string]bot.JobHandler{}
	for _, m := range r.modules {
		maps.Copy(hs, m.Jobs)
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
	m, err := r.match(req.Event)
	if err != nil || m.cmd == nil {
		if handled, lerr := r.listen(ctx, req); handled || lerr != nil {
			return lerr
		}
	}
	if err != nil {
		return err
	}
	if m.cmd == nil {
		req.ReplyText(bot.T("Hi! I'm Tandem. Type `help` to see what I can do.",
			"你好！我是 Tandem。输入「帮助」查看我能做什么。"))
		return nil
	}
	req.Command = m.cmd.Name
	c := &Ctx{Request: req, Context: ctx, Args: m.args, SubWord: m.subWord, cmd: m.cmd, sub: m.sub}
	if m.sub == nil {
		return m.cmd.Run(c)
	}
	return m.sub.Run(c)
}

// listen offers a typed message that names no command to the modules'
// listeners (Module.Listen). A button, or a message whose first word is a
// command (a mistyped sub-command), is never offered.
func (r *Router) listen(ctx context.Context, req *bot.Request) (bool, error) {
	ev := req.Event
	if ev.Action != nil || strings.TrimSpace(ev.Text) == "" {
		return false, nil
	}
	if toks := Tokenize(ev.Text); len(toks) > 0 {
		if _, isCommand := r.byName[strings.ToLower(strings.TrimLeft(toks[0].Text, "/!！"))]; isCommand {
			return false, nil
		}
	}
	for _, m := range r.modules {
		if m.Listen == nil {
			continue
		}
		c := &Ctx{Request: req, Context: ctx, Args: Tokenize(ev.Text)}
		if handled, err := m.Listen(c); handled || err != nil {
			return handled, err
		}
	}
	return false, nil
}

// Prepare implements bot.Preparer: the prepare step of the command ev asks
// for, if it declares one (Command.Prepare, Sub.Prepare), run by the bot
// before the command's unit and outside it.
func (r *Router) Prepare(ev *bot.Event) bot.PrepareFunc {
	m, err := r.match(ev)
	switch {
	case err != nil || m.cmd == nil:
		return nil
	case m.sub != nil && m.sub.Prepare != nil:
		return m.sub.Prepare(ev, m.args)
	case m.sub == nil && m.cmd.Prepare != nil:
		return m.cmd.Prepare(ev, m.args)
	}
	return nil
}

// match is what an event asks for: a command, the sub-command that takes
// it (nil for a command without any), its arguments, and the word that
// named the sub-command. An event with no words matches nothing (cmd nil).
type match struct {
	cmd     *Command
	sub     *Sub
	args    []Token
	subWord string
}

// match finds the command an event asks for. A card button's id is
// "command.sub" and its value the arguments, so a button does exactly what
// typing the command does. Commands typed with a leading slash or bang
// ("/task", "!task") work too.
func (r *Router) match(ev *bot.Event) (match, error) {
	var name string
	var args []Token
	if a := ev.Action; a != nil {
		var sub string
		name, sub, _ = strings.Cut(a.ID, ".")
		if _, ok := r.byName[name]; !ok || sub == "" {
			return match{}, bot.Errorf(bot.EINVALID, "That button is no longer supported.", "该按钮已失效。")
		}
		args = append([]Token{{Text: sub, Raw: sub}}, Tokenize(a.Value)...)
	} else {
		toks := Tokenize(ev.Text)
		if len(toks) > 0 {
			toks[0].Text = strings.TrimLeft(toks[0].Text, "/!！")
		}
		if len(toks) == 0 || toks[0].Text == "" {
			return match{}, nil
		}
		name, args = strings.ToLower(toks[0].Text), toks[1:]
		if _, ok := r.byName[name]; !ok {
			return match{}, r.unknown(toks[0].Text)
		}
	}
	cmd := r.byName[name]
	m := match{cmd: cmd, args: args}
	switch {
	case len(cmd.Subs) == 0:
		return m, nil
	case len(args) == 0:
		m.sub = cmd.Subs[0]
		return m, nil
	}
	word := strings.ToLower(args[0].Text)
	for _, s := range cmd.Subs {
		if s.Name == word || Contains(s.Aliases, word) {
			m.sub, m.args, m.subWord = s, args[1:], args[0].Text
			return m, nil
		}
	}
	if _, err := ParseID(args[0].Text); err == nil && cmd.ByID != "" {
		m.sub = findSub(cmd, cmd.ByID)
		return m, nil
	}
	if cmd.Fallback != "" {
		m.sub = findSub(cmd, cmd.Fallback)
		return m, nil
	}
	return match{}, r.unknownSub(cmd, args[0].Text)
}

func findSub(cmd *Command, name string) *Sub {
	for _, s := range cmd.Subs {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Contains reports whether list holds s, ignoring case.
func Contains(list []string, s string) bool {
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
			fmt.Sprintf("我不认识命令「%s」。你是想输入「%s」吗？输入「帮助」查看全部命令。", word, LocalName(c.Aliases, c.Name, bot.LangZH))))
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
	en, zh := cmd.Name, LocalName(cmd.Aliases, cmd.Name, bot.LangZH)
	if best := nearest(strings.ToLower(word), names); best != "" {
		s := bySub[best]
		return bot.Err(bot.EINVALID, bot.T(
			fmt.Sprintf("`%s` has no %q. Did you mean `%s %s`? Type `help %s` for all of them.", en, word, en, s.Name, en),
			fmt.Sprintf("「%s」没有「%s」这个操作。你是想输入「%s %s」吗？输入「帮助 %s」查看全部。", zh, word, zh, LocalName(s.Aliases, s.Name, bot.LangZH), zh)))
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

// ParseID reads an id as people type it: "12", "#12" or "＃12"; it must be
// positive.
func ParseID(s string) (int64, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "#"), "＃")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("not an id")
	}
	return id, nil
}
