package history

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sources"
	shistory "github.com/eddy-sql/eddy/sources/history"
)

func init() {
	sinks.Register(sinks.Factory{
		Name:    "history",
		Doc:     "keeps a retained stream's rows as Arrow IPC segments for scheduled reports",
		Target:  "dir",
		Options: optionSpecs(),
		Open: func(_ context.Context, env sinks.Env, opts sources.Options) (sinks.Sink, error) {
			return Open(env, opts)
		},
	})
}

// optionSpecs declares the connector's options.
func optionSpecs() []sources.OptionSpec {
	return []sources.OptionSpec{
		{Name: "dir", Required: true, Doc: "the history directory; created when missing"},
		{Name: "retain", Doc: "how much ROWTIME to keep before the newest row: '24 hours', 2h, '7 days'; default: everything"},
		{Name: "segment", Kind: sources.KindDuration, Default: "15m", Doc: "ROWTIME span of one segment at most"},
		{Name: "flush_interval", Kind: sources.KindDuration, Default: "5s", Doc: "write buffered rows once they are this old (checked on each write)"},
		{Name: "max_rows", Kind: sources.KindInt, Default: "100000", Doc: "rows of one segment at most"},
	}
}

// ErrClosed is returned by Write and Flush after Close.
var ErrClosed = errors.New("history: sink is closed")

// Config configures a history sink.
type Config struct {
	// Dir is the history directory.
	Dir string
	// Retain is how much ROWTIME to keep before the newest; 0 keeps all.
	Retain time.Duration
	// Segment bounds the ROWTIME span of a segment; 0 means 15 minutes.
	Segment time.Duration
	// FlushInterval bounds how long rows stay buffered while writes come.
	FlushInterval time.Duration
	// MaxRows bounds the rows of a segment; 0 means 100000.
	MaxRows int
}

// sink buffers batches and writes them as segments.
type sink struct {
	cfg    Config
	schema *arrow.Schema
	clock  func() time.Time
	rtIdx  int

	buf    []arrow.RecordBatch
	rows   int
	lo, hi int64     // ROWTIME range of buf
	since  time.Time // when buf got its first batch
	newest int64     // newest ROWTIME written, over all segments
	seq    int64
	err    error
	closed bool
}

var (
	_ sinks.Sink    = (*sink)(nil)
	_ sinks.Flusher = (*sink)(nil)
)

// Open opens a history sink from validated options.
func Open(env sinks.Env, opts sources.Options) (sinks.Sink, error) {
	retain, err := ParseRetain(opts.String("retain"))
	if err != nil {
		return nil, err
	}
	return New(env, Config{
		Dir: opts.String("dir"), Retain: retain, Segment: opts.Duration("segment"),
		FlushInterval: opts.Duration("flush_interval"), MaxRows: int(opts.Int("max_rows")),
	})
}

// New opens a history sink for env.Schema, which must hold ROWTIME as a
// millisecond timestamp. Tests use it instead of the registry.
func New(env sinks.Env, cfg Config) (sinks.Sink, error) {
	if cfg.Dir == "" {
		return nil, fmt.Errorf("history: %w: %q is required", sources.ErrOption, "dir")
	}
	if cfg.Segment <= 0 {
		cfg.Segment = 15 * time.Minute
	}
	if cfg.MaxRows <= 0 {
		cfg.MaxRows = 100000
	}
	rt := env.Schema.FieldIndices(sources.RowtimeColumn)
	if len(rt) != 1 || !arrow.TypeEqual(env.Schema.Field(rt[0]).Type, sources.TimestampType) {
		return nil, fmt.Errorf("history: stream %s: the schema has no ROWTIME timestamp column", env.Stream)
	}
	// Retained history is user data: only its owner reads it.
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	s := &sink{cfg: cfg, schema: env.Schema, clock: env.Clock, rtIdx: rt[0], newest: math.MinInt64}
	if s.clock == nil {
		s.clock = time.Now
	}
	if err := s.scan(); err != nil {
		return nil, err
	}
	return s, nil
}

// scan picks up the newest ROWTIME and sequence number of the segments
// already there and removes temporary files a crash left behind.
func (s *sink) scan() error {
	segs, err := shistory.ListSegments(s.cfg.Dir)
	if err != nil {
		return err
	}
	for _, sg := range segs {
		s.newest = max(s.newest, sg.Max.UnixMilli())
		s.seq = max(s.seq, sg.Seq)
	}
	tmps, _ := filepath.Glob(filepath.Join(s.cfg.Dir, ".tmp-*"))
	for _, t := range tmps {
		os.Remove(t)
	}
	return nil
}

// Write buffers batch (it takes ownership) and writes a segment when one
// is due.
func (s *sink) Write(ctx context.Context, batch arrow.RecordBatch) error {
	if s.closed {
		batch.Release()
		return ErrClosed
	}
	if s.err != nil {
		batch.Release()
		return s.err
	}
	if batch.NumRows() == 0 {
		batch.Release()
		return nil
	}
	lo, hi := rowtimeRange(batch.Column(s.rtIdx).(*array.Timestamp))
	if len(s.buf) > 0 && (max(hi, s.hi)-min(lo, s.lo) >= s.cfg.Segment.Milliseconds()) {
		if err := s.Flush(ctx); err != nil {
			batch.Release()
			return err
		}
	}
	if len(s.buf) == 0 {
		s.lo, s.hi, s.since = lo, hi, s.clock()
	}
	s.buf = append(s.buf, batch)
	s.rows += int(batch.NumRows())
	s.lo, s.hi = min(s.lo, lo), max(s.hi, hi)
	if s.rows >= s.cfg.MaxRows || s.clock().Sub(s.since) >= s.cfg.FlushInterval {
		return s.Flush(ctx)
	}
	return nil
}

// rowtimeRange returns the smallest and largest non-null value.
func rowtimeRange(a *array.Timestamp) (lo, hi int64) {
	lo, hi = math.MaxInt64, math.MinInt64
	for i := 0; i < a.Len(); i++ {
		if a.IsValid(i) {
			v := int64(a.Value(i))
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if lo > hi {
		return 0, 0
	}
	return lo, hi
}

// Flush writes the buffered batches as one segment and applies retention;
// when it returns nil they are on disk (synced).
func (s *sink) Flush(ctx context.Context) error {
	if s.closed {
		return ErrClosed
	}
	if s.err != nil {
		return s.err
	}
	if len(s.buf) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.writeSegment(); err != nil {
		s.err = err
		return err
	}
	return s.prune()
}

// writeSegment writes buf to a temporary file and renames it into place.
func (s *sink) writeSegment() error {
	s.seq++
	name := shistory.SegmentName(time.UnixMilli(s.lo), time.UnixMilli(s.hi), s.seq)
	tmp := filepath.Join(s.cfg.Dir, ".tmp-"+name)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	err = func() error {
		w, err := ipc.NewFileWriter(f, ipc.WithSchema(s.schema))
		if err != nil {
			return err
		}
		for _, b := range s.buf {
			if err := w.Write(b); err != nil {
				w.Close()
				return err
			}
		}
		if err := w.Close(); err != nil {
			return err
		}
		return f.Sync()
	}()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(s.cfg.Dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("history: write segment %s: %w", name, err)
	}
	s.newest = max(s.newest, s.hi)
	s.release()
	return nil
}

// prune deletes the segments entirely older than the retention.
func (s *sink) prune() error {
	if s.cfg.Retain <= 0 {
		return nil
	}
	segs, err := shistory.ListSegments(s.cfg.Dir)
	if err != nil {
		return err
	}
	cut := s.newest - s.cfg.Retain.Milliseconds()
	for _, sg := range segs {
		if sg.Max.UnixMilli() < cut {
			if err := os.Remove(sg.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("history: retention: %w", err)
			}
		}
	}
	return nil
}

func (s *sink) release() {
	for _, b := range s.buf {
		b.Release()
	}
	s.buf, s.rows = nil, 0
}

// Close writes what is buffered and releases everything; it may be called
// twice.
func (s *sink) Close(ctx context.Context) error {
	if s.closed {
		return nil
	}
	err := s.Flush(ctx)
	s.closed = true
	s.release()
	return err
}

var weeks = regexp.MustCompile(`(?i)^\s*'?\s*(\d+)\s*'?\s*weeks?\s*$`)

// ParseRetain reads a retention period: a Go duration (48h), SQL interval
// text ('24 hours', '7 days', INTERVAL '1' DAY) or weeks ('2 weeks'). The
// empty string means keep everything (0).
func ParseRetain(v string) (time.Duration, error) {
	if strings.TrimSpace(v) == "" {
		return 0, nil
	}
	if m := weeks.FindStringSubmatch(v); m != nil {
		n, _ := strconv.Atoi(m[1])
		return time.Duration(n) * 7 * 24 * time.Hour, nil
	}
	d, err := sources.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("history: %w: retain = %q: want a period such as '24 hours'", sources.ErrOption, v)
	}
	return d, nil
}
