package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/standup"
	projectcmd "github.com/tandemhq/tandem/commands/project"
)

// ProjectsConfig is the projects section: when each project's weekly
// review is posted by default, and when the daily delay-risk check runs.
type ProjectsConfig struct {
	// Review is "<weekday> HH:MM" in the work calendar's zone ("fri
	// 16:00", the default), or "off".
	Review string `yaml:"review"`
	// CheckAt is the time of day ("09:30", the default) the delay-risk
	// check runs on working days.
	CheckAt string `yaml:"check_at"`
}

// sinceMidnight reads "HH:MM" (parseClock) as a time since midnight.
func sinceMidnight(s string) (time.Duration, error) {
	h, m, err := parseClock(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day like 09:30", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// parseWeekly reads "fri 16:00" (or "off").
func parseWeekly(s string) (project.Weekly, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "off" || s == "none" {
		return project.Weekly{Off: true}, nil
	}
	day, clock, ok := strings.Cut(s, " ")
	wd, known := standup.ParseDays(day) // the weekday words check-ins take
	if !ok || !known || wd == standup.Workdays {
		return project.Weekly{}, fmt.Errorf("%q is not a weekday and a time like \"fri 16:00\", or off", s)
	}
	at, err := sinceMidnight(clock)
	if err != nil {
		return project.Weekly{}, err
	}
	return project.Weekly{Weekday: time.Weekday(wd), Clock: at}, nil
}

func defaultProjects() ProjectsConfig { return ProjectsConfig{Review: "fri 16:00", CheckAt: "09:30"} }

// check reports the section's problems by path.
func (c ProjectsConfig) check(bad func(path, format string, args ...any)) {
	if _, err := parseWeekly(c.Review); err != nil {
		bad("projects.review", "%v", err)
	}
	if _, err := sinceMidnight(c.CheckAt); err != nil {
		bad("projects.check_at", "%v", err)
	}
}

// deps is the section as the projects feature takes it (checked by
// Validate; a value that does not parse keeps its default).
func (c ProjectsConfig) deps() projectcmd.Config {
	def := defaultProjects()
	review, err := parseWeekly(c.Review)
	if err != nil {
		review, _ = parseWeekly(def.Review)
	}
	checkAt, err := sinceMidnight(c.CheckAt)
	if err != nil {
		checkAt, _ = sinceMidnight(def.CheckAt)
	}
	return projectcmd.Config{Review: review, CheckAt: checkAt}
}
