package main

import (
	"log/slog"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Ensure all four platforms and the console run in one process: every
// webhook is mounted (a second app of a platform under its name), every
// platform has an outbox sender, and the process closes cleanly.
func TestAllPlatformsInOneProcess(t *testing.T) {
	api := nowhere(t)
	in := allPlatformsYAML(api)
	cfg, err := ParseConfig(strings.NewReader(in), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Storage.Path = filepath.Join(t.TempDir(), "t.db")
	m := &Main{Config: cfg, Log: slog.New(slog.DiscardHandler)}
	if err := m.Run(); err != nil {
		m.Close()
		t.Fatal(err)
	}
	var paths []string
	for p := range m.Server.Routes {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, want := range []string{"/console/messages", "/dingtalk/robot", "/feishu/events", "/feishu/lark/events",
		"/slack/commands", "/slack/events", "/slack/interactions", "/wecom/callback"} {
		if !contains(paths, want) {
			t.Errorf("route %s not mounted; have %v", want, paths)
		}
	}
	var senders []string
	for _, s := range m.Dispatcher.Senders {
		senders = append(senders, s.Platform())
	}
	sort.Strings(senders)
	if strings.Join(senders, ",") != "dingtalk,feishu,slack,wecom" {
		t.Errorf("outbox senders = %v", senders)
	}
	// A forged Feishu event is refused by the mounted adapter.
	resp, err := http.Post(m.Server.URL()+"/feishu/events", "application/json", strings.NewReader(`{"encrypt":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned Feishu event: %d, want 401", resp.StatusCode)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}

// Ensure platform sections are validated by path.
func TestParseConfig_PlatformErrors(t *testing.T) {
	in := `
feishu: [{name: a, app_id: x}, {name: a, app_id: y, app_secret: z, mode: carrier, host: moon}]
wecom: [{corp_id: c, agent_id: 1, secret: s, token: t, encoding_aes_key: short}]
dingtalk: [{client_id: d}]
`
	_, err := ParseConfig(strings.NewReader(in), env(nil))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		"feishu[0].app_id: app_id and app_secret are required",
		`feishu[1].name: "a" is used twice`,
		"feishu[1].workspace: is required when there is more than one feishu app",
		`feishu[1].mode: must be http or ws, not "carrier"`,
		`feishu[1].host: must be feishu, lark or a base URL, not "moon"`,
		"wecom[0].encoding_aes_key: token and a 43-character encoding_aes_key are required",
		"dingtalk[0].client_id: client_id and client_secret are required",
		"dingtalk[0].robot_code: is required",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
