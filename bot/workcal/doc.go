// Package workcal is the working calendar that SLA clocks, reminders ("every
// workday 9:30") and daily digests follow: weekly days off, business hours
// (per department where configured, e.g. 09:00–12:00 and 13:30–18:00 with
// the lunch break not counted), statutory holidays and make-up working days
// (调休, e.g. a Saturday that is a working day).
//
// # Data
//
// Holiday data is iCalendar (RFC 5545). The data/*.ics files are embedded;
// Options.Region "CN" (or ChinaMainland) loads data/cn-*.ics, the State
// Council (国务院办公厅) notices for 2025 (国办发明电〔2024〕12号) and 2026
// (国办发明电〔2025〕7号). A newly announced year, or another region's
// calendar, needs no code change: import its feed with ImportICS, list the
// days in configuration (Options.Days, AddDay), or drop a data/<region>-<year>.ics
// file next to the others.
//
// # Coverage
//
// A calendar knows the holidays of a year when one of its sources names a
// day off in it (Covers): the shipped data covers 2025 and 2026. Answers
// about any other year count weekends only, so callers say so (Uncovered)
// rather than call 春节 a working day. A calendar built without any holiday
// data (a weekends-only calendar, by choice) covers every year.
//
// # iCalendar convention
//
// The shipped files use one VEVENT per holiday period and one per make-up
// working day, all-day (DTSTART;VALUE=DATE, DTEND;VALUE=DATE exclusive):
//
//	BEGIN:VEVENT
//	DTSTART;VALUE=DATE:20260215
//	DTEND;VALUE=DATE:20260224
//	SUMMARY;LANGUAGE=zh_CN:春节
//	CATEGORIES:HOLIDAY
//	X-APPLE-SPECIAL-DAY:WORK-HOLIDAY
//	END:VEVENT
//	BEGIN:VEVENT
//	DTSTART;VALUE=DATE:20260214
//	DTEND;VALUE=DATE:20260215
//	SUMMARY;LANGUAGE=zh_CN:春节补班
//	CATEGORIES:WORKDAY
//	X-APPLE-SPECIAL-DAY:ALTERNATE-WORKDAY
//	END:VEVENT
//
// X-APPLE-SPECIAL-DAY is what Apple's public China holiday feed uses
// (WORK-HOLIDAY for days off, ALTERNATE-WORKDAY for make-up days, with
// summaries like "春节（休）" and "国庆节（班）"); "…补班" / "…假期" summaries
// are what other public Chinese feeds use. ImportICS therefore classifies
// each event by, in order of precedence:
//
//  1. X-APPLE-SPECIAL-DAY: WORK-HOLIDAY is off, ALTERNATE-WORKDAY is a working day;
//  2. CATEGORIES: WORKDAY (or 补班, 上班, 班, 工作日) is a working day;
//     HOLIDAY (or PUBLIC HOLIDAY, 假期, 放假, 休, 休息, 节假日) is off;
//  3. SUMMARY: containing 补班, 上班, （班）, (班), [班] or [加班] is a working day;
//     containing （休）, (休), [休], 假期 or 放假 is off;
//  4. otherwise the event is unmarked. If any event of the feed is marked,
//     unmarked events are informational (festivals such as 腊八节 in Apple's
//     feed) and ignored; in a feed with no marks at all (a plain public
//     holiday feed) every event is a day off.
//
// The holiday's name is the SUMMARY without those marks ("春节补班",
// "春节（班）", "春节 (补班)", "春节假期 第1天/共8天" all name 春节). Events
// with RRULE or RDATE (recurring festivals) and cancelled events are skipped.
// DTEND may be absent (one day) or replaced by DURATION; DATE-TIME values
// are read in their TZID, in UTC with a "Z", or otherwise in the calendar's
// zone. A feed is applied whole or, if malformed or truncated, not at all.
//
// # Time
//
// Every date and time passed in is converted to the calendar's zone before
// its date and clock are read, and results are in that zone. All operations
// are pure functions of their arguments and the calendar's data. Searches are
// bounded: an operation that finds no working time within MaxScanDays
// consecutive days (or further than HorizonDays away) returns the zero
// time.Time instead of looping, so a calendar with no working days is safe.
package workcal
