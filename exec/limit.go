package exec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

type limitOp struct {
	input  Operator
	left   int64
	closed bool
}

var (
	_ Operator    = (*limitOp)(nil)
	_ Partitioned = (*limitOp)(nil)
)

// NewLimit returns an operator passing on the first n rows of input, then
// io.EOF (it stops reading there). It is for bounded queries (LIMIT in a
// report). It owns input.
func NewLimit(input Operator, n int64) Operator {
	return &limitOp{input: input, left: max(n, 0)}
}

func (l *limitOp) Schema() *arrow.Schema { return l.input.Schema() }

// Next returns the next batch, cut to the rows still allowed; the caller
// releases it.
func (l *limitOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if l.left == 0 || l.closed {
		return nil, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := l.input.Next(ctx)
	if err != nil {
		return nil, err
	}
	if b.NumRows() <= l.left {
		l.left -= b.NumRows()
		return b, nil
	}
	out := b.NewSlice(0, l.left)
	b.Release()
	l.left = 0
	return out, nil
}

// Origin forwards the input's origin.
func (l *limitOp) Origin() Origin { return OriginOf(l.input) }

// Partitions forwards the input's partitions, all done once the limit is
// reached.
func (l *limitOp) Partitions() []Partition {
	ps := PartitionsOf(l.input)
	if l.left > 0 {
		return ps
	}
	out := make([]Partition, len(ps))
	for i, p := range ps {
		p.Done = true
		out[i] = p
	}
	return out
}

func (l *limitOp) Close() error {
	if l.closed {
		return nil
	}
	l.closed = true
	return l.input.Close()
}
