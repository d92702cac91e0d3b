package generator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

// The system columns that end every source schema.
const (
	arrivalColumn = "APPROXIMATE_ARRIVAL_TIME"
	rowtimeColumn = "ROWTIME"
)

const (
	// flushEvery is the longest a paced source holds due events back.
	flushEvery = 100 * time.Millisecond
	// chunkRows is how many rows are generated between context checks.
	chunkRows = 4096
	// maxRate and maxBatchSize bound the options.
	maxRate      = 1_000_000_000
	maxBatchSize = 1 << 20
)

// config is a validated generator configuration.
type config struct {
	kind      string // "ticker" or "nexmark"
	table     string // nexmark: "bid", "auction" or "person"
	rate      int64  // events per second of wall-clock time; 0 = unpaced
	count     int64  // events in all; 0 = unbounded
	seed      int64
	batchSize int
	rowtime   string // a column whose value is ROWTIME; "" = the default
	nexmark   NexmarkConfig
	// parallelism is how many cores generate an unpaced Nexmark stream.
	parallelism int
}

// newTable returns the stream generator cfg describes.
func (cfg *config) newTable() (table, error) {
	if cfg.kind == "ticker" {
		return &tickerTable{t: newTicker(cfg.seed)}, nil
	}
	nc := cfg.nexmark
	nc.Seed = cfg.seed
	g, err := NewNexmark(nc)
	if err != nil {
		return nil, err
	}
	switch cfg.table {
	case "auction":
		return &auctionTable{g: g}, nil
	case "person":
		return &personTable{g: g}, nil
	}
	return &bidTable{g: g}, nil
}

// boundCol is a declared column fed by a generated field.
type boundCol struct {
	field int
	kind  fieldKind
	dt    arrow.DataType
}

// builder turns a table's rows into batches of the output schema. Each
// generating worker has its own.
type builder struct {
	schema *arrow.Schema
	alloc  memory.Allocator
	cols   []boundCol
	// rowtimeField is the field copied to ROWTIME, or -1 for arrival time.
	rowtimeField int

	ints   []int64
	floats []float64
	spans  []span
}

// source is a generator stream. It is used by one goroutine at a time.
type source struct {
	builder
	cfg   config
	clock func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	tbl   table

	rate, count int64
	batchSize   int
	emitted     int64 // events of the sequence consumed so far
	// paceBase is where pacing starts counting: the position Seek resumed
	// from, so a resumed source is not behind its schedule.
	paceBase int64

	started         bool
	start, lastEmit time.Time

	par    parallel          // generating on several cores (parallel.go)
	rec    *sources.Recycler // the builders' allocator, over env's
	closed bool
}

var _ sources.Source = (*source)(nil)

// newSource opens a generator with the output schema and allocator of env.
func newSource(env sources.Env, cfg config) (*source, error) {
	if env.Schema == nil || env.Alloc == nil {
		return nil, errors.New("generator: open needs an output schema and an allocator")
	}
	tbl, err := cfg.newTable()
	if err != nil {
		return nil, err
	}
	fields := tbl.fields()
	n := env.Schema.NumFields() - 2
	if n < 0 || !isSystem(env.Schema.Field(n), arrivalColumn) || !isSystem(env.Schema.Field(n+1), rowtimeColumn) {
		return nil, fmt.Errorf("generator: schema must end with %s and %s timestamps, got %s", arrivalColumn, rowtimeColumn, env.Schema)
	}
	rowtimeField := tbl.eventTime()
	if cfg.rowtime != "" {
		if rowtimeField, err = rowtimeOf(fields, cfg.rowtime); err != nil {
			return nil, err
		}
	}
	rec := sources.NewRecycler(env.Alloc)
	s := &source{
		builder:   builder{schema: env.Schema, alloc: rec, rowtimeField: rowtimeField},
		rec:       rec,
		cfg:       cfg,
		clock:     env.Clock,
		sleep:     sleepCtx,
		tbl:       tbl,
		rate:      cfg.rate,
		count:     cfg.count,
		batchSize: cfg.batchSize,
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	cols := make([]boundCol, n)
	for i := range n {
		id, err := checkColumn(fields, env.Schema.Field(i))
		if err != nil {
			return nil, err
		}
		cols[i] = boundCol{field: id, kind: fields[id].kind, dt: env.Schema.Field(i).Type}
	}
	s.cols = cols
	return s, nil
}

func isSystem(f arrow.Field, name string) bool {
	return strings.EqualFold(f.Name, name) && f.Type.ID() == arrow.TIMESTAMP
}

// rowtimeOf resolves the rowtime option: a TIMESTAMP field of the stream,
// or APPROXIMATE_ARRIVAL_TIME (-1).
func rowtimeOf(fields []fieldSpec, name string) (int, error) {
	if strings.EqualFold(name, arrivalColumn) {
		return -1, nil
	}
	id := fieldIndex(fields, name)
	if id < 0 {
		return -1, fmt.Errorf("generator: rowtime column %q is not a column of the stream (%s)", name, fieldNames(fields))
	}
	if fields[id].kind != kindTime {
		return -1, fmt.Errorf("generator: rowtime column %q is %s, not a TIMESTAMP", name, fields[id].sqltype)
	}
	return id, nil
}

// Schema returns the output schema.
func (s *source) Schema() *arrow.Schema { return s.schema }

// Next returns the next batch, which the caller releases. A paced source
// blocks until events are due; when the due events hold no row of its table
// (Nexmark persons and auctions are sparse) it returns an empty batch.
func (s *source) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.closed {
		return nil, errors.New("generator: next on a closed source")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.count > 0 && s.emitted >= s.count {
		return nil, io.EOF
	}
	if s.parallel() {
		return s.nextParallel(ctx)
	}
	budget := int64(math.MaxInt64)
	if s.count > 0 {
		budget = s.count - s.emitted
	}
	if s.rate > 0 {
		due, err := s.wait(ctx)
		if err != nil {
			return nil, err
		}
		budget = min(budget, due)
	}
	s.tbl.reset()
	for s.tbl.len() < s.batchSize && budget > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		_, used := s.tbl.fill(budget, min(s.batchSize-s.tbl.len(), chunkRows))
		budget -= used
		s.emitted += used
	}
	n := s.tbl.len()
	if n == 0 && s.rate == 0 {
		return nil, io.EOF // the count ran out among events of other kinds
	}
	now := s.clock()
	s.lastEmit = now
	return s.build(s.tbl, n, now.UnixMilli()), nil
}

// build turns the n current rows of tbl into a batch, which the caller
// releases.
func (s *builder) build(tbl table, n int, arrival int64) arrow.RecordBatch {
	arrs := make([]arrow.Array, 0, len(s.cols)+2)
	for _, c := range s.cols {
		switch c.kind {
		case kindInt, kindTime:
			s.ints = tbl.ints(c.field, s.ints)
			arrs = append(arrs, intColumn(s.alloc, c.dt, s.ints))
		case kindFloat:
			s.floats = tbl.floats(c.field, s.floats)
			arrs = append(arrs, floatColumn(s.alloc, c.dt, s.floats))
		case kindText:
			var blob []byte
			blob, s.spans = tbl.texts(c.field, s.spans)
			arrs = append(arrs, textColumn(s.alloc, c.dt, blob, s.spans))
		}
	}
	last := len(s.cols)
	arrivalType, rowtimeType := s.schema.Field(last).Type, s.schema.Field(last+1).Type
	arrs = append(arrs, constTimestamps(s.alloc, arrivalType, arrival, n))
	// ROWTIME is a copy of a column built already when the types match:
	// the batch holds that array twice (arrays are immutable).
	same := -1
	if s.rowtimeField < 0 {
		if arrow.TypeEqual(arrivalType, rowtimeType) {
			same = last
		}
	} else {
		for i, c := range s.cols {
			if c.field == s.rowtimeField && arrow.TypeEqual(c.dt, rowtimeType) {
				same = i
				break
			}
		}
	}
	switch {
	case same >= 0:
		arrs[same].Retain()
		arrs = append(arrs, arrs[same])
	case s.rowtimeField < 0:
		arrs = append(arrs, constTimestamps(s.alloc, rowtimeType, arrival, n))
	default:
		s.ints = tbl.ints(s.rowtimeField, s.ints)
		arrs = append(arrs, intColumn(s.alloc, rowtimeType, s.ints))
	}
	rec := array.NewRecordBatch(s.schema, arrs, int64(n))
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

// wait blocks until events are due and returns how many: a full batch as
// soon as one is due, else what is due once flushEvery has passed since the
// last batch, else the rest of a bounded run.
func (s *source) wait(ctx context.Context) (int64, error) {
	for {
		now := s.clock()
		if !s.started {
			s.started, s.start, s.lastEmit = true, now, now
		}
		due := s.dueBy(now)
		if s.count > 0 {
			due = min(due, s.count)
		}
		pending := due - s.emitted
		if pending >= int64(s.batchSize) ||
			(pending > 0 && (now.Sub(s.lastEmit) >= flushEvery || due == s.count)) {
			return pending, nil
		}
		wake := min(s.dueTime(s.emitted+int64(s.batchSize)), s.lastEmit.Add(flushEvery).Sub(s.start))
		wake = max(wake, s.dueTime(s.emitted+1))
		d := max(wake-now.Sub(s.start), time.Microsecond)
		if err := s.sleep(ctx, d); err != nil {
			return 0, err
		}
	}
}

// dueBy is how many events are due at now: ⌊elapsed·rate⌋.
func (s *source) dueBy(now time.Time) int64 {
	el := now.Sub(s.start)
	if el <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(el), uint64(s.rate))
	q, _ := bits.Div64(hi, lo, uint64(time.Second)) // hi < 1e9 since rate <= 1e9
	return s.paceBase + int64(q)
}

// dueTime is the time after start when event number n (1-based) is due.
func (s *source) dueTime(n int64) time.Duration {
	n -= s.paceBase
	if n < 0 {
		n = 0
	}
	hi, lo := bits.Mul64(uint64(n), uint64(time.Second))
	if hi >= uint64(s.rate) {
		return math.MaxInt64
	}
	q, rem := bits.Div64(hi, lo, uint64(s.rate))
	if rem > 0 {
		q++
	}
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(q)
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Close stops the source and its generating workers, releasing batches
// made ahead; it may be called more than once.
func (s *source) Close() error {
	if !s.closed {
		s.closed = true
		s.stopParallel()
		s.rec.Close()
	}
	return nil
}
