package main

import ticketcmd "github.com/tandemhq/tandem/commands/ticket"

// ticketsDeps turns the validated tickets section into what the ticket
// feature is given.
func ticketsDeps(tc TicketsConfig) ticketcmd.Config {
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
	return out
}
