package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sql"
)

// TestLiveSessionRunsPumpsInTheBackground drives planner.Live as the REPL
// does: a pump keeps running while queries come and go.
func TestLiveSessionRunsPumpsInTheBackground(t *testing.T) {
	t.Parallel()
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	conns := &registryConnectors{alloc: alloc, clock: time.Now, defaults: map[string]string{}}
	s := planner.NewSession(planner.Config{Connectors: conns, Alloc: alloc})
	live := s.Live(nil)
	ctx := context.Background()
	exec := func(text string) *planner.Result {
		t.Helper()
		stmts, err := sql.Parse(&sql.Source{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		var res *planner.Result
		for _, st := range stmts {
			if res, err = live.Exec(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		return res
	}
	exec(`CREATE STREAM ticks (ticker_symbol VARCHAR(4), price DOUBLE) WITH (connector = 'generator', kind = 'ticker', rate = '200');
CREATE STREAM dear (sym VARCHAR(4), price DOUBLE);
CREATE PUMP dear_pump AS INSERT INTO dear SELECT STREAM ticker_symbol, price FROM ticks WHERE price > 0;`)
	if !live.Running()["pump DEAR_PUMP"] || !live.Running()["source TICKS"] {
		t.Fatalf("running tasks: %v", live.Running())
	}
	for round := 0; round < 2; round++ {
		res := exec("SELECT STREAM sym, price FROM dear")
		qctx, cancel := context.WithTimeout(ctx, 400*time.Millisecond)
		rows := 0
		stats, err := live.Query(qctx, res.Query, func(b arrow.RecordBatch) error {
			if b.Schema().Field(0).Name != "SYM" {
				t.Errorf("schema %s", b.Schema())
			}
			rows += int(b.NumRows())
			return nil
		})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if rows == 0 || stats.Rows != int64(rows) {
			t.Fatalf("round %d: %d rows shown, stats %+v", round, rows, stats)
		}
		if !live.Running()["pump DEAR_PUMP"] {
			t.Fatal("cancelling the query stopped the pump")
		}
	}
	if err := live.StopPump("DEAR_PUMP"); err != nil {
		t.Fatal(err)
	}
	if err := live.StopPump("DEAR_PUMP"); err == nil || !strings.Contains(err.Error(), "no running pump") {
		t.Errorf("stopping twice: %v", err)
	}
	live.Close()
	alloc.AssertSize(t, 0)
}
