package main

import (
	"fmt"
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
