package report

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestAggregateFilterInReports checks AGG(x) FILTER (WHERE cond) in a
// report's plain GROUP BY over bounded history: only rows whose condition
// is TRUE count, a NULL condition leaves its row out.
func TestAggregateFilterInReports(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	keep(t, state, "TICKS", 0, `[
{"SYM":"AMZN","PRICE":100,"ROWTIME":"2024-05-01 10:01:00"},
{"SYM":"AMZN","PRICE":130,"ROWTIME":"2024-05-01 10:02:00"},
{"SYM":"AMZN","PRICE":null,"ROWTIME":"2024-05-01 10:03:00"},
{"SYM":"TGT","PRICE":125,"ROWTIME":"2024-05-01 10:04:00"},
{"SYM":"TGT","PRICE":125,"ROWTIME":"2024-05-01 10:05:00"},
{"SYM":"TGT","PRICE":90,"ROWTIME":"2024-05-01 10:06:00"}]`)
	stmts, reps := app(t, state, `CREATE STREAM ticks (sym VARCHAR(4), price DOUBLE) WITH (retain = '1 day');
CREATE REPORT r EVERY INTERVAL '1' HOUR AS
  SELECT sym, COUNT(*) AS n, COUNT(*) FILTER (WHERE price > 120) AS hi,
    SUM(price) FILTER (WHERE price < 120) AS lo_sum, COUNT(DISTINCT price) FILTER (WHERE price > 100) AS hi_kinds,
    MAX(price) FILTER (WHERE price IS NULL) AS none
  FROM ticks GROUP BY sym ORDER BY sym`)
	cases := []struct {
		name string
		at   string
		want []string
	}{
		{"the hour with the rows", "2024-05-01T11:00:00Z", []string{"AMZN 3 1 100 1 (null)", "TGT 3 2 90 1 (null)"}},
		{"an hour without rows", "2024-05-01T12:00:00Z", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer alloc.AssertSize(t, 0)
			at, _ := time.Parse(time.RFC3339, tc.at)
			r := NewRunner(Config{Connectors: &testConnectors{alloc: alloc, clock: time.Now}, Alloc: alloc, StateDir: state,
				Clock: func() time.Time { return at.Add(3 * time.Second) }}, stmts)
			res, err := r.Run(context.Background(), reps[0], at)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Release()
			if got := table(res); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
