package storetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/tandemhq/tandem/bot"
)

// secretTests hold a store to bot.SecretTx: the first value stored under a
// name is the one every later caller gets, racing callers included.
var secretTests = map[string]func(*testing.T, bot.Store){
	"first kept wins, names independent": testSecretFirstWins,
	"racing replicas all get one value":  testSecretRace,
}

func testSecretFirstWins(t *testing.T, s bot.Store) {
	ctx := context.Background()
	keep := func(name, candidate string) string {
		t.Helper()
		got, err := bot.KeepSecret(ctx, s, name, []byte(candidate))
		if err != nil {
			t.Fatal(err)
		}
		return string(got)
	}
	if got := keep("feed-key", "first"); got != "first" {
		t.Fatalf("a new name kept %q, want the candidate", got)
	}
	if got := keep("feed-key", "second"); got != "first" {
		t.Fatalf("a second candidate replaced the kept value: %q", got)
	}
	if got := keep("other", "mine"); got != "mine" {
		t.Fatalf("another name got %q", got)
	}
}

func testSecretRace(t *testing.T, s bot.Store) {
	const n = 8
	got := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got[i], errs[i] = bot.KeepSecret(context.Background(), s, "raced", []byte(fmt.Sprint("candidate-", i)))
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(got[i], got[0]) {
			t.Fatalf("replica %d got %q, replica 0 %q: not one shared value", i, got[i], got[0])
		}
	}
}
