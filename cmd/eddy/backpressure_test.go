package main

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sql"
)

// slowConnectors wraps the registry: every source counts the rows it
// produces, and the "slow" destination sleeps on each batch.
type slowConnectors struct {
	*registryConnectors
	produced, delivered atomic.Int64
}

type countingOp struct {
	exec.Operator
	n *atomic.Int64
}

func (c countingOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	b, err := c.Operator.Next(ctx)
	if err == nil {
		c.n.Add(b.NumRows())
	}
	return b, err
}

func (c *slowConnectors) OpenSource(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (*planner.OpenedSource, error) {
	o, err := c.registryConnectors.OpenSource(ctx, stream, schema, options, errs)
	if err != nil {
		return nil, err
	}
	o.Op = countingOp{Operator: o.Op, n: &c.produced}
	return o, nil
}

func (c *slowConnectors) IsSink(name string) bool {
	return name == "slow" || c.registryConnectors.IsSink(name)
}

func (c *slowConnectors) OpenSink(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (planner.Sink, error) {
	return &slowSink{c: c}, nil
}

type slowSink struct{ c *slowConnectors }

func (s *slowSink) Write(ctx context.Context, b arrow.RecordBatch) error {
	defer b.Release()
	select {
	case <-time.After(20 * time.Millisecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	s.c.delivered.Add(b.NumRows())
	return nil
}

func (s *slowSink) Close(context.Context) error { return nil }

// TestSlowDestinationPushesBackOnTheSource: an unpaced generator feeding a
// destination that takes 20 ms a batch is held back by the bounded queues,
// so the rows in flight (memory) stay bounded instead of growing.
func TestSlowDestinationPushesBackOnTheSource(t *testing.T) {
	t.Parallel()
	alloc := memory.NewGoAllocator()
	conns := &slowConnectors{registryConnectors: &registryConnectors{alloc: alloc, clock: time.Now, defaults: map[string]string{}}}
	s := planner.NewSession(planner.Config{Connectors: conns, Alloc: alloc, DefaultOutput: map[string]string{"connector": "slow"}})
	stmts, err := sql.Parse(&sql.Source{Text: `
CREATE STREAM ticks (ticker_symbol VARCHAR(4), price DOUBLE) WITH (connector = 'generator', kind = 'ticker', rate = '0', batch_size = '100');
CREATE STREAM mid (sym VARCHAR(4), price DOUBLE);
CREATE PUMP p AS INSERT INTO mid SELECT STREAM ticker_symbol, price * 2 FROM ticks;
SELECT STREAM sym, price FROM mid;`})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	for _, st := range stmts {
		if _, err := s.Exec(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	job, err := s.Build(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- job.Run(ctx) }()
	var maxGap int64
	for i := 0; i < 20; i++ {
		time.Sleep(50 * time.Millisecond)
		if gap := conns.produced.Load() - conns.delivered.Load(); gap > maxGap {
			maxGap = gap
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Two streams of 8 batches each, a batch in each operator, 100 rows a
	// batch: a few thousand rows at most, whatever the run's length.
	if maxGap > 4000 {
		t.Fatalf("%d rows were in flight: the source was not held back", maxGap)
	}
	if conns.delivered.Load() == 0 || conns.delivered.Load() != conns.produced.Load() {
		t.Fatalf("stopping lost rows: produced %d, delivered %d", conns.produced.Load(), conns.delivered.Load())
	}
	t.Logf("produced %d, delivered %d, at most %d in flight", conns.produced.Load(), conns.delivered.Load(), maxGap)
}
