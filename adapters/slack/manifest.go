package slack

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"gopkg.in/yaml.v3"
)

// ManifestOptions describes the Slack app to create.
type ManifestOptions struct {
	AppName     string
	Description string
	// PublicURL is where Routes are reachable from Slack, such as
	// "https://tandem.example.com"; unused in Socket Mode.
	PublicURL   string
	CommandName string // default "/tandem"
	SocketMode  bool
}

// botScopes are the scopes the adapter uses, and no more: commands,
// posting (also in public channels the bot has not joined, for answers to
// commands typed there), reading mentions and DMs, opening DMs, reading
// users' names and emails to link their accounts, reading user groups,
// which stand in for departments (see directory.go), and pictures: uploading
// them (files:write) and asking, before a retry posts one again, whether it
// was shared already (files:read, files.info; see images.go), and war
// rooms: creating a private channel and inviting into it (groups:write),
// and finding the bot's own channel again on a retry (groups:read,
// users.conversations; see group.go).
var botScopes = []string{
	"commands", "chat:write", "chat:write.public", "app_mentions:read",
	"im:history", "im:read", "im:write", "users:read", "users:read.email",
	"usergroups:read", "files:write", "files:read", "groups:write", "groups:read",
}

type manifest struct {
	DisplayInformation struct {
		Name        string `yaml:"name"`
		Description string `yaml:"description,omitempty"`
	} `yaml:"display_information"`
	Features struct {
		AppHome struct {
			MessagesTabEnabled         bool `yaml:"messages_tab_enabled"`
			MessagesTabReadOnlyEnabled bool `yaml:"messages_tab_read_only_enabled"`
		} `yaml:"app_home"`
		BotUser struct {
			DisplayName  string `yaml:"display_name"`
			AlwaysOnline bool   `yaml:"always_online"`
		} `yaml:"bot_user"`
		SlashCommands []slashCommand `yaml:"slash_commands"`
		Shortcuts     []shortcut     `yaml:"shortcuts"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			RequestURL string   `yaml:"request_url,omitempty"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			IsEnabled  bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url,omitempty"`
		} `yaml:"interactivity"`
		OrgDeployEnabled     bool `yaml:"org_deploy_enabled"`
		SocketModeEnabled    bool `yaml:"socket_mode_enabled"`
		TokenRotationEnabled bool `yaml:"token_rotation_enabled"`
	} `yaml:"settings"`
}

// shortcut is a global or message shortcut; Tandem has one message
// shortcut, "Make a task" (see MessageShortcutID).
type shortcut struct {
	Name        string `yaml:"name"`
	Type        string `yaml:"type"`
	CallbackID  string `yaml:"callback_id"`
	Description string `yaml:"description"`
}

type slashCommand struct {
	Command      string `yaml:"command"`
	URL          string `yaml:"url,omitempty"`
	Description  string `yaml:"description"`
	UsageHint    string `yaml:"usage_hint"`
	ShouldEscape bool   `yaml:"should_escape"`
}

// Manifest returns a Slack app manifest (YAML) that matches this adapter's
// routes, events and scopes, so an administrator creates the app by pasting
// it rather than by clicking through settings that must agree with the code.
// The slash command escapes mentions, so they arrive as user ids, not names.
func Manifest(m ManifestOptions) ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	base := strings.TrimRight(m.PublicURL, "/")
	endpoint := func(path string) string {
		if m.SocketMode {
			return "" // Socket Mode apps have no request URLs
		}
		return base + path
	}
	var out manifest
	out.DisplayInformation.Name = m.AppName
	out.DisplayInformation.Description = m.Description
	out.Features.AppHome.MessagesTabEnabled = true // people DM the bot
	out.Features.BotUser.DisplayName = m.AppName
	out.Features.BotUser.AlwaysOnline = true
	out.Features.SlashCommands = []slashCommand{{
		Command:      m.CommandName,
		URL:          endpoint("/slack/commands"),
		Description:  "Tasks, tickets and reminders with " + m.AppName,
		UsageHint:    "help",
		ShouldEscape: true,
	}}
	out.Features.Shortcuts = []shortcut{{Name: "Make a task", Type: "message", CallbackID: MessageShortcutID,
		Description: "Turn this message into a task quoting it"}}
	out.OAuthConfig.Scopes.Bot = botScopes
	out.Settings.EventSubscriptions.RequestURL = endpoint("/slack/events")
	out.Settings.EventSubscriptions.BotEvents = []string{"app_mention", "message.im"}
	out.Settings.Interactivity.IsEnabled = true
	out.Settings.Interactivity.RequestURL = endpoint("/slack/interactions")
	out.Settings.SocketModeEnabled = m.SocketMode
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2) // as in Slack's own manifest examples
	if err := enc.Encode(&out); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (m *ManifestOptions) check() error {
	if m.CommandName == "" {
		m.CommandName = DefaultCommandName
	}
	if m.AppName == "" || len([]rune(m.AppName)) > 35 {
		return errors.New("slack manifest: AppName must have 1 to 35 characters")
	}
	if !strings.HasPrefix(m.CommandName, "/") || strings.ContainsAny(m.CommandName, " \t") {
		return fmt.Errorf("slack manifest: command %q must start with / and have no spaces", m.CommandName)
	}
	if m.SocketMode {
		return nil
	}
	u, err := url.Parse(m.PublicURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("slack manifest: PublicURL %q must be an https URL (Slack calls only https)", m.PublicURL)
	}
	return nil
}
