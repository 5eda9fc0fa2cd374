package slack_test

import (
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	tslack "github.com/tandemhq/tandem/adapters/slack"
)

// appManifest is the part of Slack's manifest schema the tests read back.
type appManifest struct {
	DisplayInformation struct {
		Name        string `yaml:"name"`
		Description string `yaml:"description"`
	} `yaml:"display_information"`
	Features struct {
		AppHome struct {
			MessagesTabEnabled bool `yaml:"messages_tab_enabled"`
		} `yaml:"app_home"`
		BotUser struct {
			DisplayName string `yaml:"display_name"`
		} `yaml:"bot_user"`
		SlashCommands []struct {
			Command      string `yaml:"command"`
			URL          string `yaml:"url"`
			Description  string `yaml:"description"`
			UsageHint    string `yaml:"usage_hint"`
			ShouldEscape bool   `yaml:"should_escape"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			RequestURL string   `yaml:"request_url"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			IsEnabled  bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
		} `yaml:"interactivity"`
		SocketModeEnabled bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

func mustManifest(tb testing.TB, opts tslack.ManifestOptions) (appManifest, string) {
	tb.Helper()
	raw, err := tslack.Manifest(opts)
	if err != nil {
		tb.Fatal(err)
	}
	var m appManifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		tb.Fatalf("manifest is not YAML: %v\n%s", err, raw)
	}
	return m, string(raw)
}

// Ensure the HTTP manifest points Slack at the adapter's routes with the
// scopes and events the adapter uses.
func TestManifest_HTTP(t *testing.T) {
	m, _ := mustManifest(t, tslack.ManifestOptions{
		AppName: "Tandem", Description: "Cross-department tasks", PublicURL: "https://tandem.example.com/",
	})
	if m.DisplayInformation.Name != "Tandem" || m.DisplayInformation.Description != "Cross-department tasks" || m.Features.BotUser.DisplayName != "Tandem" {
		t.Fatalf("display %+v", m.DisplayInformation)
	}
	if !m.Features.AppHome.MessagesTabEnabled {
		t.Fatal("people cannot DM the bot")
	}
	cmds := m.Features.SlashCommands
	if len(cmds) != 1 || cmds[0].Command != "/tandem" || cmds[0].URL != "https://tandem.example.com/slack/commands" ||
		!cmds[0].ShouldEscape || cmds[0].Description == "" || cmds[0].UsageHint == "" {
		t.Fatalf("commands %+v", cmds)
	}
	wantScopes := []string{"commands", "chat:write", "chat:write.public", "app_mentions:read", "im:history", "im:read", "im:write", "users:read", "users:read.email", "usergroups:read", "files:write", "files:read", "groups:write", "groups:read"}
	if !reflect.DeepEqual(m.OAuthConfig.Scopes.Bot, wantScopes) {
		t.Fatalf("scopes %v", m.OAuthConfig.Scopes.Bot)
	}
	ev := m.Settings.EventSubscriptions
	if ev.RequestURL != "https://tandem.example.com/slack/events" || !reflect.DeepEqual(ev.BotEvents, []string{"app_mention", "message.im"}) {
		t.Fatalf("events %+v", ev)
	}
	if it := m.Settings.Interactivity; !it.IsEnabled || it.RequestURL != "https://tandem.example.com/slack/interactions" {
		t.Fatalf("interactivity %+v", it)
	}
	if m.Settings.SocketModeEnabled {
		t.Fatal("socket mode on")
	}
	// Every URL in the manifest must be one the adapter serves.
	a := MustNewAdapter(t, &Intake{}, nil)
	for _, u := range []string{cmds[0].URL, ev.RequestURL, m.Settings.Interactivity.RequestURL} {
		if _, ok := a.Routes()[strings.TrimPrefix(u, "https://tandem.example.com")]; !ok {
			t.Errorf("no route for %s", u)
		}
	}
}

// Ensure the Socket Mode manifest turns it on and names no URLs.
func TestManifest_Socket(t *testing.T) {
	m, raw := mustManifest(t, tslack.ManifestOptions{AppName: "Tandem", CommandName: "/tandem-dev", SocketMode: true})
	if !m.Settings.SocketModeEnabled || m.Features.SlashCommands[0].Command != "/tandem-dev" {
		t.Fatalf("manifest %+v", m)
	}
	if strings.Contains(raw, "url:") {
		t.Fatalf("socket mode manifest has URLs:\n%s", raw)
	}
	if !m.Settings.Interactivity.IsEnabled || len(m.Settings.EventSubscriptions.BotEvents) != 2 {
		t.Fatalf("settings %+v", m.Settings)
	}
}

// Ensure options Slack would refuse are refused here first.
func TestManifest_Invalid(t *testing.T) {
	for name, opts := range map[string]tslack.ManifestOptions{
		"ErrNoName":    {PublicURL: "https://x.example"},
		"ErrLongName":  {AppName: strings.Repeat("n", 36), PublicURL: "https://x.example"},
		"ErrNoURL":     {AppName: "Tandem"},
		"ErrHTTPURL":   {AppName: "Tandem", PublicURL: "http://x.example"},
		"ErrCommand":   {AppName: "Tandem", PublicURL: "https://x.example", CommandName: "tandem"},
		"ErrCmdSpaces": {AppName: "Tandem", PublicURL: "https://x.example", CommandName: "/tan dem"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := tslack.Manifest(opts); err == nil {
				t.Fatal("no error")
			}
		})
	}
}
