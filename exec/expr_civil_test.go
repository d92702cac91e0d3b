package exec

import (
	"testing"
	"time"
)

func TestCivilMatchesTimePackage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		from, to int64 // days since the epoch
	}{
		{"around the epoch", -800, 800},
		{"year 2000 and leap centuries", 10500, 11500},
		{"far past", -719528, -718000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for d := tc.from; d <= tc.to; d++ {
				want := time.Unix(d*86400, 0).UTC()
				y, m, dd := civilFromDays(d)
				if y != int64(want.Year()) || m != int64(want.Month()) || dd != int64(want.Day()) {
					t.Fatalf("civilFromDays(%d) = %d-%d-%d, want %s", d, y, m, dd, want)
				}
				if back := daysFromCivil(y, m, dd); back != d {
					t.Fatalf("daysFromCivil(%d-%d-%d) = %d, want %d", y, m, dd, back, d)
				}
				if got := formatDate(d); got != want.Format("2006-01-02") {
					t.Fatalf("formatDate(%d) = %s", d, got)
				}
			}
		})
	}
}

func TestParseTimestampText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string // RFC 3339 in UTC, "" for a parse failure
	}{
		{"2020-01-02 03:04:05", "2020-01-02T03:04:05Z"},
		{"2020-01-02 03:04:05.6", "2020-01-02T03:04:05.6Z"},
		{" 2020-01-02T03:04:05.123456Z ", "2020-01-02T03:04:05.123Z"},
		{"2020-01-02T03:04", "2020-01-02T03:04:00Z"},
		{"2020-01-02T03:04:05-0130", "2020-01-02T04:34:05Z"},
		{"2020-01-02", "2020-01-02T00:00:00Z"},
		{"2020-1-02", ""},
		{"2020-01-02 25:00:00", ""},
		{"2020-01-02 03:04:05.", ""},
		{"2020-01-02x", ""},
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			ms, ok := parseTimestampText(tc.in)
			if tc.want == "" {
				if ok {
					t.Fatalf("parsed as %d", ms)
				}
				return
			}
			want, _ := time.Parse(time.RFC3339Nano, tc.want)
			if !ok || ms != want.UnixMilli() {
				t.Fatalf("= %d, %v; want %d", ms, ok, want.UnixMilli())
			}
		})
	}
}

// FuzzTimestampText checks that timestamp parsing never panics and that
// formatting then parsing gives back the same instant.
func FuzzTimestampText(f *testing.F) {
	for _, s := range []string{"2020-01-02 03:04:05.678", "1969-12-31T23:59:59Z", "2020-02-29", "0000-01-01 00:00:00+23:59"} {
		f.Add(s, int64(0))
	}
	f.Add("", int64(-62135596800000))
	f.Add("x", int64(253402300799999))
	f.Fuzz(func(t *testing.T, s string, ms int64) {
		parseTimestampText(s)
		parseDateFormat([]dateToken{{letter: 'y', count: 4}, {text: "-"}, {letter: 'M', count: 3}, {letter: 'd', count: 2}, {letter: 'Z', count: 1}}, s)
		if toks, ok := compileDateFormat(s); ok {
			appendDateFormat(nil, toks, ms)
		}
		// Years 0000–9999 round-trip through text.
		ms = ms % 253402300800000
		if ms < 0 {
			ms = -ms
		}
		ms -= 62167219200000
		back, ok := parseTimestampText(formatTimestamp(ms))
		if !ok || back != ms {
			t.Fatalf("%d -> %q -> %d, %v", ms, formatTimestamp(ms), back, ok)
		}
	})
}
