package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// consoleRequest sends one request to a running server's console with the
// given headers and returns the status.
func consoleRequest(t *testing.T, method, url, body string, header map[string]string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// tandemFails runs the binary with args in dir, expects it to fail within
// 20 s, and returns what it wrote to stderr.
func tandemFails(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader("help\n")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("tandem %v succeeded, want it to fail:\n%s%s", args, out.String(), errb.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("tandem %v did not stop:\n%s%s", args, out.String(), errb.String())
	}
	return errb.String()
}

// Ensure the console is no open door on a running server: a web page's
// POST, a request without the secret or with another one, is refused (and
// logged) and neither acts nor drains a mailbox, while `tandem chat` of the
// same config finds the server and works; the secret file is 0600, and the
// server says in one line where it is and how to talk to it.
func TestConsoleSecured(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := writeConfig(t, dir, addr)
	srv := startServer(t, cfg, addr)
	st, err := os.Stat(filepath.Join(dir, "data", "console.secret"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("console secret: %v, mode %v; want 0600", err, st.Mode())
	}
	secret := consoleSecret(t, dir)
	line := `{"user":"alice","id":"x1","text":"task new \"pwned\" @bob"}`
	for name, tc := range map[string]struct {
		header map[string]string
		want   int
	}{
		"web page":     {map[string]string{"Content-Type": "text/plain", "Origin": "http://evil.example"}, http.StatusForbidden},
		"no secret":    {map[string]string{"Content-Type": "application/json"}, http.StatusUnauthorized},
		"wrong secret": {map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + strings.Repeat("f", 64)}, http.StatusUnauthorized},
	} {
		if got := consoleRequest(t, "POST", srv.url+"/console/messages", line, tc.header); got != tc.want {
			t.Errorf("%s: status %d, want %d", name, got, tc.want)
		}
	}

	chat(t, dir, []string{"--as", "bob", "--config", cfg}, "whoami") // bob talks first, so @bob names him
	out := chat(t, dir, []string{"--as", "alice", "--config", cfg}, `task new "Poster" @bob`)
	mustContain(t, out, "Created #1 for @bob.")
	for name, header := range map[string]map[string]string{
		"no secret":    nil,
		"wrong secret": {"Authorization": "Bearer " + secret[:63] + wrongLast(secret)},
	} {
		if got := consoleRequest(t, "GET", srv.url+"/console/inbox?user=bob", "", header); got != http.StatusUnauthorized {
			t.Errorf("inbox with %s: status %d, want 401", name, got)
		}
	}
	// bob's notification is still there, and nothing the refused requests
	// said was done.
	out = chat(t, dir, []string{"--as", "bob", "--config", cfg}, "task list all")
	mustContain(t, out, "@alice gave you a task: #1 Poster", "All open tasks (1):")
	if strings.Contains(out, "pwned") {
		t.Errorf("a refused request created a task:\n%s", out)
	}
	if n := strings.Count(srv.logs.String(), "console: rejected request"); n != 5 {
		t.Errorf("%d rejections logged, want 5:\n%s", n, srv.logs)
	}
	if strings.Contains(srv.logs.String(), secret) {
		t.Errorf("the logs hold the console secret")
	}
	mustContain(t, srv.logs.String(), fmt.Sprintf("Tandem is ready: %s (console on). Talk to it: ", srv.url),
		"chat --as alice --config "+cfg)
	srv.stop(t)
}

// Ensure the server refuses to put the console on an address other machines
// reach unless the config says so, and says how to fix it.
func TestConsoleNotOnOpenAddress(t *testing.T) {
	dir := t.TempDir()
	port := strings.TrimPrefix(freeAddr(t), "127.0.0.1:")
	cfg := filepath.Join(dir, "tandem.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("http: {addr: \"0.0.0.0:%s\"}\nstorage: {path: %q}\n", port, filepath.Join(dir, "data", "t.db"))), 0o644)
	stderr := tandemFails(t, dir, "--config", cfg)
	mustContain(t, stderr, "console.allow_remote: the console is on and http.addr", "console.enabled: false")
	if _, err := os.Stat(filepath.Join(dir, "data", "console.secret")); err == nil {
		t.Errorf("the refused server made a console secret")
	}
}

// Ensure `tandem chat` talks only to the server of its own data directory:
// something answering on its config's http.addr is not asked anything, and
// the bot runs in the chat process on the chat's own data.
func TestChatFindsOnlyItsOwnServer(t *testing.T) {
	var asked atomic.Int64
	stranger := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		fmt.Fprintln(w, `{"replies":[]}`)
	}))
	defer stranger.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, strings.TrimPrefix(stranger.URL, "http://"))
	out := chat(t, dir, []string{"--as", "dana", "--config", cfg}, `task new "water the plants"`, "task list")
	mustContain(t, out, "Created #1 for @dana.", "#1 [to do] water the plants")
	if n := asked.Load(); n != 0 {
		t.Fatalf("tandem chat sent %d requests to a server it was not given", n)
	}
}

// Ensure one bot runs on a database: a second server on it fails and says
// why, and `tandem chat` does not start a bot of its own beside a server
// that holds it, whether that server has no console or does not answer.
func TestDatabaseHeldByServer(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := writeConfig(t, dir, addr)
	noConsole := filepath.Join(dir, "no-console.yaml")
	raw, _ := os.ReadFile(cfg)
	os.WriteFile(noConsole, append(raw, []byte("console: {enabled: false}\n")...), 0o644)
	srv := startServer(t, noConsole, addr)

	stderr := tandemFails(t, dir, "chat", "--as", "alice", "--config", cfg)
	mustContain(t, stderr, "a tandem server holds "+filepath.Join(dir, "data", "tandem.db")+" but has no console")

	other := filepath.Join(dir, "other.yaml")
	os.WriteFile(other, bytes.Replace(raw, []byte(addr), []byte(freeAddr(t)), 1), 0o644)
	stderr = tandemFails(t, dir, "--config", other)
	mustContain(t, stderr, "a tandem server (pid ", "already runs on "+filepath.Join(dir, "data", "tandem.db"))
	srv.stop(t)

	// A server with its console that does not answer (stopped, or busy
	// starting): chat says so rather than run a second bot.
	srv = startServer(t, cfg, addr)
	srv.cmd.Process.Signal(syscall.SIGSTOP)
	defer srv.cmd.Process.Signal(syscall.SIGCONT)
	stderr = tandemFails(t, dir, "chat", "--as", "alice", "--config", cfg)
	mustContain(t, stderr, "a tandem server holds "+filepath.Join(dir, "data", "tandem.db")+" but does not answer at "+srv.url)
	srv.cmd.Process.Signal(syscall.SIGCONT)
	srv.stop(t)
}

// wrongLast is a last character the secret does not have, so that a secret
// wrong in its last character only is wrong whatever the secret is.
func wrongLast(secret string) string {
	if strings.HasSuffix(secret, "0") {
		return "1"
	}
	return "0"
}
