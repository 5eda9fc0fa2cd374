package scheduler

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// Ensure the process's name in leases is stable within the process, reads
// host/pid/<random>, and that the scheduler and dispatcher claim with it.
// The random part is what tells apart two processes with the same host name
// and pid (containers, both pid 1): two runs of this test binary must draw
// different random parts.
func TestProcessName(t *testing.T) {
	name := ProcessName()
	if os.Getenv("TANDEM_PRINT_PROCESS_NAME") != "" {
		os.Stdout.WriteString("\nname=" + name + "\n")
		return
	}
	host, _ := os.Hostname()
	parts := strings.Split(name, "/")
	if len(parts) != 3 || parts[0] != host || parts[1] != strconv.Itoa(os.Getpid()) || len(parts[2]) != 8 {
		t.Fatalf("ProcessName() = %q, want %s/%d/<8 random characters>", name, host, os.Getpid())
	}
	if again := ProcessName(); again != name {
		t.Errorf("ProcessName() changed within the process: %q then %q", name, again)
	}
	s, d := &Scheduler{}, &Dispatcher{}
	s.init()
	d.setDefaults()
	if s.Owner != name || d.Owner != name {
		t.Errorf("owners: scheduler %q, dispatcher %q, want %q", s.Owner, d.Owner, name)
	}

	random := func() string {
		cmd := exec.Command(os.Args[0], "-test.run=^TestProcessName$")
		cmd.Env = append(os.Environ(), "TANDEM_PRINT_PROCESS_NAME=1")
		out, err := cmd.CombinedOutput()
		_, line, ok := strings.Cut(string(out), "\nname=")
		if err != nil || !ok {
			t.Fatalf("the child process: %v\n%s", err, out)
		}
		line, _, _ = strings.Cut(line, "\n")
		return line[strings.LastIndex(line, "/")+1:]
	}
	if a, b := random(), random(); a == b {
		t.Errorf("two processes drew the same random part %q", a)
	}
}
