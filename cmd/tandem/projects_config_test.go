package main

import (
	"testing"
	"time"
)

func TestProjectsSection(t *testing.T) {
	c := DefaultConfig()
	d := c.Projects.deps()
	if d.Review.Weekday != time.Friday || d.Review.Clock != 16*time.Hour || d.CheckAt != 9*time.Hour+30*time.Minute {
		t.Errorf("defaults: %+v", d)
	}
	c.Projects = ProjectsConfig{Review: "周一 09:00", CheckAt: "10:15"}
	if d := c.Projects.deps(); d.Review.Weekday != time.Monday || d.Review.Clock != 9*time.Hour || d.CheckAt != 10*time.Hour+15*time.Minute {
		t.Errorf("chinese weekday: %+v", d)
	}
	if d := (ProjectsConfig{Review: "off", CheckAt: "09:30"}).deps(); !d.Review.Off {
		t.Errorf("off: %+v", d)
	}
	for _, bad := range []ProjectsConfig{{Review: "workdays 16:00", CheckAt: "09:30"}, {Review: "fri", CheckAt: "09:30"}, {Review: "fri 16:00", CheckAt: "9.30"}} {
		var problems []string
		bad.check(func(path, format string, args ...any) { problems = append(problems, path) })
		if len(problems) != 1 {
			t.Errorf("%+v: problems %v", bad, problems)
		}
	}
}
