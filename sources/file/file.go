package file

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

func init() {
	sources.Register(sources.Factory{
		Name:    "file",
		Doc:     "JSON-lines or CSV records from files (a glob; gzip; follow to tail)",
		Target:  "path",
		Options: Options(),
		Open: func(_ context.Context, env sources.Env, opts sources.Options) (sources.Source, error) {
			return New(env, opts)
		},
		Discover: Discover,
		Version:  Version,
	})
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
		{Name: "arrival", Doc: "a declared TIMESTAMP column whose value becomes APPROXIMATE_ARRIVAL_TIME (replaying recorded input); default: the time the record is read"},
	}, codec.Options()...)
}

// source reads the files one after the other; it runs no goroutines.
type source struct {
	env       sources.Env
	clock     func() time.Time
	in        *codec.Ingest
	paths     []string
	next      int // index in paths of the next file to open
	gzip      []bool
	follow    bool
	poll      time.Duration
	linger    time.Duration
	batchSize int

	f      *os.File
	r      io.Reader // f or a gzip reader over it
	path   string
	offset int64 // bytes read from f, to notice truncation
	closed bool
}

var _ sources.Source = (*source)(nil)

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
	s := &source{
		env: env, clock: env.Clock, paths: paths,
		follow: opts.Bool("follow"), poll: opts.Duration("poll_interval"), linger: opts.Duration("linger"),
		batchSize: int(opts.Int("batch_size")),
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
	for _, p := range paths {
		gz, err := isGzip(opts.String("compression"), p)
		if err != nil {
			return nil, err
		}
		if gz && s.follow {
			return nil, fmt.Errorf("file: follow does not work on gzip file %s", p)
		}
		s.gzip = append(s.gzip, gz)
	}
	if s.in, err = codec.NewIngest(env, opts, s.batchSize); err != nil {
		return nil, fmt.Errorf("file: %w", err)
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
// Without follow it returns io.EOF after the last file. With follow it
// returns a partial batch once its oldest row is linger old, and an empty
// batch after each poll_interval without data.
func (s *source) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.closed {
		return nil, fmt.Errorf("file: source is closed")
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.in.Drain(s.clock(), s.batchSize)
		if s.in.Len() >= s.batchSize {
			return s.in.Flush(), nil
		}
		if s.r == nil {
			if s.next == len(s.paths) {
				if s.in.Len() > 0 {
					return s.in.Flush(), nil
				}
				return nil, io.EOF
			}
			if err := s.open(); err != nil {
				return nil, err
			}
			continue
		}
		n, err := s.in.Framer().Fill(s.r)
		s.offset += int64(n)
		if n > 0 || err == nil {
			continue
		}
		if !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("file: read %s: %w", s.path, err)
		}
		if !s.follow || s.next < len(s.paths) {
			s.in.Finish(s.clock())
			s.closeFile()
			continue
		}
		if b, ok, err := s.idle(ctx); ok || err != nil {
			return b, err
		}
	}
}

// idle handles the end of data in follow mode: it flushes a batch that has
// lingered, or waits for more data. ok reports a batch to return.
func (s *source) idle(ctx context.Context) (arrow.RecordBatch, bool, error) {
	wait := s.poll
	if s.in.Len() > 0 {
		age := s.clock().Sub(s.in.Since())
		if age >= s.linger {
			return s.in.Flush(), true, nil
		}
		wait = min(wait, s.linger-age)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, false, ctx.Err()
	case <-t.C:
	}
	if fi, err := s.f.Stat(); err == nil && fi.Size() < s.offset {
		// Truncated: start over from the beginning.
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			return nil, false, fmt.Errorf("file: rewind %s: %w", s.path, err)
		}
		s.offset = 0
		s.in.Start(s.path)
	}
	if s.in.Len() == 0 {
		return s.in.Flush(), true, nil // empty: time goes on while idle
	}
	return nil, false, nil
}

func (s *source) open() error {
	path, gz := s.paths[s.next], s.gzip[s.next]
	s.next++
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("file: %w", err)
	}
	s.f, s.r, s.path, s.offset = f, f, path, 0
	if gz {
		zr, err := gzip.NewReader(f)
		if err != nil {
			s.closeFile()
			return fmt.Errorf("file: %s: %w", path, err)
		}
		s.r = zr
	}
	s.in.Start(path)
	return nil
}

func (s *source) closeFile() {
	if zr, ok := s.r.(*gzip.Reader); ok {
		zr.Close()
	}
	if s.f != nil {
		s.f.Close()
	}
	s.f, s.r = nil, nil
}

// Close closes the open file and frees the rows not returned. It may be
// called more than once.
func (s *source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.closeFile()
	s.in.Release()
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
