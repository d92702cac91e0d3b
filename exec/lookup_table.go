package exec

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// LookupTable is one loaded version of a reference table: its rows as one
// record batch and a hash index per set of key columns the joins use. It is
// immutable once built and safe for concurrent lookups. It counts
// references: NewLookupTable returns it with one, Retain adds one, Release
// drops one and frees the rows at zero.
type LookupTable struct {
	rec     arrow.RecordBatch
	indexes map[string]*HashIndex
	version string
	bytes   int64
	refs    atomic.Int64
}

// NewLookupTable builds a table version over rec (whose ownership passes to
// the table, also on error) with one index per key-column set of keySets.
// version identifies the object it was read from (an ETag, an mtime), ""
// when unknown.
func NewLookupTable(rec arrow.RecordBatch, keySets [][]int, version string) (*LookupTable, error) {
	t := &LookupTable{rec: rec, indexes: map[string]*HashIndex{}, version: version}
	t.refs.Store(1)
	t.bytes = RecordBytes(rec)
	for _, cols := range keySets {
		sig := keySignature(cols)
		if _, ok := t.indexes[sig]; ok {
			continue
		}
		keys := make([]arrow.Array, len(cols))
		for i, c := range cols {
			if c < 0 || c >= int(rec.NumCols()) {
				rec.Release()
				return nil, fmt.Errorf("exec: lookup table: key column %d out of range", c)
			}
			keys[i] = rec.Column(c)
		}
		x, err := NewHashIndex(keys)
		if err != nil {
			rec.Release()
			return nil, err
		}
		t.indexes[sig] = x
		t.bytes += x.SizeBytes()
	}
	return t, nil
}

// RecordBytes returns the bytes of the buffers of rec's columns.
func RecordBytes(rec arrow.RecordBatch) int64 {
	var n int64
	for _, c := range rec.Columns() {
		n += ArrayBytes(c)
	}
	return n
}

// ArrayBytes returns the bytes of the buffers of arr and its children.
func ArrayBytes(arr arrow.Array) int64 {
	var n int64
	var walk func(d arrow.ArrayData)
	walk = func(d arrow.ArrayData) {
		for _, b := range d.Buffers() {
			if b != nil {
				n += int64(b.Len())
			}
		}
		for _, c := range d.Children() {
			walk(c)
		}
	}
	walk(arr.Data())
	return n
}

func keySignature(cols []int) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = strconv.Itoa(c)
	}
	return strings.Join(parts, ",")
}

// Record returns the table's rows; the table keeps ownership.
func (t *LookupTable) Record() arrow.RecordBatch { return t.rec }

// Rows returns the number of rows.
func (t *LookupTable) Rows() int64 { return t.rec.NumRows() }

// Bytes returns the memory the rows and indexes hold.
func (t *LookupTable) Bytes() int64 { return t.bytes }

// Version returns the version of the object the rows were read from.
func (t *LookupTable) Version() string { return t.version }

// Index returns the index over the key columns cols.
func (t *LookupTable) Index(cols []int) (*HashIndex, bool) {
	x, ok := t.indexes[keySignature(cols)]
	return x, ok
}

// Retain adds a reference.
func (t *LookupTable) Retain() { t.refs.Add(1) }

// Release drops a reference, freeing the rows with the last one.
func (t *LookupTable) Release() {
	if t.refs.Add(-1) == 0 {
		t.rec.Release()
	}
}

// TableLoader is how a TableHandle (re)loads its table.
type TableLoader struct {
	// Load reads the whole object and builds a new table version.
	Load func(ctx context.Context) (*LookupTable, error)
	// Version returns the object's current version (ETag, mtime) without
	// reading it; nil when the connector cannot tell, and then every
	// refresh interval reloads.
	Version func(ctx context.Context) (string, error)
	// Interval is the refresh period; 0 turns periodic refresh off.
	Interval time.Duration
	// OnError receives reload failures (the old table stays in use).
	OnError func(error)
}

// TableHandle holds the current version of a reference table for the lookup
// joins that read it, and swaps in new versions atomically: a join works on
// one version for a whole batch. With a refresh interval it runs one
// goroutine, started when the first join opens the handle and stopped (and
// waited for) when the last one closes it. Its methods are safe for
// concurrent use.
type TableHandle struct {
	name   string
	schema *arrow.Schema
	cfg    TableLoader

	mu  sync.RWMutex
	cur *LookupTable

	loadMu sync.Mutex // one load at a time

	usersMu sync.Mutex
	users   int
	stop    context.CancelFunc
	done    chan struct{}

	reloads  atomic.Int64
	failures atomic.Int64
}

// NewTableHandle returns a handle for table name with the given row schema
// and no version loaded yet.
func NewTableHandle(name string, schema *arrow.Schema, cfg TableLoader) *TableHandle {
	if cfg.OnError == nil {
		cfg.OnError = func(error) {}
	}
	return &TableHandle{name: name, schema: schema, cfg: cfg}
}

// Name returns the table's name.
func (h *TableHandle) Name() string { return h.name }

// Schema returns the schema of the table's rows.
func (h *TableHandle) Schema() *arrow.Schema { return h.schema }

// Interval returns the refresh period (0: none).
func (h *TableHandle) Interval() time.Duration { return h.cfg.Interval }

// Reloads returns how many loads succeeded and failed so far.
func (h *TableHandle) Reloads() (ok, failed int64) { return h.reloads.Load(), h.failures.Load() }

// Refresh loads the object now and swaps the new version in. On error the
// old version stays and the error is returned.
func (h *TableHandle) Refresh(ctx context.Context) error {
	h.loadMu.Lock()
	defer h.loadMu.Unlock()
	return h.load(ctx)
}

func (h *TableHandle) load(ctx context.Context) error {
	t, err := h.cfg.Load(ctx)
	if err != nil {
		h.failures.Add(1)
		return fmt.Errorf("table %s: %w", h.name, err)
	}
	if !t.rec.Schema().Equal(h.schema) {
		t.Release()
		h.failures.Add(1)
		return fmt.Errorf("table %s: loaded rows have schema %s, want %s", h.name, t.rec.Schema(), h.schema)
	}
	h.mu.Lock()
	old := h.cur
	h.cur = t
	h.mu.Unlock()
	if old != nil {
		old.Release()
	}
	h.reloads.Add(1)
	return nil
}

// refreshIfChanged reloads when the object's version differs from the
// loaded one (or cannot be told).
func (h *TableHandle) refreshIfChanged(ctx context.Context) error {
	h.loadMu.Lock()
	defer h.loadMu.Unlock()
	if h.cfg.Version != nil {
		v, err := h.cfg.Version(ctx)
		if err != nil {
			h.failures.Add(1)
			return fmt.Errorf("table %s: version check: %w", h.name, err)
		}
		if cur := h.Acquire(); cur != nil {
			same := v != "" && v == cur.version
			cur.Release()
			if same {
				return nil
			}
		}
	}
	return h.load(ctx)
}

// Acquire returns the current version with a reference the caller
// releases, or nil when nothing is loaded.
func (h *TableHandle) Acquire() *LookupTable {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.cur != nil {
		h.cur.Retain()
	}
	return h.cur
}

// Open registers a reader; the first one starts periodic refresh.
func (h *TableHandle) Open() {
	h.usersMu.Lock()
	defer h.usersMu.Unlock()
	h.users++
	if h.users > 1 || h.cfg.Interval <= 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.stop, h.done = cancel, make(chan struct{})
	go h.refreshLoop(ctx, h.done)
}

func (h *TableHandle) refreshLoop(ctx context.Context, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(h.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := h.refreshIfChanged(ctx); err != nil && ctx.Err() == nil {
			h.cfg.OnError(err)
		}
	}
}

// Close unregisters a reader; the last one stops periodic refresh, waits
// for it, and releases the current version.
func (h *TableHandle) Close() {
	h.usersMu.Lock()
	defer h.usersMu.Unlock()
	if h.users == 0 {
		return
	}
	h.users--
	if h.users > 0 {
		return
	}
	h.Drop()
}

// Drop stops periodic refresh and releases the current version, whatever
// the readers (for a job that fails before it runs). Call it with usersMu
// held or when no reader remains.
func (h *TableHandle) Drop() {
	if h.stop != nil {
		h.stop()
		<-h.done
		h.stop, h.done = nil, nil
	}
	h.loadMu.Lock()
	h.mu.Lock()
	old := h.cur
	h.cur = nil
	h.mu.Unlock()
	h.loadMu.Unlock()
	if old != nil {
		old.Release()
	}
}
