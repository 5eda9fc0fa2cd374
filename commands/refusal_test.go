package commands_test

import (
	"testing"

	"github.com/tandemhq/tandem/commands/commandstest"
)

// Ensure a refusal names who could act instead.
func TestRefusals_NameWhoCould(t *testing.T) {
	h := commandstest.New(t)
	h.Expect("mallory", "admin jobs", "Only admins can do that, and there is no admin yet")
	h.Admin("root")
	h.Admin("ops")
	h.Expect("mallory", "admin jobs", "Only admins can do that. Ask @root or @ops.")
	h.Expect("mallory", "管理 作业", "只有管理员可以这样做，请联系 @root 或 @ops。")
	h.Expect("mallory", "dept add Sales", "Only admins can add departments. Ask @root or @ops.")
	// The task's people, one mention each with all they are.
	h.Say("alice", `task new "quote"`)
	h.Expect("mallory", "task start 1", "Only @alice (creator and owner) or an admin (@root or @ops) can change #1.")
	h.Expect("mallory", "任务 开始 1", "只有 @alice（创建人、负责人）或管理员（@root 或 @ops）可以修改 #1。")
}

// Ensure `管理 目录` is the directory sub-command.
func TestAdmin_DirectoryInChinese(t *testing.T) {
	h := commandstest.New(t)
	h.Admin("root")
	h.Expect("root", "管理 目录", "尚未配置任何平台通讯录")
}
