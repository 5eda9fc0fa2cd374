package bot

import "time"

// NotifyAbout is Notify for news about one subject ("task/3"): the message
// waits the Notifier's Window in the outbox, and whatever else is said about
// the subject to p in that time is merged into it (MergeMessages), so a
// burst of changes arrives as one message with the latest card.
func (r *Request) NotifyAbout(p *Person, subject string, m Message) error {
	return r.Tell(Notice{To: p, Subject: subject}, func(Lang, *time.Location) Message { return m })
}
