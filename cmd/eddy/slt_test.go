package main

// This file is Eddy's sqllogictest-style runner. A .slt file under
// testdata/slt/<area>/ is a sequence of records separated by blank lines:
//
//	statement ok                 the SQL must run
//	statement error <regexp>     the SQL must fail; the regexp must match
//	                             "line:col: message"
//	input NAME [key=value ...]   the following JSON lines are records of
//	                             input stream NAME (read with the file
//	                             connector; keys are its options, e.g.
//	                             rowtime=TS); a line "@watermark TIMESTAMP"
//	                             among them promises that no row at or
//	                             before TIMESTAMP follows (on ROWTIME), and
//	                             "@partition N" sends the lines after it
//	                             to partition N of the stream (default 0):
//	                             each partition has its own watermark, the
//	                             stream's is their minimum
//	reference NAME [key=value ...]  the following lines are the object of
//	                             reference table NAME, bound as with
//	                             --reference (file connector, format json
//	                             unless the keys say otherwise)
//	query <types> [rowsort]      run the application over every input given
//	                             so far in bounded mode and compare the
//	                             query's rows with those after ----
//
// A query that is SHOW, DESCRIBE or EXPLAIN compares its text, one line a
// row. `go test ./cmd/eddy -run TestSLT -rewrite` regenerates the expected
// rows; review the diff before committing.

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/planner"
	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sql"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of .slt files")

type sltRecord struct {
	kind string // statement, query, input
	args []string
	sql  string
	want []string
	line int // 1-based line of the record's first line
	sep  int // 0-based line of "----", or -1
	end  int // 0-based line just after the record
}

func parseSLT(text string) ([]*sltRecord, error) {
	var recs []*sltRecord
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var cur *sltRecord
	inResult := false
	n := 0
	flush := func() {
		if cur != nil {
			cur.end = n - 1
			cur.sql = strings.TrimRight(cur.sql, "\n")
			recs = append(recs, cur)
		}
		cur, inResult = nil, false
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case cur == nil && strings.HasPrefix(line, "#"):
		case cur == nil:
			f := strings.Fields(line)
			switch f[0] {
			case "statement", "query", "input", "reference":
			default:
				return nil, fmt.Errorf("line %d: unknown record %q", n, f[0])
			}
			cur = &sltRecord{kind: f[0], args: f[1:], line: n, sep: -1}
		case line == "----" && cur.kind == "query":
			inResult = true
			cur.sep = n - 1
		case inResult:
			cur.want = append(cur.want, line)
		default:
			cur.sql += line + "\n"
		}
	}
	n++
	flush()
	return recs, sc.Err()
}

// sltRunner runs one file.
type sltRunner struct {
	t      *testing.T
	dir    string
	stmts  []string // statements that ran OK, replayed for each query
	inputs []sltInput
	refs   []sltInput
}

type sltInput struct {
	stream string
	lines  []string
	opts   map[string]string
}

var sltClock = func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }

func (r *sltRunner) newSession(alloc memory.Allocator, out *collector) (*planner.Session, error) {
	conns := &collectConnectors{registryConnectors: &registryConnectors{alloc: alloc, clock: sltClock, defaults: map[string]string{}}, out: out}
	s := planner.NewSession(planner.Config{
		Connectors: conns, Alloc: alloc, Clock: sltClock,
		DefaultOutput: map[string]string{"connector": "collect"},
	})
	for i, in := range r.inputs {
		opts, err := r.inputOptions(i, in)
		if err != nil {
			return nil, err
		}
		s.BindInput(in.stream, opts)
	}
	for i, ref := range r.refs {
		path := filepath.Join(r.dir, fmt.Sprintf("reference_%d", i))
		if err := os.WriteFile(path, []byte(strings.Join(ref.lines, "\n")+"\n"), 0o644); err != nil {
			return nil, err
		}
		opts := map[string]string{"connector": "file", "path": path, "format": "json"}
		for k, v := range ref.opts {
			opts[k] = v
		}
		s.BindReference(ref.stream, opts)
	}
	ctx := context.Background()
	for _, text := range r.stmts {
		if _, err := execAll(ctx, s, text); err != nil {
			return nil, fmt.Errorf("replaying %q: %w", text, err)
		}
	}
	return s, nil
}

func execAll(ctx context.Context, s *planner.Session, text string) ([]*planner.Result, error) {
	stmts, err := sql.Parse(&sql.Source{Text: text})
	if err != nil {
		return nil, err
	}
	var res []*planner.Result
	for _, st := range stmts {
		r, err := s.Exec(ctx, st)
		if err != nil {
			return nil, err
		}
		res = append(res, r)
	}
	return res, nil
}

// inputOptions writes an input's rows to files and returns the binding for
// its stream: the file connector, or, when the rows are interleaved with
// "@watermark TIMESTAMP" or "@partition N" lines, a source reading the
// segments between them in order, each from its partition, promising each
// watermark when it gets there.
func (r *sltRunner) inputOptions(i int, in sltInput) (map[string]string, error) {
	var segments [][]string
	var marks, parts []string
	cur, part, directives := []string{}, "0", false
	flush := func(mark string) {
		segments, marks, parts, cur = append(segments, cur), append(marks, mark), append(parts, part), []string{}
	}
	for _, l := range in.lines {
		if ts, ok := strings.CutPrefix(l, "@watermark "); ok {
			t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(ts))
			if err != nil {
				return nil, fmt.Errorf("input %s: %q: %v", in.stream, l, err)
			}
			flush(fmt.Sprint(t.UnixMilli()))
			directives = true
			continue
		}
		if p, ok := strings.CutPrefix(l, "@partition "); ok {
			if _, err := strconv.Atoi(strings.TrimSpace(p)); err != nil {
				return nil, fmt.Errorf("input %s: %q: want @partition N", in.stream, l)
			}
			flush("")
			part, directives = strings.TrimSpace(p), true
			continue
		}
		cur = append(cur, l)
	}
	flush("")
	var paths []string
	for j, seg := range segments {
		path := filepath.Join(r.dir, fmt.Sprintf("input_%d_%d.jsonl", i, j))
		text := strings.Join(seg, "\n")
		if text != "" {
			text += "\n"
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	opts := map[string]string{"connector": "file", "path": paths[0], "format": "json"}
	if directives {
		opts = map[string]string{"connector": sltSegments, "paths": strings.Join(paths, ","),
			"watermarks": strings.Join(marks, ","), "partitions": strings.Join(parts, ",")}
	}
	for k, v := range in.opts {
		opts[k] = v
	}
	return opts, nil
}

// run executes one record and returns the actual rows of a query.
func (r *sltRunner) run(rec *sltRecord) ([]string, error) {
	switch rec.kind {
	case "input", "reference":
		if len(rec.args) == 0 {
			return nil, fmt.Errorf("%s needs a name", rec.kind)
		}
		in := sltInput{stream: rec.args[0], opts: map[string]string{}}
		for _, kv := range rec.args[1:] {
			k, v, _ := strings.Cut(kv, "=")
			in.opts[k] = v
		}
		in.lines = strings.Split(rec.sql, "\n")
		if rec.kind == "reference" {
			r.refs = append(r.refs, in)
		} else {
			r.inputs = append(r.inputs, in)
		}
		return nil, nil
	case "statement":
		alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
		s, err := r.newSession(alloc, &collector{})
		if err != nil {
			return nil, err
		}
		_, err = execAll(context.Background(), s, rec.sql)
		switch {
		case len(rec.args) > 0 && rec.args[0] == "ok":
			if err != nil {
				return nil, fmt.Errorf("statement failed: %v", err)
			}
			r.stmts = append(r.stmts, rec.sql)
		case len(rec.args) > 1 && rec.args[0] == "error":
			if err == nil {
				return nil, fmt.Errorf("statement succeeded, want error %s", strings.Join(rec.args[1:], " "))
			}
			re, rerr := regexp.Compile(strings.Join(rec.args[1:], " "))
			if rerr != nil {
				return nil, rerr
			}
			if !re.MatchString(err.Error()) {
				return nil, fmt.Errorf("error %q does not match %q", err.Error(), re)
			}
		default:
			return nil, fmt.Errorf("want 'statement ok' or 'statement error <regexp>'")
		}
		return nil, nil
	case "query":
		return r.query(rec)
	}
	return nil, fmt.Errorf("unknown record %s", rec.kind)
}

func (r *sltRunner) query(rec *sltRecord) ([]string, error) {
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	out := &collector{}
	s, err := r.newSession(alloc, out)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := execAll(ctx, s, rec.sql)
	if err != nil {
		return nil, err
	}
	if len(res) == 1 && res[0].Query == "" {
		return strings.Split(strings.TrimRight(res[0].Text, "\n"), "\n"), nil
	}
	job, err := s.Build(ctx, nil)
	if err != nil {
		return nil, err
	}
	if err := job.Run(ctx); err != nil {
		return nil, err
	}
	rows := out.rows(res[len(res)-1].Query)
	if len(rec.args) > 1 && rec.args[1] == "rowsort" {
		sort.Strings(rows)
	}
	if n := alloc.CurrentAlloc(); n != 0 {
		return nil, fmt.Errorf("query leaked %d bytes of Arrow memory", n)
	}
	return rows, nil
}

func TestSLT(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "slt", "*", "*.slt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no .slt files found")
	}
	for _, file := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.ToSlash(file), "../../testdata/slt/"), ".slt")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runSLTFile(t, file)
		})
	}
}

func runSLTFile(t *testing.T, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := parseSLT(string(data))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	r := &sltRunner{t: t, dir: t.TempDir()}
	changed := false
	for _, rec := range recs {
		got, err := r.run(rec)
		if err != nil {
			t.Errorf("%s:%d: %v", file, rec.line, err)
			continue
		}
		if rec.kind != "query" {
			continue
		}
		if *rewrite {
			if strings.Join(got, "\n") != strings.Join(rec.want, "\n") {
				rec.want, changed = got, true
			}
			continue
		}
		if strings.Join(got, "\n") != strings.Join(rec.want, "\n") {
			t.Errorf("%s:%d: query result differs\n--- got\n%s\n--- want\n%s", file, rec.line, strings.Join(got, "\n"), strings.Join(rec.want, "\n"))
		}
	}
	if *rewrite && changed {
		if err := os.WriteFile(file, []byte(formatSLT(string(data), recs)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// formatSLT rewrites the expected rows of every query in text.
func formatSLT(text string, recs []*sltRecord) string {
	lines := strings.Split(text, "\n")
	for k := len(recs) - 1; k >= 0; k-- {
		rec := recs[k]
		if rec.kind != "query" {
			continue
		}
		start := rec.end // where the result goes: after ----, or after the SQL
		if rec.sep >= 0 {
			start = rec.sep + 1
		}
		repl := rec.want
		if rec.sep < 0 {
			repl = append([]string{"----"}, rec.want...)
		}
		lines = append(lines[:start], append(append([]string(nil), repl...), lines[rec.end:]...)...)
	}
	return strings.Join(lines, "\n")
}

// collector gathers the rows delivered to "collect" destinations.
type collector struct {
	mu  sync.Mutex
	got map[string][]string
}

func (c *collector) rows(stream string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.got[stream]...)
}

type collectConnectors struct {
	*registryConnectors
	out *collector
}

func (c *collectConnectors) IsSink(name string) bool {
	return name == "collect" || c.registryConnectors.IsSink(name)
}

func (c *collectConnectors) IsSource(name string) bool {
	return name == sltSegments || c.registryConnectors.IsSource(name)
}

// sltSegments is the test-only connector of inputs with @watermark lines.
const sltSegments = "slt-segments"

func (c *collectConnectors) OpenSource(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (*planner.OpenedSource, error) {
	if options["connector"] != sltSegments {
		return c.registryConnectors.OpenSource(ctx, stream, schema, options, errs)
	}
	seg := &segmentSource{schema: schema, mark: exec.NoWatermark}
	marks := strings.Split(options["watermarks"], ",")
	partOf := strings.Split(options["partitions"], ",")
	known := map[exec.Origin]bool{}
	for i, p := range strings.Split(options["paths"], ",") {
		fopts := map[string]string{}
		for k, v := range options {
			if k != "paths" && k != "watermarks" && k != "partitions" {
				fopts[k] = v
			}
		}
		fopts["connector"], fopts["path"], fopts["format"] = "file", p, "json"
		f, o, err := sourceFactory(fopts)
		if err != nil {
			return nil, err
		}
		src, err := f.Open(ctx, sources.Env{Stream: stream, Schema: schema, Alloc: c.alloc, Clock: c.clock,
			Reject: func(b sources.BadRecord) {
				errs.ReportError(exec.ErrorRecord{Name: "DECODE", Message: b.Err.Error(), Stream: stream})
			}}, o)
		if err != nil {
			return nil, err
		}
		wm := int64(exec.NoWatermark)
		if marks[i] != "" {
			wm, _ = strconv.ParseInt(marks[i], 10, 64)
		}
		n, _ := strconv.Atoi(partOf[i])
		seg.parts = append(seg.parts, segmentPart{src: src, watermark: wm, origin: exec.Origin(n)})
		if !known[exec.Origin(n)] {
			known[exec.Origin(n)] = true
			seg.all = append(seg.all, exec.Partition{Origin: exec.Origin(n), Name: fmt.Sprint("partition ", n), Watermark: exec.NoWatermark, MaxTime: math.MinInt64, Lag: -1})
		}
	}
	return &planner.OpenedSource{Op: seg, Raw: seg}, nil
}

// segmentSource reads its segments in turn, each from its partition; after
// a segment with a mark, every partition promises that watermark.
type segmentSource struct {
	schema *arrow.Schema
	parts  []segmentPart
	all    []exec.Partition
	origin exec.Origin
	mark   int64
}

type segmentPart struct {
	src       sources.Source
	watermark int64
	origin    exec.Origin
}

var _ exec.Partitioned = (*segmentSource)(nil)

func (s *segmentSource) Schema() *arrow.Schema { return s.schema }

func (s *segmentSource) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for len(s.parts) > 0 {
		s.origin = s.parts[0].origin
		b, err := s.parts[0].src.Next(ctx)
		if err == io.EOF {
			s.mark = max(s.mark, s.parts[0].watermark)
			s.parts[0].src.Close()
			s.parts = s.parts[1:]
			cols := emptyColumns(s.schema)
			b := array.NewRecordBatch(s.schema, cols, 0) // time goes on
			for _, c := range cols {
				c.Release()
			}
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		return b, nil
	}
	return nil, io.EOF
}

func (s *segmentSource) Origin() exec.Origin { return s.origin }

func (s *segmentSource) Partitions() []exec.Partition {
	for i := range s.all {
		s.all[i].Watermark = s.mark
	}
	return s.all
}

func (s *segmentSource) Close() error {
	for _, p := range s.parts {
		p.src.Close()
	}
	s.parts = nil
	return nil
}

func emptyColumns(schema *arrow.Schema) []arrow.Array {
	cols := make([]arrow.Array, len(schema.Fields()))
	for i, f := range schema.Fields() {
		cols[i] = array.MakeArrayOfNull(memory.DefaultAllocator, f.Type, 0)
	}
	return cols
}

func (c *collectConnectors) OpenSink(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (planner.Sink, error) {
	if options["connector"] != "collect" {
		return c.registryConnectors.OpenSink(ctx, stream, schema, options, errs)
	}
	return &collectSink{c: c.out, stream: stream}, nil
}

type collectSink struct {
	c      *collector
	stream string
}

func (s *collectSink) Write(_ context.Context, b arrow.RecordBatch) error {
	defer b.Release()
	rows := make([]string, b.NumRows())
	for r := range rows {
		vals := make([]string, b.NumCols())
		for c := range vals {
			vals[c] = sltValue(b.Column(c), r)
		}
		rows[r] = strings.Join(vals, " ")
	}
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.c.got == nil {
		s.c.got = map[string][]string{}
	}
	s.c.got[s.stream] = append(s.c.got[s.stream], rows...)
	return nil
}

func (s *collectSink) Close(context.Context) error { return nil }

// sltValue renders one value the way .slt files spell it.
func sltValue(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return "NULL"
	}
	switch a := col.(type) {
	case *array.Float64:
		return sltFloat(a.Value(i))
	case *array.Float32:
		return sltFloat(float64(a.Value(i)))
	case *array.String:
		if a.Value(i) == "" {
			return "(empty)"
		}
		return a.Value(i)
	case *array.Timestamp:
		return time.UnixMilli(int64(a.Value(i))).UTC().Format("2006-01-02 15:04:05.000")
	case *array.Date32:
		return a.Value(i).ToTime().Format("2006-01-02")
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Duration:
		return strconv.FormatInt(int64(a.Value(i)), 10) + "ms"
	}
	return col.ValueStr(i)
}

func sltFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', 3, 64)
}
