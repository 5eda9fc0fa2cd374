package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Ensure `tandem sla` prints, for a P2 ticket opened the afternoon before
// National Day 2026 under the default config, the dues and steps worked out
// by hand: 2 business hours on Sep 30 (16:00–18:00), nothing Oct 1–7, then
// Oct 8 from 09:00 (lunch 12:00–13:30 not counted).
func TestSLACLI_NationalDay(t *testing.T) {
	out, errOut, err := runTandem(t, "sla", "--policy", "P2", "--opened", "2026-09-30 16:00")
	if err != nil {
		t.Fatal(err)
	}
	want := `policy      P2: business time, response 1h, resolution 8h, ladder standard
opened      2026-09-30 16:00 Wed
response    2026-09-30 17:00 Wed
resolution  2026-10-08 16:30 Thu
step 1/3    2026-10-08 14:30 Thu  75% of resolution: owner
step 2/3    2026-10-08 16:30 Thu  100% of resolution: head, group
step 3/3    2026-10-09 11:30 Fri  150% of resolution: management
`
	if out != want {
		t.Errorf("stdout:\n%s\nwant\n%s", out, want)
	}
	if errOut != "" {
		t.Errorf("stderr for a covered year: %q", errOut)
	}
}

// slaConfig writes a configuration file and returns its path.
func slaConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tandem.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Ensure the policy is found by name or by priority with category and
// department, business time follows the department's hours, a step due at
// the close of day is told at the next working moment (the make-up
// Saturday Oct 10), repeats and the ack timeout are shown, wall-clock
// policies ignore the calendar, and a year without holiday data is named
// on stderr.
func TestSLACLI(t *testing.T) {
	cfg := slaConfig(t, `
bot: {default_tz: Asia/Shanghai}
calendar:
  departments: {QA: "08:00-16:00"}
departments: [{name: QA}]
tickets:
  policies:
    - {name: qa-quality, priority: P2, category: quality, dept: QA, first_response: 1h, resolution: 8h, ladder: fast}
    - {name: p2, priority: P2, first_response: 4h, resolution: 8h}
    - {name: p1, priority: P1, first_response: 15m, resolution: 4h, clock: wall, ladder: none}
  ladders:
    - name: standard
      steps: [{at: 100%, target: response, notify: [owner, head]}]
    - name: fast
      steps:
        - {at: 50%, target: resolution, notify: [owner]}
        - {at: 100%, target: resolution, notify: [head, "@qa-lead"]}
      repeat_from: 2
      repeat_every: 2h
      ack_timeout: 4h
people: [{name: Lead, handle: qa-lead, dept: QA}]
`)
	for _, c := range []struct {
		name    string
		args    []string
		want    string
		wantErr string
	}{
		{name: "by priority, category and department", args: []string{"--policy", "p2", "--category", "Quality", "--dept", "QA", "--opened", "2026-09-30 15:00"},
			want: `policy      qa-quality: business time on QA's hours, response 1h, resolution 8h, ladder fast
opened      2026-09-30 15:00 Wed
response    2026-09-30 16:00 Wed
resolution  2026-10-08 15:00 Thu
step 1/2    2026-10-08 11:00 Thu  50% of resolution: owner
step 2/2    2026-10-08 15:00 Thu  100% of resolution: head, @qa-lead
repeat      2026-10-09 09:00 Fri  steps 2-2 again every 2h until resolved
ack timeout 4h after the last touch of an acknowledged ticket re-arms the ladder
`},
		{name: "by priority; the close of Friday is told on the make-up Saturday", args: []string{"--policy", "p2", "--opened", "2026-10-09 14:00"},
			want: `policy      p2: business time, response 4h, resolution 8h, ladder standard
opened      2026-10-09 14:00 Fri
response    2026-10-09 18:00 Fri
resolution  2026-10-10 14:30 Sat
step 1/1    2026-10-10 09:00 Sat  100% of response: owner, head
`},
		{name: "wall clock", args: []string{"--policy", "P1", "--opened", "2027-02-06 23:00"},
			want: `policy      p1: wall-clock time, response 15m, resolution 4h, ladder none
opened      2027-02-06 23:00 Sat
response    2027-02-06 23:15 Sat
resolution  2027-02-07 03:00 Sun
`},
		// 4 h are counted at 12:00 on Oct 8, the start of lunch: told at 13:30.
		{name: "by name", args: []string{"--policy", "QA-quality", "--opened", "2026-09-30 17:00"},
			want: `policy      qa-quality: business time, response 1h, resolution 8h, ladder fast
opened      2026-09-30 17:00 Wed
response    2026-09-30 18:00 Wed
resolution  2026-10-08 17:30 Thu
step 1/2    2026-10-08 13:30 Thu  50% of resolution: owner
step 2/2    2026-10-08 17:30 Thu  100% of resolution: head, @qa-lead
repeat      2026-10-09 10:30 Fri  steps 2-2 again every 2h until resolved
ack timeout 4h after the last touch of an acknowledged ticket re-arms the ladder
`},
		{name: "unknown policy", args: []string{"--policy", "p9"}, wantErr: `no policy "p9" (have qa-quality, p2, p1)`},
		{name: "no match", args: []string{"--policy", "P4"}, wantErr: `no policy matches P4`},
		{name: "bad time", args: []string{"--policy", "p2", "--opened", "30/09/2026"}, wantErr: `--opened "30/09/2026": want "YYYY-MM-DD HH:MM"`},
		{name: "no policy", args: []string{"--opened", "2026-09-30 16:00"}, wantErr: `--policy is required`},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := runTandem(t, append([]string{"sla", "--config", cfg}, c.args...)...)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out != c.want {
				t.Errorf("stdout:\n%s\nwant\n%s", out, c.want)
			}
		})
	}

	// Without --opened, now (to the minute) in bot.default_tz; a year
	// without holiday data is named beside the answer, not in it.
	var out, errOut bytes.Buffer
	now := time.Date(2027, 2, 5, 8, 0, 30, 0, time.UTC) // 16:00:30 in Shanghai
	if err := runSLA([]string{"--policy", "p2", "--config", cfg}, now, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "opened      2027-02-05 16:00 Fri\n") || !strings.Contains(out.String(), "response    2027-02-08 11:00 Mon\n") {
		t.Errorf("stdout:\n%s", out.String())
	}
	if errOut.String() != uncoveredNote(2027)+"\n" {
		t.Errorf("stderr %q", errOut.String())
	}
}
