package main

import (
	"net/http"
)

// openPlatforms builds the configured chat platform adapters, registers
// their webhook routes and outbox senders, and returns starters for their
// inbound connections.
func (m *Main) openPlatforms(routes map[string]http.Handler) ([]func() (func() error, error), error) {
	return nil, nil
}
