package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/standup"
)

// Ensure a daily standup across the 2026 National Day week (1–7 October
// off, Saturday 10 October a make-up working day) works end to end at the
// platforms' fakes, on the virtual clock: olga (Feishu, Design's head)
// sets it in Chinese in Design's Feishu group; rita is on Slack in New
// York (asked at 09:30 her time, 21:30 in Shanghai) and answers there; fay
// (Feishu) is on leave on 8–9 October. Nobody is asked in the holiday
// week; the summary of 8 October reaches the Feishu group with both
// answers and fay on leave; on the make-up Saturday fay is asked again.
func TestStandupAcrossNationalDayOnThePlatforms(t *testing.T) {
	w := newMeetingWorld(t, "")
	w.yaml = strings.Replace(w.yaml, `lang: en, accounts: ["slack:T1:U1"]`, `lang: en, tz: America/New_York, accounts: ["slack:T1:U1"]`, 1)
	w.startAt(sh(t, "2026-09-30 10:00"))

	w.feishuSays("ou_olga", meetingFeishuGroup, "群 绑定 部门：Design")
	w.seen("feishu:"+meetingFeishuGroup, "本群已绑定到「Design」")
	w.feishuSays("ou_olga", meetingFeishuGroup, "每日站会 09:30 工作日 问题：“昨天|今天|阻碍”")
	w.seen("feishu:"+meetingFeishuGroup, "「Design」的每日站会已设置", "昨天 | 今天 | 阻碍")
	w.feishuSays("ou_fay", "", "请假 2026-10-08 2026-10-09")
	w.seen("feishu:ou_fay", "已请假：2026-10-08 至 2026-10-09")

	olga, fay := w.personID("olga"), w.personID("fay")
	// Each day is planned the day before; the clock moves on once the
	// plan of the day has run (a plan run after a member's clock does not
	// ask them that day, as after a downtime).
	w.jumpTo(sh(t, "2026-10-07 23:00"))
	w.waitForJob(fmt.Sprintf("standup/1/2026-10-08/ask/%d", olga))
	for d := 1; d <= 7; d++ {
		if n := w.standupAsks(fmt.Sprintf("2026-10-%02d", d)); n != 0 {
			t.Errorf("%d asked on the holiday of %d October", n, d)
		}
	}
	w.jumpTo(sh(t, "2026-10-08 09:31"))
	w.seen("feishu:ou_olga", "「Design」每日站会", "10月8日", "1. 昨天")
	w.feishuSays("ou_olga", "", "昨天修好了登录，今天写测试")
	w.seen("feishu:ou_olga", "谢谢，已记录你的回答")

	w.jumpTo(sh(t, "2026-10-08 21:31"))
	w.seen("slack:DU1", "Design standup", "Thu 8 Oct")
	w.slackSays("Reviewed the mock-ups; today the icons")
	w.seen("slack:C9", "Thanks, your answer is recorded")

	w.jumpTo(sh(t, "2026-10-08 23:31"))
	summary := w.seen("feishu:"+meetingFeishuGroup, "Design standup", "8 Oct")
	for _, want := range []string{"(2 of 2 answered)", "@olga: 昨天修好了登录，今天写测试", "@rita: Reviewed the mock-ups; today the icons", "On leave: @fay"} {
		if !strings.Contains(summary, want) {
			t.Errorf("the summary of 8 October lacks %q:\n%s", want, summary)
		}
	}
	for _, s := range w.shown("feishu:ou_fay") {
		if strings.Contains(s, "10月8日") || strings.Contains(s, "10月9日") {
			t.Errorf("fay was asked while on leave:\n%s", s)
		}
	}

	// The make-up Saturday: fay, back, is asked.
	w.jumpTo(sh(t, "2026-10-09 23:00"))
	w.waitForJob(fmt.Sprintf("standup/1/2026-10-10/ask/%d", fay))
	w.jumpTo(sh(t, "2026-10-10 09:31"))
	w.seen("feishu:ou_fay", "「Design」每日站会", "10月10日")
}

// waitForJob waits until the job with the dedup key is pending.
func (w *meetingWorld) waitForJob(key string) {
	w.t.Helper()
	if !feishutest.WaitFor(8*time.Second, func() bool {
		var js []*bot.Job
		w.m.DB.View(context.Background(), func(tx bot.Tx) (err error) { js, err = tx.FindJobs(bot.JobFilter{DedupKey: key}); return })
		return len(js) > 0
	}) {
		w.t.Fatalf("no job %s", key)
	}
}

// standupAsks counts the asks of Design's standup (id 1) on day.
func (w *meetingWorld) standupAsks(day string) int {
	w.t.Helper()
	var asks []*standup.Ask
	if err := w.m.DB.View(context.Background(), func(tx bot.Tx) (err error) {
		asks, err = standup.From(tx).StandupAsks(1, day, 0, 100)
		return err
	}); err != nil {
		w.t.Fatal(err)
	}
	return len(asks)
}
