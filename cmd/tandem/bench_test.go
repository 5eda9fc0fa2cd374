package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkSlashCommandDurable measures the whole signed-slash-command path
// in-process: signature check, parsing, the durable inbox insert, the
// command (a new task with its history) committed in SQLite, and the JSON
// answer. Run with -cpu to vary parallelism.
func BenchmarkSlashCommandDurable(b *testing.B) {
	dir := b.TempDir()
	cfg := DefaultConfig()
	cfg.Storage.Path = filepath.Join(dir, "bench.db")
	cfg.Console.Enabled = false
	cfg.Slack = &SlackConfig{SigningSecret: slackSecret, BotToken: "xoxb-bench", BotUserID: "UBOT", APIURL: "http://127.0.0.1:1/api/"}
	m := &Main{Config: cfg, NoHTTP: false, Log: slog.New(slog.DiscardHandler)}
	m.Config.HTTP.Addr = "127.0.0.1:0"
	if err := m.Run(); err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	h := m.Server.Routes["/slack/commands"]
	var seq atomic.Int64
	b.ReportAllocs()
	// Many requests in flight, as at 32 connections, so commits are grouped
	// as they are under load.
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			body := url.Values{"command": {"/tandem"}, "text": {fmt.Sprintf(`task new "bench %d" p:high`, n)},
				"team_id": {"T1"}, "channel_id": {"C1"}, "user_id": {"U1"}, "user_name": {"ann"},
				"trigger_id": {fmt.Sprint("bench.", n)}}.Encode()
			req := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
			for k, v := range sign(body, time.Now().Unix()) {
				req.Header[k] = v
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Created") {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
		}
	})
}
