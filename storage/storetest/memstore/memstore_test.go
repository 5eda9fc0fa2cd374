package memstore_test

import (
	"testing"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/storage/storetest"
	"github.com/tandemhq/tandem/storage/storetest/memstore"
)

// Ensure the in-memory store keeps the jobs part of the contract, with the
// same claim rules as SQLite; it declares the parts it does not keep.
func TestContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) bot.Store { return memstore.New() },
		storetest.Outbox, storetest.Inbox, storetest.People, storetest.Live, storetest.Tickets,
		storetest.Meetings, storetest.Bindings, storetest.TaskDeps, storetest.Standups, storetest.Files,
		storetest.Projects, storetest.Asks, storetest.Stats, storetest.Exports, storetest.Leases, storetest.Secrets, storetest.Rates)
}
