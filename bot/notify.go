package bot

// NotifyAbout is Notify for news about one subject ("task/3"): the message
// waits Bot.NotifyWindow in the outbox, and whatever else is said about the
// subject to p in that time is merged into it (MergeMessages), so a burst of
// changes arrives as one message with the latest card.
func (r *Request) NotifyAbout(p *Person, subject string, m Message) error {
	n := len(r.notes)
	if err := r.Notify(p, m); err != nil || len(r.notes) == n {
		return err
	}
	r.notes[n].about = subject
	return nil
}

// coalesceKey is the Outgoing.Coalesce of a note: its subject for its one
// recipient.
func (n note) coalesceKey() string {
	if n.about == "" {
		return ""
	}
	return n.to.Platform + "/" + n.to.Workspace + "/" + n.to.ChatID + "/" + n.to.UserID + "/" + n.about
}
