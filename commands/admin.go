package commands

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tandemhq/tandem/bot"
)

// adminCommand shows admins what failed for good, and lets them try again:
// jobs that exhausted their retries and messages no platform would take.
func adminCommand() *Command {
	return &Command{
		Name:    "admin",
		Aliases: []string{"管理"},
		Summary: bot.T("For admins: failed jobs and undelivered messages, and retrying them", "管理员：查看失败的作业和未送达的消息，并重试"),
		Subs: []*Sub{
			{
				Name: "jobs", Aliases: []string{"job", "作业", "任务队列"},
				Usage:   bot.T("admin jobs [failed] | admin jobs retry <id>", "管理 作业 [失败] | 管理 作业 重试 <编号>"),
				Summary: bot.T("Jobs that failed for good; retry one", "最终失败的作业；重试某个作业"),
				Example: bot.T("admin jobs retry 42", "管理 作业 重试 42"),
				Run:     adminJobs,
			},
			{
				Name: "outbox", Aliases: []string{"messages", "消息"},
				Usage:   bot.T("admin outbox [failed] | admin outbox retry <id>", "管理 消息 [失败] | 管理 消息 重试 <编号>"),
				Summary: bot.T("Messages no platform would take; send one again", "无法送达的消息；重新发送某条消息"),
				Example: bot.T("admin outbox retry 7", "管理 消息 重试 7"),
				Run:     adminOutbox,
			},
		},
	}
}

func requireAdmin(c *Ctx) error {
	if c.Person.Role != bot.RoleAdmin {
		return bot.Errorf(bot.EFORBIDDEN, "Only admins can do that.", "只有管理员可以这样做。")
	}
	return nil
}

// retryArg reads "retry <id>" (or 重试); ok is false for a listing.
func retryArg(c *Ctx) (id int64, ok bool, err error) {
	if len(c.Args) == 0 {
		return 0, false, nil
	}
	switch strings.ToLower(c.Args[0].Text) {
	case "failed", "dead", "失败", "list", "列表":
		return 0, false, nil
	case "retry", "重试":
		if len(c.Args) != 2 {
			return 0, false, c.Usage(bot.T("Which one? Give its number.", "哪一个？请写上编号。"))
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(c.Args[1].Text, "#"), 10, 64)
		if err != nil {
			return 0, false, c.Usage(bot.Tf("%q is not a number.", "「%s」不是编号。", c.Args[1].Text))
		}
		return id, true, nil
	}
	return 0, false, c.Usage(bot.Tf("I don't understand %q here.", "这里的「%s」我没看懂。", c.Args[0].Text))
}

func adminJobs(c *Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	id, retry, err := retryArg(c)
	if err != nil {
		return err
	}
	if retry {
		if err := c.Tx.RetryJob(id, c.Now); err != nil {
			if bot.ErrorCode(err) == bot.ENOTFOUND {
				return bot.Errorf(bot.ENOTFOUND, "Job %d is not a failed job.", "作业 %d 不是失败的作业。", id)
			}
			return err
		}
		if c.env.OnSchedule != nil {
			c.env.OnSchedule(c.Now)
		}
		c.ReplyText(bot.Tf("Job %d will run again now.", "作业 %d 将立即重新运行。", id))
		return nil
	}
	jobs, err := c.Tx.FindJobs(bot.JobFilter{State: bot.JobDead, Limit: 50})
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		c.Reply(bot.Message{Text: c.T("No failed jobs.", "没有失败的作业。"), Private: true})
		return nil
	}
	var b strings.Builder
	b.WriteString(c.T("Failed jobs (%d):", "失败的作业（%d）：", len(jobs)))
	for _, j := range jobs {
		b.WriteString(fmt.Sprintf("\n#%d %s, %s, %d × — %s", j.ID, j.Kind, FormatTime(j.RunAt, c.Now, c.Loc, c.Lang), j.Attempts, j.LastError))
	}
	b.WriteString("\n" + c.T("Retry one with `admin jobs retry <id>`.", "用「管理 作业 重试 <编号>」重试。"))
	c.Reply(bot.Message{Text: b.String(), Private: true})
	return nil
}

func adminOutbox(c *Ctx) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	id, retry, err := retryArg(c)
	if err != nil {
		return err
	}
	if retry {
		if err := c.Tx.RetryOutgoing(id, c.Now); err != nil {
			if bot.ErrorCode(err) == bot.ENOTFOUND {
				return bot.Errorf(bot.ENOTFOUND, "Message %d is not an undelivered message.", "消息 %d 不是未送达的消息。", id)
			}
			return err
		}
		c.ReplyText(bot.Tf("Message %d is queued again.", "消息 %d 已重新排队发送。", id))
		return nil
	}
	dead, err := c.Tx.FindOutgoing(bot.OutboxDead, 50)
	if err != nil {
		return err
	}
	if len(dead) == 0 {
		c.Reply(bot.Message{Text: c.T("No undelivered messages.", "没有未送达的消息。"), Private: true})
		return nil
	}
	var b strings.Builder
	b.WriteString(c.T("Undelivered messages (%d):", "未送达的消息（%d）：", len(dead)))
	for _, o := range dead {
		to := o.To.ChatID
		if to == "" {
			to = "@" + o.To.UserID
		}
		b.WriteString(fmt.Sprintf("\n#%d %s %s, %d × — %s", o.ID, o.To.Platform, to, o.Attempts, o.LastError))
	}
	b.WriteString("\n" + c.T("Send one again with `admin outbox retry <id>`.", "用「管理 消息 重试 <编号>」重新发送。"))
	c.Reply(bot.Message{Text: b.String(), Private: true})
	return nil
}
