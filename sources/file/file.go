package file

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

func init() {
	f := sources.Factory{
		Name:    "file",
		Doc:     "JSON-lines or CSV records from files (a glob; gzip; follow to tail)",
		Target:  "path",
		Options: Options(),
		Open: func(_ context.Context, env sources.Env, opts sources.Options) (sources.Source, error) {
			return New(env, opts)
		},
		Discover: Discover,
		Version:  Version,
	}
	sources.Register(f)
	sources.Register(f.Alias("filesystem"))
}

// Options returns the options of the file connector, beyond sources.Common.
func Options() []sources.OptionSpec {
	return append([]sources.OptionSpec{
		{Name: "path", Required: true, Doc: "the file to read, or a glob of files read in order"},
		{Name: "compression", Default: "auto", Doc: "none, gzip, or auto (gzip when the name ends in .gz)"},
		{Name: "follow", Kind: sources.KindBool, Default: "false", Doc: "keep reading lines appended to the last file (unbounded)"},
		{Name: "poll_interval", Kind: sources.KindDuration, Default: "200ms", Doc: "with follow, how often to look for new data"},
		{Name: "batch_size", Kind: sources.KindInt, Default: "8192", Doc: "rows per batch at most"},
		{Name: "linger", Kind: sources.KindDuration, Default: "100ms", Doc: "with follow, emit a partial batch once its oldest row is this old"},
		{Name: "parallelism", Kind: sources.KindInt, Default: "0", Doc: "decode each file on this many cores (0: GOMAXPROCS; 1: on the reading goroutine); without follow, for JSON and unquoted CSV"},
		{Name: "morsel_size", Kind: sources.KindInt, Default: "0", Doc: "with parallelism, bytes of a file decoded as one piece (cut at a line end); 0: 256 KiB to 2 MiB by the files open"},
		{Name: "arrival", Doc: "a declared TIMESTAMP column whose value becomes APPROXIMATE_ARRIVAL_TIME (replaying recorded input); default: the time the record is read"},
	}, codec.Options()...)
}

// maxOpen is how many files of a glob a source reads side by side: each
// open file holds a read buffer, a decoder and a batch builder. Files
// beyond it wait for one to finish (they hold the watermark back as
// backlog meanwhile); with follow, no file finishes, so a glob may match
// at most maxOpen files.
const maxOpen = 64

// source reads the files of a glob as partitions, side by side in event
// time order (see Next). With parallelism above 1 it runs a pool of
// decoding workers (parallel.go), which Close stops and waits for.
type source struct {
	env       sources.Env
	opts      sources.Options
	clock     func() time.Time
	parts     []*part // one per file, in glob order
	open      []*part // the parts being read, at most maxOpen
	admitted  int     // parts before this index are open or done
	maxOpen   int
	follow    bool
	poll      time.Duration
	linger    time.Duration
	idle      time.Duration
	batchSize int
	spare     *codec.Ingest     // a decoder, framer and batcher to reuse
	workers   int               // decoding workers (parallel.go); ≤ 1: none
	pool      *pool             // started on the first parallel read
	inflight  int               // morsels read and not all returned
	morsel    int               // option morsel_size; 0: by the open files
	rec       *sources.Recycler // the batches' allocator, over env's
	newStage  func() (Stage, func(), error)
	origin    sources.Origin // of the batch Next returned last
	states    []sources.Partition
	closed    bool
}

var (
	_ sources.Source      = (*source)(nil)
	_ sources.Partitioned = (*source)(nil)
)

// New opens a file source for env with options raw, which are validated
// against Options and sources.Common. Tests use it instead of the registry.
func New(env sources.Env, raw map[string]string) (sources.Source, error) {
	opts, err := sources.Validate(raw, Options(), true)
	if err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	paths, err := expand(opts.String("path"))
	if err != nil {
		return nil, err
	}
	// Batches are built over buffers released batches left: a file's
	// batches all have about the same sizes (see sources.Recycler).
	var rec *sources.Recycler
	if env.Alloc != nil {
		rec = sources.NewRecycler(env.Alloc)
		env.Alloc = rec
	}
	s := &source{
		env: env, opts: opts, clock: env.Clock, maxOpen: maxOpen, rec: rec,
		follow: opts.Bool("follow"), poll: opts.Duration("poll_interval"), linger: opts.Duration("linger"),
		idle: opts.Duration("idle_timeout"), batchSize: int(opts.Int("batch_size")),
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.batchSize < 1 {
		return nil, fmt.Errorf("file: batch_size must be at least 1")
	}
	if s.poll <= 0 {
		s.poll = 200 * time.Millisecond
	}
	if s.follow && len(paths) > s.maxOpen {
		return nil, fmt.Errorf("file: follow reads at most %d files at once, but %s matches %d", s.maxOpen, opts.String("path"), len(paths))
	}
	seen := map[sources.Origin]string{}
	for i, path := range paths {
		gz, err := isGzip(opts.String("compression"), path)
		if err != nil {
			return nil, err
		}
		if gz && s.follow {
			return nil, fmt.Errorf("file: follow does not work on gzip file %s", path)
		}
		p := newPart(i, path, gz)
		if other, dup := seen[p.origin]; dup {
			return nil, fmt.Errorf("file: %s and %s hash to the same origin", other, path)
		}
		seen[p.origin] = path
		s.parts = append(s.parts, p)
	}
	s.origin = s.parts[0].origin
	if s.spare, err = codec.NewIngest(env, opts, s.batchSize); err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	if n := opts.Int("parallelism"); n < 0 {
		s.spare.Release()
		return nil, fmt.Errorf("file: parallelism must be 0 (every core) or more, not %d", n)
	} else if n == 0 {
		s.workers = runtime.GOMAXPROCS(0)
	} else {
		s.workers = int(n)
	}
	if s.morsel = int(opts.Int("morsel_size")); s.morsel < 0 {
		s.spare.Release()
		return nil, fmt.Errorf("file: morsel_size must be 0 (automatic) or more, not %d", s.morsel)
	}
	if s.follow || !s.spare.Framer().SplitsAtLines() {
		s.workers = 1 // records may span lines, or the data is not all there
	}
	return s, nil
}

// expand returns the files path names, sorted when it is a glob.
func expand(path string) ([]string, error) {
	if path == "" {
		return nil, fmt.Errorf("file: option path is empty")
	}
	paths, err := filepath.Glob(path)
	if err != nil {
		return nil, fmt.Errorf("file: bad glob %q: %w", path, err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("file: %s: no such file", path)
	}
	return paths, nil
}

func isGzip(compression, path string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(compression)) {
	case "", "auto":
		return strings.HasSuffix(strings.ToLower(path), ".gz"), nil
	case "gzip", "gz":
		return true, nil
	case "none":
		return false, nil
	}
	return false, fmt.Errorf("file: compression %q: use none, gzip or auto", compression)
}

// Schema returns the output schema.
func (s *source) Schema() *arrow.Schema { return s.env.Schema }

// Next returns the next batch, which the caller owns and must Release.
// Every batch holds rows of one file. It comes from the open file that has
// delivered the smallest ROWTIME so far (a file that has delivered nothing
// first, ties in glob order), so the files are read side by side in event
// time order. Without follow, Next returns io.EOF once every file is read
// to its end. With follow it returns a partial batch once its oldest row
// is linger old, and an empty batch after each poll_interval without data.
func (s *source) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.closed {
		return nil, fmt.Errorf("file: source is closed")
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.admit()
		p := s.pick()
		if p == nil {
			if !s.follow || len(s.open) == 0 {
				return nil, io.EOF
			}
			if b, err := s.wait(ctx); b != nil || err != nil {
				return b, err
			}
			continue
		}
		fill := s.fill
		if s.parallel() && (p.started || !p.ended) {
			fill = s.fillParallel
		}
		if b, err := fill(ctx, p); b != nil || err != nil {
			return b, err
		}
	}
}

// admit opens waiting files, in glob order, while fewer than maxOpen are
// open.
func (s *source) admit() {
	for len(s.open) < s.maxOpen && s.admitted < len(s.parts) {
		p := s.parts[s.admitted]
		s.admitted++
		if !p.done {
			s.openPart(p)
		}
	}
}

// pick returns the open file to read next: the one with the smallest
// MaxTime (not delivered yet counts as smallest), ties in glob order,
// leaving out files caught up in follow mode; nil when there is none.
func (s *source) pick() *part {
	var best *part
	for _, p := range s.open {
		if p.caughtUp {
			continue
		}
		if best == nil || p.maxTime < best.maxTime || p.maxTime == best.maxTime && p.index < best.index {
			best = p
		}
	}
	return best
}

// fill reads p until its batch is full or its data ends. It returns the
// batch, or nil when p had no row to deliver now.
func (s *source) fill(ctx context.Context, p *part) (arrow.RecordBatch, error) {
	for {
		p.in.Drain(s.clock(), s.batchSize)
		if p.in.Len() >= s.batchSize {
			return s.flush(p), nil
		}
		if p.ended { // every record decoded: the file is done
			var b arrow.RecordBatch
			if p.in.Len() > 0 {
				b = s.flush(p)
			}
			s.finish(p)
			return b, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := p.in.Framer().Fill(p.r)
		p.read += int64(n)
		switch {
		case err == nil || n > 0 && s.follow:
		case errors.Is(err, io.EOF) && !s.follow:
			p.in.End()
			p.ended = true
		case errors.Is(err, io.EOF):
			p.caughtUp = true
			if p.in.Len() > 0 && s.clock().Sub(p.in.Since()) >= s.linger {
				return s.flush(p), nil
			}
			return nil, nil
		default:
			// Damaged input (a truncated or corrupt gzip stream) or a
			// failed read: keep the rows before it, report it, go on with
			// the other files.
			p.in.Break(fmt.Errorf("file: %s: input breaks off at byte %d (uncompressed): %w", p.path, p.read, err))
			p.ended = true
		}
	}
}

// flush returns p's rows as a batch, which the caller owns, and moves p's
// position past them.
func (s *source) flush(p *part) arrow.RecordBatch {
	b := p.in.Flush()
	if b.NumRows() > 0 {
		p.maxTime = sources.NewestRowtime(b, p.maxTime)
		p.lastRow = s.clock()
	}
	p.offset = p.read - int64(p.in.Framer().Pending())
	p.line = p.in.Framer().Lines()
	s.origin = p.origin
	return b
}

// wait handles follow mode when every open file is caught up: it flushes
// a batch that has lingered long enough, or waits for poll_interval (or
// the next linger deadline) and looks for new data. It returns an empty
// batch when none came, so that time goes on while the input is idle.
func (s *source) wait(ctx context.Context) (arrow.RecordBatch, error) {
	now := s.clock()
	wait := s.poll
	var due *part
	for _, p := range s.open {
		if p.in.Len() == 0 {
			continue
		}
		if age := now.Sub(p.in.Since()); age < s.linger {
			wait = min(wait, s.linger-age)
		} else if due == nil || p.maxTime < due.maxTime {
			due = p
		}
	}
	if due != nil {
		return s.flush(due), nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
	}
	more, pending := false, false
	for _, p := range s.open {
		if err := p.look(); err != nil {
			return nil, err
		}
		more = more || !p.caughtUp
		pending = pending || p.in.Len() > 0
	}
	if more || pending {
		return nil, nil
	}
	rb := array.NewRecordBuilder(s.alloc(), s.env.Schema)
	defer rb.Release()
	return rb.NewRecordBatch(), nil // empty: time goes on while idle
}

func (s *source) alloc() memory.Allocator {
	if s.env.Alloc != nil {
		return s.env.Alloc
	}
	return memory.DefaultAllocator
}

// Close closes the open files and frees the rows not returned. It may be
// called more than once.
func (s *source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.pool != nil {
		s.pool.stop()
		for _, p := range s.parts {
			s.dropQueue(p)
		}
	}
	for _, p := range s.open {
		p.close()
		p.in.Release()
	}
	s.open = nil
	if s.spare != nil {
		s.spare.Release()
	}
	if s.rec != nil {
		s.rec.Close()
	}
	return nil
}

// Discover samples the first 100 records of the first file named by
// option path and infers the stream's declared columns from them.
func Discover(ctx context.Context, raw sources.Options) (*arrow.Schema, error) {
	opts, err := sources.Validate(raw, Options(), true)
	if err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	paths, err := expand(opts.String("path"))
	if err != nil {
		return nil, err
	}
	gz, err := isGzip(opts.String("compression"), paths[0])
	if err != nil {
		return nil, err
	}
	f, err := os.Open(paths[0])
	if err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if gz {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("file: %s: %w", paths[0], err)
		}
		defer zr.Close()
		r = zr
	}
	samples, err := codec.Sample(ctx, r, opts, 100)
	if err != nil {
		return nil, fmt.Errorf("file: %s: %w", paths[0], err)
	}
	return codec.DiscoverWith(samples, opts)
}

// Version returns the modification times and sizes of the files option
// path names: it changes when any of them is replaced or written.
func Version(_ context.Context, raw sources.Options) (string, error) {
	paths, err := expand(raw.String("path"))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("file: %w", err)
		}
		fmt.Fprintf(&b, "%s@%d/%d;", p, fi.ModTime().UnixNano(), fi.Size())
	}
	return b.String(), nil
}
