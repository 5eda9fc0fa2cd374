package main

import (
	"strings"

	"github.com/tandemhq/tandem/bot"
	ticketcmd "github.com/tandemhq/tandem/commands/ticket"
)

// ticketsDeps turns the validated tickets section, and the departments'
// chats, into what the ticket feature is given.
func ticketsDeps(cfg Config) ticketcmd.Config {
	tc := cfg.Tickets
	out := ticketcmd.Config{Policies: tc.TicketPolicies(), DigestSchedule: tc.DigestSchedule(),
		Playbooks: map[string][]ticketcmd.Play{}}
	for _, r := range tc.TicketRoutes() {
		out.Routes = append(out.Routes, ticketcmd.Route{Category: r.Category, Dept: r.Dept, Owner: r.Owner, RoundRobin: r.RoundRobin})
	}
	for cat, plays := range tc.TicketPlaybooks() {
		for _, p := range plays {
			out.Playbooks[cat] = append(out.Playbooks[cat], ticketcmd.Play{Dept: p.Dept, Title: p.Title})
		}
	}
	for _, d := range cfg.Departments {
		for _, ch := range d.Chats {
			to, _, _ := cfg.deptChat(ch) // checked by Validate
			if out.Groups == nil {
				out.Groups = map[string][]bot.Destination{}
			}
			name := strings.ToLower(d.Name)
			out.Groups[name] = append(out.Groups[name], to)
		}
	}
	return out
}
