package workcal_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/bot/workcal"
)

// Ensure the calendar knows which years it has holiday data for, from every
// source: the embedded region data, an iCalendar feed, days added by hand.
func TestCovers(t *testing.T) {
	c := china(t)
	if got := c.CoveredYears(); !slices.Equal(got, []int{2025, 2026}) {
		t.Fatalf("embedded CN data covers %v, want [2025 2026]", got)
	}
	if c.Covers(2027) || c.Covers(2024) || !c.Covers(2026) {
		t.Fatalf("Covers(2024, 2026, 2027) = %v, %v, %v", c.Covers(2024), c.Covers(2026), c.Covers(2027))
	}
	if got := c.Uncovered(day(t, c, "2026-12-31"), day(t, c, "2028-01-03")); !slices.Equal(got, []int{2027, 2028}) {
		t.Fatalf("Uncovered(2026-12-31, 2028-01-03) = %v", got)
	}
	if err := c.ImportICS(strings.NewReader(feed2027)); err != nil {
		t.Fatal(err)
	}
	if !c.Covers(2027) {
		t.Fatal("a feed with 2027's holidays does not cover 2027")
	}

	// A make-up working day alone says nothing about a year's holidays.
	c.AddDay(day(t, c, "2028-01-29"), false, "春节")
	if c.Covers(2028) {
		t.Fatal("a make-up day alone covers 2028")
	}
	c.AddDay(day(t, c, "2028-01-26"), true, "春节")
	if !c.Covers(2028) {
		t.Fatal("a configured holiday does not cover 2028")
	}

	// A calendar without any holiday data counts weekends only by choice:
	// no year is missing anything.
	plain, err := workcal.New(workcal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !plain.Covers(2027) || len(plain.Uncovered(day(t, plain, "2027-01-01"), day(t, plain, "2027-12-31"))) != 0 {
		t.Fatal("a weekends-only calendar reports missing years")
	}
}
