package sql

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "5s", want: 5 * time.Second},
		{in: "1m30s", want: 90 * time.Second},
		{in: "60", want: time.Minute},
		{in: "0.5", want: 500 * time.Millisecond},
		{in: "1 minute", want: time.Minute},
		{in: "10 seconds", want: 10 * time.Second},
		{in: "'5' SECOND", want: 5 * time.Second},
		{in: "INTERVAL '5' SECOND", want: 5 * time.Second},
		{in: "interval '2' minutes", want: 2 * time.Minute},
		{in: "INTERVAL '1:30' MINUTE TO SECOND", want: 90 * time.Second},
		{in: "", want: 0},
		{in: "-5s", bad: true},
		{in: "INTERVAL '1' MONTH", bad: true},
		{in: "five seconds", bad: true},
		{in: "INTERVAL '5 SECOND", bad: true},
		{in: "'5' SECOND extra", bad: true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDuration(tc.in)
			if tc.bad {
				if err == nil {
					t.Fatalf("ParseDuration(%q) = %v, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}
