package feishu_test

import (
	"testing"

	"github.com/tandemhq/tandem/adapters/feishu"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/bot"
)

// The fake Open API is the test kit's (feishutest.Server).
type (
	FakeFeishu = feishutest.Server
	apiCall    = feishutest.Call
)

func newSender(tb testing.TB, in bot.Intake, edit func(*feishu.Config)) (*feishu.Adapter, *FakeFeishu) {
	f := feishutest.NewServer(tb)
	if in == nil {
		in = &Intake{}
	}
	a := MustNewAdapter(tb, in, func(c *feishu.Config) {
		c.Host = f.URL
		c.HTTPClient = f.Client()
		if edit != nil {
			edit(c)
		}
	})
	return a, f
}
