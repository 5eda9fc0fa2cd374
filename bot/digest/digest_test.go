package digest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/bot/digest"
)

type bareTx struct{ bot.Tx }

// Ensure a unit without the digest contract fails its calls with an error
// naming the unit, and that Reschedule then reports it.
func TestFrom_Missing(t *testing.T) {
	p := &bot.Person{ID: 1}
	next := func(string, time.Time, *time.Location) (time.Time, error) { return time.Now(), nil }
	err := digest.Reschedule(bareTx{}, p, time.Now(), time.UTC, next)
	if err == nil || !strings.Contains(err.Error(), "digest.Store") {
		t.Errorf("Reschedule on a bare unit: %v", err)
	}
	// Off, or without NextRun, nothing is asked of the store.
	p.DigestOff = true
	if err := digest.Reschedule(bareTx{}, p, time.Now(), time.UTC, next); err != nil {
		t.Errorf("digest off: %v", err)
	}
}

// Ensure a person's digest is at 09:00 on working days unless they chose.
func TestSchedule(t *testing.T) {
	if got := digest.Schedule(&bot.Person{}); got != "workdays:09:00" {
		t.Errorf("default = %q", got)
	}
	if got := digest.Schedule(&bot.Person{Digest: "08:30"}); got != "workdays:08:30" {
		t.Errorf("chosen = %q", got)
	}
}
