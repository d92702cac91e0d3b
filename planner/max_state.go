package planner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/eddy-sql/eddy/exec"
)

// ErrStateLimit is wrapped by the error of a query whose state outgrew the
// max_state setting.
var ErrStateLimit = errors.New("state limit exceeded")

// maxState returns the max_state setting in bytes, or math.MaxInt64 when
// it is unset: every stateful operator is then still wrapped by stateLimit,
// which publishes its size to the job's memory watchdog.
func (s *Session) maxState() int64 {
	v, ok := s.settings[SettingMaxState]
	if !ok {
		return math.MaxInt64
	}
	n, err := ParseSize(SettingMaxState, v)
	if err != nil || n <= 0 { // SET refuses such values; never "no limit" silently
		return 1
	}
	return n
}

// stateLimit wraps a stateful operator: it fails the query with a clear
// error when the state grows past limit, instead of running out of memory,
// and publishes the state's size for the memory watchdog of the job (found
// in the context of the first Next).
type stateLimit struct {
	exec.Operator
	sizer exec.StateSizer
	limit int64
	pump  string
	// bytes is the state size after the last Next; the watchdog reads it
	// from its own goroutine.
	bytes      atomic.Int64
	registered bool
}

// partitionedLimit is a stateLimit over an exec.Partitioned operator,
// which it stays.
type partitionedLimit struct {
	*stateLimit
	p exec.Partitioned
}

var (
	_ exec.Operator    = (*stateLimit)(nil)
	_ exec.Watermarker = (*stateLimit)(nil)
	_ exec.Partitioned = (*partitionedLimit)(nil)
)

// limitState applies limit to op when op reports its state size.
func limitState(op exec.Operator, limit int64, pump string) exec.Operator {
	sz, ok := op.(exec.StateSizer)
	if !ok {
		return op
	}
	l := &stateLimit{Operator: op, sizer: sz, limit: limit, pump: pump}
	if p, ok := op.(exec.Partitioned); ok {
		return &partitionedLimit{stateLimit: l, p: p}
	}
	return l
}

// Next forwards to the operator and checks its state size.
func (l *stateLimit) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if !l.registered {
		l.registered = true
		if r := statesOf(ctx); r != nil {
			r.add(l)
		}
	}
	b, err := l.Operator.Next(ctx)
	n := int64(l.sizer.StateBytes())
	l.bytes.Store(n)
	if err != nil {
		return nil, err
	}
	if n > l.limit {
		b.Release()
		return nil, fmt.Errorf("%w: %s holds %d bytes of window state, more than max_state = %d; use smaller windows, fewer keys, or raise max_state", ErrStateLimit, l.pump, n, l.limit)
	}
	return b, nil
}

// Watermark forwards the operator's watermark.
func (l *stateLimit) Watermark() int64 {
	if w, ok := l.Operator.(exec.Watermarker); ok {
		return w.Watermark()
	}
	return -1 << 63
}

// String describes the wrapped operator.
func (l *stateLimit) String() string { return physical(l.Operator) }

// Origin forwards the operator's origin.
func (l *partitionedLimit) Origin() exec.Origin { return l.p.Origin() }

// Partitions forwards the operator's partitions.
func (l *partitionedLimit) Partitions() []exec.Partition { return l.p.Partitions() }
