package window

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/exec"
)

// NewWatermark returns an operator that passes input's batches through
// unchanged and tracks the watermark of event-time column timeCol (a
// timestamp[ms] column): the largest event time seen minus lateness, minus
// 1ms, so rows at the largest time seen are still on time.
//
// When idleTimeout is positive and no row has arrived for idleTimeout of
// clock time (the source returning empty batches), the watermark advances
// with processing time: by the time elapsed since the last row. So the last
// window of a quiet stream closes. At io.EOF the watermark becomes
// math.MaxInt64. clock nil means time.Now. The operator owns input and
// implements exec.Watermarker, exec.Snapshotter and exec.StateSizer.
func NewWatermark(input exec.Operator, timeCol int, lateness, idleTimeout time.Duration, clock func() time.Time) (exec.Operator, error) {
	if input == nil {
		return nil, errors.New("window: watermark: nil input")
	}
	s := input.Schema()
	if timeCol < 0 || timeCol >= s.NumFields() {
		return nil, fmt.Errorf("window: watermark: time column %d out of range", timeCol)
	}
	if tt, ok := s.Field(timeCol).Type.(*arrow.TimestampType); !ok || tt.Unit != arrow.Millisecond {
		return nil, fmt.Errorf("window: watermark: column %q is %s, want timestamp[ms]", s.Field(timeCol).Name, s.Field(timeCol).Type)
	}
	if clock == nil {
		clock = time.Now
	}
	return &watermark{
		input: input, timeCol: timeCol, lateness: ms(lateness), idle: idleTimeout,
		clock: clock, maxTs: math.MinInt64, wm: math.MinInt64,
	}, nil
}

type watermark struct {
	input    exec.Operator
	timeCol  int
	lateness int64
	idle     time.Duration
	clock    func() time.Time

	maxTs    int64
	wm       int64
	lastRow  time.Time
	closed   bool
	finished bool
}

var (
	_ exec.Operator    = (*watermark)(nil)
	_ exec.Watermarker = (*watermark)(nil)
	_ exec.Snapshotter = (*watermark)(nil)
	_ exec.StateSizer  = (*watermark)(nil)
)

func (w *watermark) Schema() *arrow.Schema { return w.input.Schema() }

// Watermark returns the current watermark in ms since the epoch.
func (w *watermark) Watermark() int64 { return w.wm }

// Next returns the input's next batch, which the caller releases.
func (w *watermark) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if w.finished || w.closed {
		return nil, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := w.input.Next(ctx)
	if errors.Is(err, io.EOF) {
		w.finished = true
		w.wm = math.MaxInt64
		return nil, io.EOF
	}
	if err != nil {
		return nil, err
	}
	col := b.Column(w.timeCol)
	seen := false
	ts := arrowTimes(col)
	for i := range col.Len() {
		if col.IsNull(i) {
			continue
		}
		seen = true
		if ts[i] > w.maxTs {
			w.maxTs = ts[i]
		}
	}
	now := w.clock()
	if seen {
		w.lastRow = now
		w.wm = max(w.wm, w.maxTs-w.lateness-1)
	} else if w.idle > 0 && w.maxTs != math.MinInt64 {
		if quiet := now.Sub(w.lastRow); quiet >= w.idle {
			w.wm = max(w.wm, w.maxTs-w.lateness-1+quiet.Milliseconds())
		}
	}
	return b, nil
}

func (w *watermark) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	return w.input.Close()
}
