package serve

import (
	"errors"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/planner"
)

// Tap options' defaults.
const (
	// DefaultTapRate is the most rows per second a tap samples.
	DefaultTapRate = 20
	// DefaultTapBuffer is how many sampled rows a tap holds for its reader
	// before it drops new ones.
	DefaultTapBuffer = 200
)

// ErrNoStream is returned by Tap for a name that cannot be a stream's.
// A tap of a stream the application has not opened (yet) stays silent:
// taps reach a run's sources, destinations and error stream, and a tap
// made before a start sees the run from its first row.
var ErrNoStream = errors.New("serve: no such stream to tap")

var validName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*$`)

// TapRow is one sampled row: its values as text, in the order of the
// tap's Columns.
type TapRow []string

// Tap samples the rows of one stream of an application for a live view.
// The pipeline never waits for it: a tap takes at most Rate rows per
// second, and drops rows its reader has not taken yet beyond Buffer. It
// outlives runs (a restarted application feeds it again). Rows arrive on
// C; Close ends the tap (C is then closed). Dropped and Columns are safe
// for concurrent use.
type Tap struct {
	// C delivers the sampled rows.
	C <-chan TapRow

	c       chan TapRow
	st      *streamTap
	rate    float64
	clock   func() time.Time
	mu      sync.Mutex // guards tokens, last and closed
	tokens  float64
	last    time.Time
	closed  bool
	dropped atomic.Int64
}

// Dropped is how many rows the tap sampled but could not hand on because
// the reader was behind (rows skipped by the rate limit are not counted).
func (t *Tap) Dropped() int64 { return t.dropped.Load() }

// Columns returns the names of the stream's columns.
func (t *Tap) Columns() []string { return t.st.columns() }

// Close ends the tap; it may be called twice.
func (t *Tap) Close() {
	t.st.remove(t)
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.closed {
		t.closed = true
		close(t.c)
	}
}

// take returns how many rows (at most n) the rate limit lets through now.
func (t *Tap) take(n int) int {
	now := t.clock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return 0
	}
	if !t.last.IsZero() {
		t.tokens += now.Sub(t.last).Seconds() * t.rate
	}
	t.last = now
	if t.tokens > t.rate {
		t.tokens = t.rate
	}
	k := min(n, int(t.tokens))
	t.tokens -= float64(k)
	return k
}

// offer hands row on, or drops it when the reader is behind.
func (t *Tap) offer(row TapRow) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	select {
	case t.c <- row:
	default:
		t.dropped.Add(1)
	}
}

// streamTap is the taps of one stream of an application. Its writers
// (the pipeline) pay one atomic load per batch while nothing taps it.
type streamTap struct {
	n    atomic.Int32
	rows atomic.Int64 // rows of a stream between pumps, counted once the graph is watched
	mu   sync.Mutex
	taps []*Tap
	cols []string
}

func (s *streamTap) columns() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.cols...)
}

func (s *streamTap) setSchema(schema *arrow.Schema) {
	cols := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		cols[i] = f.Name
	}
	s.mu.Lock()
	s.cols = cols
	s.mu.Unlock()
}

func (s *streamTap) remove(t *Tap) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.taps {
		if x == t {
			s.taps = append(s.taps[:i], s.taps[i+1:]...)
			s.n.Store(int32(len(s.taps)))
			return
		}
	}
}

// batch samples rows of b for every tap (the caller keeps b). Rows are
// read as text only for the few rows sampled.
func (s *streamTap) batch(b arrow.RecordBatch) {
	if s.n.Load() == 0 || b == nil || b.NumRows() == 0 {
		return
	}
	s.mu.Lock()
	taps := append([]*Tap(nil), s.taps...)
	s.mu.Unlock()
	n := int(b.NumRows())
	for _, t := range taps {
		k := t.take(n)
		for j := 0; j < k; j++ {
			// Spread the sample over the batch.
			i := j * n / k
			row := make(TapRow, b.NumCols())
			for c, col := range b.Columns() {
				row[c] = valueText(col, i)
			}
			t.offer(row)
		}
	}
}

// record samples one error-stream row.
func (s *streamTap) record(r ErrorRow) {
	if s.n.Load() == 0 {
		return
	}
	s.mu.Lock()
	taps := append([]*Tap(nil), s.taps...)
	s.mu.Unlock()
	for _, t := range taps {
		if t.take(1) == 1 {
			t.offer(TapRow{r.Time, r.Level, r.Name, r.Message, r.DataRow, r.Pump, r.Stream, r.Origin, r.Partition, r.Position})
		}
	}
}

// errorColumns are the columns of the error stream's tap.
var errorColumns = []string{"ERROR_TIME", "ERROR_LEVEL", "ERROR_NAME", "MESSAGE", "DATA_ROW", "PUMP", "STREAM", "ORIGIN", "PARTITION", "POSITION"}

func valueText(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return ""
	}
	switch c := col.(type) {
	case *array.String:
		// A copy: the row outlives the batch, whose buffers a source
		// may reuse once it is released (sources.Recycler).
		return strings.Clone(c.Value(i))
	case *array.Timestamp:
		unit := c.DataType().(*arrow.TimestampType).Unit
		return c.Value(i).ToTime(unit).UTC().Format("2006-01-02 15:04:05.000")
	}
	return col.ValueStr(i)
}

// taps returns the taps of stream (upper case), made on first use.
func (m *appMetrics) tapOf(stream string) *streamTap {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.taps == nil {
		m.taps = map[string]*streamTap{}
	}
	k := strings.ToUpper(stream)
	t := m.taps[k]
	if t == nil {
		t = &streamTap{}
		if k == exec.ErrorStreamName {
			t.cols = errorColumns
		}
		m.taps[k] = t
	}
	return t
}

// tapStreams hooks the taps of a run's intermediate streams (those
// written by one pump and read by another: sources and destinations are
// tapped at their connectors, the error stream as rows are recorded) into
// the streams themselves, records the newest event time of every stream
// but the sources' (which report their own) and keeps the streams for
// their queue fill. The pipeline pays an atomic load per batch and tap
// while nothing watches.
func (m *appMetrics) tapStreams(job *planner.Job) {
	var inner []string
	streams := map[string]*exec.Stream{}
	for _, name := range job.StreamNames() {
		m.mu.Lock()
		source := m.flows["input/"+name] != nil
		edge := source || m.flows["output/"+name] != nil
		m.mu.Unlock()
		st, ok := job.Stream(name)
		if !ok || strings.EqualFold(name, exec.ErrorStreamName) {
			continue
		}
		streams[name] = st
		if !source {
			// The newest event time of every stream the sources do not
			// report, for the graph, while the console watches it.
			tm := m.timeOf(name)
			st.Tap(func(b arrow.RecordBatch) {
				if m.watched.Load() {
					tm.batch(b)
				}
			})
		}
		if edge {
			continue
		}
		tap := m.tapOf(name)
		tap.setSchema(st.Schema())
		// The job's streams go with the run: no need to remove the tap.
		st.Tap(func(b arrow.RecordBatch) {
			if m.watched.Load() {
				tap.rows.Add(b.NumRows())
			}
			tap.batch(b)
		})
		inner = append(inner, name)
	}
	m.mu.Lock()
	m.inner, m.streams = inner, streams
	m.mu.Unlock()
}

// TapStream describes a stream that can be tapped.
type TapStream struct {
	Name string `json:"name"`
	// Kind is source, destination, stream (an in-application stream
	// between pumps) or error_stream.
	Kind string `json:"kind"`
}

// TapStreams lists the streams of application app that Tap reaches:
// the sources and destinations its runs have opened, the other
// in-application streams of its latest run, and its error stream.
func (m *Manager) TapStreams(app string) ([]TapStream, error) {
	a, err := m.get(app)
	if err != nil {
		return nil, err
	}
	a.metrics.mu.Lock()
	defer a.metrics.mu.Unlock()
	out := []TapStream{}
	seen := map[string]bool{}
	for _, f := range a.metrics.flows {
		kind := "source"
		if f.flow == "output" {
			kind = "destination"
		}
		if k := strings.ToUpper(f.stream); !seen[k] {
			seen[k] = true
			out = append(out, TapStream{Name: f.stream, Kind: kind})
		}
	}
	for _, name := range a.metrics.inner {
		if k := strings.ToUpper(name); !seen[k] {
			seen[k] = true
			out = append(out, TapStream{Name: name, Kind: "stream"})
		}
	}
	order := map[string]int{"source": 0, "stream": 1, "destination": 2}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return order[out[i].Kind] < order[out[j].Kind] // sources first
		}
		return out[i].Name < out[j].Name
	})
	return append(out, TapStream{Name: exec.ErrorStreamName, Kind: "error_stream"}), nil
}

// Tap starts sampling stream (its name, any case) of application app: at most rate rows per
// second (DefaultTapRate when 0), holding at most buffer rows
// (DefaultTapBuffer when 0) for the reader. The caller must Close it.
func (m *Manager) Tap(app, stream string, rate, buffer int) (*Tap, error) {
	a, err := m.get(app)
	if err != nil {
		return nil, err
	}
	if !validName.MatchString(stream) {
		return nil, ErrNoStream
	}
	if rate <= 0 {
		rate = DefaultTapRate
	}
	if buffer <= 0 {
		buffer = DefaultTapBuffer
	}
	st := a.metrics.tapOf(stream)
	c := make(chan TapRow, buffer)
	t := &Tap{C: c, c: c, st: st, rate: float64(rate), tokens: float64(rate), clock: m.opts.Clock}
	st.mu.Lock()
	st.taps = append(st.taps, t)
	st.n.Store(int32(len(st.taps)))
	st.mu.Unlock()
	return t, nil
}
