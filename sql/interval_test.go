package sql

import "testing"

func TestIntervalValue(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, text, unit, to string
		want                 Interval
		ok                   bool
	}{
		{"seconds", "10", "SECOND", "", Interval{Millis: 10000}, true},
		{"fractional seconds", "1.25", "SECOND", "", Interval{Millis: 1250}, true},
		{"negative minutes", "-2", "MINUTE", "", Interval{Millis: -120000}, true},
		{"years are months", "2", "YEAR", "", Interval{Months: 24}, true},
		{"minute to second", "1:30", "MINUTE", "SECOND", Interval{Millis: 90000}, true},
		{"day to second", "1 02:03:04.5", "DAY", "SECOND", Interval{Millis: 93784500}, true},
		{"year to month", "1-6", "YEAR", "MONTH", Interval{Months: 18}, true},
		{"unit in the string", "2 seconds", "", "", Interval{Millis: 2000}, true},
		{"several units in the string", "1 minute 30 second", "", "", Interval{Millis: 90000}, true},
		{"not a number", "x", "SECOND", "", Interval{}, false},
		{"too many fields", "1:2:3", "MINUTE", "SECOND", Interval{}, false},
		{"reversed range", "1:2", "SECOND", "MINUTE", Interval{}, false},
		{"months in a day-time range", "1 2", "MONTH", "DAY", Interval{}, false},
		{"mixed kinds in the string", "1 month 2 day", "", "", Interval{}, false},
		{"bare number without unit", "5", "", "", Interval{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := intervalValue(tc.text, tc.unit, tc.to)
			if ok != tc.ok || got != tc.want {
				t.Fatalf("intervalValue(%q, %q, %q) = %v, %v; want %v, %v", tc.text, tc.unit, tc.to, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestFormatInterval(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   Interval
		want string
	}{
		{"zero", Interval{}, "INTERVAL '0' SECOND"},
		{"whole days", Interval{Millis: 2 * 86400000}, "INTERVAL '2' DAY"},
		{"minutes", Interval{Millis: 120000}, "INTERVAL '2' MINUTE"},
		{"milliseconds", Interval{Millis: 1500}, "INTERVAL '1.500' SECOND"},
		{"negative milliseconds", Interval{Millis: -1005}, "INTERVAL '-1.005' SECOND"},
		{"years", Interval{Months: 36}, "INTERVAL '3' YEAR"},
		{"months", Interval{Months: 5}, "INTERVAL '5' MONTH"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := formatInterval(tc.in); got != tc.want {
				t.Fatalf("formatInterval(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
