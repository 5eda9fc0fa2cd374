package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// feed2027 is an iCalendar feed in the style of the public Chinese feeds
// ("…假期", "…补班").
const feed2027 = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" +
	"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270206\r\nDTEND;VALUE=DATE:20270215\r\nSUMMARY:春节假期\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270220\r\nSUMMARY:春节补班\r\nEND:VEVENT\r\n" +
	"END:VCALENDAR\r\n"

// calendarConfig writes a configuration with the given calendar section and
// an ics file, both in a temporary directory, and returns its path.
func calendarConfig(t *testing.T, section string) string {
	t.Helper()
	dir := t.TempDir()
	ics := filepath.Join(dir, "cn-2027.ics")
	if err := os.WriteFile(ics, []byte(feed2027), 0o644); err != nil {
		t.Fatal(err)
	}
	section = strings.ReplaceAll(section, "$ICS", ics)
	path := filepath.Join(dir, "tandem.yaml")
	if err := os.WriteFile(path, []byte("calendar:\n"+section), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runTandem runs the command line in-process.
func runTandem(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

// Ensure `tandem calendar` names, on stderr, each year of the dates asked
// that it has no holiday data for, and only those.
func TestCalendarCLI_UncoveredYears(t *testing.T) {
	out, errOut, err := runTandem(t, "calendar", "2027-02-11", "2027-02-12", "2026-02-16", "2024-10-01")
	if err != nil {
		t.Fatal(err)
	}
	if out != "2027-02-11 workday\n2027-02-12 workday\n2026-02-16 off 春节\n2024-10-01 workday\n" {
		t.Errorf("stdout:\n%s", out)
	}
	want := "2027: no holiday data yet — weekends only; add it with calendar.days or an .ics feed\n" +
		"2024: no holiday data yet — weekends only; add it with calendar.days or an .ics feed\n"
	if errOut != want {
		t.Errorf("stderr:\n%s\nwant\n%s", errOut, want)
	}
	if _, errOut, _ := runTandem(t, "calendar", "2026-02-16"); errOut != "" {
		t.Errorf("a covered year is reported: %s", errOut)
	}
}

// Ensure `tandem calendar` prints workcal's one-line description of each day.
func TestCalendarCLI(t *testing.T) {
	withDays := calendarConfig(t, `
  days:
    - {date: 2026-03-09, off: true, name: Company day}
    - {date: 2026-03-07, off: false}
    - {date: 2027-02-14, off: false, name: 春节}
  ics: [$ICS]
`)
	noRegion := calendarConfig(t, "  region: none\n  ics: [$ICS]\n")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"make-up Saturday", []string{"2026-02-14"}, "2026-02-14 workday make-up day for 春节\n"},
		{"holiday", []string{"2026-02-16"}, "2026-02-16 off 春节\n"},
		{"after the holiday", []string{"2026-02-24"}, "2026-02-24 workday\n"},
		{"weekend", []string{"2026-03-07"}, "2026-03-07 off weekend\n"},
		{"several", []string{"2026-10-01", "2026-10-10", "2026-10-11"},
			"2026-10-01 off 国庆节\n2026-10-10 workday make-up day for 国庆节\n2026-10-11 off weekend\n"},
		{"config days", []string{"--config", withDays, "2026-03-09", "2026-03-07"},
			"2026-03-09 off Company day\n2026-03-07 workday make-up day\n"},
		{"ics file", []string{"--config", withDays, "2027-02-06", "2027-02-14", "2027-02-15", "2027-02-20"},
			"2027-02-06 off 春节\n2027-02-14 workday make-up day for 春节\n2027-02-15 workday\n2027-02-20 workday make-up day for 春节\n"},
		{"flag after dates", []string{"2027-02-08", "--config", noRegion, "2026-02-16"},
			"2027-02-08 off 春节\n2026-02-16 workday\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, err := runTandem(t, append([]string{"calendar"}, c.args...)...)
			if err != nil {
				t.Fatalf("error %v\nstderr: %s", err, errOut)
			}
			if out != c.want {
				t.Errorf("got\n%s\nwant\n%s", out, c.want)
			}
		})
	}
}

// Ensure YYYY-MM prints every day of the month.
func TestCalendarCLI_Month(t *testing.T) {
	out, _, err := runTandem(t, "calendar", "2026-02")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 28 || lines[0] != "2026-02-01 off weekend" || lines[27] != "2026-02-28 workday make-up day for 春节" {
		t.Fatalf("got %d lines:\n%s", len(lines), out)
	}
	if n := strings.Count(out, " workday"); n != 16 {
		t.Errorf("%d workdays in February 2026, want 16", n)
	}
	if out, _, _ := runTandem(t, "calendar"); !strings.Contains(out, "20") || strings.Count(out, "\n") != 1 {
		t.Errorf("today: %q", out)
	}
}

// Ensure bad dates and a bad calendar section are errors that name the
// argument or the key, and that the program exits non-zero.
func TestCalendarCLI_Errors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"calendar", "2026-02-30"}, `"2026-02-30" is not a date: want YYYY-MM-DD or YYYY-MM`},
		{[]string{"calendar", "2026-02-14", "tomorrow"}, `"tomorrow" is not a date`},
		{[]string{"calendar", "2026-13"}, `"2026-13" is not a date`},
		{[]string{"calendar", "--config", calendarConfig(t, "  hours: 9-5\n"), "2026-02-14"}, `calendar.hours: clock "9": want HH:MM`},
		{[]string{"calendar", "--config", calendarConfig(t, "  ics: [$ICS.missing]\n"), "2026-02-14"}, `calendar.ics[0]: cannot read`},
	} {
		out, _, err := runTandem(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.args, err, c.want)
		}
		if out != "" {
			t.Errorf("%q printed %q before failing", c.args, out)
		}
	}
	if _, _, err := runTandem(t, "calendar", "--nonsense"); err == nil {
		t.Error("unknown flag accepted")
	}
	cmd := exec.Command(binary, "calendar", "2026-02-30")
	msg, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 || !strings.Contains(string(msg), `"2026-02-30"`) {
		t.Errorf("tandem calendar 2026-02-30: %v\n%s", err, msg)
	}
}

// Ensure every problem in the calendar section is reported by its path.
func TestParseConfig_CalendarErrors(t *testing.T) {
	in := `
calendar:
  region: XX
  timezone: Mars/Base
  hours: "09:00-12:00, 11:00-18:00"
  departments: {Sales: "25:00-26:00"}
  days:
    - {date: 2027-01-01, off: true, name: 元旦}
    - {date: "2027/01/02", off: true}
    - {date: 2027-01-01, off: false}
  ics: ["", /nonexistent/holidays.ics]
  holidays: []
`
	_, err := ParseConfig(strings.NewReader(in), env(nil))
	if err == nil {
		t.Fatal("invalid calendar accepted")
	}
	for _, want := range []string{
		`calendar.region: must be CN, or none for weekends only, not "XX"`,
		`calendar.timezone: is not a known time zone: "Mars/Base"`,
		"calendar.hours: business intervals 09:00-12:00 and 11:00-18:00 overlap",
		`calendar.departments.Sales: clock "25:00" out of range`,
		`calendar.days[1].date: must be a date YYYY-MM-DD, not "2027/01/02"`,
		"calendar.days[2].date: 2027-01-01 is already set by calendar.days[0]",
		"calendar.ics[0]: is empty",
		`calendar.ics[1]: cannot read "/nonexistent/holidays.ics": no such file or directory`,
		"calendar.holidays: unknown key",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// Ensure the defaults give the mainland China calendar in bot.default_tz,
// and the section's keys are applied.
func TestNewCalendar(t *testing.T) {
	cal, err := newCalendar(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if cal.Location().String() != "Asia/Shanghai" || cal.Describe(cal.Date(2026, 2, 14)) != "2026-02-14 workday make-up day for 春节" {
		t.Fatalf("default calendar: %s %s", cal.Location(), cal.Describe(cal.Date(2026, 2, 14)))
	}
	cfg, err := ParseConfig(strings.NewReader(`
bot: {default_tz: Europe/Berlin}
calendar:
  region: ""
  hours: "08:00-16:00"
  departments: {Sales: "10:00-12:00, 13:00-19:00"}
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	cal, err = newCalendar(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cal.Location().String() != "Europe/Berlin" || cal.Describe(cal.Date(2026, 2, 16)) != "2026-02-16 workday" {
		t.Errorf("no-region calendar: %s %s", cal.Location(), cal.Describe(cal.Date(2026, 2, 16)))
	}
	if h := cal.Hours("sales"); len(h) != 2 || h[1].String() != "13:00-19:00" {
		t.Errorf("Sales hours = %v", h)
	}
	if h := cal.Hours("Design"); len(h) != 1 || h[0].String() != "08:00-16:00" {
		t.Errorf("default hours = %v", h)
	}
}
