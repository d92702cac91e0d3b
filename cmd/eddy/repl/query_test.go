package repl

import (
	"slices"
	"testing"
)

// TestFinishedSources checks which finished sources a query's text names:
// whole names only, in any case.
func TestFinishedSources(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		finished []string
		text     string
		want     []string
	}{
		{name: "named", finished: []string{"TICKS"}, text: "SELECT STREAM * FROM ticks", want: []string{"source TICKS"}},
		{name: "quoted", finished: []string{"SOURCE_SQL_STREAM_001"}, text: `SELECT STREAM * FROM "SOURCE_SQL_STREAM_001"`, want: []string{"source SOURCE_SQL_STREAM_001"}},
		{name: "a part of a word is not the name", finished: []string{"T"}, text: "SELECT STREAM ticker FROM trades", want: nil},
		{name: "another stream", finished: []string{"TICKS"}, text: "SELECT STREAM * FROM trades", want: nil},
		{name: "nothing finished", text: "SELECT STREAM * FROM ticks", want: nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := finishedSources(tc.finished, tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("finishedSources = %q, want %q", got, tc.want)
			}
		})
	}
}
