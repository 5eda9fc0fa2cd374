package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
)

func TestMeetingsConfig(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader("meetings:\n  reminders: [48h, 30m]\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Meetings.reminders(); !slices.Equal(got, []time.Duration{48 * time.Hour, 30 * time.Minute}) {
		t.Errorf("reminders %v", got)
	}
	_, err = ParseConfig(strings.NewReader("meetings:\n  reminders: [soon, -5m]\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), `meetings.reminders: "soon"`) || !strings.Contains(err.Error(), `"-5m"`) {
		t.Errorf("bad reminders: %v", err)
	}
}

// busySender is a sender whose app answers free/busy.
type busySender struct {
	bot.Sender
	platform string
}

func (s busySender) Platform() string { return s.platform }
func (busySender) Busy(context.Context, []bot.Account, time.Time, time.Time) (map[bot.Account][]bot.Interval, error) {
	return nil, nil
}

type plainSender struct{ bot.Sender }

func (plainSender) Platform() string { return bot.PlatformWeCom }

func TestFreeBusyApps(t *testing.T) {
	feishuA, feishuB := busySender{platform: bot.PlatformFeishu}, busySender{platform: bot.PlatformFeishu}
	dingtalk := busySender{platform: bot.PlatformDingTalk}
	apps := freeBusyApps([]bot.Sender{
		&multiSender{platform: bot.PlatformFeishu, senders: []bot.Sender{feishuA, feishuB}, workspaces: []string{"t1", "t2"}},
		dingtalk, plainSender{},
	})
	var got []string
	for _, a := range apps {
		got = append(got, a.Platform+"/"+a.Workspace)
	}
	if !slices.Equal(got, []string{"feishu/t1", "feishu/t2", "dingtalk/"}) {
		t.Errorf("apps %v (WeCom has no free/busy)", got)
	}
	reg := &bot.FreeBusyRegistry{Apps: apps}
	if _, ok := reg.FreeBusy(bot.PlatformDingTalk, "corp"); !ok {
		t.Error("DingTalk's one app does not serve its workspace")
	}
	if _, ok := reg.FreeBusy(bot.PlatformWeCom, "corp"); ok {
		t.Error("WeCom answers free/busy")
	}
}
