package exec

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// sliceOp is a test input: it hands out copies of its batches, then io.EOF.
type sliceOp struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
	closed  bool
}

func (s *sliceOp) Schema() *arrow.Schema { return s.schema }

func (s *sliceOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(s.batches) == 0 {
		return nil, io.EOF
	}
	b := s.batches[0]
	s.batches = s.batches[1:]
	return b, nil
}

func (s *sliceOp) Close() error {
	for _, b := range s.batches {
		b.Release()
	}
	s.batches, s.closed = nil, true
	return nil
}

// batchesFromJSON builds one batch per JSON array literal.
func batchesFromJSON(t testing.TB, mem memory.Allocator, schema *arrow.Schema, jsons ...string) []arrow.RecordBatch {
	t.Helper()
	var out []arrow.RecordBatch
	for _, j := range jsons {
		b, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(j))
		if err != nil {
			t.Fatalf("fixture %s: %v", j, err)
		}
		out = append(out, b)
	}
	return out
}

// drainRows reads op to io.EOF and returns every row as JSON text.
func drainRows(t testing.TB, op Operator) []string {
	t.Helper()
	var rows []string
	for {
		b, err := op.Next(context.Background())
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < int(b.NumRows()); i++ {
			rows = append(rows, FormatRow(b, i))
		}
		b.Release()
	}
}

// collectErrors is an ErrorSink that keeps what it receives.
type collectErrors struct{ recs []ErrorRecord }

func (c *collectErrors) ReportError(r ErrorRecord) { c.recs = append(c.recs, r) }
