package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot/workcal"
)

const calendarUsage = `Usage: tandem calendar [--config FILE] DATE…
  Prints one line per day: "YYYY-MM-DD workday" or "YYYY-MM-DD off", followed
  by the reason when there is one ("weekend", a holiday such as 春节, or
  "make-up day for 春节"). DATE is YYYY-MM-DD, or YYYY-MM for every day of
  that month; without DATE, today in the calendar's zone. A year the
  calendar has no holiday data for is named on stderr: its days are told
  apart by weekends only.
`

// runCalendar is `tandem calendar`: what the configured work calendar says
// about the given days.
func runCalendar(args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("tandem calendar", flag.ContinueOnError)
	fset.SetOutput(stderr)
	path := fset.String("config", "", "configuration file (YAML); defaults are used when empty")
	fset.Usage = func() { fmt.Fprint(stderr, calendarUsage); fset.PrintDefaults() }
	// Flags may come after dates too: tandem calendar 2026-02 --config x.yaml.
	var dates []string
	for {
		if err := fset.Parse(args); err != nil {
			return err
		}
		if fset.NArg() == 0 {
			break
		}
		dates = append(dates, fset.Arg(0))
		args = fset.Args()[1:]
	}
	_, cal, err := loadCalendar(*path)
	if err != nil {
		return err
	}
	var days []time.Time
	for _, a := range dates {
		if d, err := time.ParseInLocation("2006-01-02", a, cal.Location()); err == nil {
			days = append(days, d)
			continue
		}
		if m, err := time.ParseInLocation("2006-01", a, cal.Location()); err == nil {
			for d := m; d.Month() == m.Month(); d = d.AddDate(0, 0, 1) {
				days = append(days, d)
			}
			continue
		}
		return fmt.Errorf("calendar: %q is not a date: want YYYY-MM-DD or YYYY-MM", a)
	}
	if len(dates) == 0 {
		days = append(days, time.Now().In(cal.Location()))
	}
	var b strings.Builder
	var missing []int
	for _, d := range days {
		b.WriteString(cal.Describe(d) + "\n")
		if y := d.Year(); !cal.Covers(y) && !slices.Contains(missing, y) {
			missing = append(missing, y)
		}
	}
	if _, err = io.WriteString(stdout, b.String()); err != nil {
		return err
	}
	// Beside the answers, not among them: a script reading one line per day
	// keeps working, and a person still sees that 春节 is missing.
	for _, y := range missing {
		fmt.Fprintln(stderr, uncoveredNote(y))
	}
	return nil
}

// uncoveredNote is what the command-line tools say about a year the
// calendar has no holiday data for.
func uncoveredNote(year int) string {
	return fmt.Sprintf("%d: no holiday data yet — weekends only; add it with calendar.days or an .ics feed", year)
}

// loadCalendar reads the configuration at path (the defaults when "") and
// builds its work calendar, for the command-line tools.
func loadCalendar(path string) (Config, *workcal.Calendar, error) {
	cfg, err := loadConfig(path)
	if err != nil {
		return cfg, nil, err
	}
	cal, err := newCalendar(cfg)
	return cfg, cal, err
}

// newCalendar builds the work calendar from the calendar section: the
// region's embedded holidays, then the ics files in order, then the days
// listed in the configuration (so a hand-written day always wins).
func newCalendar(cfg Config) (*workcal.Calendar, error) {
	var problems []string
	bad := func(path, format string, args ...any) {
		problems = append(problems, path+": "+fmt.Sprintf(format, args...))
	}
	opts, days := cfg.Calendar.options(cfg.Bot.DefaultTZ, bad)
	if opts.Location == nil && len(problems) == 0 {
		bad("bot.default_tz", "is not a known time zone: %q", cfg.Bot.DefaultTZ)
	}
	if len(problems) > 0 {
		return nil, &ConfigError{Problems: problems}
	}
	cal, err := workcal.New(opts)
	if err != nil {
		return nil, fmt.Errorf("calendar: %s", trimWorkcal(err))
	}
	for i, p := range cfg.Calendar.ICS {
		if err := importICS(cal, p); err != nil {
			return nil, fmt.Errorf("calendar.ics[%d]: %s", i, err)
		}
	}
	for _, d := range days {
		date, err := cal.ParseDate(d.Date)
		if err != nil {
			return nil, err // checked by options
		}
		cal.AddDay(date, d.Off, d.Name)
	}
	return cal, nil
}

func importICS(cal *workcal.Calendar, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := cal.ImportICS(f); err != nil {
		return fmt.Errorf("%s: %s", path, trimWorkcal(err))
	}
	return nil
}

func trimWorkcal(err error) string { return strings.TrimPrefix(err.Error(), "workcal: ") }

// check reports the problems of the calendar section, each by its path
// (calendar.hours, calendar.days[2].date, …), for Config.Validate.
func (cc CalendarConfig) check(defaultTZ string, bad func(path, format string, args ...any)) {
	cc.options(defaultTZ, bad)
}

// options turns the calendar section into workcal options and the days to
// add after the ics files, telling bad about every problem. The location is
// nil when the zone is bot.default_tz and that is unknown (Validate reports
// it under bot.default_tz).
func (cc CalendarConfig) options(defaultTZ string, bad func(path, format string, args ...any)) (workcal.Options, []CalendarDayConfig) {
	var o workcal.Options
	switch r := strings.TrimSpace(cc.Region); {
	case r == "" || strings.EqualFold(r, "none"):
	case slices.ContainsFunc(workcal.Regions(), func(k string) bool { return strings.EqualFold(k, r) }):
		o.Region = r
	default:
		bad("calendar.region", "must be %s, or none for weekends only, not %q", strings.Join(workcal.Regions(), ", "), cc.Region)
	}

	if cc.Timezone != "" {
		loc, err := time.LoadLocation(cc.Timezone)
		if err != nil {
			bad("calendar.timezone", "is not a known time zone: %q", cc.Timezone)
		}
		o.Location = loc
	} else if loc, err := time.LoadLocation(defaultTZ); err == nil && defaultTZ != "" {
		o.Location = loc
	}

	if h, err := workcal.ParseHours(cc.Hours); err != nil {
		bad("calendar.hours", "%s (e.g. \"09:00-12:00, 13:30-18:00\")", trimWorkcal(err))
	} else {
		o.Hours = h
	}
	for _, name := range slices.Sorted(maps.Keys(cc.Departments)) {
		if strings.TrimSpace(name) == "" {
			bad("calendar.departments", "a department name is empty")
			continue
		}
		h, err := workcal.ParseHours(cc.Departments[name])
		if err != nil {
			bad("calendar.departments."+name, "%s", trimWorkcal(err))
			continue
		}
		if o.Departments == nil {
			o.Departments = map[string][]workcal.Interval{}
		}
		o.Departments[name] = h
	}

	seen := map[string]int{}
	var days []CalendarDayConfig
	for i, d := range cc.Days {
		path := fmt.Sprintf("calendar.days[%d]", i)
		date, err := time.Parse("2006-01-02", strings.TrimSpace(d.Date))
		if err != nil {
			bad(path+".date", "must be a date YYYY-MM-DD, not %q", d.Date)
			continue
		}
		key := date.Format("2006-01-02")
		if j, dup := seen[key]; dup {
			bad(path+".date", "%s is already set by calendar.days[%d]", key, j)
			continue
		}
		seen[key] = i
		days = append(days, CalendarDayConfig{Date: key, Off: d.Off, Name: strings.TrimSpace(d.Name)})
	}

	for i, p := range cc.ICS {
		path := fmt.Sprintf("calendar.ics[%d]", i)
		if strings.TrimSpace(p) == "" {
			bad(path, "is empty (want the path of an .ics file)")
			continue
		}
		st, err := os.Stat(p)
		var pe *fs.PathError
		switch {
		case errors.As(err, &pe):
			bad(path, "cannot read %q: %v", p, pe.Err)
		case err != nil:
			bad(path, "cannot read %q: %v", p, err)
		case st.IsDir():
			bad(path, "%q is a directory, not an .ics file", p)
		}
	}
	return o, days
}
