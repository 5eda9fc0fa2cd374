package commands

import (
	"strings"

	"github.com/tandemhq/tandem/bot"
)

// helpCommand lists commands, or one command's sub-commands, generated from
// the definitions so help can never drift from what the router accepts.
func helpCommand(r *Router) *Command {
	return &Command{
		Name:    "help",
		Aliases: []string{"帮助", "?", "？", "h"},
		Summary: bot.T("Show what I can do, or the details of one command", "查看全部命令，或某个命令的用法"),
		Usage:   bot.T("help [command]", "帮助 [命令]"),
		Run: func(c *Ctx) error {
			if len(c.Args) == 0 {
				c.Reply(bot.Message{Text: Overview(r, c.Lang), Private: true})
				return nil
			}
			cmd, ok := r.byName[strings.ToLower(c.Args[0].Text)]
			if !ok {
				return r.unknown(c.Args[0].Text)
			}
			c.Reply(bot.Message{Text: Detail(cmd, c.Lang), Private: true})
			return nil
		},
	}
}

// LocalName is the name people of lang type: the Chinese alias for zh-CN.
func LocalName(names []string, english string, lang bot.Lang) string {
	if lang == bot.LangZH {
		for _, n := range names {
			if bot.ContainsHan(n) {
				return n
			}
		}
	}
	return english
}

// Overview is the text of "help".
func Overview(r *Router, lang bot.Lang) string {
	var b strings.Builder
	b.WriteString(bot.T("Here is what I can do:", "我能做这些：").In(lang))
	for _, c := range r.commands {
		name := LocalName(c.Aliases, c.Name, lang)
		b.WriteString("\n• `" + name + "`")
		if name != c.Name {
			b.WriteString("（" + c.Name + "）")
		}
		b.WriteString(" — " + c.Summary.In(lang))
	}
	b.WriteString("\n" + bot.T("Type `help <command>` for details, e.g. `help task`. Commands work in English and Chinese.",
		"输入「帮助 <命令>」查看详细用法，例如「帮助 任务」。中英文命令都可以用。").In(lang))
	return b.String()
}

// Detail is the text of "help <command>".
func Detail(c *Command, lang bot.Lang) string {
	var b strings.Builder
	name := LocalName(c.Aliases, c.Name, lang)
	b.WriteString("`" + name + "` — " + c.Summary.In(lang))
	if len(c.Subs) == 0 {
		b.WriteString("\n" + bot.T("Usage: ", "用法：").In(lang) + "`" + c.Usage.In(lang) + "`")
		return b.String()
	}
	for _, s := range c.Subs {
		b.WriteString("\n• `" + s.Usage.In(lang) + "` — " + s.Summary.In(lang))
		if ex := s.Example.In(lang); ex != "" {
			b.WriteString("\n    " + bot.T("e.g. ", "例：").In(lang) + "`" + ex + "`")
		}
	}
	return b.String()
}
