package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/eddy-sql/eddy/cmd/eddy/discovery"
	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sinks/function"
	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

// registryConnectors backs the planner's Connectors with the sources and
// sinks registries.
type registryConnectors struct {
	alloc    memory.Allocator
	clock    func() time.Time
	stdout   stdoutTarget
	defaults map[string]string // default options for stdout sinks (format)
	truncs   truncations       // string values sources truncated
}

var (
	_ planner.Connectors = (*registryConnectors)(nil)
	_ planner.Versioner  = (*registryConnectors)(nil)
)

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
			name := "DECODE"
			switch {
			case errors.Is(r.Err, codec.ErrTruncated):
				name = "TRUNCATED"
			case errors.Is(r.Err, sources.ErrPreprocess):
				name = "PREPROCESS"
			}
			errs.ReportError(exec.ErrorRecord{
				Time: c.clock(), Level: "ERROR", Name: name, Message: r.Err.Error(),
				DataRow: string(r.Data), Stream: r.Stream, Origin: r.Origin,
				Partition: r.Partition, Offset: r.Offset, Position: r.Position,
			})
		},
		Truncated: c.truncs.counter(stream),
	}
	if env.Preprocess, err = preprocessor(ctx, opts); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
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
	op := &sourceOp{Source: src, idle: opts.Duration("idle_timeout"), clock: c.clock, maxTime: math.MinInt64}
	op.parted, _ = src.(sources.Partitioned)
	return &planner.OpenedSource{Op: op, Raw: src}, nil
}

// preprocessor builds the Env.Preprocess hook of a source whose options
// set preprocess (the kinesis source: KDA's input preprocessing with a
// Lambda function), with preprocess_region, preprocess_endpoint and
// preprocess_timeout as the function destination's region, endpoint and
// timeout. A Lambda function is invoked with the source's credentials
// (access_key_id, secret_access_key, session_token, profile) and, without
// preprocess_region, its region. nil when preprocess is not set.
func preprocessor(ctx context.Context, opts sources.Options) (func(context.Context, string, string, []sources.RawRecord) ([]sources.Preprocessed, error), error) {
	spec := opts.String("preprocess")
	if spec == "" {
		return nil, nil
	}
	if strings.TrimSpace(spec) != spec {
		// eddy serve's confinement looks for a command: prefix in the
		// value as written; ParseTarget would trim it away.
		return nil, fmt.Errorf("preprocess %q: %w: no leading or trailing spaces", spec, sources.ErrOption)
	}
	t, err := function.ParseTarget(spec)
	if err != nil {
		return nil, fmt.Errorf("preprocess: %w", err)
	}
	if r := opts.String("preprocess_region"); r != "" && t.Region == "" {
		t.Region = r
	}
	if e := opts.String("preprocess_endpoint"); e != "" && t.Endpoint == "" {
		t.Endpoint = e
	}
	if d := opts.Duration("preprocess_timeout"); d > 0 && t.Timeout == 0 {
		t.Timeout = d
	}
	var inv function.Invoker
	if t.Lambda != "" {
		// The function is called with the source's AWS credentials and
		// profile, as KDA called it with the application's role.
		var load []func(*config.LoadOptions) error
		if t.Region == "" {
			t.Region = opts.String("region")
		}
		if t.Region != "" {
			load = append(load, config.WithRegion(t.Region))
		}
		if p := opts.String("profile"); p != "" {
			load = append(load, config.WithSharedConfigProfile(p))
		}
		if key := opts.String("access_key_id"); key != "" {
			load = append(load, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(key, opts.String("secret_access_key"), opts.String("session_token"))))
		}
		cfg, err := config.LoadDefaultConfig(ctx, load...)
		if err != nil {
			return nil, fmt.Errorf("preprocess: lambda %s: load AWS configuration: %w", t.Lambda, err)
		}
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
		inv = function.NewLambdaInvoker(cfg, t.Lambda, t.Endpoint, t.Timeout)
	} else if inv, err = function.NewInvoker(ctx, t); err != nil {
		return nil, fmt.Errorf("preprocess: %w", err)
	}
	return function.NewPreprocessor(inv, function.PreprocessConfig{}).Preprocess, nil
}

// sourceOp runs a source as an exec operator whose partitions are the
// source's (sources.Partitioned), or, for a source without partitions, one
// partition that is idle once the source has delivered no row for
// idle_timeout. Window operators downstream derive watermarks from them.
type sourceOp struct {
	sources.Source
	parted sources.Partitioned
	idle   time.Duration
	clock  func() time.Time

	last    time.Time // clock time of the last row, or of the first Next
	maxTime int64
	parts   []exec.Partition
}

var _ exec.Partitioned = (*sourceOp)(nil)

// Next returns the source's next batch (the caller releases it).
func (s *sourceOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.last.IsZero() {
		s.last = s.clock()
	}
	b, err := s.Source.Next(ctx)
	if err == nil && b.NumRows() > 0 && s.parted == nil {
		s.last = s.clock()
		s.maxTime = sources.NewestRowtime(b, s.maxTime)
	}
	return b, err
}

// Origin returns the origin of the last batch.
func (s *sourceOp) Origin() exec.Origin {
	if s.parted != nil {
		return exec.Origin(s.parted.Origin())
	}
	return 0
}

// Partitions returns the source's partitions as exec partitions.
func (s *sourceOp) Partitions() []exec.Partition {
	s.parts = s.parts[:0]
	if s.parted == nil {
		idle := s.idle > 0 && !s.last.IsZero() && s.clock().Sub(s.last) >= s.idle
		s.parts = append(s.parts, exec.Partition{Idle: idle, Watermark: exec.NoWatermark, MaxTime: s.maxTime, Lag: -1})
		return s.parts
	}
	for _, p := range s.parted.Partitions() {
		s.parts = append(s.parts, exec.Partition{
			Origin: exec.Origin(p.Origin), Name: p.Name, Backlog: p.Backlog, Idle: p.Idle, Done: p.Done,
			Watermark: p.Watermark, MaxTime: p.MaxTime, Lag: p.Lag,
		})
	}
	return s.parts
}

// SourceVersion returns the version of the object a source would read, for
// reference tables (planner.Versioner); "" when the connector cannot tell.
func (c *registryConnectors) SourceVersion(ctx context.Context, options map[string]string) (string, error) {
	f, opts, err := sourceFactory(options)
	if err != nil {
		return "", err
	}
	if f.Version == nil {
		return "", nil
	}
	return f.Version(ctx, opts)
}

// DiscoverSource samples a source and returns the columns it would
// produce. When discovery found a CSV header the options do not mention,
// it sets options["header"] to "true", so that the source opened with the
// same options skips it.
func (c *registryConnectors) DiscoverSource(ctx context.Context, options map[string]string) ([]planner.Column, error) {
	schema, err := discovery.Schema(ctx, options)
	if err != nil {
		return nil, err
	}
	if _, set := options["header"]; !set && discovery.Header(schema) {
		options["header"] = "true"
	}
	return discovery.Columns(schema), nil
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
	checkpointing, parallelism := false, 0
	for k, v := range options {
		switch k {
		case "connector":
		case planner.CheckpointingOption:
			checkpointing = v == "true"
		case planner.ParallelismOption:
			parallelism, _ = strconv.Atoi(v)
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
		Parallelism:   parallelism,
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
