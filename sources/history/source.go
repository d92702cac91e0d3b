package history

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddy-sql/eddy/sources"
)

func init() {
	sources.Register(sources.Factory{
		Name:    "history",
		Doc:     "replays a retained stream's history (Arrow IPC segments) for ROWTIME in [from, to)",
		Target:  "dir",
		Options: Options(),
		Open: func(_ context.Context, env sources.Env, opts sources.Options) (sources.Source, error) {
			return New(env, opts)
		},
	})
}

// Options returns the options of the history connector, beyond
// sources.Common.
func Options() []sources.OptionSpec {
	return []sources.OptionSpec{
		{Name: "dir", Required: true, Doc: "the stream's history directory (written by the history destination)"},
		{Name: "from", Doc: "first ROWTIME to read, inclusive (ISO 8601 timestamp); default: the oldest kept"},
		{Name: "to", Doc: "ROWTIME to stop at, exclusive (ISO 8601 timestamp); default: the newest kept"},
		{Name: "batch_size", Kind: sources.KindInt, Default: "8192", Doc: "rows per batch at most"},
	}
}

// source replays the segments overlapping [from, to), one cluster of
// time-overlapping segments at a time, each sorted by ROWTIME.
type source struct {
	env       sources.Env
	from, to  int64 // milliseconds; [from, to)
	batchSize int
	clusters  [][]Segment

	// cur holds the sorted rows of the current cluster, columns in
	// env.Schema order; next is the first row not yet emitted.
	cur  []arrow.Array
	rows int
	next int

	// pos is the position after the last row emitted; skip the rows at
	// the position's ROWTIME that a Seek says were emitted already.
	pos     position
	skip    position
	started bool
	closed  bool
}

var (
	_ sources.Source     = (*source)(nil)
	_ sources.Positioner = (*source)(nil)
	_ sources.Seeker     = (*source)(nil)
)

// position is the source's Position token: the ROWTIME of the last row
// emitted and how many rows with that ROWTIME were emitted.
type position struct {
	Rowtime int64 `json:"rowtime"`
	Rows    int64 `json:"rows"`
}

// New opens a history source for env with options raw, which are validated
// against Options and sources.Common. Tests use it instead of the registry.
func New(env sources.Env, raw map[string]string) (sources.Source, error) {
	opts, err := sources.Validate(raw, Options(), true)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	s := &source{env: env, from: math.MinInt64, to: math.MaxInt64, batchSize: int(opts.Int("batch_size")),
		pos: position{Rowtime: math.MinInt64}, skip: position{Rowtime: math.MinInt64}}
	if s.batchSize < 1 {
		return nil, fmt.Errorf("history: batch_size must be at least 1")
	}
	for key, dst := range map[string]*int64{"from": &s.from, "to": &s.to} {
		if v := opts.String(key); v != "" {
			ms, err := sources.ParseTimestamp(v)
			if err != nil {
				return nil, fmt.Errorf("history: %w: %s = %q: %v", sources.ErrOption, key, v, err)
			}
			*dst = ms
		}
	}
	if _, err := sources.DeclaredColumns(env.Schema); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	segs, err := ListSegments(opts.String("dir"))
	if err != nil {
		return nil, err
	}
	s.clusters = clusters(segs, s.from, s.to)
	return s, nil
}

// clusters keeps the segments overlapping [from, to) and groups those whose
// ROWTIME ranges overlap, so that sorting each group sorts the whole.
func clusters(segs []Segment, from, to int64) [][]Segment {
	var out [][]Segment
	var end int64
	for _, sg := range segs {
		lo, hi := sg.Min.UnixMilli(), sg.Max.UnixMilli()
		if hi < from || lo >= to {
			continue
		}
		if len(out) > 0 && lo <= end {
			out[len(out)-1] = append(out[len(out)-1], sg)
			end = max(end, hi)
			continue
		}
		out = append(out, []Segment{sg})
		end = hi
	}
	return out
}

// Schema returns the output schema.
func (s *source) Schema() *arrow.Schema { return s.env.Schema }

// Next returns the next batch, which the caller owns and must Release, or
// io.EOF after the last row in range.
func (s *source) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.closed {
		return nil, fmt.Errorf("history: source is closed")
	}
	s.started = true
	for s.next >= s.rows {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.releaseCluster()
		if len(s.clusters) == 0 {
			return nil, io.EOF
		}
		c := s.clusters[0]
		s.clusters = s.clusters[1:]
		if err := s.load(ctx, c); err != nil {
			return nil, err
		}
	}
	n := min(s.batchSize, s.rows-s.next)
	cols := make([]arrow.Array, len(s.cur))
	for i, a := range s.cur {
		cols[i] = array.NewSlice(a, int64(s.next), int64(s.next+n))
	}
	batch := array.NewRecordBatch(s.env.Schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	rt := s.cur[len(s.cur)-1].(*array.Timestamp)
	for i := s.next; i < s.next+n; i++ {
		if v := int64(rt.Value(i)); v == s.pos.Rowtime {
			s.pos.Rows++
		} else {
			s.pos = position{Rowtime: v, Rows: 1}
		}
	}
	s.next += n
	return batch, nil
}

// Position returns the position after the last row Next returned.
func (s *source) Position() ([]byte, error) { return json.Marshal(s.pos) }

// Seek makes Next resume after pos, a token Position returned.
func (s *source) Seek(_ context.Context, pos []byte) error {
	if s.started {
		return fmt.Errorf("history: seek after the first Next")
	}
	var p position
	if err := json.Unmarshal(pos, &p); err != nil {
		return fmt.Errorf("history: bad position %q: %w", pos, err)
	}
	s.skip, s.pos = p, p
	s.from = max(s.from, p.Rowtime)
	return nil
}

// Close releases the rows held; it may be called twice.
func (s *source) Close() error {
	s.releaseCluster()
	s.clusters = nil
	s.closed = true
	return nil
}

func (s *source) releaseCluster() {
	for _, a := range s.cur {
		a.Release()
	}
	s.cur, s.rows, s.next = nil, 0, 0
}
