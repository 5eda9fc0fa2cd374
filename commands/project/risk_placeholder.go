package project

import (
	"time"

	"github.com/tandemhq/tandem/bot/project"
	"github.com/tandemhq/tandem/bot/workcal"
)

// assess is the delay-risk rule (project.Assess, the risk helper's
// bot/project/risk.go). Placeholder until that branch is merged: it only
// counts, so the words and pictures can be built against the contract.
var assess = func(st *project.State, cal *workcal.Calendar, now time.Time) project.Assessment {
	a := project.Assessment{Now: now, Level: project.OnTrack}
	for _, x := range st.Tasks {
		switch {
		case x.Task.Status == "cancelled":
		case x.Task.Status == "done":
			a.Done++
			a.Total++
		default:
			a.Total++
			if x.Task.Overdue(now) {
				a.Overdue++
			}
		}
	}
	for _, m := range st.Milestones {
		a.Milestones = append(a.Milestones, project.MilestoneRisk{Milestone: m, Level: project.OnTrack})
	}
	return a
}
