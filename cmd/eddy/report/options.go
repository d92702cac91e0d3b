package report

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sources"
)

// The report options of CREATE REPORT … WITH (…). Any other key is passed
// to the destination connector named by destination.
var reportOptions = map[string]string{
	"format":        "html (default), markdown, csv or json",
	"title":         "the report's title; default: its name",
	"destination":   "a destination connector (function, firehose, file, …) or file:///DIR, a directory; default: the dir option's directory",
	"dir":           "the directory of default delivery; default: STATE/reports/NAME",
	"timezone":      "the zone cron fields and shown times are read in; default: UTC (or the schedule's CRON_TZ=)",
	"window":        "the history the query reads, ending at the scheduled time; default: the schedule's period",
	"catch_up":      "runs missed while Eddy was down: all (default), latest or none",
	"retries":       "retries of a failed run (default 3)",
	"retry_backoff": "first wait before a retry, doubled each time (default 10s)",
	"limit":         "rows shown at most (default 1000)",
}

// Format names a report rendering.
type Format string

// The renderings of a report.
const (
	HTML     Format = "html"
	Markdown Format = "markdown"
	CSV      Format = "csv"
	JSON     Format = "json"
)

// Ext returns the file name extension of a format.
func (f Format) Ext() string {
	if f == Markdown {
		return "md"
	}
	return string(f)
}

// Report is a report of the catalog with its schedule and options read.
type Report struct {
	Def      *planner.ReportDef
	Schedule Schedule
	Format   Format
	Title    string
	// Window is the history read, when fixed by the window option; 0 means
	// the schedule's period.
	Window       time.Duration
	CatchUp      string
	Retries      int
	RetryBackoff time.Duration
	Limit        int
	// Dir is the directory of default delivery ("" for the state
	// directory's reports/NAME); Destination and Sink the connector and its
	// options otherwise.
	Dir         string
	Destination string
	Sink        map[string]string
}

// ErrReportName is wrapped by the error for a report whose name cannot be
// a file name.
var ErrReportName = errors.New("report: the name must be one file name")

// checkName accepts a report name that is one safe path element, since it
// names the report's directory, files and .last state file: not empty,
// not . or .., no / or \, no leading dot (hidden and temporary files), no
// control characters. Names are rejected, not rewritten, so two reports
// never end up sharing files.
func checkName(name string) error {
	bad := name == "" || name == "." || name == ".." || strings.HasPrefix(name, ".") ||
		strings.ContainsAny(name, `/\`) || filepath.Base(name) != name
	for _, c := range name {
		bad = bad || unicode.IsControl(c)
	}
	if bad {
		return fmt.Errorf("%w: %q is not (no / or \\, no leading dot, no control characters)", ErrReportName, name)
	}
	return nil
}

// NewReport reads a report's schedule and options.
func NewReport(def *planner.ReportDef) (*Report, error) {
	if err := checkName(def.Name); err != nil {
		return nil, err
	}
	r := &Report{Def: def, Format: HTML, Title: def.Name, CatchUp: "all", Retries: 3, RetryBackoff: 10 * time.Second, Limit: 1000, Sink: map[string]string{}}
	o := def.Options
	var err error
	if def.Cron != "" {
		r.Schedule, err = ParseCron(def.Cron, o["timezone"])
	} else {
		r.Schedule, err = Every(time.Duration(def.Every) * time.Millisecond)
	}
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", def.Name, err)
	}
	if def.Cron == "" && o["timezone"] != "" {
		loc, err := time.LoadLocation(o["timezone"])
		if err != nil {
			return nil, fmt.Errorf("report %s: timezone %q: unknown time zone", def.Name, o["timezone"])
		}
		r.Schedule.loc = loc
	}
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := o[k]
		switch k {
		case "format":
			switch f := Format(strings.ToLower(v)); f {
			case HTML, CSV, JSON:
				r.Format = f
			case Markdown, "md":
				r.Format = Markdown
			default:
				return nil, fmt.Errorf("report %s: format %q: want html, markdown, csv or json", def.Name, v)
			}
		case "title":
			r.Title = v
		case "destination":
			if dir, ok := strings.CutPrefix(v, "file://"); ok {
				// file:///dir, as the firehose destination takes it: a
				// directory of report files, like the dir option.
				if dir == "" || o["dir"] != "" {
					return nil, fmt.Errorf("report %s: destination %q: want file:///DIR (an absolute directory), and no dir option with it", def.Name, v)
				}
				r.Dir = dir
				continue
			}
			if strings.Contains(v, "://") || strings.Contains(v, "/") {
				return nil, fmt.Errorf("report %s: destination %q: want a destination connector (%s) or file:///DIR", def.Name, v, "function, firehose, kafka, kinesis, file, …")
			}
			r.Destination = v
		case "dir":
			r.Dir = v
		case "timezone":
		case "window":
			if r.Window, err = sources.ParseDuration(v); err != nil || r.Window <= 0 {
				return nil, fmt.Errorf("report %s: window %q: want a period such as '1 hour'", def.Name, v)
			}
		case "catch_up":
			switch c := strings.ToLower(v); c {
			case "all", "latest", "none":
				r.CatchUp = c
			case "true":
				r.CatchUp = "all"
			case "false":
				r.CatchUp = "none"
			default:
				return nil, fmt.Errorf("report %s: catch_up %q: want all, latest or none", def.Name, v)
			}
		case "retries", "limit":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("report %s: %s %q: want a whole number", def.Name, k, v)
			}
			if k == "retries" {
				r.Retries = n
			} else {
				r.Limit = n
			}
		case "retry_backoff":
			if r.RetryBackoff, err = sources.ParseDuration(v); err != nil {
				return nil, fmt.Errorf("report %s: retry_backoff: %w", def.Name, err)
			}
		default:
			if r.Destination == "" && (o["destination"] == "" || strings.HasPrefix(o["destination"], "file://")) {
				return nil, fmt.Errorf("report %s: unknown option %q (known: %s; other keys go to a destination connector)", def.Name, k, knownOptions())
			}
			r.Sink[k] = v
		}
	}
	return r, nil
}

func knownOptions() string {
	names := make([]string, 0, len(reportOptions))
	for k := range reportOptions {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// WindowAt returns the history window [from, to) of the run at t.
func (r *Report) WindowAt(t time.Time) (from, to time.Time) {
	w := r.Window
	if w <= 0 {
		w = r.Schedule.Period(t)
	}
	return t.Add(-w), t
}
