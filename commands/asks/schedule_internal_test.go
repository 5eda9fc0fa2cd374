package asks

import (
	"testing"
	"time"

	"github.com/tandemhq/tandem/bot/workcal"
	"github.com/tandemhq/tandem/scheduler"
)

// Ensure the schedules the recurring jobs are stored with are ones the
// scheduler reads: the reminders on working days only (the Spring
// Festival 2026 is 15–23 February), the read polls three times a day.
func TestSchedulesAreReadByTheScheduler(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	cal, err := workcal.ChinaMainland(loc)
	if err != nil {
		t.Fatal(err)
	}
	e := New(Deps{Calendar: cal, RemindAt: 10 * time.Hour})
	next, err := scheduler.Next("workdays:"+clock(e.d.RemindAt), time.Date(2026, 2, 14, 10, 0, 0, 0, loc), loc, cal)
	if want := time.Date(2026, 2, 24, 10, 0, 0, 0, loc); err != nil || !next.Equal(want) {
		t.Errorf("next reminder after the make-up Saturday: %v, %v; want %v", next, err, want)
	}
	next, err = scheduler.Next(readsSchedule, time.Date(2026, 2, 24, 11, 0, 0, 0, loc), loc, cal)
	if want := time.Date(2026, 2, 24, 15, 0, 0, 0, loc); err != nil || !next.Equal(want) {
		t.Errorf("next read poll: %v, %v; want %v", next, err, want)
	}
}
