package report

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // time zones work on machines without a zoneinfo database

	"github.com/robfig/cron/v3"
)

// Schedule says when a report runs: at the times of a cron expression or
// every fixed period (aligned on multiples of the period since the Unix
// epoch, so EVERY INTERVAL '15' MINUTE runs at :00, :15, :30 and :45).
type Schedule struct {
	text  string
	every time.Duration
	cron  cron.Schedule
	loc   *time.Location
}

// ParseCron reads a cron expression: five fields (minute hour day-of-month
// month day-of-week) or a descriptor (@daily, @every 1h), optionally
// prefixed with CRON_TZ=Zone or TZ=Zone. timezone, when not empty and the
// expression has no prefix, is the zone the fields are read in; without
// either they are read in UTC.
func ParseCron(expr, timezone string) (Schedule, error) {
	text := strings.TrimSpace(expr)
	loc := time.UTC
	if tz, ok := tzPrefix(text); ok {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return Schedule{}, fmt.Errorf("report: schedule %q: unknown time zone %q", expr, tz)
		}
		loc = l
	} else if timezone != "" {
		l, err := time.LoadLocation(timezone)
		if err != nil {
			return Schedule{}, fmt.Errorf("report: timezone %q: unknown time zone", timezone)
		}
		loc = l
		text = "CRON_TZ=" + timezone + " " + text
	} else {
		text = "CRON_TZ=UTC " + text
	}
	sched, err := cron.ParseStandard(text)
	if err != nil {
		return Schedule{}, fmt.Errorf("report: schedule %q: %w", expr, err)
	}
	return Schedule{text: strings.TrimSpace(expr), cron: sched, loc: loc}, nil
}

// tzPrefix returns the zone of a CRON_TZ= or TZ= prefix.
func tzPrefix(expr string) (string, bool) {
	for _, p := range []string{"CRON_TZ=", "TZ="} {
		if rest, ok := strings.CutPrefix(expr, p); ok {
			tz, _, _ := strings.Cut(rest, " ")
			return tz, true
		}
	}
	return "", false
}

// Every returns the schedule of a fixed period.
func Every(period time.Duration) (Schedule, error) {
	if period <= 0 {
		return Schedule{}, fmt.Errorf("report: period %v: want a positive period", period)
	}
	return Schedule{text: "every " + period.String(), every: period, loc: time.UTC}, nil
}

// String returns the schedule as written.
func (s Schedule) String() string { return s.text }

// Location is the zone the schedule is read in; reports show times in it.
func (s Schedule) Location() *time.Location {
	if s.loc == nil {
		return time.UTC
	}
	return s.loc
}

// Next returns the first run time strictly after t.
func (s Schedule) Next(t time.Time) time.Time {
	if s.every > 0 {
		p := s.every.Milliseconds()
		ms := t.UnixMilli()
		next := (ms/p + 1) * p
		if ms < 0 && ms%p != 0 {
			next -= p
		}
		return time.UnixMilli(next).UTC()
	}
	return s.cron.Next(t)
}

// Prev returns the last run time strictly before t; the zero time when
// there is none within ten years.
func (s Schedule) Prev(t time.Time) time.Time {
	if s.every > 0 {
		return s.Next(t.Add(-s.every - time.Millisecond))
	}
	// Step back until a run lies in [lo, t), then walk forward to the
	// last one.
	for step := time.Minute; step < 10*366*24*time.Hour; step *= 2 {
		lo := t.Add(-step)
		first := s.cron.Next(lo.Add(-time.Nanosecond))
		if first.IsZero() || !first.Before(t) {
			continue
		}
		prev := first
		for n := s.cron.Next(prev); !n.IsZero() && n.Before(t); n = s.cron.Next(n) {
			prev = n
		}
		return prev
	}
	return time.Time{}
}

// Period returns the length of the window that ends at run time t: the
// time since the previous run.
func (s Schedule) Period(t time.Time) time.Duration {
	if s.every > 0 {
		return s.every
	}
	// Next(Prev(t)) is t itself when t is a run time; for any other t
	// (eddy report --at) the window is the period of the runs around it.
	prev := s.Prev(t)
	if prev.IsZero() {
		return 24 * time.Hour
	}
	return s.Next(prev).Sub(prev)
}

// Due returns the run times in (after, upTo], oldest first, at most limit
// of them (the newest ones when there are more).
func (s Schedule) Due(after, upTo time.Time, limit int) []time.Time {
	var out []time.Time
	for t := s.Next(after); !t.IsZero() && !t.After(upTo); t = s.Next(t) {
		out = append(out, t)
		if len(out) > limit {
			out = out[1:]
		}
	}
	return out
}
