package sources

import (
	"errors"
	"testing"
	"time"
)

func TestParseTimestamp(t *testing.T) {
	t.Parallel()
	ms := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	tests := []struct {
		name string
		in   string
		want int64
		bad  bool
	}{
		{name: "iso with millis and Z", in: "2024-05-01T10:00:00.000Z", want: ms("2024-05-01T10:00:00Z")},
		{name: "iso without zone is utc", in: "2024-05-01T10:00:00", want: ms("2024-05-01T10:00:00Z")},
		{name: "space separator", in: "2024-05-01 10:00:00", want: ms("2024-05-01T10:00:00Z")},
		{name: "space with fraction", in: "2024-05-01 10:00:00.123", want: ms("2024-05-01T10:00:00.123Z")},
		{name: "short fraction", in: "1992-02-14 18:35:44.0", want: ms("1992-02-14T18:35:44Z")},
		{name: "micro fraction truncated", in: "2018-06-13T14:11:05.766191", want: ms("2018-06-13T14:11:05.766Z")},
		{name: "positive offset with colon", in: "2024-05-01T12:00:00+02:00", want: ms("2024-05-01T10:00:00Z")},
		{name: "negative offset no colon", in: "2024-05-01T05:30:00-0430", want: ms("2024-05-01T10:00:00Z")},
		{name: "hour offset", in: "2024-05-01T11:00:00+01", want: ms("2024-05-01T10:00:00Z")},
		{name: "minutes only", in: "2024-05-01T10:00", want: ms("2024-05-01T10:00:00Z")},
		{name: "date only", in: "2024-02-29", want: ms("2024-02-29T00:00:00Z")},
		{name: "before epoch", in: "1969-12-31T23:59:59.999Z", want: -1},
		{name: "epoch", in: "1970-01-01T00:00:00Z", want: 0},
		{name: "not a leap year", in: "2023-02-29", bad: true},
		{name: "month 13", in: "2024-13-01", bad: true},
		{name: "hour 24", in: "2024-05-01T24:00:00", bad: true},
		{name: "trailing junk", in: "2024-05-01T10:00:00Zx", bad: true},
		{name: "empty fraction", in: "2024-05-01T10:00:00.", bad: true},
		{name: "bad separator", in: "2024-05-01X10:00:00", bad: true},
		{name: "words", in: "yesterday", bad: true},
		{name: "empty", in: "", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseTimestamp(tc.in)
			if tc.bad {
				if !errors.Is(err, ErrTimestamp) {
					t.Fatalf("ParseTimestamp(%q) = %d, %v; want ErrTimestamp", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseTimestamp(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
			if b, err := ParseTimestampBytes([]byte(tc.in)); err != nil || b != got {
				t.Fatalf("ParseTimestampBytes(%q) = %d, %v", tc.in, b, err)
			}
		})
	}
}

func TestDaysFromCivil(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		y, m, d int64
	}{
		{"epoch", 1970, 1, 1}, {"leap day", 2000, 2, 29}, {"far past", 1600, 3, 1},
		{"year zero", 0, 1, 1}, {"far future", 2400, 12, 31}, {"negative year", -1, 6, 15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := time.Date(int(tc.y), time.Month(tc.m), int(tc.d), 0, 0, 0, 0, time.UTC).Unix() / 86400
			if got := DaysFromCivil(tc.y, tc.m, tc.d); got != want {
				t.Fatalf("DaysFromCivil(%d,%d,%d) = %d, want %d", tc.y, tc.m, tc.d, got, want)
			}
		})
	}
}

func TestParseTimeOfDay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   string
		want int64
		ok   bool
	}{
		{"seconds", "10:00:01", 36_001_000, true},
		{"fraction", "00:00:00.25", 250, true},
		{"minutes", "23:59", 86_340_000, true},
		{"trailing", "10:00:00Z", 0, false},
		{"bad minute", "10:60", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseTimeOfDay([]byte(tc.in))
			if ok != tc.ok || (ok && got != tc.want) {
				t.Fatalf("ParseTimeOfDay(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}
