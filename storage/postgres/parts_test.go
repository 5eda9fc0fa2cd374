package postgres_test

import "github.com/tandemhq/tandem/storage/storetest"

// notYet lists the contract parts the PostgreSQL store does not pass yet
// (docs/postgres.md, "Where the contract stands", says what fails in each);
// a part removed from here must pass.
var notYet = []storetest.Part{storetest.Tickets, storetest.Standups, storetest.Projects, storetest.Asks}
