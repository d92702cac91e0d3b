package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sql"
)

// checkedConnectors wraps the registry connectors of eddy run and the
// REPL. It remembers every secret option value it is given (so no message
// shows one), turns an option error into an error a person can act on
// (positioned at the CREATE STREAM for a WITH clause, naming the flag for a
// binding), and tracks what every destination has flushed.
type checkedConnectors struct {
	planner.Connectors
	redact *planner.Redactor
	// stream looks a stream's definition up; bound tells whether a stream
	// was bound from the command line (--input, --output, \input, \output).
	stream func(name string) (*planner.StreamDef, bool)
	bound  func(input bool, name string) bool
	sinks  *sinkTracker
}

// OpenSource opens a source through the registry.
func (c *checkedConnectors) OpenSource(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (*planner.OpenedSource, error) {
	c.redact.Add(options)
	src, err := c.Connectors.OpenSource(ctx, stream, schema, options, errs)
	if err != nil {
		return nil, c.explain(err, true, stream, options)
	}
	return src, nil
}

// DiscoverSource samples a source through the registry.
func (c *checkedConnectors) DiscoverSource(ctx context.Context, options map[string]string) ([]planner.Column, error) {
	c.redact.Add(options)
	cols, err := c.Connectors.DiscoverSource(ctx, options)
	if err != nil {
		return nil, &redactedError{err: err, redact: c.redact}
	}
	return cols, nil
}

// OpenSink opens a destination through the registry; the sink it returns
// reports its progress to the tracker.
func (c *checkedConnectors) OpenSink(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (planner.Sink, error) {
	c.redact.Add(options)
	s, err := c.Connectors.OpenSink(ctx, stream, schema, options, errs)
	if err != nil {
		return nil, c.explain(err, false, stream, options)
	}
	if c.sinks == nil {
		return s, nil
	}
	return c.sinks.track(stream, options["connector"], s), nil
}

// isOptionError tells whether err comes from a connector's options rather
// than from the outside world: a bad or missing key, or no such connector.
func isOptionError(err error, input bool, options map[string]string) bool {
	if errors.Is(err, sources.ErrOption) {
		return true
	}
	name := options["connector"]
	if input {
		_, ok := sources.Lookup(name)
		return !ok
	}
	_, ok := sinks.Lookup(name)
	return !ok
}

// explain turns an open error into what eddy prints: secrets removed, and
// an option error a usage error (exit 2) naming the binding flag, or a SQL
// error at the stream's CREATE STREAM (at the option the message names,
// when it names one).
func (c *checkedConnectors) explain(err error, input bool, stream string, options map[string]string) error {
	red := &redactedError{err: err, redact: c.redact}
	if !isOptionError(err, input, options) {
		return red
	}
	if c.bound != nil && c.bound(input, stream) {
		flag := "--output"
		if input {
			flag = "--input"
		}
		return &usageError{err: fmt.Errorf("%w (bound by %s %s)", red, flag, stream)}
	}
	if c.stream == nil {
		return &usageError{err: red}
	}
	def, ok := c.stream(stream)
	if !ok || def.Decl == nil || def.Decl.Src == nil {
		return &usageError{err: red}
	}
	decl := def.Decl
	pos := decl.At
	msg := red.Error()
	for _, o := range decl.Options {
		if strings.Contains(msg, `"`+o.Key+`"`) || strings.Contains(msg, " "+o.Key+" ") || strings.Contains(msg, " "+o.Key+":") {
			pos = o.Pos
			break
		}
	}
	what := "destination"
	if input {
		what = "source"
	}
	return &positionedError{se: decl.Src.Errorf(pos, "%s of stream %s: %s", what, stream, msg), cause: err}
}

// redactedError is err with every remembered secret removed from its text;
// errors.Is and errors.As still see err.
type redactedError struct {
	err    error
	redact *planner.Redactor
}

func (e *redactedError) Error() string { return e.redact.Text(e.err.Error()) }
func (e *redactedError) Unwrap() error { return e.err }

// positionedError is an option error shown as the SQL error se; errors.Is
// still finds its cause.
type positionedError struct {
	se    *sql.Error
	cause error
}

func (e *positionedError) Error() string   { return e.se.Error() }
func (e *positionedError) Unwrap() []error { return []error{e.se, e.cause} }

// usageError is a mistake in how eddy was called (a flag, a binding): exit
// status 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

var _ planner.Versioner = (*checkedConnectors)(nil)

// SourceVersion forwards to the wrapped connectors when they can tell a
// source's version (planner.Versioner: reference tables reload when it
// changes); "" when they cannot.
func (c *checkedConnectors) SourceVersion(ctx context.Context, options map[string]string) (string, error) {
	if v, ok := c.Connectors.(planner.Versioner); ok {
		return v.SourceVersion(ctx, options)
	}
	return "", nil
}
