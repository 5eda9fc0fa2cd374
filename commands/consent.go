package commands

import (
	"strconv"
	"strings"

	"github.com/tandemhq/tandem/bot"
)

// LoadConsent reads the request number argument: a pending, unexpired
// request of this kind addressed to the sender.
func LoadConsent(c *Ctx, kind string) (*bot.Consent, error) {
	if len(c.Args) != 1 {
		return nil, c.Usage(bot.T("Which request? Give its number.", "哪个请求？请写上编号。"))
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(c.Args[0].Text, "#"), 10, 64)
	if err != nil {
		return nil, c.Usage(bot.Tf("%q is not a request number.", "「%s」不是请求编号。", c.Args[0].Text))
	}
	req, err := c.Tx.FindConsent(id)
	if bot.ErrorCode(err) == bot.ENOTFOUND || err == nil && (req.Kind != kind || req.SubjectID != c.Person.ID) {
		return nil, bot.Errorf(bot.ENOTFOUND, "There is no request %d for you.", "没有发给你的请求 %d。", id)
	} else if err != nil {
		return nil, err
	}
	switch {
	case req.State != bot.ConsentPending:
		return nil, bot.Errorf(bot.ECONFLICT, "You answered request %d already.", "你已经回复过请求 %d 了。", id)
	case !c.Now.Before(req.ExpiresAt):
		return nil, bot.Errorf(bot.ECONFLICT, "Request %d has expired; ask for it again.", "请求 %d 已过期，请对方重新发起。", id)
	}
	return req, nil
}
