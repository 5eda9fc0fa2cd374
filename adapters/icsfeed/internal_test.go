package icsfeed

import (
	"testing"
	"time"
)

// Ensure time boxes and durations are written as people and RFC 5545 read them.
func TestDurations(t *testing.T) {
	for d, want := range map[time.Duration]string{15 * time.Minute: "15m", time.Hour: "1h", 90 * time.Minute: "1h30m"} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
	for d, want := range map[time.Duration]string{time.Hour: "PT1H", 90 * time.Minute: "PT1H30M", 0: "PT0S", 45 * time.Second: "PT45S"} {
		if got := isoDuration(d); got != want {
			t.Errorf("isoDuration(%v) = %q, want %q", d, got, want)
		}
	}
	for s, want := range map[int]string{8 * 3600: "+0800", -5 * 3600: "-0500", 5*3600 + 45*60: "+0545", -(3600 + 30): "-010030"} {
		if got := utcOffset(s); got != want {
			t.Errorf("utcOffset(%d) = %q, want %q", s, got, want)
		}
	}
}
