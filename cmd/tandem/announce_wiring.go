package main

import "github.com/tandemhq/tandem/commands/announce"

// AnnounceConfig is the announcements' part of the configuration
// (commands/announce).
type AnnounceConfig struct {
	// Review is off, optional (the default) or required: whether an
	// announcement waits for a department head's approval before it goes
	// out.
	Review string `yaml:"review"`
}

// check reports a review mode that is none of the three.
func (c AnnounceConfig) check(bad func(path, format string, args ...any)) {
	if _, err := announce.ParseReview(c.Review); err != nil {
		bad("announce.review", "must be off, optional or required, not %q", c.Review)
	}
}

// deps is the announcements' configuration for the feature.
func (c AnnounceConfig) deps() announce.Config {
	mode, _ := announce.ParseReview(c.Review) // checked by Validate
	return announce.Config{Review: mode}
}
