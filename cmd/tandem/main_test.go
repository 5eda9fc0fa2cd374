package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tandemhq/tandem/storage/postgres/pgtest"
)

// binary is the tandem program built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	if world := os.Getenv(ticketChildEnv); world != "" {
		os.Exit(runTicketChild(world)) // this process is a ticket test's Tandem
	}
	dir, err := os.MkdirTemp("", "tandem-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "tandem")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build tandem: %v\n%s", err, out)
		os.Exit(1)
	}
	code := pgtest.RunMain(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// server is a running tandem process.
type server struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
}

// startServer runs `tandem --config cfg` and waits until /readyz answers.
func startServer(t *testing.T, cfg, addr string) *server {
	t.Helper()
	s := &server{url: "http://" + addr, logs: &bytes.Buffer{}}
	s.cmd = exec.Command(binary, "--config", cfg)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("tandem did not become ready:\n%s", s.logs)
		}
	}
}

// stop sends SIGTERM and expects a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("tandem exited with %v:\n%s", err, s.logs)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("tandem did not stop on SIGTERM:\n%s", s.logs)
	}
	if !strings.Contains(s.logs.String(), "shutting down") {
		t.Errorf("no orderly shutdown in logs:\n%s", s.logs)
	}
}

// chat pipes lines into `tandem chat` and returns what it printed.
func chat(t *testing.T, dir string, args []string, lines ...string) string {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"chat"}, args...)...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("tandem chat %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, out.String(), errb.String())
	}
	return out.String()
}

func mustContain(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("output lacks %q:\n%s", w, got)
		}
	}
}

func writeConfig(t *testing.T, dir, addr string) string {
	t.Helper()
	path := filepath.Join(dir, "tandem.yaml")
	cfg := fmt.Sprintf(`
http: {addr: "%s"}
storage: {path: "%s"}
bot: {notify_window: 0s}  # each notification at once: the test reads them straight away
log: {level: info}
departments: [{name: Design, head: carol}]
people:
  - {name: Alice, handle: alice, role: admin, accounts: ["console:alice"]}
  - {name: Carol, handle: carol, dept: Design, lang: zh-CN, accounts: ["console:carol"]}
`, addr, filepath.Join(dir, "data", "tandem.db"))
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Ensure the whole program works through the console: commands in both
// languages, notifications to another user, and everything still there
// after a SIGTERM and a restart.
func TestConsoleEndToEnd(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := writeConfig(t, dir, addr)
	srv := startServer(t, cfg, addr)
	url := srv.url

	// bob talks to the bot once, so that he can be named; a name nobody
	// has is refused with a suggestion, and makes no one.
	chat(t, dir, []string{"--as", "bob", "--url", url}, "whoami")
	out := chat(t, dir, []string{"--as", "alice", "--url", url},
		"help",
		`task new "Poster for the Q3 launch" @bobb due:tomorrow 5pm p:high`,
		`task new "Poster for the Q3 launch" @bob due:tomorrow 5pm p:high`,
		`任务 新建 "Q3发布海报" @carol 截止:下周一上午10点 优先级:紧急 部门:Design`,
		"task list all",
		"tsak list",
		"task new",
		"task assign 1",
		"whoami",
	)
	mustContain(t, out,
		"Here is what I can do:",
		"No one is called @bobb — did you mean @bob?",
		"Created #1 for @bob.", "Priority: high",
		"已创建任务 #2，负责人 @carol。", "优先级：紧急", "部门：Design",
		"All open tasks (2):",
		"Did you mean `task`?",
		"A task needs a title.", "Usage: task new",
		"Name the new owner with @.",
		"Role: admin",
	)

	// bob is away; his notification waits for him.
	out = chat(t, dir, []string{"--as", "bob", "--url", url}, "task list", "task start 1", "task done 1")
	mustContain(t, out, "@alice gave you a task: #1 Poster for the Q3 launch",
		"Your open tasks (1):", "#1 is now in progress", "#1 is now done")
	// carol reads Chinese (config), so her notification is in Chinese.
	out = chat(t, dir, []string{"--as", "carol", "--url", url}, "task list")
	mustContain(t, out, "@alice 给你指派了任务：#2 Q3发布海报", "你的未完成任务（1）")

	srv.stop(t)
	srv = startServer(t, cfg, addr)
	out = chat(t, dir, []string{"--as", "alice", "--url", srv.url}, "task list all", "task show 1")
	mustContain(t, out, "All open tasks (1):", "#2 [to do] Q3发布海报",
		"@bob changed status to do → in progress", "@bob changed status in progress → done")
	// alice was told about bob's progress while she was away.
	mustContain(t, out, "@bob moved #1 Poster for the Q3 launch to done.")
	srv.stop(t)

	// With no server running, `tandem chat` runs the bot itself on the same data.
	out = chat(t, dir, []string{"--as", "alice", "--config", cfg}, "task list all", "lang zh", "task list all")
	mustContain(t, out, "All open tasks (1):", "好的，之后我会用中文回复你。", "全部未完成任务（1）")
}

// Ensure `tandem chat` works with nothing configured at all, in a fresh
// directory: the embedded defaults create ./data/tandem.db.
func TestDefaultsEmbedded(t *testing.T) {
	dir := t.TempDir()
	out := chat(t, dir, []string{"--as", "dana", "--url", ""}, "task new \"water the plants\" due:in 2 hours", "task list")
	mustContain(t, out, "Created #1 for @dana.", "#1 [to do] water the plants")
	if _, err := os.Stat(filepath.Join(dir, "data", "tandem.db")); err != nil {
		t.Fatalf("default database not created: %v", err)
	}
}

// Ensure the console endpoint rejects malformed and oversized input.
func TestConsoleBadInput(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	srv := startServer(t, writeConfig(t, dir, addr), addr)
	for _, c := range []struct {
		method, body string
		want         int
	}{
		{"POST", `{"user":"alice","text":`, http.StatusBadRequest},
		{"POST", `{"user":"","text":"help"}`, http.StatusBadRequest},
		{"POST", `{"user":"alice","text":"` + strings.Repeat("x", 70<<10) + `"}`, http.StatusRequestEntityTooLarge},
		{"GET", ``, http.StatusMethodNotAllowed},
	} {
		req, _ := http.NewRequest(c.method, srv.url+"/console/messages", strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+consoleSecret(t, dir))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %.40q: status %d, want %d", c.method, c.body, resp.StatusCode, c.want)
		}
	}
	resp, err := http.Get(srv.url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz after bad input: %v %v", resp, err)
	}
}
