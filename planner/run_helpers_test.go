package planner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/eddy-sql/eddy/exec"
)

// runConnectors is a small in-process world for jobs that run: a "seq"
// source (rows k = 0, 1, 2, … with ROWTIME k ms, count rows or endless when
// count is -1, batch_size rows a batch, resumable from a position), and a
// "mem" destination that keeps the K column of what it was given, with
// checkpoint commits (rows become visible only when their checkpoint
// commits, like the file destination's exactly-once output).
type runConnectors struct {
	sink *memSink
	// opened records the options of every source opened.
	mu     sync.Mutex
	opened []map[string]string
}

func (c *runConnectors) OpenSource(_ context.Context, _ string, schema *arrow.Schema, opts map[string]string, _ exec.ErrorSink) (*OpenedSource, error) {
	c.mu.Lock()
	c.opened = append(c.opened, opts)
	c.mu.Unlock()
	var count, batch int64 = -1, 4
	if v, ok := opts["count"]; ok {
		fmt.Sscan(v, &count)
	}
	if v, ok := opts["batch_size"]; ok {
		fmt.Sscan(v, &batch)
	}
	s := &seqSource{schema: schema, count: count, batch: batch, mem: memory.NewGoAllocator()}
	return &OpenedSource{Op: s, Raw: s}, nil
}

func (c *runConnectors) DiscoverSource(context.Context, map[string]string) ([]Column, error) {
	return nil, fmt.Errorf("no discovery here")
}

func (c *runConnectors) OpenSink(context.Context, string, *arrow.Schema, map[string]string, exec.ErrorSink) (Sink, error) {
	return c.sink, nil
}

func (c *runConnectors) IsSource(name string) bool { return name == "seq" }
func (c *runConnectors) IsSink(name string) bool   { return name == "mem" }

// seqSource emits k = next, next+1, … in every BIGINT column and
// k milliseconds in every TIMESTAMP column.
type seqSource struct {
	schema       *arrow.Schema
	count, batch int64
	next         int64
	mem          memory.Allocator
}

func (s *seqSource) Schema() *arrow.Schema { return s.schema }

func (s *seqSource) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := s.batch
	if s.count >= 0 {
		n = min(n, s.count-s.next)
	}
	if n <= 0 {
		return nil, io.EOF
	}
	b := array.NewRecordBuilder(s.mem, s.schema)
	defer b.Release()
	for i := range n {
		for j, f := range s.schema.Fields() {
			switch fb := b.Field(j).(type) {
			case *array.Int64Builder:
				fb.Append(s.next + i)
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(s.next + i))
			default:
				panic("seqSource: column " + f.Name)
			}
		}
	}
	s.next += n
	return b.NewRecordBatch(), nil
}

func (s *seqSource) Close() error { return nil }

func (s *seqSource) Position() ([]byte, error) { return json.Marshal(s.next) }

func (s *seqSource) Seek(_ context.Context, p []byte) error { return json.Unmarshal(p, &s.next) }

// memSink keeps the K values it was written; with checkpoints they are
// committed by checkpoint id, and what was not committed is dropped.
type memSink struct {
	mu        sync.Mutex
	pending   []int64
	staged    map[int64][]int64
	committed []int64
}

func (m *memSink) Write(_ context.Context, b arrow.RecordBatch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	col := b.Column(0).(*array.Int64)
	m.pending = append(m.pending, col.Int64Values()...)
	return nil
}

func (m *memSink) Close(context.Context) error { return nil }

func (m *memSink) Prepare(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.staged == nil {
		m.staged = map[int64][]int64{}
	}
	m.staged[id], m.pending = m.pending, nil
	return nil
}

func (m *memSink) Commit(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.committed = append(m.committed, m.staged[id]...)
	delete(m.staged, id)
	return nil
}

func (m *memSink) Abort(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.staged {
		if k >= id {
			delete(m.staged, k)
		}
	}
	m.pending = nil
	return nil
}

// rows returns the committed values, sorted.
func (m *memSink) rows() []int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := append([]int64(nil), m.committed...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
