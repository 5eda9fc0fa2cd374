package commands_test

import "testing"

// Ensure a refusal names who could act instead.
func TestRefusals_NameWhoCould(t *testing.T) {
	h := newHarness(t)
	h.expect("mallory", "admin jobs", "Only admins can do that, and there is no admin yet")
	h.admin("root")
	h.admin("ops")
	h.expect("mallory", "admin jobs", "Only admins can do that. Ask @root or @ops.")
	h.expect("mallory", "管理 作业", "只有管理员可以这样做，请联系 @root 或 @ops。")
	h.expect("mallory", "dept add Sales", "Only admins can add departments. Ask @root or @ops.")
	// The task's people, one mention each with all they are.
	h.say("alice", `task new "quote"`)
	h.expect("mallory", "task start 1", "Only @alice (creator and owner) or an admin (@root or @ops) can change #1.")
	h.expect("mallory", "任务 开始 1", "只有 @alice（创建人、负责人）或管理员（@root 或 @ops）可以修改 #1。")
}

// Ensure `管理 目录` is the directory sub-command.
func TestAdmin_DirectoryInChinese(t *testing.T) {
	h := newHarness(t)
	h.admin("root")
	h.expect("root", "管理 目录", "尚未配置任何平台通讯录")
}
