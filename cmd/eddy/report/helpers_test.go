package report

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sinks"
	hsink "github.com/eddy-sql/eddy/sinks/history"
	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sql"
	"github.com/eddy-sql/eddy/window"
)

// testConnectors backs planner.Connectors with the registries, as the
// CLI does (tests of package main cover the CLI's own).
type testConnectors struct {
	alloc memory.Allocator
	clock func() time.Time
}

func (c *testConnectors) IsSource(n string) bool { _, ok := sources.Lookup(n); return ok }
func (c *testConnectors) IsSink(n string) bool   { _, ok := sinks.Lookup(n); return ok }

func (c *testConnectors) OpenSource(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (*planner.OpenedSource, error) {
	f, ok := sources.Lookup(options["connector"])
	if !ok {
		return nil, fmt.Errorf("no source %q", options["connector"])
	}
	opts, err := sources.Validate(options, f.Options, true)
	if err != nil {
		return nil, err
	}
	src, err := f.Open(ctx, sources.Env{Stream: stream, Schema: schema, Alloc: c.alloc, Clock: c.clock}, opts)
	if err != nil {
		return nil, err
	}
	op, err := window.NewWatermark(src, schema.NumFields()-1, opts.Duration("lateness"), opts.Duration("idle_timeout"), c.clock)
	if err != nil {
		src.Close()
		return nil, err
	}
	return &planner.OpenedSource{Op: op, Raw: src}, nil
}

func (c *testConnectors) DiscoverSource(context.Context, map[string]string) ([]planner.Column, error) {
	return nil, fmt.Errorf("no discovery in tests")
}

func (c *testConnectors) OpenSink(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (planner.Sink, error) {
	f, ok := sinks.Lookup(options["connector"])
	if !ok {
		return nil, fmt.Errorf("no destination %q", options["connector"])
	}
	raw := map[string]string{}
	for k, v := range options {
		if k != "connector" && k != planner.CheckpointingOption {
			raw[k] = v
		}
	}
	opts, err := sources.Validate(raw, f.Options, false)
	if err != nil {
		return nil, err
	}
	return f.Open(ctx, sinks.Env{Stream: stream, Schema: schema, Alloc: c.alloc, Clock: c.clock}, opts)
}

// app parses an application and returns its statements and reports.
func app(t testing.TB, stateDir, text string) ([]sql.Statement, []*Report) {
	t.Helper()
	stmts, err := sql.Parse(&sql.Source{Name: "app.sql", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	s := planner.NewSession(planner.Config{Connectors: &testConnectors{alloc: memory.NewGoAllocator(), clock: time.Now}, StateDir: stateDir})
	for _, st := range stmts {
		if _, err := s.Exec(context.Background(), st); err != nil {
			t.Fatal(err)
		}
	}
	var reps []*Report
	for _, d := range s.Reports() {
		r, err := NewReport(d)
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, r)
	}
	return stmts, reps
}

// ticksSchema is what the TICKS stream keeps: its columns and ROWTIME.
var ticksSchema = arrow.NewSchema([]arrow.Field{
	{Name: "SYM", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "PRICE", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "ROWTIME", Type: sources.TimestampType},
}, nil)

// keep writes rows (a JSON array) to stream's history as a live run
// would, with retention retain.
func keep(t testing.TB, stateDir, stream string, retain time.Duration, rows string) {
	t.Helper()
	alloc := memory.NewGoAllocator()
	s, err := hsink.New(sinks.Env{Stream: stream, Schema: ticksSchema, Alloc: alloc}, hsink.Config{Dir: planner.HistoryDir(stateDir, stream), Retain: retain})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := array.RecordFromJSON(alloc, ticksSchema, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	for i := int64(0); i < rec.NumRows(); i++ { // one batch per row, as a live stream delivers them
		if err := s.Write(context.Background(), rec.NewSlice(i, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// ticks returns n rows every step from start, cycling through syms, the
// price rising by one each row.
func ticks(start time.Time, step time.Duration, n int, syms ...string) string {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"SYM":%q,"PRICE":%d,"ROWTIME":%q}`, syms[i%len(syms)], 100+i, start.Add(time.Duration(i)*step).UTC().Format("2006-01-02 15:04:05"))
	}
	b.WriteString("]")
	return b.String()
}

// table renders a result as lines of space-separated cells.
func table(r *Result) []string {
	var out []string
	for _, b := range r.Batches {
		for i := 0; i < int(b.NumRows()); i++ {
			var cells []string
			for c := 0; c < int(b.NumCols()); c++ {
				cells = append(cells, b.Column(c).ValueStr(i))
			}
			out = append(out, strings.Join(cells, " "))
		}
	}
	return out
}
