package main

import (
	"os"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// Ensure an empty file means the defaults, which are valid.
func TestParseConfig_Empty(t *testing.T) {
	cfg, err := ParseConfig(strings.NewReader(""), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != "127.0.0.1:8080" || cfg.Storage.Path != "./data/tandem.db" || !cfg.Console.Enabled {
		t.Fatalf("defaults = %+v", cfg)
	}
}

// Ensure ${VAR} is expanded from the environment, with fallbacks, and that
// a "$" inside a secret is left alone.
func TestParseConfig_Env(t *testing.T) {
	in := `
http:
  addr: ${ADDR}
  public_url: ${URL:-https://fallback.example}
console: {enabled: false}
slack:
  signing_secret: ${SECRET}
  bot_token: xoxb-literal$dollar
`
	cfg, err := ParseConfig(strings.NewReader(in), env(map[string]string{"ADDR": "0.0.0.0:9000", "SECRET": "s3cr3t"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != "0.0.0.0:9000" || cfg.HTTP.PublicURL != "https://fallback.example" ||
		cfg.Slack.SigningSecret != "s3cr3t" || cfg.Slack.BotToken != "xoxb-literal$dollar" {
		t.Fatalf("cfg = %+v %+v", cfg.HTTP, cfg.Slack)
	}
	if strings.Contains(cfg.Redacted(), "s3cr3t") {
		t.Fatal("Redacted shows the secret")
	}
}

// Ensure every problem is reported by its path in one error.
func TestParseConfig_Errors(t *testing.T) {
	in := `
htp: {}
log: {format: xml, level: loud}
http: {addr: nocolon}
storage: {synchronous: sometimes}
bot: {default_lang: fr, default_tz: Mars/Base, due_time: "25:99", notify_window: soon, registration: invite}
slack: {mode: carrier-pigeon, bot_token: "${MISSING}"}
people:
  - {name: A, handle: a, role: king, dept: Nowhere, accounts: ["irc:x"], tz: "No/Where"}
  - {name: B, handle: a, calendar_url: "ftp://cal.example/secret/b.ics"}
departments:
  - {name: D, head: ghost}
`
	_, err := ParseConfig(strings.NewReader(in), env(nil))
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, want := range []string{
		`htp: unknown key (did you mean "http"?)`,
		"log.format: must be text or json",
		"log.level: must be debug",
		"http.addr: must be host:port",
		"storage.synchronous: must be full or normal",
		"bot.default_lang: must be en or zh-CN",
		"bot.default_tz: is not a known time zone",
		"bot.due_time: must be HH:MM",
		`bot.notify_window: must be a duration from 0s to 1h, not "soon"`,
		`bot.registration: must be open or approval, not "invite"`,
		"slack.mode: must be http or socket",
		"slack.bot_token: environment variable MISSING is not set",
		"people[0].role: must be member, head or admin",
		`people[0].dept: "Nowhere" is not in departments`,
		"people[0].accounts[0]: must be platform:workspace:user_id",
		"people[0].tz: is not a known time zone",
		`people[1].handle: "a" is used twice`,
		`people[1].calendar_url: calendar_url "ftp://cal.example/…": want http, https or webcal`,
		`departments[0].head: "ghost" is not a handle in people`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// Ensure wrong types and broken YAML are reported, not panicked on.
func TestParseConfig_Malformed(t *testing.T) {
	for _, in := range []string{"http: [1, 2]", "console: {enabled: perhaps}", "{{{", "log:\n\t- tab"} {
		if _, err := ParseConfig(strings.NewReader(in), env(nil)); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// Ensure the documented example in the repository is valid.
func TestExampleConfig(t *testing.T) {
	cfg := exampleConfig(t)
	if len(cfg.People) == 0 || cfg.People[0].Role != "admin" {
		t.Fatalf("example people = %+v", cfg.People)
	}
}

// exampleConfig reads the documented example in the repository.
func exampleConfig(t *testing.T) Config {
	t.Helper()
	f, err := os.Open("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := ParseConfig(f, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Ensure `config check` shows no secret of any platform.
func TestRedacted_AllPlatforms(t *testing.T) {
	in := `
slack: {signing_secret: S1, bot_token: S2, app_token: S3}
feishu: [{app_id: cli, app_secret: S4, verification_token: S5, encrypt_key: S6}]
wecom: [{corp_id: c, agent_id: 1, secret: S7, token: S8, encoding_aes_key: S9xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, robots: {ops: "https://qyapi/send?key=S10"}}]
dingtalk: [{client_id: d, client_secret: S11, robot_code: d}]
people: [{name: A, calendar_url: "https://cal.example/private-S12/basic.ics"}]
`
	cfg, _ := ParseConfig(strings.NewReader(in), env(nil))
	out := cfg.Redacted()
	if strings.Contains(out, "S12") {
		t.Errorf("Redacted shows the calendar URL:\n%s", out)
	}
	for _, secret := range []string{"S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9x", "S10", "S11"} {
		if strings.Contains(out, secret+"\n") || strings.Contains(out, secret+"x") || strings.Contains(out, "key="+secret) {
			t.Errorf("Redacted shows %s:\n%s", secret, out)
		}
	}
	if cfg.Feishu[0].AppSecret != "S4" || cfg.WeCom[0].Robots["ops"] == "********" || cfg.People[0].CalendarURL == "********" {
		t.Error("Redacted changed the caller's config")
	}
}
