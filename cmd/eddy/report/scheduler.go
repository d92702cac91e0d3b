package report

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// catchUpGrace is how late a run may start and still count as on time
// under catch_up = 'none'.
const catchUpGrace = time.Minute

// maxCatchUp bounds the missed runs run at start.
const maxCatchUp = 1000

// Scheduler runs an application's reports on their schedules: each due
// run is run with retries, rendered and delivered, and its scheduled time
// recorded in the state directory (reports/NAME.last), so runs missed
// while Eddy was down are found at the next start. A Scheduler is used by
// one goroutine at a time.
type Scheduler struct {
	cfg     Config
	runner  *Runner
	reports []*Report
	// outDir, when set, replaces every report's default directory.
	outDir string
	last   map[string]time.Time
}

// NewScheduler returns a scheduler of reports; outDir, when not empty,
// is the directory reports delivered to a directory go to.
func NewScheduler(cfg Config, runner *Runner, reports []*Report, outDir string) *Scheduler {
	cfg.defaults()
	return &Scheduler{cfg: cfg, runner: runner, reports: reports, outDir: outDir, last: map[string]time.Time{}}
}

// Run ticks until ctx is done: it runs what is due, then sleeps until the
// next run (at most a minute at a time, so clock changes are noticed). It
// returns ctx's error.
func (s *Scheduler) Run(ctx context.Context) error {
	for {
		now := s.cfg.Clock()
		s.Tick(ctx, now)
		wait := time.Minute
		if next := s.Next(now); !next.IsZero() && next.Sub(now) < wait {
			wait = max(next.Sub(now), 10*time.Millisecond)
		}
		if err := s.cfg.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// Next returns the earliest run time after now over all reports.
func (s *Scheduler) Next(now time.Time) time.Time {
	var next time.Time
	for _, r := range s.reports {
		if t := r.Schedule.Next(now); !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next
}

// Tick runs every report run due at now: the runs after the last one
// recorded, up to now, as the report's catch_up option says (all, the
// latest only, or none but a run that is on time). On the very first tick
// of a report nothing is due: its schedule starts now.
func (s *Scheduler) Tick(ctx context.Context, now time.Time) {
	for _, r := range s.reports {
		if ctx.Err() != nil {
			return
		}
		last, ok := s.lastRun(r)
		if !ok {
			s.record(r, now)
			continue
		}
		due := r.Schedule.Due(last, now, maxCatchUp)
		if len(due) == 0 {
			continue
		}
		run := due
		switch r.CatchUp {
		case "latest":
			run = due[len(due)-1:]
		case "none":
			run = nil
			if t := due[len(due)-1]; now.Sub(t) < catchUpGrace {
				run = due[len(due)-1:]
			}
		}
		if skipped := len(due) - len(run); skipped > 0 {
			s.cfg.Log(fmt.Sprintf("report %s: skipping %d missed runs (catch_up = %s)", r.Def.Name, skipped, r.CatchUp))
		}
		for _, t := range run {
			if ctx.Err() != nil {
				return
			}
			s.RunOnce(ctx, r, t)
			s.record(r, t)
		}
		s.record(r, due[len(due)-1])
	}
}

// RunOnce runs r for scheduled time at, retrying with backoff, and
// delivers it. It returns where the report went (a file path or the
// destination's name), or the last error once the retries are spent.
// Config.Ran, when set, hears the outcome.
func (s *Scheduler) RunOnce(ctx context.Context, r *Report, at time.Time) (string, error) {
	out := Outcome{Report: r.Def.Name, Scheduled: at, Started: s.cfg.Clock()}
	where, err := s.runOnce(ctx, r, at, &out)
	out.Finished, out.Where, out.Err = s.cfg.Clock(), where, err
	if s.cfg.Ran != nil {
		s.cfg.Ran(out)
	}
	return where, err
}

func (s *Scheduler) runOnce(ctx context.Context, r *Report, at time.Time, out *Outcome) (string, error) {
	backoff := r.RetryBackoff
	for attempt := 0; ; attempt++ {
		out.Attempts = attempt + 1
		where, err := s.attempt(ctx, r, at, out)
		if err == nil {
			return where, nil
		}
		if attempt >= r.Retries || ctx.Err() != nil {
			s.cfg.Log(fmt.Sprintf("report %s at %s: giving up after %d attempts: %v", r.Def.Name, stamp(at), attempt+1, err))
			return "", err
		}
		s.cfg.Log(fmt.Sprintf("report %s at %s: attempt %d failed: %v; retrying in %v", r.Def.Name, stamp(at), attempt+1, err, backoff))
		if err := s.cfg.Sleep(ctx, backoff); err != nil {
			return "", err
		}
		backoff *= 2
	}
}

// attempt runs, renders and delivers one run; it notes the rows in out.
func (s *Scheduler) attempt(ctx context.Context, r *Report, at time.Time, out *Outcome) (string, error) {
	res, err := s.runner.Run(ctx, r, at)
	if err != nil {
		return "", err
	}
	defer res.Release()
	out.Rows = res.Rows()
	doc, err := Render(res, r.Format)
	if err != nil {
		return "", err
	}
	if r.Destination != "" {
		if err := SendToSink(ctx, s.cfg.Alloc, s.cfg.Clock, res, doc); err != nil {
			return "", err
		}
		s.cfg.Log(fmt.Sprintf("report %s at %s: %s delivered to %s", r.Def.Name, stamp(at), rows(res.Rows()), r.Destination))
		return r.Destination, nil
	}
	dir := r.Dir
	switch {
	case s.outDir != "":
		dir = s.outDir
	case dir == "":
		dir = DefaultDir(s.cfg.StateDir, r)
	}
	path, err := WriteFile(dir, r, at, doc)
	if err != nil {
		return "", err
	}
	out.File = path
	s.cfg.Log(fmt.Sprintf("report %s at %s: %s written to %s", r.Def.Name, stamp(at), rows(res.Rows()), path))
	return path, nil
}

// rows returns "1 row", "2 rows".
func rows(n int) string {
	if n == 1 {
		return "1 row"
	}
	return fmt.Sprintf("%d rows", n)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// statePath is the file holding a report's last scheduled time run.
func (s *Scheduler) statePath(r *Report) string {
	return filepath.Join(s.cfg.StateDir, "reports", strings.ToLower(r.Def.Name)+".last")
}

// lastRun returns the last scheduled time recorded for r.
func (s *Scheduler) lastRun(r *Report) (time.Time, bool) {
	if t, ok := s.last[r.Def.Name]; ok {
		return t, true
	}
	if s.cfg.StateDir == "" {
		return time.Time{}, false
	}
	b, err := os.ReadFile(s.statePath(r))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.cfg.Log(fmt.Sprintf("report %s: %v", r.Def.Name, err))
		}
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
	if err != nil {
		s.cfg.Log(fmt.Sprintf("report %s: bad state file %s: %v", r.Def.Name, s.statePath(r), err))
		return time.Time{}, false
	}
	s.last[r.Def.Name] = t
	return t, true
}

// record notes that r's runs up to t are done, in memory and on disk.
func (s *Scheduler) record(r *Report, t time.Time) {
	if old, ok := s.last[r.Def.Name]; ok && !t.After(old) {
		return
	}
	s.last[r.Def.Name] = t
	if s.cfg.StateDir == "" {
		return
	}
	path := s.statePath(r)
	err := os.MkdirAll(filepath.Dir(path), 0o700)
	if err == nil {
		tmp := path + ".tmp"
		if err = os.WriteFile(tmp, []byte(t.UTC().Format(time.RFC3339Nano)+"\n"), 0o600); err == nil {
			err = os.Rename(tmp, path)
		}
	}
	if err != nil {
		s.cfg.Log(fmt.Sprintf("report %s: record last run: %v", r.Def.Name, err))
	}
}
