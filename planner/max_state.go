package planner

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/eddy-sql/eddy/exec"
)

// ErrStateLimit is wrapped by the error of a query whose state outgrew the
// max_state setting.
var ErrStateLimit = errors.New("state limit exceeded")

// maxState returns the max_state setting in bytes (0: no limit).
func (s *Session) maxState() int64 {
	v, ok := s.settings["max_state"]
	if !ok {
		return 0
	}
	n, err := parseByteSize(v)
	if err != nil {
		return 0
	}
	return n
}

// stateLimit wraps a stateful operator and fails the query with a clear
// error when its state grows past limit, instead of running out of memory.
type stateLimit struct {
	exec.Operator
	sizer exec.StateSizer
	limit int64
	pump  string
}

// limitState applies limit to op when op reports its state size.
func limitState(op exec.Operator, limit int64, pump string) exec.Operator {
	sz, ok := op.(exec.StateSizer)
	if !ok {
		return op
	}
	return &stateLimit{Operator: op, sizer: sz, limit: limit, pump: pump}
}

// Next forwards to the operator and checks its state size.
func (l *stateLimit) Next(ctx context.Context) (arrow.RecordBatch, error) {
	b, err := l.Operator.Next(ctx)
	if err != nil {
		return nil, err
	}
	if n := int64(l.sizer.StateBytes()); n > l.limit {
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

// Origin forwards the operator's origin.
func (l *stateLimit) Origin() exec.Origin { return exec.OriginOf(l.Operator) }

// Partitions forwards the operator's partitions.
func (l *stateLimit) Partitions() []exec.Partition { return exec.PartitionsOf(l.Operator) }

// parseByteSize reads 4096, 64KiB, 512MiB, 2GB.
func parseByteSize(s string) (int64, error) {
	var n float64
	var unit string
	if _, err := fmt.Sscanf(s, "%g%s", &n, &unit); err != nil {
		if _, err := fmt.Sscanf(s, "%g", &n); err != nil {
			return 0, fmt.Errorf("not a byte size: %q", s)
		}
	}
	mult := map[string]float64{"": 1, "B": 1, "KB": 1e3, "KIB": 1 << 10, "MB": 1e6, "MIB": 1 << 20, "GB": 1e9, "GIB": 1 << 30}
	m, ok := mult[upper(unit)]
	if !ok {
		return 0, fmt.Errorf("not a byte size: %q", s)
	}
	return int64(n * m), nil
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
