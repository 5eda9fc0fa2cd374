package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/tandemhq/tandem/adapters/dingtalk/dingtalktest"
	"github.com/tandemhq/tandem/adapters/httpserver"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/task"
	"github.com/tandemhq/tandem/scheduler"
	"github.com/tandemhq/tandem/storage/sqlite"
)

func httpGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// scrape reads /metrics and parses the exposition text.
func scrape(t *testing.T, base, token string) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := httpGet(t, base+"/metrics", token)
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d %s", code, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return fams
}

// sample finds the metric of a family whose labels include want; ok is
// false when there is none.
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) (*dto.Metric, bool) {
	f := fams[name]
	if f == nil {
		return nil, false
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		return m, true
	}
	return nil, false
}

func counter(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	if m, ok := sample(fams, name, labels); ok {
		return m.GetCounter().GetValue()
	}
	return 0
}

func readiness(t *testing.T, base string) (int, httpserver.Readiness) {
	t.Helper()
	code, body := httpGet(t, base+"/readyz", "")
	var r httpserver.Readiness
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("/readyz body %q: %v", body, err)
	}
	return code, r
}

// waitFor polls cond until it holds; the deadline is a hang guard, far
// above what the condition takes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// Ensure the operations surface of a running Tandem, through its real
// wiring with a DingTalk app on Stream: commands handled over the stream
// move the counters of /metrics (by command and outcome, events and inbox
// lag by platform), a job run counts its lateness, a queued message shows
// in the outbox gauges, /metrics needs its token; every log line of a
// handling carries its request id (JSON logs); /readyz is 200 with each
// check while everything is up, and 503 naming the stream when the
// connection drops, then the store when it is closed.
func TestOperations_MetricsLogsReadiness(t *testing.T) {
	api := dingtalktest.New(t, dingE2EClient, dingE2ESecret)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "t.db")
	cfg := dingE2EConfig(api.URL, dbPath, "127.0.0.1:0") + "\nconsole: {enabled: false}\n"
	cfg = strings.Replace(cfg, `http: {addr: "127.0.0.1:0"}`, `http: {addr: "127.0.0.1:0", metrics: {enabled: true, token: scrape-me}}`, 1)
	logs := &dirLogs{}
	m := runMain(t, cfg, dbPath, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	base := m.Server.URL()
	g := api.NextConn(t)
	waitFor(t, "the stream to be up in /readyz", func() bool { code, _ := readiness(t, base); return code == http.StatusOK })
	code, ready := readiness(t, base)
	var names []string
	for _, c := range ready.Checks {
		names = append(names, c.Name)
	}
	if code != 200 || !ready.Ready || strings.Join(names, ",") != "store,scheduler,dingtalk stream" {
		t.Fatalf("/readyz = %d %+v; want 200 with store, scheduler, dingtalk stream", code, ready)
	}

	send := func(frame, msgID, text string) {
		t.Helper()
		msg := dingtalktest.BotMessage{MsgID: msgID, ConversationID: "cidAlice==", SenderStaffID: "staff1", CorpID: dingE2ECorp,
			Text: text, SessionWebhook: api.URL + "/robot/sendBySession?session=alice", Expires: time.Now().Add(time.Hour)}
		g.Send(t, "CALLBACK", dingtalktest.TopicBotMessage, frame, msg.Data())
		if ack := g.NextAck(t, 5*time.Second); ack == nil || ack.Code != 200 {
			t.Fatalf("ack of %q: %+v", text, ack)
		}
	}
	send("f1", "msgOps1", "help")
	send("f2", "msgOps2", `task new "Quarterly report" @bob`)
	send("f3", "msgOps3", "task assign 99 @bob") // no task 99: refused
	send("f4", "msgOps4", "whoami")

	// A job due 90 s ago, and a message for a platform nobody sends for.
	now := time.Now()
	if err := m.DB.Update(context.Background(), func(tx bot.Tx) error {
		if _, err := tx.ScheduleJob(&bot.Job{Kind: scheduler.JobPrune, RunAt: now.Add(-90 * time.Second), DedupKey: "ops-test"}, now); err != nil {
			return err
		}
		_, err := tx.Enqueue(&bot.Outgoing{Key: "ops-stuck", To: bot.Destination{Platform: "slack", Workspace: "T1", ChatID: "C1"},
			Msg: bot.Message{Text: "waiting"}}, now.Add(-time.Minute))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	m.Scheduler.Trigger()

	if code, _ := httpGet(t, base+"/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without the token = %d, want 401", code)
	}
	var fams map[string]*dto.MetricFamily
	// The system's own prune job may run too (at start), on time.
	waitFor(t, "the late prune job in /metrics", func() bool {
		fams = scrape(t, base, "scrape-me")
		m, ok := sample(fams, "tandem_job_lateness_seconds", map[string]string{"kind": "prune"})
		return ok && m.GetHistogram().GetSampleSum() >= 90
	})
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"tandem_commands_total", map[string]string{"command": "help", "outcome": "ok"}, 1},
		{"tandem_commands_total", map[string]string{"command": "task", "outcome": "ok"}, 1},
		{"tandem_commands_total", map[string]string{"command": "task", "outcome": "refused"}, 1},
		{"tandem_commands_total", map[string]string{"command": "whoami", "outcome": "ok"}, 1},
		{"tandem_events_received_total", map[string]string{"platform": "dingtalk"}, 4},
	} {
		if got := counter(fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if lag, ok := sample(fams, "tandem_inbox_lag_seconds", map[string]string{"platform": "dingtalk"}); !ok || lag.GetHistogram().GetSampleCount() != 4 {
		t.Errorf("inbox lag of dingtalk: %v", lag)
	}
	if counter(fams, "tandem_job_failures_total", map[string]string{"kind": "prune"}) != 0 {
		t.Error("a prune job counted as failed")
	}
	if q, ok := sample(fams, "tandem_outbox_queued", map[string]string{"platform": "slack"}); !ok || q.GetGauge().GetValue() != 1 {
		t.Errorf("tandem_outbox_queued{slack} = %v, want 1", q)
	}
	if age, ok := sample(fams, "tandem_outbox_oldest_age_seconds", map[string]string{"platform": "slack"}); !ok || age.GetGauge().GetValue() < 60 {
		t.Errorf("tandem_outbox_oldest_age_seconds{slack} = %v, want ≥ 60", age)
	}

	// Every line logged while handling msgOps2 names it.
	found := false
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		if line["msg"] == "event handled" && line["command"] == "task" && line["outcome"] == "ok" {
			found = true
			if line["request_id"] != "dingtalk:msgOps2" || line["platform"] != "dingtalk" {
				t.Errorf("handling log line without its request id: %s", sc.Text())
			}
		}
	}
	if !found {
		t.Errorf("no log line of the task command's handling:\n%s", logs.String())
	}

	// The stream drops and cannot reconnect (connections/open hangs).
	arrived := api.Hang("open")
	g.Drop()
	<-arrived
	code, ready = readiness(t, base)
	if code != http.StatusServiceUnavailable || strings.Join(ready.Failing, ",") != "dingtalk stream" {
		t.Fatalf("/readyz after the stream dropped = %d %+v; want 503 naming the stream", code, ready)
	}
	if code, _ := httpGet(t, base+"/healthz", ""); code != http.StatusOK {
		t.Errorf("/healthz = %d while not ready; liveness is not readiness", code)
	}
	m.DB.Close()
	code, ready = readiness(t, base)
	if code != http.StatusServiceUnavailable || !strings.Contains(strings.Join(ready.Failing, ","), "store") {
		t.Fatalf("/readyz with the store closed = %d %+v; want 503 naming the store", code, ready)
	}
}

// Ensure `tandem backup` copies the database of a running server (which
// holds the database lock) into a file that opens with what was committed.
func TestBackupCommand_RunningServer(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := writeConfig(t, dir, addr)
	srv := startServer(t, cfg, addr)
	chat(t, dir, []string{"--as", "alice", "--url", srv.url}, `task new "Back me up" @alice`)

	dest := filepath.Join(dir, "backup.db")
	out, err := exec.Command(binary, "backup", "--config", cfg, dest).CombinedOutput()
	if err != nil {
		t.Fatalf("tandem backup: %v\n%s", err, out)
	}
	mustContain(t, string(out), "backed up ", dest)
	if out, err := exec.Command(binary, "backup", "--config", cfg, dest).CombinedOutput(); err == nil {
		t.Fatalf("a backup over an existing file succeeded:\n%s", out)
	}
	srv.stop(t)

	copyDB := sqlite.NewDB(dest)
	copyDB.Log = slog.New(slog.DiscardHandler)
	if err := copyDB.Open(); err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	var tasks []*task.Task
	if err := copyDB.View(context.Background(), func(tx bot.Tx) (err error) {
		tasks, err = task.From(tx).FindTasks(task.Filter{Limit: 10})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 1 || tasks[0].Title != "Back me up" {
		t.Fatalf("tasks in the copy: %+v", tasks)
	}
}
