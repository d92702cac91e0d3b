package planner

import (
	"errors"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in string
		want     int64
		err      bool
	}{
		{name: "bare bytes", in: "4096", want: 4096},
		{name: "bare M is MiB (regression: 64M meant no limit)", in: "64M", want: 64 << 20},
		{name: "lower-case m is MiB", in: "64m", want: 64 << 20},
		{name: "MiB", in: "64MiB", want: 64 << 20},
		{name: "Mi", in: "64Mi", want: 64 << 20},
		{name: "MB is SI", in: "64MB", want: 64e6},
		{name: "a blank before the unit", in: "64 MB", want: 64e6},
		{name: "blanks around", in: " 2 GiB ", want: 2 << 30},
		{name: "K", in: "512k", want: 512 << 10},
		{name: "KB", in: "512kB", want: 512e3},
		{name: "fraction", in: "1.5G", want: 3 << 29},
		{name: "T", in: "1T", want: 1 << 40},
		{name: "B", in: "100B", want: 100},
		{name: "unknown unit", in: "64 megs", err: true},
		{name: "negative", in: "-1GB", err: true},
		{name: "empty", in: "", err: true},
		{name: "no number", in: "MiB", err: true},
		{name: "overflow", in: "99999999999T", err: true},
		{name: "two numbers", in: "1 2", err: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSize("max_state", tc.in)
			if tc.err {
				if !errors.Is(err, ErrSize) || !strings.Contains(err.Error(), "max_state = '"+tc.in+"'") || !strings.Contains(err.Error(), "MiB") {
					t.Fatalf("ParseSize(%q) = %d, %v; want an ErrSize naming the setting and the forms", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
		})
	}
}

// TestSettingsReadByTheEngineAreKnown pins the list of settings: every key
// the engine reads must be accepted by SET, and nothing else.
func TestSettingsReadByTheEngineAreKnown(t *testing.T) {
	t.Parallel()
	want := "checkpoint_interval,max_memory,max_state,max_table_memory,max_windows_per_row,parallelism,state_ttl"
	if got := strings.Join(settingKeys(), ","); got != want {
		t.Fatalf("settings %s, want %s", got, want)
	}
}

func TestSetErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, sql, want string
	}{
		{name: "unknown key, regression max_stat", sql: "SET max_stat = '1GB'", want: `1:5: unknown setting "max_stat"; the settings are checkpoint_interval, max_memory, max_state, max_table_memory, max_windows_per_row, parallelism, state_ttl`},
		{name: "bad size at the value", sql: "SET max_state = '64 megs'", want: "1:17: max_state = '64 megs': not a byte size"},
		{name: "bad size with TO", sql: "SET max_memory TO 'lots'", want: "1:19: max_memory = 'lots': not a byte size"},
		{name: "quoted key on a later line", sql: "\n  SET 'max_state' =\n '1x'", want: "3:2: max_state = '1x'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewSession(Config{Connectors: fakeConnectors{}})
			_, err := execText(t, s, tc.sql)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestMaxStateUsesTheSizeParser(t *testing.T) {
	t.Parallel()
	s := NewSession(Config{Connectors: fakeConnectors{}})
	if _, err := execText(t, s, "SET max_state = '64M'"); err != nil {
		t.Fatal(err)
	}
	if got := s.maxState(); got != 64<<20 {
		t.Fatalf("max_state 64M = %d bytes, want %d", got, 64<<20)
	}
}
