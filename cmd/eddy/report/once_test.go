package report

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sources/history"
)

// TestOnceTime checks the time eddy report --once runs for: the latest
// scheduled run, unless the history ends before its window (replayed
// data), then the run whose window holds the newest row.
func TestOnceTime(t *testing.T) {
	t.Parallel()
	hourly, err := NewReport(&planner.ReportDef{Name: "R", Every: 3600000, Options: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	cases := []struct {
		name         string
		newest       time.Time
		want         time.Time
		wantReplayed bool
	}{
		{name: "replayed data an old day", newest: time.Date(2024, 5, 1, 10, 59, 30, 0, time.UTC), want: time.Date(2024, 5, 1, 11, 0, 0, 0, time.UTC), wantReplayed: true},
		{name: "live data in the current hour", newest: now.Add(-time.Minute), want: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)},
		{name: "newest row in the latest complete window", newest: time.Date(2026, 3, 1, 11, 10, 0, 0, time.UTC), want: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)},
		{name: "newest row just before the latest window", newest: time.Date(2026, 3, 1, 10, 59, 59, 0, time.UTC), want: time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC), wantReplayed: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, replayed := OnceTime(hourly, tc.newest, now)
			if !got.Equal(tc.want) || replayed != tc.wantReplayed {
				t.Errorf("OnceTime = %v, %v; want %v, %v", got, replayed, tc.want, tc.wantReplayed)
			}
			if from, to := hourly.WindowAt(got); tc.newest.Before(from) || !tc.newest.Before(to) && tc.wantReplayed {
				t.Errorf("the window [%v, %v) does not hold the newest row %v", from, to, tc.newest)
			}
		})
	}
}

// TestNewest checks that the newest retained ROWTIME is read from the
// segments' names, and that a stream without history is an error.
func TestNewest(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	rep := &Report{Def: &planner.ReportDef{Name: "R", Streams: []string{"A", "B"}}}
	if _, err := Newest(state, rep); !errors.Is(err, ErrNoHistory) {
		t.Fatalf("Newest of an empty state directory: %v, want ErrNoHistory", err)
	}
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for i, name := range []string{"A", "B"} {
		dir := planner.HistoryDir(state, name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		max := t0.Add(time.Duration(i+1) * time.Minute)
		if err := os.WriteFile(filepath.Join(dir, history.SegmentName(t0, max, 1)), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := Newest(state, rep)
		if i == 0 {
			if !errors.Is(err, ErrNoHistory) {
				t.Fatalf("Newest with B missing: %v, want ErrNoHistory", err)
			}
			continue
		}
		if err != nil || !got.Equal(max) {
			t.Fatalf("Newest = %v, %v; want %v", got, err, max)
		}
	}
}

// TestDestinationFileURL checks destination = 'file:///dir', the form the
// firehose destination takes: report files in that directory.
func TestDestinationFileURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		opts    map[string]string
		wantDir string
		wantErr bool
	}{
		{name: "file url", opts: map[string]string{"destination": "file:///srv/reports"}, wantDir: "/srv/reports"},
		{name: "connector", opts: map[string]string{"destination": "function", "url": "http://x"}},
		{name: "file url and dir", opts: map[string]string{"destination": "file:///a", "dir": "/b"}, wantErr: true},
		{name: "other url", opts: map[string]string{"destination": "s3://bucket/prefix"}, wantErr: true},
		{name: "file url takes no connector options", opts: map[string]string{"destination": "file:///a", "url": "http://x"}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := NewReport(&planner.ReportDef{Name: "R", Every: 3600000, Options: tc.opts})
			if tc.wantErr {
				if err == nil {
					t.Fatalf("NewReport accepted %v", tc.opts)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Dir != tc.wantDir {
				t.Errorf("Dir = %q, want %q", r.Dir, tc.wantDir)
			}
			if tc.wantDir != "" && r.Destination != "" {
				t.Errorf("Destination = %q, want none (a directory)", r.Destination)
			}
		})
	}
}
