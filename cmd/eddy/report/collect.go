package report

import (
	"context"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/planner"
)

// collectConnector is the destination name a run's query is delivered to.
const collectConnector = "report-result"

// collectConnectors wraps the application's connectors with a destination
// that keeps the query's batches.
type collectConnectors struct {
	planner.Connectors
	mu      sync.Mutex
	schema  *arrow.Schema
	batches []arrow.RecordBatch
}

// IsSink adds the collecting destination.
func (c *collectConnectors) IsSink(name string) bool {
	return name == collectConnector || c.Connectors.IsSink(name)
}

// OpenSink opens the collecting destination, or any other through the
// application's connectors.
func (c *collectConnectors) OpenSink(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (planner.Sink, error) {
	if options["connector"] != collectConnector {
		return c.Connectors.OpenSink(ctx, stream, schema, options, errs)
	}
	c.mu.Lock()
	c.schema = schema
	c.mu.Unlock()
	return collectSink{c}, nil
}

// take hands the collected batches over.
func (c *collectConnectors) take() (*arrow.Schema, []arrow.RecordBatch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.batches
	c.batches = nil
	return c.schema, b
}

// release drops batches nobody took.
func (c *collectConnectors) release() {
	_, b := c.take()
	for _, x := range b {
		x.Release()
	}
}

type collectSink struct{ c *collectConnectors }

// Write keeps batch (it owns it).
func (s collectSink) Write(_ context.Context, batch arrow.RecordBatch) error {
	if batch.NumRows() == 0 {
		batch.Release()
		return nil
	}
	s.c.mu.Lock()
	s.c.batches = append(s.c.batches, batch)
	s.c.mu.Unlock()
	return nil
}

// Close has nothing to flush.
func (s collectSink) Close(context.Context) error { return nil }
