package main

import (
	"testing"

	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sql"
)

// The planner and the connectors cannot share a package (the import rules
// keep them apart), so each reads durations and sizes itself; this test
// holds them to one reading.
func TestDurationAndSizeParsersAgree(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"5s", "500ms", "1m30s", "60", "0.5", "1 minute", "10 seconds", "'5' SECOND",
		"INTERVAL '5' SECOND", "interval '2' minutes", "-5s", "five seconds", ""} {
		a, errA := sql.ParseDuration(in)
		b, errB := sources.ParseDuration(in)
		if (errA == nil) != (errB == nil) || a != b {
			t.Errorf("duration %q: sql %v (%v), sources %v (%v)", in, a, errA, b, errB)
		}
	}
	for _, in := range []string{"4096", "64K", "64k", "64KiB", "64KB", "64M", "64m", "64Mi", "64MiB", "64MB", "64 MB",
		"1.5G", "1GB", "2T", "64X", "-1", "M", ""} {
		a, errA := planner.ParseSize("size", in)
		b, errB := sources.ParseSize(in)
		if (errA == nil) != (errB == nil) || a != b {
			t.Errorf("size %q: planner %d (%v), sources %d (%v)", in, a, errA, b, errB)
		}
	}
}
