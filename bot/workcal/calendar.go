package workcal

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

//go:embed data/*.ics
var dataFS embed.FS

const (
	// MaxScanDays is how many consecutive days without working time the
	// searching operations (NextWorkingMoment, AddBusiness, AddWorkdays,
	// NextWorkday, PrevWorkday) look through before giving up and returning
	// the zero time.Time. A calendar with no working days therefore cannot
	// make them loop forever.
	MaxScanDays = 366 * 2

	// HorizonDays bounds how far AddBusiness and AddWorkdays move from their
	// starting day (about 100 years); a result further away is reported as
	// the zero time.Time.
	HorizonDays = 366 * 100

	// exactDays is the longest span BusinessBetween walks day by day; longer
	// spans are counted arithmetically (see BusinessBetween).
	exactDays = 366 * 3
)

// DayInfo describes one calendar day.
type DayInfo struct {
	// Workday reports whether the day has business hours.
	Workday bool
	// Reason says why the day is what it is: "weekend", a holiday name such
	// as "春节", "make-up day for 春节" for a working day moved onto a
	// weekend (调休), or "" for an ordinary weekday.
	Reason string
}

// Override is a day set from configuration (see Options.Days).
type Override struct {
	// Date is the day, "YYYY-MM-DD", in the calendar's zone.
	Date string
	// Off makes the day a day off; otherwise it is a working day.
	Off bool
	// Name is the holiday's name. For a working day it is the holiday the
	// day makes up for ("春节" gives the reason "make-up day for 春节").
	Name string
}

// Options configures New.
type Options struct {
	// Region loads the holiday data embedded for a region ("CN" for
	// mainland China, the data/cn-*.ics files). Empty loads none. See
	// Regions.
	Region string
	// Location is the calendar's zone; every date and time given to the
	// calendar is converted to it before its date and clock are read.
	// Nil means Asia/Shanghai for Region "CN" and UTC otherwise.
	Location *time.Location
	// Weekend lists the weekly days off. Nil means Saturday and Sunday; an
	// empty non-nil slice means no weekly days off.
	Weekend []time.Weekday
	// Hours is the default business-hours schedule, used for every
	// department without its own. Nil means DefaultHours().
	Hours []Interval
	// Departments maps a department name to its own schedule. Lookups try
	// the exact name, then a case-insensitive match, then fall back to Hours.
	Departments map[string][]Interval
	// Days are applied after the region's data, in order, as by AddDay; use
	// them to add a newly announced year or a company-specific day.
	Days []Override
}

type override struct {
	off  bool
	name string
}

// snapshot is the immutable set of day overrides; writers replace it.
type snapshot struct {
	days map[int]override
	keys []int // sorted keys of days
	// years holds the years with at least one holiday (a day off) from any
	// source: the years whose holidays the calendar knows (Covers).
	years map[int]bool
}

// Calendar is a working calendar: weekly days off, business hours (per
// department where configured), and day overrides for holidays and make-up
// working days. Its queries are pure functions of their arguments and the
// calendar's data; it is safe for concurrent use, including ImportICS and
// AddDay while queries run (each query sees one consistent version).
type Calendar struct {
	loc     *time.Location
	weekend [7]bool
	hours   []Interval
	depts   map[string][]Interval
	folded  map[string][]Interval // lower-cased department names

	mu   sync.Mutex // serialises writers
	snap atomic.Pointer[snapshot]
}

// New builds a calendar from opts.
func New(opts Options) (*Calendar, error) {
	region := strings.ToLower(strings.TrimSpace(opts.Region))
	c := &Calendar{loc: opts.Location, depts: map[string][]Interval{}, folded: map[string][]Interval{}}
	if c.loc == nil {
		if region == "cn" {
			c.loc = shanghai()
		} else {
			c.loc = time.UTC
		}
	}
	if opts.Weekend == nil {
		c.weekend[time.Saturday], c.weekend[time.Sunday] = true, true
	}
	for _, wd := range opts.Weekend {
		if wd < time.Sunday || wd > time.Saturday {
			return nil, fmt.Errorf("workcal: invalid weekday %d", wd)
		}
		c.weekend[wd] = true
	}
	var err error
	if opts.Hours == nil {
		c.hours = DefaultHours()
	} else if c.hours, err = normalizeHours(opts.Hours); err != nil {
		return nil, err
	}
	for name, h := range opts.Departments {
		n, err := normalizeHours(h)
		if err != nil {
			return nil, fmt.Errorf("workcal: department %q: %w", name, err)
		}
		c.depts[name] = n
	}
	for _, name := range slices.Sorted(maps.Keys(c.depts)) {
		if _, dup := c.folded[strings.ToLower(name)]; !dup {
			c.folded[strings.ToLower(name)] = c.depts[name]
		}
	}
	c.snap.Store(&snapshot{days: map[int]override{}, years: map[int]bool{}})

	if region != "" {
		files, _ := fs.Glob(dataFS, "data/"+region+"-*.ics")
		if len(files) == 0 {
			return nil, fmt.Errorf("workcal: no embedded holiday data for region %q (have %s)", opts.Region, strings.Join(Regions(), ", "))
		}
		sort.Strings(files)
		for _, f := range files {
			data, err := dataFS.ReadFile(f)
			if err != nil {
				return nil, err
			}
			if err := c.ImportICS(bytes.NewReader(data)); err != nil {
				return nil, fmt.Errorf("workcal: embedded %s: %w", f, err)
			}
		}
	}
	for _, o := range opts.Days {
		d, err := c.ParseDate(o.Date)
		if err != nil {
			return nil, err
		}
		c.AddDay(d, o.Off, o.Name)
	}
	return c, nil
}

// ChinaMainland returns a calendar for mainland China: Saturday and Sunday
// off, DefaultHours, and the embedded statutory holidays and make-up working
// days (调休) announced by the State Council. A nil loc means Asia/Shanghai.
func ChinaMainland(loc *time.Location) (*Calendar, error) {
	return New(Options{Region: "CN", Location: loc})
}

// Regions lists the regions with embedded holiday data, e.g. ["CN"].
func Regions() []string {
	files, _ := fs.Glob(dataFS, "data/*-*.ics")
	var out []string
	for _, f := range files {
		r, _, _ := strings.Cut(path.Base(f), "-")
		out = append(out, strings.ToUpper(r))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// shanghai is Asia/Shanghai, or UTC+8 where no zone database is available
// (mainland China has not observed daylight saving time since 1991, so the
// fixed zone gives the same answers for any date the calendar has data for).
func shanghai() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*60*60)
}

// ImportICS adds the days of an iCalendar feed (see the package
// documentation for the events it understands). Days it names replace
// whatever was set for them before, so later imports override earlier ones.
// The feed is applied entirely or, on error, not at all; a feed without a
// single usable event is an error.
func (c *Calendar) ImportICS(r io.Reader) error {
	entries, err := parseICS(r, c.loc)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return errors.New("workcal: iCalendar feed has no holiday or working-day events")
	}
	c.update(func(days map[int]override, years map[int]bool) {
		for _, e := range entries {
			for k := e.first; k <= e.last; k++ {
				days[k] = override{e.off, e.name}
				if e.off {
					years[yearOf(k)] = true
				}
			}
		}
	})
	return nil
}

// AddDay sets one day, e.g. from configuration: off with the holiday's name,
// or a working day with the name of the holiday it makes up for (empty for
// none). It replaces whatever was set for that day before.
func (c *Calendar) AddDay(date time.Time, off bool, name string) {
	k := dayNumber(date.In(c.loc))
	c.update(func(days map[int]override, years map[int]bool) {
		days[k] = override{off, strings.TrimSpace(name)}
		if off {
			years[yearOf(k)] = true
		}
	})
}

func (c *Calendar) update(f func(days map[int]override, years map[int]bool)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.snap.Load()
	days, years := maps.Clone(old.days), maps.Clone(old.years)
	f(days, years)
	keys := slices.Sorted(maps.Keys(days))
	c.snap.Store(&snapshot{days: days, keys: keys, years: years})
}

// Covers reports whether the calendar knows the holidays of year: whether
// any of its sources (the region's embedded data, an iCalendar feed, a day
// added by AddDay) names a day off in that year. A calendar given no
// holiday data at all counts weekends only by choice and covers every
// year. Answers about a year it does not cover count weekends only, so
// that a holiday such as 春节 is taken for a working day; callers say so.
func (c *Calendar) Covers(year int) bool {
	s := c.snap.Load()
	return len(s.years) == 0 || s.years[year]
}

// CoveredYears lists the years whose holidays the calendar knows, in order.
func (c *Calendar) CoveredYears() []int {
	return slices.Sorted(maps.Keys(c.snap.Load().years))
}

// Uncovered lists the years from the day of from to the day of to (in the
// calendar's zone, either order) whose holidays the calendar does not know
// (Covers).
func (c *Calendar) Uncovered(from, to time.Time) []int {
	a, b := from.In(c.loc).Year(), to.In(c.loc).Year()
	if a > b {
		a, b = b, a
	}
	var out []int
	for y := a; y <= b; y++ {
		if !c.Covers(y) {
			out = append(out, y)
		}
	}
	return out
}

// Location returns the calendar's zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Date returns midnight at the start of the given day in the calendar's zone.
func (c *Calendar) Date(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, c.loc)
}

// ParseDate parses "YYYY-MM-DD" as a day in the calendar's zone.
func (c *Calendar) ParseDate(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(s), c.loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("workcal: date %q: want YYYY-MM-DD", s)
	}
	return t, nil
}

// Hours returns the business hours that apply to dept (a copy).
func (c *Calendar) Hours(dept string) []Interval {
	return slices.Clone(c.hoursFor(dept))
}

func (c *Calendar) hoursFor(dept string) []Interval {
	if h, ok := c.depts[dept]; ok {
		return h
	}
	if h, ok := c.folded[strings.ToLower(dept)]; ok {
		return h
	}
	return c.hours
}

// Day describes the day containing date.
func (c *Calendar) Day(date time.Time) DayInfo {
	return c.info(c.snap.Load(), dayNumber(date.In(c.loc)))
}

// IsWorkday reports whether the day containing date is a working day.
func (c *Calendar) IsWorkday(date time.Time) bool {
	return c.info(c.snap.Load(), dayNumber(date.In(c.loc))).Workday
}

// Describe returns "YYYY-MM-DD workday" or "YYYY-MM-DD off", followed by a
// space and the reason when there is one, e.g.
// "2026-02-14 workday make-up day for 春节", "2026-02-16 off 春节",
// "2026-03-07 off weekend", "2026-03-09 workday".
func (c *Calendar) Describe(date time.Time) string {
	k := dayNumber(date.In(c.loc))
	info := c.info(c.snap.Load(), k)
	y, m, d := civil(k)
	s := fmt.Sprintf("%04d-%02d-%02d ", y, m, d)
	if info.Workday {
		s += "workday"
	} else {
		s += "off"
	}
	if info.Reason != "" {
		s += " " + info.Reason
	}
	return s
}

func (c *Calendar) info(s *snapshot, k int) DayInfo {
	if o, ok := s.days[k]; ok {
		switch {
		case o.off && o.name == "":
			return DayInfo{false, "holiday"}
		case o.off:
			return DayInfo{false, o.name}
		case o.name == "":
			return DayInfo{true, "make-up day"}
		default:
			return DayInfo{true, "make-up day for " + o.name}
		}
	}
	if c.weekend[weekday(k)] {
		return DayInfo{false, "weekend"}
	}
	return DayInfo{true, ""}
}

func (c *Calendar) workday(s *snapshot, k int) bool {
	if o, ok := s.days[k]; ok {
		return !o.off
	}
	return !c.weekend[weekday(k)]
}

// IsWorkingTime reports whether t lies inside dept's business hours on a
// working day. Intervals are half-open: 09:00 is working time, 12:00 (the
// start of lunch) is not.
func (c *Calendar) IsWorkingTime(t time.Time, dept string) bool {
	t = t.In(c.loc)
	k := dayNumber(t)
	if !c.workday(c.snap.Load(), k) {
		return false
	}
	for _, sp := range c.spans(k, c.hoursFor(dept)) {
		if !t.Before(sp.start) && t.Before(sp.end) {
			return true
		}
	}
	return false
}

// NextWorkingMoment returns t itself if it is working time for dept, and
// otherwise the start of the next business interval (in the calendar's
// zone). It returns the zero time.Time if there is no working day within
// MaxScanDays.
func (c *Calendar) NextWorkingMoment(t time.Time, dept string) time.Time {
	s, hrs := c.snap.Load(), c.hoursFor(dept)
	lt := t.In(c.loc)
	k := dayNumber(lt)
	for i := 0; i <= MaxScanDays; i++ {
		if !c.workday(s, k+i) {
			continue
		}
		for _, sp := range c.spans(k+i, hrs) {
			if lt.Before(sp.start) {
				return sp.start
			}
			if lt.Before(sp.end) {
				return t
			}
		}
	}
	return time.Time{}
}

// AddBusiness returns the earliest moment at which d of working time (for
// dept) has elapsed since t: nights, lunch breaks, weekends and holidays are
// skipped and make-up working days count. If d ends exactly at the close of
// an interval the result is that close (e.g. 12:00 or 18:00), not the next
// opening. A negative d counts backwards and returns the latest moment u
// with BusinessBetween(u, t) == -d. d == 0 returns t unchanged.
//
// Except for d == 0, the result is in the calendar's zone. It is the zero
// time.Time when MaxScanDays consecutive days pass without a working day,
// or the result would be more than HorizonDays away.
func (c *Calendar) AddBusiness(t time.Time, d time.Duration, dept string) time.Time {
	if d == 0 {
		return t
	}
	s, hrs := c.snap.Load(), c.hoursFor(dept)
	cur := t.In(c.loc)
	k := dayNumber(cur)
	idle := 0
	if d > 0 {
		rem := d
		for i := 0; i <= HorizonDays; i++ {
			if !c.workday(s, k+i) {
				if idle++; idle > MaxScanDays {
					break
				}
				continue
			}
			idle = 0
			for _, sp := range c.spans(k+i, hrs) {
				if !cur.Before(sp.end) {
					continue
				}
				if cur.Before(sp.start) {
					cur = sp.start
				}
				avail := sp.end.Sub(cur)
				if rem <= avail {
					return cur.Add(rem)
				}
				rem -= avail
				cur = sp.end
			}
		}
		return time.Time{}
	}
	rem := -d
	if d == math.MinInt64 {
		rem = math.MaxInt64
	}
	for i := 0; i <= HorizonDays; i++ {
		if !c.workday(s, k-i) {
			if idle++; idle > MaxScanDays {
				break
			}
			continue
		}
		idle = 0
		sps := c.spans(k-i, hrs)
		for j := len(sps) - 1; j >= 0; j-- {
			sp := sps[j]
			if !cur.After(sp.start) {
				continue
			}
			if cur.After(sp.end) {
				cur = sp.end
			}
			avail := cur.Sub(sp.start)
			if rem <= avail {
				return cur.Add(-rem)
			}
			rem -= avail
			cur = sp.start
		}
	}
	return time.Time{}
}

// AddWorkdays moves t to the n-th working day after the day of t (n > 0),
// before it (n < 0), or to the day of t itself if it is a working day and
// otherwise the next working day (n == 0), keeping t's wall clock. The clock
// is then clamped into that day's business hours for dept: a clock inside an
// interval is kept; one before an interval (early morning, lunch) moves to
// that interval's start; one after the day's last interval becomes that
// interval's end (close of business, e.g. 18:00), so the result always stays
// on the n-th working day. The result is in the calendar's zone, or the zero
// time.Time if no such day exists within the scan limits (MaxScanDays,
// HorizonDays).
func (c *Calendar) AddWorkdays(t time.Time, n int, dept string) time.Time {
	s := c.snap.Load()
	lt := t.In(c.loc)
	k := dayNumber(lt)
	var (
		target int
		ok     bool
	)
	switch {
	case n == 0:
		target, ok = c.seek(s, k, 1, true)
	default:
		step := 1
		if n < 0 {
			step = -1
		}
		target = k
		for i := 0; i != n; i += step {
			if target, ok = c.seek(s, target, step, false); !ok || abs(target-k) > HorizonDays {
				return time.Time{}
			}
		}
	}
	if !ok {
		return time.Time{}
	}
	y, m, dd := civil(target)
	h, mi, sec := lt.Clock()
	clock := time.Date(y, m, dd, h, mi, sec, lt.Nanosecond(), c.loc)
	sps := c.spans(target, c.hoursFor(dept))
	for _, sp := range sps {
		if clock.Before(sp.end) {
			if clock.Before(sp.start) {
				return sp.start
			}
			return clock
		}
	}
	return sps[len(sps)-1].end
}

// BusinessBetween returns the working time for dept in [a, b); it is
// negative when b is before a (BusinessBetween(b, a) == -BusinessBetween(a, b)).
// Spans up to three years are measured day by day with real clock times;
// longer spans count whole days arithmetically from the nominal length of
// the business hours (the two differ only in zones where a daylight-saving
// change falls inside business hours). The result saturates instead of
// overflowing.
func (c *Calendar) BusinessBetween(a, b time.Time, dept string) time.Duration {
	if b.Before(a) {
		return -c.BusinessBetween(b, a, dept)
	}
	s, hrs := c.snap.Load(), c.hoursFor(dept)
	a, b = a.In(c.loc), b.In(c.loc)
	ka, kb := dayNumber(a), dayNumber(b)
	if kb-ka <= exactDays {
		var total time.Duration
		for k := ka; k <= kb; k++ {
			total += c.overlap(s, k, hrs, a, b)
		}
		return total
	}
	total := c.overlap(s, ka, hrs, a, b) + c.overlap(s, kb, hrs, a, b)
	lo, hi := ka+1, kb-1
	n := hi - lo + 1
	perWeek := int64(0)
	for _, off := range c.weekend {
		if !off {
			perWeek++
		}
	}
	workdays := int64(n/7) * perWeek
	for k := lo + n/7*7; k <= hi; k++ {
		if !c.weekend[weekday(k)] {
			workdays++
		}
	}
	for i := sort.SearchInts(s.keys, lo); i < len(s.keys) && s.keys[i] <= hi; i++ {
		k := s.keys[i]
		plain, actual := !c.weekend[weekday(k)], !s.days[k].off
		switch {
		case plain && !actual:
			workdays--
		case !plain && actual:
			workdays++
		}
	}
	var perDay time.Duration
	for _, iv := range hrs {
		perDay += iv.length()
	}
	return satAdd(total, satMul(workdays, perDay))
}

// overlap is the working time of day k inside [a, b).
func (c *Calendar) overlap(s *snapshot, k int, hrs []Interval, a, b time.Time) time.Duration {
	if !c.workday(s, k) {
		return 0
	}
	var total time.Duration
	for _, sp := range c.spans(k, hrs) {
		lo, hi := sp.start, sp.end
		if a.After(lo) {
			lo = a
		}
		if b.Before(hi) {
			hi = b
		}
		if hi.After(lo) {
			total += hi.Sub(lo)
		}
	}
	return total
}

// NextWorkday returns midnight (in the calendar's zone) of the first working
// day after the day containing date, or the zero time.Time if there is none
// within MaxScanDays.
func (c *Calendar) NextWorkday(date time.Time) time.Time {
	k, ok := c.seek(c.snap.Load(), dayNumber(date.In(c.loc)), 1, false)
	if !ok {
		return time.Time{}
	}
	return c.midnight(k)
}

// PrevWorkday returns midnight of the last working day before the day
// containing date, or the zero time.Time if there is none within MaxScanDays.
func (c *Calendar) PrevWorkday(date time.Time) time.Time {
	k, ok := c.seek(c.snap.Load(), dayNumber(date.In(c.loc)), -1, false)
	if !ok {
		return time.Time{}
	}
	return c.midnight(k)
}

// LastWorkdayOfMonth returns midnight of the month's last working day (which
// may be a make-up Saturday), or the zero time.Time if it has none.
func (c *Calendar) LastWorkdayOfMonth(year int, month time.Month) time.Time {
	s := c.snap.Load()
	first := dayNumberOf(year, month, 1)
	last := dayNumberOf(year, month+1, 1) - 1
	for k := last; k >= first; k-- {
		if c.workday(s, k) {
			return c.midnight(k)
		}
	}
	return time.Time{}
}

// WorkdaysInMonth counts the month's working days.
func (c *Calendar) WorkdaysInMonth(year int, month time.Month) int {
	s := c.snap.Load()
	n := 0
	for k := dayNumberOf(year, month, 1); k < dayNumberOf(year, month+1, 1); k++ {
		if c.workday(s, k) {
			n++
		}
	}
	return n
}

// seek looks for a working day from k in direction step (k itself only if
// inclusive), through at most MaxScanDays days.
func (c *Calendar) seek(s *snapshot, k, step int, inclusive bool) (int, bool) {
	if !inclusive {
		k += step
	}
	for i := 0; i < MaxScanDays; i++ {
		if c.workday(s, k) {
			return k, true
		}
		k += step
	}
	return 0, false
}

type span struct{ start, end time.Time }

// spans returns the business intervals of day k as instants.
func (c *Calendar) spans(k int, hrs []Interval) []span {
	y, m, d := civil(k)
	out := make([]span, len(hrs))
	for i, iv := range hrs {
		out[i] = span{c.wall(y, m, d, iv.Start), c.wall(y, m, d, iv.End)}
	}
	return out
}

func (c *Calendar) wall(y int, m time.Month, d int, clock time.Duration) time.Time {
	return time.Date(y, m, d, int(clock/time.Hour), int(clock%time.Hour/time.Minute),
		int(clock%time.Minute/time.Second), int(clock%time.Second), c.loc)
}

func (c *Calendar) midnight(k int) time.Time {
	y, m, d := civil(k)
	return time.Date(y, m, d, 0, 0, 0, 0, c.loc)
}

// Days are numbered from 1970-01-01 (day 0), independent of any zone.

func dayNumberOf(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// dayNumber is the number of t's date as read in t's own location.
func dayNumber(t time.Time) int {
	y, m, d := t.Date()
	return dayNumberOf(y, m, d)
}

func civil(k int) (int, time.Month, int) {
	return time.Unix(int64(k)*86400, 0).UTC().Date()
}

func yearOf(k int) int { y, _, _ := civil(k); return y }

func weekday(k int) time.Weekday {
	return time.Weekday(((k % 7) + 7 + int(time.Thursday)) % 7) // day 0 was a Thursday
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func satAdd(a, b time.Duration) time.Duration {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func satMul(n int64, d time.Duration) time.Duration {
	if n <= 0 || d <= 0 {
		return 0
	}
	if int64(d) > math.MaxInt64/n {
		return math.MaxInt64
	}
	return time.Duration(n) * d
}
