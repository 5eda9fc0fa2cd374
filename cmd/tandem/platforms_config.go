package main

import (
	"fmt"
	"regexp"
	"strings"
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
	type appRef struct{ name, workspace string }
	var apps []appRef
	switch platform {
	case "slack":
		if c.Slack != nil {
			apps = []appRef{{"", "learnt"}}
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
	if len(apps) == 0 {
		return fmt.Sprintf("%s is not configured", platform)
	}
	matched := false
	for _, a := range apps {
		if app != "" && a.name != app {
			continue
		}
		matched = true
		if a.workspace == "" {
			return fmt.Sprintf("%s app %q needs its workspace (the tenant key or corp id its users are in) to import from its directory", platform, a.name)
		}
	}
	if !matched {
		return fmt.Sprintf("no %s app is named %q", platform, app)
	}
	return ""
}
