package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/window"
)

// registryConnectors backs the planner's Connectors with the sources and
// sinks registries.
type registryConnectors struct {
	alloc    memory.Allocator
	clock    func() time.Time
	stdout   stdoutTarget
	defaults map[string]string // default options for stdout sinks (format)
}

var _ planner.Connectors = (*registryConnectors)(nil)

func (c *registryConnectors) IsSource(name string) bool { _, ok := sources.Lookup(name); return ok }
func (c *registryConnectors) IsSink(name string) bool   { _, ok := sinks.Lookup(name); return ok }

func sourceFactory(options map[string]string) (sources.Factory, sources.Options, error) {
	name := options["connector"]
	f, ok := sources.Lookup(name)
	if !ok {
		return f, nil, fmt.Errorf("unknown source connector %q (have: %s)", name, strings.Join(sources.Names(), ", "))
	}
	opts, err := sources.Validate(options, f.Options, true)
	if err != nil {
		return f, nil, fmt.Errorf("%s: %w", name, err)
	}
	return f, opts, nil
}

func (c *registryConnectors) OpenSource(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (*planner.OpenedSource, error) {
	f, opts, err := sourceFactory(options)
	if err != nil {
		return nil, err
	}
	env := sources.Env{
		Stream: stream, Schema: schema, Alloc: c.alloc, Clock: c.clock,
		Reject: func(r sources.BadRecord) {
			errs.ReportError(exec.ErrorRecord{
				Time: c.clock(), Level: "ERROR", Name: "DECODE", Message: r.Err.Error(),
				DataRow: string(r.Data), Stream: r.Stream, Origin: r.Origin,
				Partition: r.Partition, Offset: r.Offset, Position: r.Position,
			})
		},
	}
	src, err := f.Open(ctx, env, opts)
	if err != nil {
		return nil, err
	}
	rt := schema.FieldIndices(exec.RowtimeColumn)
	if len(rt) != 1 {
		src.Close()
		return nil, fmt.Errorf("source schema of %s has no ROWTIME column", stream)
	}
	// The stream's watermark: its newest ROWTIME minus the allowed
	// lateness, advancing with the clock once the source has been idle.
	op, err := window.NewWatermark(src, rt[0], opts.Duration("lateness"), opts.Duration("idle_timeout"), c.clock)
	if err != nil {
		src.Close()
		return nil, err
	}
	if own, ok := src.(interface{ Watermark() int64 }); ok {
		// Sources with partitions (Kafka, Kinesis) know better: a
		// partition that lags holds the watermark back.
		op = &partitionedWatermark{Operator: op, source: own}
	}
	return &planner.OpenedSource{Op: op, Raw: src}, nil
}

// partitionedWatermark takes the smaller of the stream-wide watermark and
// the source's own per-partition one.
type partitionedWatermark struct {
	exec.Operator
	source interface{ Watermark() int64 }
}

// Watermark returns the minimum of both watermarks.
func (p *partitionedWatermark) Watermark() int64 {
	w := p.source.Watermark()
	if m, ok := p.Operator.(exec.Watermarker); ok {
		w = min(w, m.Watermark())
	}
	return w
}

// Snapshot forwards to the watermark operator's state.
func (p *partitionedWatermark) Snapshot(w io.Writer) error {
	if s, ok := p.Operator.(exec.Snapshotter); ok {
		return s.Snapshot(w)
	}
	return nil
}

// Restore forwards to the watermark operator's state.
func (p *partitionedWatermark) Restore(r io.Reader) error {
	if s, ok := p.Operator.(exec.Snapshotter); ok {
		return s.Restore(r)
	}
	return nil
}

func (c *registryConnectors) DiscoverSource(ctx context.Context, options map[string]string) ([]planner.Column, error) {
	f, opts, err := sourceFactory(options)
	if err != nil {
		return nil, err
	}
	if f.Discover == nil {
		return nil, fmt.Errorf("connector %s cannot discover a schema; declare the stream with CREATE STREAM", f.Name)
	}
	schema, err := f.Discover(ctx, opts)
	if err != nil {
		return nil, err
	}
	return columnsOf(schema), nil
}

// columnsOf turns a discovered schema into catalog columns; the SQL type
// text comes from field metadata "sqltype" when present.
func columnsOf(schema *arrow.Schema) []planner.Column {
	cols := make([]planner.Column, 0, len(schema.Fields()))
	for _, f := range schema.Fields() {
		sqlType := ""
		if i := f.Metadata.FindKey("sqltype"); i >= 0 {
			sqlType = f.Metadata.Values()[i]
		}
		if sqlType == "" {
			sqlType = planner.SQLTypeOf(f.Type)
		}
		cols = append(cols, planner.Column{Name: f.Name, Type: f.Type, SQLType: sqlType})
	}
	return cols
}

func (c *registryConnectors) OpenSink(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (planner.Sink, error) {
	name := options["connector"]
	f, ok := sinks.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown destination connector %q (have: %s)", name, strings.Join(sinks.Names(), ", "))
	}
	raw := map[string]string{}
	if name == "stdout" {
		for k, v := range c.defaults {
			raw[k] = v
		}
	}
	checkpointing := false
	for k, v := range options {
		switch k {
		case "connector":
		case planner.CheckpointingOption:
			checkpointing = v == "true"
		default:
			raw[k] = v
		}
	}
	opts, err := sources.Validate(raw, f.Options, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	env := sinks.Env{
		Stream: stream, Schema: schema, Alloc: c.alloc, Clock: c.clock, Stdout: c.stdout.w, Terminal: c.stdout.terminal,
		Reject: func(row string, reason error) {
			errs.ReportError(exec.ErrorRecord{
				Time: c.clock(), Level: "ERROR", Name: "DELIVERY", Message: reason.Error(), DataRow: row, Stream: stream,
			})
		},
		Checkpointing: checkpointing,
	}
	return f.Open(ctx, env, opts)
}

// connectorNames lists the registered connectors for help output.
func connectorNames() string {
	var b strings.Builder
	b.WriteString("sources:")
	for _, n := range sources.Names() {
		f, _ := sources.Lookup(n)
		fmt.Fprintf(&b, "\n  %-10s %s", n, f.Doc)
	}
	b.WriteString("\ndestinations:")
	names := sinks.Names()
	sort.Strings(names)
	for _, n := range names {
		f, _ := sinks.Lookup(n)
		fmt.Fprintf(&b, "\n  %-10s %s", n, f.Doc)
	}
	return b.String()
}
