package file

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sinks/encode"
	"github.com/eddy-sql/eddy/sources"
)

func init() {
	f := sinks.Factory{
		Name:    "file",
		Doc:     "writes rows to a local file as JSON lines or CSV",
		Target:  "path",
		Options: optionSpecs(),
		Open:    Open,
	}
	sinks.Register(f)
	sinks.Register(f.Alias("filesystem"))
}

// optionSpecs declares the connector's options.
func optionSpecs() []sources.OptionSpec {
	return []sources.OptionSpec{
		{Name: "path", Required: true, Doc: "the file to write; parent directories are created"},
		{Name: "format", Doc: "json or csv; default: csv for a .csv path, else json"},
		{Name: "header", Kind: sources.KindBool, Default: "true", Doc: "write a CSV header line (not when appending to a file that has data)"},
		{Name: "delimiter", Default: ",", Doc: "CSV field delimiter: one ASCII character or tab"},
		{Name: "append", Kind: sources.KindBool, Default: "false", Doc: "append to the file instead of truncating it"},
	}
}

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("file: sink is closed")

// Config configures a file sink.
type Config struct {
	// Path is the file to write.
	Path string
	// Format is encode.JSON or encode.CSV; "" picks CSV for a .csv path
	// (any case), else JSON.
	Format encode.Format
	// Header writes a CSV header line, unless Append finds data in the file.
	Header bool
	// Delimiter separates CSV fields; 0 means a comma.
	Delimiter byte
	// Append appends to an existing file instead of truncating it.
	Append bool
}

// Open opens a file sink from validated options (see the connector's option
// specs); it is the connector's sinks.Factory Open.
func Open(_ context.Context, env sinks.Env, opts sources.Options) (sinks.Sink, error) {
	cfg := Config{Path: opts.String("path"), Header: opts.Bool("header"), Append: opts.Bool("append")}
	if f := opts.String("format"); f != "" {
		format, err := encode.ParseFormat(f)
		if err != nil {
			return nil, fmt.Errorf("file: %w", err)
		}
		cfg.Format = format
	}
	d, err := encode.ParseDelimiter(opts.String("delimiter"))
	if err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	cfg.Delimiter = d
	return New(env, cfg)
}

// flushSize is how many encoded bytes a sink buffers before writing.
const flushSize = 64 << 10

// sink writes encoded batches to one file.
type sink struct {
	path string
	// staged is set with checkpoints: writes go to a staging file and reach
	// path only when their checkpoint commits (commit.go).
	staged *staging
	f      *os.File
	enc    encode.Encoder
	buf    []byte
	err    error // the first write error; every later call returns it
	closed bool
}

var _ sinks.Sink = (*sink)(nil)

// New creates (or, with cfg.Append, opens for appending) the file at
// cfg.Path, creating its parent directories, and returns a sink that
// writes env.Stream's batches to it.
func New(env sinks.Env, cfg Config) (sinks.Sink, error) {
	if cfg.Path == "" {
		return nil, fmt.Errorf("file: %w: %q is required", sources.ErrOption, "path")
	}
	format := cfg.Format
	if format == "" {
		format = encode.JSON
		if strings.EqualFold(filepath.Ext(cfg.Path), ".csv") {
			format = encode.CSV
		}
	}
	if format != encode.JSON && format != encode.CSV {
		return nil, fmt.Errorf("file %s: %w: %q cannot be written to a file (use json or csv)", cfg.Path, encode.ErrFormat, string(format))
	}
	s := &sink{path: cfg.Path}
	if dir := filepath.Dir(cfg.Path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, s.wrap("create directory", err)
		}
	}
	if env.Checkpointing {
		return s.openStaged(env, cfg, format)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if cfg.Append {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(cfg.Path, flags, 0o644)
	if err != nil {
		return nil, s.wrap("open", err)
	}
	header := cfg.Header
	if cfg.Append {
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, s.wrap("stat", err)
		}
		if st.Size() > 0 {
			header = false
		}
	}
	enc, err := encode.NewParallel(format, env.Schema, encode.Options{Header: header, Delimiter: cfg.Delimiter}, env.Parallelism)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("file: %w", err)
	}
	s.f, s.enc = f, enc
	return s, nil
}

// wrap names the path in err's message once: os errors already hold it.
func (s *sink) wrap(op string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == s.path {
		return fmt.Errorf("file: %s: %w", op, err)
	}
	return fmt.Errorf("file %s: %s: %w", s.path, op, err)
}

// Write encodes batch into the buffer, writes the buffer to the file once
// it is large, and releases batch. After a write error every call returns
// that error.
func (s *sink) Write(ctx context.Context, batch arrow.RecordBatch) error {
	defer batch.Release()
	switch {
	case s.closed:
		return ErrClosed
	case s.err != nil:
		return s.err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("file %s: %w", s.path, err)
	}
	buf, err := s.enc.Append(s.buf, batch)
	s.buf = buf
	if err != nil {
		return s.wrap("encode", err)
	}
	if len(s.buf) >= flushSize {
		return s.flush()
	}
	return nil
}

// flush writes the buffer to the file.
func (s *sink) flush() error {
	if s.err != nil {
		return s.err
	}
	if len(s.buf) == 0 {
		return nil
	}
	_, err := s.f.Write(s.buf)
	s.buf = s.buf[:0]
	if err != nil {
		s.err = s.wrap("write", err)
	}
	return s.err
}

// Close writes what is buffered and what the format needs at the end (a
// CSV header when no row came), fsyncs and closes the file, and returns the
// first error. Local file writes are not interruptible, so Close finishes
// even when ctx is done. A second Close does nothing.
func (s *sink) Close(context.Context) error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.err == nil {
		s.buf = s.enc.Finish(s.buf)
	}
	err := s.flush()
	if err == nil {
		if serr := s.f.Sync(); serr != nil {
			err = s.wrap("sync", serr)
		}
	}
	if cerr := s.f.Close(); cerr != nil && err == nil {
		err = s.wrap("close", cerr)
	}
	if s.staged != nil {
		// Rows staged after the last checkpoint are not committed; a
		// restart replays them. An empty staging file is just removed.
		if fi, serr := os.Stat(s.stagingPath()); serr == nil && fi.Size() == 0 {
			os.Remove(s.stagingPath())
		}
	}
	s.buf = nil
	return err
}
