package encode

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestTimestampFormatter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		perSecond int64
		sep       byte
		suffix    string
		v         int64
		want      string
	}{
		{name: "epoch ms", perSecond: 1000, sep: 'T', suffix: "Z", v: 0, want: "1970-01-01T00:00:00.000Z"},
		{name: "before epoch ms", perSecond: 1000, sep: 'T', suffix: "Z", v: -1, want: "1969-12-31T23:59:59.999Z"},
		{name: "leap day", perSecond: 1000, sep: ' ', v: 951782400000, want: "2000-02-29 00:00:00.000"},
		{name: "seconds unit", perSecond: 1, sep: 'T', suffix: "Z", v: 1714557600, want: "2024-05-01T10:00:00Z"},
		{name: "nanoseconds", perSecond: 1e9, sep: 'T', suffix: "Z", v: 1714557600000000001, want: "2024-05-01T10:00:00.000000001Z"},
		{name: "year one", perSecond: 1000, sep: ' ', v: -62135596800000, want: "0001-01-01 00:00:00.000"},
		{name: "year 9999 end", perSecond: 1000, sep: ' ', v: 253402300799999, want: "9999-12-31 23:59:59.999"},
		{name: "year beyond 9999", perSecond: 1, sep: ' ', v: 253402300800, want: "10000-01-01 00:00:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newTimestampFormatter(tc.perSecond, tc.sep, tc.suffix)
			if got := string(f.append(nil, tc.v)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestTimestampMatchesTime checks the calendar arithmetic against package
// time over years 1 to 9999, including consecutive rows of one day (the
// formatter caches the date).
func TestTimestampMatchesTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		lo   int64
		hi   int64
	}{
		{name: "whole range", lo: -62135596800000, hi: 253402300799999},
		{name: "around epoch", lo: -5 * 86400000, hi: 5 * 86400000},
		{name: "around 1900", lo: -2208988800000 - 2*86400000*365, hi: -2208988800000 + 2*86400000*365},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(1, uint64(tc.lo)))
			f := newTimestampFormatter(1000, 'T', "Z")
			var buf []byte
			for i := 0; i < 20000; i++ {
				v := tc.lo + rng.Int64N(tc.hi-tc.lo)
				want := time.UnixMilli(v).UTC().Format("2006-01-02T15:04:05.000Z")
				buf = f.append(buf[:0], v)
				if string(buf) != want {
					t.Fatalf("%d: got %q, want %q", v, buf, want)
				}
				day := floorDiv(v, 86400000)
				if got, want := string(appendDate(nil, day)), time.UnixMilli(day*86400000).UTC().Format("2006-01-02"); got != want {
					t.Fatalf("date %d: got %q, want %q", day, got, want)
				}
			}
		})
	}
}

func TestTimeOfDay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		v         int64
		perSecond int64
		want      string
	}{
		{name: "ms", v: 36000500, perSecond: 1000, want: "10:00:00.500"},
		{name: "seconds", v: 86399, perSecond: 1, want: "23:59:59"},
		{name: "microseconds", v: 1, perSecond: 1e6, want: "00:00:00.000001"},
		{name: "nanoseconds", v: 3_600_000_000_007, perSecond: 1e9, want: "01:00:00.000000007"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(appendTimeOfDay(nil, tc.v, tc.perSecond)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
