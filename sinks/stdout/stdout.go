package stdout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"golang.org/x/term"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sinks/encode"
	"github.com/eddy-sql/eddy/sources"
)

func init() {
	f := sinks.Factory{
		Name:    "stdout",
		Doc:     "writes rows to standard output as a table, JSON lines or CSV",
		Options: optionSpecs(),
		Open:    Open,
	}
	sinks.Register(f)
	sinks.Register(f.Alias("print"))
}

// optionSpecs declares the connector's options.
func optionSpecs() []sources.OptionSpec {
	return []sources.OptionSpec{
		{Name: "format", Doc: "table, json or csv; default: table on a terminal, else json"},
		{Name: "header", Kind: sources.KindBool, Default: "true", Doc: "write a CSV header line"},
		{Name: "delimiter", Default: ",", Doc: "CSV field delimiter: one ASCII character or tab"},
		{Name: "repeat_header", Kind: sources.KindInt, Doc: "table rows between repeated headers, 0 for never; default: a screenful on a terminal, else never"},
	}
}

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("stdout: sink is closed")

// Config configures a stdout sink.
type Config struct {
	// Format is the encoding; "" picks encode.Table when Env.Terminal, else
	// encode.JSON.
	Format encode.Format
	// Header writes a CSV header line.
	Header bool
	// Delimiter separates CSV fields; 0 means a comma.
	Delimiter byte
	// RepeatHeader is the number of table rows between headers: 0 never,
	// a negative value a screenful when Env.Stdout is a terminal whose size
	// is known.
	RepeatHeader int
}

// Open opens a stdout sink from validated options (see the connector's
// option specs); it is the connector's sinks.Factory Open.
func Open(_ context.Context, env sinks.Env, opts sources.Options) (sinks.Sink, error) {
	cfg := Config{Header: opts.Bool("header"), RepeatHeader: -1}
	if f := opts.String("format"); f != "" {
		format, err := encode.ParseFormat(f)
		if err != nil {
			return nil, fmt.Errorf("stdout: %w", err)
		}
		cfg.Format = format
	}
	d, err := encode.ParseDelimiter(opts.String("delimiter"))
	if err != nil {
		return nil, fmt.Errorf("stdout: %w", err)
	}
	cfg.Delimiter = d
	if opts.Has("repeat_header") {
		n := opts.Int("repeat_header")
		if n < 0 {
			return nil, fmt.Errorf("stdout: %w: repeat_header = %d must not be negative", sources.ErrOption, n)
		}
		cfg.RepeatHeader = int(n)
	}
	return New(env, cfg)
}

// sink writes encoded batches to one writer.
type sink struct {
	w      io.Writer
	enc    encode.Encoder
	buf    []byte
	closed bool
}

var _ sinks.Sink = (*sink)(nil)

// maxKeep is the largest buffer a sink keeps between batches.
const maxKeep = 4 << 20

// New returns a sink that writes env.Stream's batches to env.Stdout in the
// format cfg chooses. Each Write encodes the whole batch and writes it with
// one call, then flushes the writer if it has a Flush method.
func New(env sinks.Env, cfg Config) (sinks.Sink, error) {
	if env.Stdout == nil {
		return nil, errors.New("stdout: no output writer")
	}
	format := cfg.Format
	if format == "" {
		format = encode.JSON
		if env.Terminal {
			format = encode.Table
		}
	}
	repeat := cfg.RepeatHeader
	if repeat < 0 {
		repeat = screenful(env)
	}
	enc, err := encode.NewParallel(format, env.Schema, encode.Options{Header: cfg.Header, Delimiter: cfg.Delimiter, RepeatHeader: repeat}, env.Parallelism)
	if err != nil {
		return nil, fmt.Errorf("stdout: %w", err)
	}
	return &sink{w: env.Stdout, enc: enc}, nil
}

// screenful returns the table rows that fit one terminal screen under a
// header, or 0 when Stdout is not a terminal of known size.
func screenful(env sinks.Env) int {
	if !env.Terminal {
		return 0
	}
	f, ok := env.Stdout.(*os.File)
	if !ok {
		return 0
	}
	_, h, err := term.GetSize(int(f.Fd()))
	if err != nil || h <= 0 {
		return 0
	}
	return max(h-3, 10)
}

// Write encodes batch, writes it and releases it.
func (s *sink) Write(ctx context.Context, batch arrow.RecordBatch) error {
	defer batch.Release()
	if s.closed {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("stdout: %w", err)
	}
	buf, err := s.enc.Append(s.buf[:0], batch)
	s.buf = buf
	if err != nil {
		return fmt.Errorf("stdout: %w", err)
	}
	return s.flush()
}

// flush writes the buffer and flushes the writer.
func (s *sink) flush() error {
	if len(s.buf) > 0 {
		if _, err := s.w.Write(s.buf); err != nil {
			return fmt.Errorf("stdout: write: %w", err)
		}
	}
	if cap(s.buf) > maxKeep {
		s.buf = nil
	}
	if f, ok := s.w.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			return fmt.Errorf("stdout: flush: %w", err)
		}
	}
	return nil
}

// Close writes what the format needs at the end (a CSV or table header
// when no row came) and flushes. It does not close Env.Stdout. A second
// Close does nothing.
func (s *sink) Close(context.Context) error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.buf = s.enc.Finish(s.buf[:0])
	if err := s.flush(); err != nil {
		return err
	}
	s.buf = nil
	return nil
}
