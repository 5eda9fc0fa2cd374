package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/tandemhq/tandem/bot"
)

// validatePlatforms checks the Feishu, WeCom and DingTalk sections.
func validatePlatforms(c Config, bad func(path, format string, args ...any)) {
	names := func(platform string, i int, name, workspace string, n int, seen map[string]bool) {
		path := fmt.Sprintf("%s[%d]", platform, i)
		if seen[name] {
			bad(path+".name", "%q is used twice", name)
		}
		seen[name] = true
		if n > 1 && workspace == "" {
			bad(path+".workspace", "is required when there is more than one %s app (the tenant or corp id its users are in)", platform)
		}
	}
	seen := map[string]bool{}
	for i, f := range c.Feishu {
		path := fmt.Sprintf("feishu[%d]", i)
		names("feishu", i, f.Name, f.Workspace, len(c.Feishu), seen)
		if f.AppID == "" || f.AppSecret == "" {
			bad(path+".app_id", "app_id and app_secret are required")
		}
		switch f.Mode {
		case "", "http":
			if f.VerificationToken == "" {
				bad(path+".verification_token", "is required in http mode (every event is checked against it)")
			}
		case "ws":
		default:
			bad(path+".mode", "must be http or ws, not %q", f.Mode)
		}
		if f.Host != "" && f.Host != "feishu" && f.Host != "lark" && !strings.HasPrefix(f.Host, "https://") && !strings.HasPrefix(f.Host, "http://") {
			bad(path+".host", "must be feishu, lark or a base URL, not %q", f.Host)
		}
	}
	seen = map[string]bool{}
	for i, w := range c.WeCom {
		path := fmt.Sprintf("wecom[%d]", i)
		names("wecom", i, w.Name, w.CorpID, len(c.WeCom), seen)
		if w.CorpID == "" {
			bad(path+".corp_id", "is required")
		}
		if w.AgentID == 0 || w.Secret == "" {
			bad(path+".agent_id", "agent_id and secret are required")
		}
		if w.Token == "" || len(w.EncodingAESKey) != 43 {
			bad(path+".encoding_aes_key", "token and a 43-character encoding_aes_key are required (from the app's 接收消息 settings)")
		}
	}
	seen = map[string]bool{}
	for i, d := range c.DingTalk {
		path := fmt.Sprintf("dingtalk[%d]", i)
		names("dingtalk", i, d.Name, d.Workspace, len(c.DingTalk), seen)
		if d.ClientID == "" || d.ClientSecret == "" {
			bad(path+".client_id", "client_id and client_secret are required")
		}
		if d.RobotCode == "" {
			bad(path+".robot_code", "is required (the robot's code, usually the client id)")
		}
		if d.Mode != "" && d.Mode != "stream" && d.Mode != "http" {
			bad(path+".mode", "must be stream or http, not %q", d.Mode)
		}
	}
}

var deptRefRE = regexp.MustCompile(`^(slack|feishu|wecom|dingtalk)(/([^:]+))?:(.+)$`)

// parseDeptRef reads "platform[/app]:ref".
func parseDeptRef(s string) (platform, app, ref string, ok bool) {
	m := deptRefRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", "", "", false
	}
	return m[1], m[3], strings.TrimSpace(m[4]), true
}

// checkDeptRef says what is wrong with a department's directory reference:
// it must name a configured app whose accounts can be named (its workspace
// is known), or "" when it is fine.
func (c Config) checkDeptRef(s string) string {
	platform, app, _, ok := parseDeptRef(s)
	if !ok {
		return fmt.Sprintf("must be platform[/app]:department (e.g. feishu:od-123, wecom/hq:2), not %q", s)
	}
	apps := c.appsOf(platform)
	if len(apps) == 0 {
		return fmt.Sprintf("%s is not configured", platform)
	}
	matched := false
	for _, a := range apps {
		if app != "" && a.name != app {
			continue
		}
		matched = true
		if a.workspace == "" && platform != "slack" { // Slack learns its team from auth.test
			return fmt.Sprintf("%s app %q needs its workspace (the tenant key or corp id its users are in) to import from its directory", platform, a.name)
		}
	}
	if !matched {
		return fmt.Sprintf("no %s app is named %q", platform, app)
	}
	return ""
}

// appRef is a configured app: its name and its workspace ("" when not
// configured: Slack learns it from auth.test, a lone Feishu or DingTalk app
// may leave it out).
type appRef struct{ name, workspace string }

// appsOf lists the configured apps of platform.
func (c Config) appsOf(platform string) []appRef {
	var apps []appRef
	switch platform {
	case "slack":
		if c.Slack != nil {
			apps = []appRef{{"", c.Slack.Workspace}}
		}
	case "feishu":
		for _, f := range c.Feishu {
			apps = append(apps, appRef{f.Name, f.Workspace})
		}
	case "wecom":
		for _, w := range c.WeCom {
			apps = append(apps, appRef{w.Name, w.CorpID})
		}
	case "dingtalk":
		for _, d := range c.DingTalk {
			apps = append(apps, appRef{d.Name, d.Workspace})
		}
	}
	return apps
}

// deptChat is a department's chat as a destination, or the field that is
// wrong and why: the platform must be configured, the workspace must be
// one of its apps' (and is required when it has several; left out, it is
// the one app's), and the chat id must be given.
func (c Config) deptChat(ch DeptChatConfig) (to bot.Destination, field, problem string) {
	switch ch.Platform {
	case bot.PlatformSlack, bot.PlatformFeishu, bot.PlatformWeCom, bot.PlatformDingTalk:
	default:
		return to, "platform", fmt.Sprintf("must be slack, feishu, wecom or dingtalk, not %q", ch.Platform)
	}
	apps := c.appsOf(ch.Platform)
	if len(apps) == 0 {
		return to, "platform", fmt.Sprintf("%s is not configured", ch.Platform)
	}
	if strings.TrimSpace(ch.ChatID) == "" {
		return to, "chat_id", "is required (the group chat's id on the platform)"
	}
	to = bot.Destination{Platform: ch.Platform, Workspace: ch.Workspace, ChatID: strings.TrimSpace(ch.ChatID)}
	switch {
	case ch.Workspace == "" && len(apps) > 1:
		return to, "workspace", fmt.Sprintf("is required when there is more than one %s app (the workspace of the app that posts there)", ch.Platform)
	case ch.Workspace == "":
		to.Workspace = apps[0].workspace
	case len(apps) == 1 && apps[0].workspace == "":
		// The one app's workspace is learnt at start: the chat's stands.
	default:
		for _, a := range apps {
			if a.workspace == ch.Workspace {
				return to, "", ""
			}
		}
		return to, "workspace", fmt.Sprintf("no %s app has the workspace %q", ch.Platform, ch.Workspace)
	}
	return to, "", ""
}
