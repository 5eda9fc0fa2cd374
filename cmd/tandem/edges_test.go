package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// nowhere is a platform API that answers nothing useful: the tests that use
// it look at what Tandem accepts, not at what it sends.
func nowhere(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not in this test", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// runMain runs Tandem in this process on cfg (YAML), with its database at
// dbPath, and closes it when the test ends.
func runMain(t *testing.T, cfgYAML, dbPath string, log *slog.Logger) *Main {
	t.Helper()
	cfg, err := ParseConfig(strings.NewReader(cfgYAML), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Storage.Path = dbPath
	m := &Main{Config: cfg, Log: log}
	if err := m.Run(); err != nil {
		m.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

const dingSecret = "edge-ding-secret"

// dingRobotPost posts body to the DingTalk robot callback with the given
// timestamp and sign headers.
func dingRobotPost(t *testing.T, base, body, timestamp, sign string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/dingtalk/robot", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("timestamp", timestamp)
	req.Header.Set("sign", sign)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func dingSign(secret string, at time.Time) (timestamp, sign string) {
	timestamp = strconv.FormatInt(at.UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "\n" + secret))
	return timestamp, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func dingText(msgID, sender, text string) string {
	return `{"msgId":"` + msgID + `","conversationId":"cidE1==","conversationType":"1","senderStaffId":"` + sender +
		`","senderNick":"` + sender + `","chatbotCorpId":"dingcorpE","msgtype":"text","text":{"content":"` + text + `"}}`
}

// Ensure a DingTalk (timestamp, sign) pair stays bound to the body it first
// came with after a restart: replayed with a forged sender it gets 401, while
// the identical body is still accepted (and stored once).
func TestDingTalkSignatureBoundAcrossRestart(t *testing.T) {
	api := nowhere(t)
	cfg := `
http: {addr: "127.0.0.1:0"}
dingtalk:
  - {name: main, client_id: dingE, client_secret: ` + dingSecret + `, robot_code: dingE, mode: http, api_url: "` + api + `", oapi_url: "` + api + `"}
`
	db := filepath.Join(t.TempDir(), "tandem.db")
	quiet := slog.New(slog.DiscardHandler)
	ts, sign := dingSign(dingSecret, time.Now())
	body := dingText("msgE1==", "staff1", "help")

	m := runMain(t, cfg, db, quiet)
	if code := dingRobotPost(t, m.Server.URL(), body, ts, sign); code != http.StatusOK {
		t.Fatalf("first delivery: %d", code)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	m = runMain(t, cfg, db, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	forged := dingText("msgE2==", "boss", "admin outbox retry 1")
	if code := dingRobotPost(t, m.Server.URL(), forged, ts, sign); code != http.StatusUnauthorized {
		t.Fatalf("captured pair with a forged body after a restart: %d, want 401", code)
	}
	if !strings.Contains(logs.String(), "already used with another body") {
		t.Errorf("the refusal is not logged with its reason:\n%s", logs.String())
	}
	if code := dingRobotPost(t, m.Server.URL(), body, ts, sign); code != http.StatusOK {
		t.Fatalf("identical redelivery after a restart: %d, want 200", code)
	}
}
