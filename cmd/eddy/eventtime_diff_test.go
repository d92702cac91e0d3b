package main

// This file is the event-time differential test: for each query form
// (TUMBLE, HOP, SESSION, CUMULATE as table functions and group windows,
// STEP, FLOOR, OVER RANGE, OVER ROWS, STAGGER), each way of giving the
// allowed lateness (WATERMARK FOR, the lateness option in WITH in three
// spellings, the --input binding) and each batch size (1, 7, the default),
// it writes seeded input (eventtime_gen_test.go) as partition files, runs
// `eddy run` in-process over their glob with the result bound to a JSON
// file, and compares the rows and the LATE rows of the error stream with
// the reference (eventtime_ref_test.go) as multisets.
//
// A failure prints the seed, the input's shape, the SQL, the arguments and
// the first missing and extra rows; rerun one case with
//   go test ./cmd/eddy -run 'TestEventTimeDifferential/FORM/SEED_' -v
// and turn it into a named case of TestEventTimeRegressions. More seeds:
//   go test ./cmd/eddy -run TestEventTime -eventtime.seeds=200

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

var etSeedsFlag = flag.Int("eventtime.seeds", 0, "seeds per event-time query form (0: the default budget)")

// etDefaultSeeds is the number of seeds per form in a default run; 24 cover
// every lateness source × batch size at least once per form.
const etDefaultSeeds = 24

// etForm is one query form over the stream SRC and how to read its rows.
type etForm struct {
	name     string
	query    string
	distinct bool                                               // the input needs distinct event times per key
	ref      func(onTime []etRow) []string                      // the reference's rows
	conv     func(m map[string]json.RawMessage) (string, error) // one result row, canonical
}

const etAggs = "COUNT(*) AS n, SUM(v) AS s, MIN(v) AS mn, MAX(v) AS mx"

// etWinConv reads K, N, S, MN, MX and the window bounds: start and end from
// the columns ws and we when named, or derived with size from the other.
func etWinConv(ws, we string, size int64) func(map[string]json.RawMessage) (string, error) {
	return func(m map[string]json.RawMessage) (string, error) {
		var w etWin
		var err error
		if w.K, err = etField[string](m, "K"); err != nil {
			return "", err
		}
		if ws != "" {
			if w.Start, err = etTimeField(m, ws); err != nil {
				return "", err
			}
			w.End = w.Start + size
		}
		if we != "" {
			if w.End, err = etTimeField(m, we); err != nil {
				return "", err
			}
			if ws == "" {
				w.Start = w.End - size
			}
		}
		if w.etAgg, err = etAggFields(m); err != nil {
			return "", err
		}
		return w.String(), nil
	}
}

func etOverConv(m map[string]json.RawMessage) (string, error) {
	var o etOver
	var err error
	if o.K, err = etField[string](m, "K"); err != nil {
		return "", err
	}
	if o.TS, err = etTimeField(m, "TS"); err != nil {
		return "", err
	}
	if o.V, err = etField[int64](m, "V"); err != nil {
		return "", err
	}
	if o.etAgg, err = etAggFields(m); err != nil {
		return "", err
	}
	return o.String(), nil
}

func etAggFields(m map[string]json.RawMessage) (etAgg, error) {
	var a etAgg
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"N", &a.N}, {"S", &a.Sum}, {"MN", &a.Min}, {"MX", &a.Max}} {
		v, err := etField[int64](m, f.name)
		if err != nil {
			return a, err
		}
		*f.dst = v
	}
	return a, nil
}

func etField[T any](m map[string]json.RawMessage, name string) (T, error) {
	var v T
	raw, ok := m[name]
	if !ok {
		return v, fmt.Errorf("no column %s", name)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("column %s: %w", name, err)
	}
	return v, nil
}

func etTimeField(m map[string]json.RawMessage, name string) (int64, error) {
	s, err := etField[string](m, name)
	if err != nil {
		return 0, err
	}
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, fmt.Errorf("column %s: %w", name, err)
	}
	return tm.UnixMilli(), nil
}

func etWinStrings(ws []etWin) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.String()
	}
	return out
}

func etOverStrings(os []etOver) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.String()
	}
	return out
}

// etForms are the query forms, each with sizes of its own.
var etForms = []etForm{
	{
		name:  "tumble_tvf",
		query: "SELECT STREAM k, window_start AS ws, window_end AS we, " + etAggs + " FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, k",
		ref:   func(r []etRow) []string { return etWinStrings(refTumble(r, 10_000)) },
		conv:  etWinConv("WS", "WE", 0),
	},
	{
		name:  "tumble_group",
		query: "SELECT STREAM k, TUMBLE_START(ts, INTERVAL '7' SECOND) AS ws, TUMBLE_END(ts, INTERVAL '7' SECOND) AS we, " + etAggs + " FROM src GROUP BY k, TUMBLE(ts, INTERVAL '7' SECOND)",
		ref:   func(r []etRow) []string { return etWinStrings(refTumble(r, 7_000)) },
		conv:  etWinConv("WS", "WE", 0),
	},
	{
		name:  "hop_tvf",
		query: "SELECT STREAM k, window_start AS ws, window_end AS we, " + etAggs + " FROM TABLE(HOP(TABLE src, DESCRIPTOR(ts), INTERVAL '4' SECOND, INTERVAL '10' SECOND)) GROUP BY window_start, window_end, k",
		ref:   func(r []etRow) []string { return etWinStrings(refHop(r, 10_000, 4_000)) },
		conv:  etWinConv("WS", "WE", 0),
	},
	{
		name:  "hop_group",
		query: "SELECT STREAM k, HOP_START(ts, INTERVAL '5' SECOND, INTERVAL '15' SECOND) AS ws, HOP_END(ts, INTERVAL '5' SECOND, INTERVAL '15' SECOND) AS we, " + etAggs + " FROM src GROUP BY k, HOP(ts, INTERVAL '5' SECOND, INTERVAL '15' SECOND)",
		ref:   func(r []etRow) []string { return etWinStrings(refHop(r, 15_000, 5_000)) },
		conv:  etWinConv("WS", "WE", 0),
	},
	{
		name:  "session_tvf",
		query: "SELECT STREAM k, window_start AS ws, window_end AS we, " + etAggs + " FROM TABLE(SESSION(TABLE src PARTITION BY k, DESCRIPTOR(ts), INTERVAL '3' SECOND)) GROUP BY window_start, window_end, k",
		ref:   func(r []etRow) []string { return etWinStrings(refSession(r, 3_000)) },
		conv:  etWinConv("WS", "WE", 0),
	},
	{
		name:  "session_group",
		query: "SELECT STREAM k, SESSION_START(ts, INTERVAL '4' SECOND) AS ws, SESSION_END(ts, INTERVAL '4' SECOND) AS we, " + etAggs + " FROM src GROUP BY k, SESSION(ts, INTERVAL '4' SECOND)",
		ref:   func(r []etRow) []string { return etWinStrings(refSession(r, 4_000)) },
		conv:  etWinConv("WS", "WE", 0),
	},
	{
		name:  "cumulate_tvf",
		query: "SELECT STREAM k, window_start AS ws, window_end AS we, " + etAggs + " FROM TABLE(CUMULATE(TABLE src, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '20' SECOND)) GROUP BY window_start, window_end, k",
		ref:   func(r []etRow) []string { return etWinStrings(refCumulate(r, 5_000, 20_000)) },
		conv:  etWinConv("WS", "WE", 0),
	},
	{
		name:  "step",
		query: "SELECT STREAM k, STEP(src.ROWTIME BY INTERVAL '10' SECOND) AS ws, " + etAggs + " FROM src GROUP BY k, STEP(src.ROWTIME BY INTERVAL '10' SECOND)",
		ref:   func(r []etRow) []string { return etWinStrings(refTumble(r, 10_000)) },
		conv:  etWinConv("WS", "", 10_000),
	},
	{
		name:  "floor",
		query: "SELECT STREAM k, FLOOR(ROWTIME TO MINUTE) AS ws, " + etAggs + " FROM src GROUP BY k, FLOOR(ROWTIME TO MINUTE)",
		ref:   func(r []etRow) []string { return etWinStrings(refTumble(r, 60_000)) },
		conv:  etWinConv("WS", "", 60_000),
	},
	{
		name: "over_range",
		query: "SELECT STREAM k, ts, v, COUNT(*) OVER w AS n, SUM(v) OVER w AS s, MIN(v) OVER w AS mn, MAX(v) OVER w AS mx FROM src " +
			"WINDOW w AS (PARTITION BY k RANGE INTERVAL '5' SECOND PRECEDING)",
		ref:  func(r []etRow) []string { return etOverStrings(refOverRange(r, 5_000)) },
		conv: etOverConv,
	},
	{
		name: "over_rows",
		query: "SELECT STREAM k, ts, v, COUNT(*) OVER w AS n, SUM(v) OVER w AS s, MIN(v) OVER w AS mn, MAX(v) OVER w AS mx FROM src " +
			"WINDOW w AS (PARTITION BY k ROWS 3 PRECEDING)",
		distinct: true,
		ref:      func(r []etRow) []string { return etOverStrings(refOverRows(r, 3)) },
		conv:     etOverConv,
	},
	{
		// The engine stamps a stagger window's row with its end, t0 + x.
		name:  "stagger",
		query: "SELECT STREAM ROWTIME, k, " + etAggs + " FROM src WINDOWED BY STAGGER (PARTITION BY k RANGE INTERVAL '10' SECOND)",
		ref:   func(r []etRow) []string { return etWinStrings(refStagger(r, 10_000)) },
		conv:  etWinConv("", "ROWTIME", 10_000),
	},
}

// etLateness is one way of declaring ROWTIME from ts with lateness L.
type etLateness struct {
	name  string
	L     int64
	cols  string // appended to the column list of CREATE STREAM
	with  string // appended to CREATE STREAM
	query string // appended to the --input binding's options
}

var etLatenesses = []etLateness{
	{name: "watermark", L: 5_000, cols: ", WATERMARK FOR ts AS ts - INTERVAL '5' SECOND"},
	{name: "with_5s", L: 5_000, with: " WITH (rowtime = 'ts', lateness = '5s')"},
	{name: "with_1min", L: 60_000, with: " WITH (rowtime = 'ts', lateness = '1 minute')"},
	{name: "with_interval", L: 5_000, with: " WITH (rowtime = 'ts', lateness = 'INTERVAL ''5'' SECOND')"},
	{name: "binding", L: 5_000, query: "rowtime=ts&lateness=5s"},
}

var etBatchSizes = []int{1, 7, 0} // 0: the file source's default

// etCase is one engine run to compare with the reference.
type etCase struct {
	form    etForm
	late    etLateness
	batch   int
	writers int // 1, or 2: two source streams SRC_A, SRC_B pumped into SRC
	in      etInput
	// asRowtime: SRC_A (arrival time, no lateness) is pumped into SRC
	// with `ts AS ROWTIME`, and SRC declares nothing.
	asRowtime bool
	// source, when set, loads writer w's partitions into a broker (a
	// Kafka topic, a Kinesis stream) and returns the binding URI that reads
	// them to their end; nil: files of a glob.
	source func(t *testing.T, in etInput, w int) string
	// parallelism, when positive, is SET parallelism for the run (0: the
	// default, every core).
	parallelism int
}

// sql returns the application of c.
func (c etCase) sql() string {
	const cols = "k VARCHAR(8), ts TIMESTAMP, v BIGINT"
	decl := func(name string) string {
		return fmt.Sprintf("CREATE STREAM %s (%s%s)%s;\n", name, cols, c.late.cols, c.late.with)
	}
	var b strings.Builder
	switch {
	case c.asRowtime:
		fmt.Fprintf(&b, "CREATE STREAM src_a (%s);\nCREATE STREAM src (%s);\n", cols, cols)
		b.WriteString("CREATE PUMP pa AS INSERT INTO src SELECT STREAM ts AS ROWTIME, k, ts, v FROM src_a;\n")
	case c.writers == 2:
		b.WriteString(decl("src_a") + decl("src_b"))
		if c.late.query != "" {
			fmt.Fprintf(&b, "CREATE STREAM src (%s);\n", cols) // the binding declares the sources only
		} else {
			b.WriteString(decl("src"))
		}
		b.WriteString("CREATE PUMP pa AS INSERT INTO src SELECT STREAM k, ts, v FROM src_a;\n")
		b.WriteString("CREATE PUMP pb AS INSERT INTO src SELECT STREAM k, ts, v FROM src_b;\n")
	default:
		b.WriteString(decl("src"))
	}
	b.WriteString(c.form.query + ";\n")
	return b.String()
}

// args returns the arguments of `eddy run` for app, input files in dir
// (written here) and the result in out.
func (c etCase) args(t *testing.T, dir, app, out string) []string {
	args := []string{"run", app, "--output", "QUERY_1=file:" + out + "?format=json"}
	if c.parallelism > 0 {
		args = append(args, "--set", fmt.Sprintf("parallelism=%d", c.parallelism))
	}
	bind := func(stream, glob string) {
		var opts []string
		if c.late.query != "" && !c.asRowtime {
			opts = append(opts, c.late.query)
		}
		if c.batch > 0 {
			opts = append(opts, fmt.Sprintf("batch_size=%d", c.batch))
		}
		uri := glob
		if len(opts) > 0 {
			sep := "?"
			if strings.Contains(uri, "?") {
				sep = "&"
			}
			uri += sep + strings.Join(opts, "&")
		}
		args = append(args, "--input", stream+"="+uri)
	}
	from := func(prefix string, w int) string {
		if c.source != nil {
			return c.source(t, c.in, w)
		}
		return "file:" + etWriteParts(t, dir, prefix, c.in, w)
	}
	switch {
	case c.asRowtime:
		bind("SRC_A", from("a-", 0))
	case c.writers == 2:
		bind("SRC_A", from("a-", 0))
		bind("SRC_B", from("b-", 1))
	default:
		bind("SRC", from("", 0))
	}
	return args
}

// etResult is what one engine run produced.
type etResult struct {
	code   int
	rows   []string // canonical result rows
	late   []string // LATE rows of the error stream, as etRow strings
	stderr string
	bad    []string // result or error lines that could not be read
}

// etReadOutput reads the result file (missing: no rows) with conv.
func etReadOutput(path string, conv func(map[string]json.RawMessage) (string, error), r *etResult) error {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			r.bad = append(r.bad, fmt.Sprintf("%s: %v", line, err))
			continue
		}
		s, err := conv(m)
		if err != nil {
			r.bad = append(r.bad, fmt.Sprintf("%s: %v", line, err))
			continue
		}
		r.rows = append(r.rows, s)
	}
	return nil
}

// etReadLate collects the LATE rows printed on stderr (error_stream lines
// end with the data row as JSON).
func etReadLate(stderr string, r *etResult) {
	for _, line := range strings.Split(stderr, "\n") {
		if !strings.HasPrefix(line, "error_stream: LATE:") {
			continue
		}
		i := strings.LastIndex(line, "): {")
		if i < 0 {
			r.bad = append(r.bad, line)
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line[i+3:]), &m); err != nil {
			r.bad = append(r.bad, line)
			continue
		}
		var row etRow
		var err1, err2, err3 error
		row.K, err1 = etField[string](m, "K")
		row.TS, err2 = etTimeField(m, "TS")
		row.V, err3 = etField[int64](m, "V")
		if err := errors.Join(err1, err2, err3); err != nil {
			r.bad = append(r.bad, fmt.Sprintf("%s: %v", line, err))
			continue
		}
		r.late = append(r.late, row.String())
	}
}

// etRunEngine runs c in-process in a fresh directory.
func etRunEngine(t *testing.T, c etCase) (etResult, []string) {
	t.Helper()
	dir := t.TempDir()
	app := writeFile(t, dir, "app.sql", c.sql())
	out := filepath.Join(dir, "out.jsonl")
	errs := filepath.Join(dir, "errors.jsonl")
	args := append(c.args(t, dir, app, out), "--output", "error_stream=file:"+errs+"?format=json")
	var stdout, stderr bytes.Buffer
	var r etResult
	r.code = run(args, strings.NewReader(""), &stdout, &stderr)
	r.stderr = stderr.String()
	if err := etReadOutput(out, c.form.conv, &r); err != nil {
		t.Fatal(err)
	}
	if err := etReadLateFile(errs, &r); err != nil {
		t.Fatal(err)
	}
	return r, args
}

// etReadLateFile collects the LATE rows of the error stream delivered to a
// JSON-lines file (stderr shows only the first rows of a busy error
// stream).
func etReadLateFile(path string, r *etResult) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var rec struct {
			Name string `json:"ERROR_NAME"`
			Row  string `json:"DATA_ROW"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			r.bad = append(r.bad, line)
			continue
		}
		if rec.Name != "LATE" {
			continue
		}
		etReadLate("error_stream: LATE: (x): "+rec.Row, r)
	}
	return nil
}

// etMultisetDiff returns the rows of want missing from got and the rows of
// got not in want, each sorted.
func etMultisetDiff(got, want []string) (missing, extra []string) {
	count := map[string]int{}
	for _, w := range want {
		count[w]++
	}
	for _, g := range got {
		if count[g] > 0 {
			count[g]--
		} else {
			extra = append(extra, g)
		}
	}
	for w, n := range count {
		for range n {
			missing = append(missing, w)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return missing, extra
}

func etFirst(xs []string, n int) string {
	var b strings.Builder
	for i, x := range xs {
		if i == n {
			fmt.Fprintf(&b, "\n      … %d more", len(xs)-n)
			break
		}
		b.WriteString("\n      " + x)
	}
	return b.String()
}

// etCheck runs c and compares it with the reference; it returns a report
// of the differences ("" when none) and a one-line summary of them.
func etCheck(t *testing.T, c etCase) (report, summary string) {
	t.Helper()
	onTime, late := refSplitLate(c.in.Parts, c.late.L)
	if c.asRowtime {
		onTime, late = refSplitLate(c.in.Parts, 0)
	}
	want := c.form.ref(onTime)
	wantLate := make([]string, len(late))
	for i, l := range late {
		wantLate[i] = l.String()
	}
	r, args := etRunEngine(t, c)
	var problems, short []string
	if r.code != 0 {
		problems = append(problems, fmt.Sprintf("exit %d: %s", r.code, etFirst(strings.Split(strings.TrimSpace(r.stderr), "\n"), 5)))
		short = append(short, fmt.Sprintf("exit %d", r.code))
	}
	if missing, extra := etMultisetDiff(r.rows, want); len(missing)+len(extra) > 0 {
		problems = append(problems, fmt.Sprintf("rows: %d, want %d; %d missing:%s\n    %d extra:%s",
			len(r.rows), len(want), len(missing), etFirst(missing, 10), len(extra), etFirst(extra, 10)))
		short = append(short, fmt.Sprintf("rows %d missing/%d extra of %d", len(missing), len(extra), len(want)))
	}
	if missing, extra := etMultisetDiff(r.late, wantLate); len(missing)+len(extra) > 0 {
		problems = append(problems, fmt.Sprintf("LATE rows: %d, want %d; %d not reported:%s\n    %d wrongly LATE:%s",
			len(r.late), len(wantLate), len(missing), etFirst(missing, 10), len(extra), etFirst(extra, 10)))
		short = append(short, fmt.Sprintf("LATE %d, want %d", len(r.late), len(wantLate)))
	}
	if len(r.bad) > 0 {
		problems = append(problems, fmt.Sprintf("%d unreadable lines:%s", len(r.bad), etFirst(r.bad, 5)))
		short = append(short, "unreadable output")
	}
	if len(problems) == 0 {
		return "", ""
	}
	var in int
	for _, p := range c.in.Parts {
		in += len(p)
	}
	report = fmt.Sprintf("form %s, lateness %s (L=%dms), batch_size %s, writers %d, parallelism %d: %d input rows, %d late by the reference\ninput: %s\nSQL:\n%s\nargs: %q\n  %s",
		c.form.name, c.late.name, c.late.L, etBatchName(c.batch), max(c.writers, 1), c.parallelism, in, len(late), c.in.Desc, c.sql(), args, strings.Join(problems, "\n  "))
	return report, strings.Join(short, ", ")
}

func etBatchName(b int) string {
	if b == 0 {
		return "default"
	}
	return fmt.Sprint(b)
}

// etMatrix collects pass/fail per form × lateness × batch size for the
// summary logged at the end of TestEventTimeDifferential.
type etMatrix struct {
	mu    sync.Mutex
	cells map[[3]string]*etCell
}

type etCell struct {
	pass, fail int
	seeds      []string
}

func (m *etMatrix) add(form, late, batch string, seed uint64, failed string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.cells[[3]string{form, late, batch}]
	if c == nil {
		c = &etCell{}
		m.cells[[3]string{form, late, batch}] = c
	}
	if failed == "" {
		c.pass++
		return
	}
	c.fail++
	if len(c.seeds) < 3 {
		c.seeds = append(c.seeds, fmt.Sprintf("%d (%s)", seed, failed))
	}
}

func (m *etMatrix) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([][3]string, 0, len(m.cells))
	for k := range m.cells {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [3]string) int { return strings.Compare(a[0]+"/"+a[1]+"/"+a[2], b[0]+"/"+b[1]+"/"+b[2]) })
	var b strings.Builder
	b.WriteString("event-time matrix (form lateness batch_size: passed/failed, example failing seeds):\n")
	for _, k := range keys {
		c := m.cells[k]
		verdict := "PASS"
		if c.fail > 0 {
			verdict = "FAIL"
		}
		fmt.Fprintf(&b, "  %-14s %-14s %-8s %s %d/%d", k[0], k[1], k[2], verdict, c.pass, c.fail)
		if len(c.seeds) > 0 {
			fmt.Fprintf(&b, "  seeds %s", strings.Join(c.seeds, "; "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestEventTimeDifferential runs every form over seeded input through the
// engine and the reference.
func TestEventTimeDifferential(t *testing.T) {
	t.Parallel()
	seeds := etDefaultSeeds
	if *etSeedsFlag > 0 {
		seeds = *etSeedsFlag
	}
	matrix := &etMatrix{cells: map[[3]string]*etCell{}}
	t.Cleanup(func() { t.Log(matrix) })
	for _, form := range etForms {
		t.Run(form.name, func(t *testing.T) {
			t.Parallel()
			for i := range seeds {
				// The seed picks the lateness source and the batch size, so
				// that the first 15 seeds of a form cover every pair; every
				// seventh has two writers.
				seed := uint64(i + 1)
				late := etLatenesses[i%len(etLatenesses)]
				batch := etBatchSizes[(i/len(etLatenesses))%len(etBatchSizes)]
				writers := 1
				if i%7 == 6 {
					writers = 2
				}
				name := fmt.Sprintf("%d_%s_batch%s", seed, late.name, etBatchName(batch))
				if writers == 2 {
					name += "_2writers"
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					in := etGenerate(seed, etGenOpts{Lateness: late.L, Rows: 300, DistinctTS: form.distinct, Writers: writers})
					c := etCase{form: form, late: late, batch: batch, writers: writers, in: in}
					report, short := etCheck(t, c)
					matrix.add(form.name, late.name, etBatchName(batch), seed, short)
					if report != "" {
						t.Errorf("seed %d differs from the reference: %s", seed, report)
					}
				})
			}
		})
	}
}

// etOrdered makes n rows of keys in event-time order from start, step ms apart.
func etOrdered(n int, start, step int64, keys ...string) []etRow {
	rows := make([]etRow, n)
	for i := range rows {
		rows[i] = etRow{K: keys[i%len(keys)], TS: start + int64(i)*step, V: int64(i % 97)}
	}
	return rows
}

// etShuffleWithin reorders rows so that each moves by at most d ms of
// event time: a row goes where its ts plus a random delay in [0, d] falls.
func etShuffleWithin(rows []etRow, d int64, seed uint64) []etRow {
	rng := rand.New(rand.NewPCG(seed, seed))
	type pending struct {
		row etRow
		at  int64
	}
	ps := make([]pending, len(rows))
	for i, r := range rows {
		ps[i] = pending{r, r.TS + rng.Int64N(d+1)}
	}
	slices.SortStableFunc(ps, func(a, b pending) int { return cmp.Compare(a.at, b.at) })
	out := make([]etRow, len(ps))
	for i, p := range ps {
		out[i] = p.row
	}
	return out
}

func etFormNamed(t *testing.T, name string) etForm {
	for _, f := range etForms {
		if f.name == name {
			return f
		}
	}
	t.Fatalf("no form %s", name)
	return etForm{}
}

// TestEventTimeRegressions are the findings users reported, as named cases.
func TestEventTimeRegressions(t *testing.T) {
	t.Parallel()
	watermark, with5s := etLatenesses[0], etLatenesses[1]
	shuffled := etShuffleWithin(etOrdered(20_000, etBase, 50, "a", "b", "c"), 2_000, 1)
	cases := []struct {
		name string
		c    etCase
	}{
		{"a_shuffled_within_2s_watermark_5s_tumble_10s_on_ts", etCase{form: etFormNamed(t, "tumble_tvf"), late: watermark,
			in: etInput{Parts: [][]etRow{shuffled}, Writer: []int{0}, Desc: "20,000 rows 50 ms apart shuffled within 2 s"}}},
		{"a_same_at_batch_size_1", etCase{form: etFormNamed(t, "tumble_tvf"), late: watermark, batch: 1,
			in: etInput{Parts: [][]etRow{shuffled}, Writer: []int{0}, Desc: "20,000 rows 50 ms apart shuffled within 2 s"}}},
		{"a_same_as_group_window", etCase{form: etFormNamed(t, "tumble_group"), late: watermark,
			in: etInput{Parts: [][]etRow{shuffled}, Writer: []int{0}, Desc: "20,000 rows 50 ms apart shuffled within 2 s"}}},
		{"b_two_files_pumped_into_one_stream_each_in_order", etCase{form: etFormNamed(t, "tumble_tvf"), late: watermark, writers: 2,
			in: etInput{Parts: [][]etRow{etOrdered(10_000, etBase, 60, "a", "b"), etOrdered(10_000, etBase+30, 60, "b", "c")},
				Writer: []int{0, 1}, Desc: "two in-order files of 10,000 rows over the same 10 minutes"}}},
		{"b_same_with_step_on_rowtime", etCase{form: etFormNamed(t, "step"), late: watermark, writers: 2,
			in: etInput{Parts: [][]etRow{etOrdered(10_000, etBase, 60, "a", "b"), etOrdered(10_000, etBase+30, 60, "b", "c")},
				Writer: []int{0, 1}, Desc: "two in-order files of 10,000 rows over the same 10 minutes"}}},
		{"c_as_rowtime_in_a_pump_over_in_order_rows", etCase{form: etFormNamed(t, "step"), late: watermark, asRowtime: true,
			in: etInput{Parts: [][]etRow{etOrdered(12_000, etBase, 50, "a", "b", "c")}, Writer: []int{0},
				Desc: "12,000 in-order rows, ROWTIME set with ts AS ROWTIME in a pump"}}},
		{"d_stagger_three_rows_out_of_order_within_lateness", etCase{form: etFormNamed(t, "stagger"), late: watermark, batch: 1,
			in: etInput{Parts: [][]etRow{{{"k", etBase + 3000, 3}, {"k", etBase + 1000, 1}, {"k", etBase + 2000, 2}}}, Writer: []int{0},
				Desc: "3 rows of one key at +3 s, +1 s, +2 s"}}},
		// Found by the harness: with four partitions and 1 minute of
		// lateness, a later stagger window of a key opened before the rows
		// of an earlier one arrived, and those rows opened a window of
		// their own inside the earlier one.
		{"stagger_windows_do_not_depend_on_partition_interleaving", etCase{form: etFormNamed(t, "stagger"), late: etLatenesses[2], batch: 7,
			in: etGenerate(23, etGenOpts{Lateness: etLatenesses[2].L, Rows: 300})}},
		// Found by the harness: HOP windows whose size is not a multiple of
		// the slide started off the slide's multiples.
		{"hop_windows_start_at_multiples_of_the_slide", etCase{form: etFormNamed(t, "hop_tvf"), late: watermark, batch: 1,
			in: etGenerate(1, etGenOpts{Lateness: watermark.L, Rows: 300})}},
		{"e_two_file_glob_split_by_key", etCase{form: etFormNamed(t, "tumble_tvf"), late: with5s,
			in: etInput{Parts: [][]etRow{etOrdered(10_000, etBase, 60, "a"), etOrdered(10_000, etBase, 60, "b")},
				Writer: []int{0, 0}, Desc: "2 in-order files of 10,000 rows, one key each, same time span"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if report, _ := etCheck(t, tc.c); report != "" {
				t.Errorf("%s", report)
			}
		})
	}
}

// etParallelForms are the forms that run on several workers: GROUP BYs
// of keyed aligned windows and of keyed session windows (on workers from
// parallelism 4; at 2 they stay on one goroutine), and OVER windows with
// PARTITION BY (MIN and MAX fold their frames on workers, also from 4).
var etParallelForms = []string{"tumble_tvf", "tumble_group", "hop_tvf", "hop_group", "cumulate_tvf", "step", "floor", "session_tvf", "session_group", "over_range", "over_rows"}

// TestEventTimeParallel is the differential test in parallel mode: each
// windowed form at SET parallelism 1, 2 and 8 over the same seeded input
// gives the reference's rows and LATE rows.
func TestEventTimeParallel(t *testing.T) {
	t.Parallel()
	seeds := 6
	if *etSeedsFlag > 0 {
		seeds = *etSeedsFlag
	}
	for _, name := range etParallelForms {
		form := etFormNamed(t, name)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for i := range seeds {
				seed := uint64(1000 + i)
				late := etLatenesses[i%len(etLatenesses)]
				batch := etBatchSizes[i%len(etBatchSizes)]
				writers := 1 + i%2
				in := etGenerate(seed, etGenOpts{Lateness: late.L, Rows: 300, DistinctTS: form.distinct, Writers: writers})
				for _, p := range []int{1, 2, 8} {
					t.Run(fmt.Sprintf("%d_%s_batch%s_%dwriters_parallelism%d", seed, late.name, etBatchName(batch), writers, p), func(t *testing.T) {
						t.Parallel()
						c := etCase{form: form, late: late, batch: batch, writers: writers, in: in, parallelism: p}
						if report, _ := etCheck(t, c); report != "" {
							t.Errorf("seed %d at parallelism %d differs from the reference: %s", seed, p, report)
						}
					})
				}
			}
		})
	}
}

// TestEventTimeKillAndRestart runs a windowed query with checkpoints,
// kills it with SIGKILL at random moments, restarts it from its state
// directory and checks that the exactly-once file destination finally holds
// the reference's rows: over in-order input (restarts alone) and over
// seeded hostile input (restarts and lateness together).
func TestEventTimeKillAndRestart(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	inOrder := etOrdered(60_000, etBase, 20, "a", "b", "c", "d")
	cases := []struct {
		name string
		in   etInput
	}{
		{"in_order", etInput{Parts: [][]etRow{inOrder}, Writer: []int{0}, Desc: "60,000 in-order rows 20 ms apart"}},
		{"hostile", etGenerate(seed, etGenOpts{Lateness: 5_000, Rows: 20_000})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			etKillAndRestart(t, seed, etCase{form: etFormNamed(t, "tumble_tvf"), late: etLatenesses[1], batch: 1, in: tc.in}, nil)
		})
	}
	// Each run at another parallelism: every restart restores the
	// checkpointed windows onto a different number of workers.
	t.Run("hostile_parallelism_2_1_8_2", func(t *testing.T) {
		t.Parallel()
		in := etGenerate(seed+1, etGenOpts{Lateness: 5_000, Rows: 20_000})
		etKillAndRestart(t, seed+1, etCase{form: etFormNamed(t, "hop_tvf"), late: etLatenesses[1], batch: 7, in: in}, []int{2, 1, 8, 2})
	})
	// Session windows run on workers from parallelism 4: each restart
	// deals the checkpointed sessions out to another number of workers.
	t.Run("hostile_session_parallelism_8_1_4_8", func(t *testing.T) {
		t.Parallel()
		in := etGenerate(seed+2, etGenOpts{Lateness: 5_000, Rows: 50_000})
		etKillAndRestart(t, seed+2, etCase{form: etFormNamed(t, "session_group"), late: etLatenesses[1], batch: 7, in: in}, []int{8, 1, 4, 8})
	})
	t.Run("hostile_over_parallelism_8_1_4_8", func(t *testing.T) {
		t.Parallel()
		in := etGenerate(seed+3, etGenOpts{Lateness: 5_000, Rows: 50_000})
		etKillAndRestart(t, seed+3, etCase{form: etFormNamed(t, "over_range"), late: etLatenesses[1], batch: 7, in: in}, []int{8, 1, 4, 8})
	})
}

// etKillAndRestart runs c, killing it up to three times; parallelism, when
// set, gives SET parallelism for each run in turn (the last for the final
// run).
func etKillAndRestart(t *testing.T, seed uint64, c etCase, parallelism []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	onTime, _ := refSplitLate(c.in.Parts, c.late.L)
	want := c.form.ref(onTime)
	dir := t.TempDir()
	app := writeFile(t, dir, "app.sql", c.sql())
	out := filepath.Join(dir, "out.jsonl")
	args := append(c.args(t, dir, app, out), "--state", filepath.Join(dir, "state"), "--set", "checkpoint_interval=50ms")
	kills := 0
	withParallelism := func(i int) []string {
		if len(parallelism) == 0 {
			return args
		}
		p := parallelism[min(i, len(parallelism)-1)]
		return append(slices.Clone(args), "--set", fmt.Sprintf("parallelism=%d", p))
	}
	for attempt := 0; attempt < 3; attempt++ {
		cmd := eddyCmd(withParallelism(attempt)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("seed %d: run %d failed: %v\n%s", seed, attempt, err, stderr.String())
			}
			attempt = 99 // finished before the kill
		case <-time.After(time.Duration(100+rng.IntN(600)) * time.Millisecond):
			cmd.Process.Kill() // SIGKILL: no cleanup runs
			<-done
			kills++
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(withParallelism(3), strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("seed %d: final run: exit %d: %s", seed, code, stderr.String())
	}
	var r etResult
	if err := etReadOutput(out, c.form.conv, &r); err != nil {
		t.Fatal(err)
	}
	missing, extra := etMultisetDiff(r.rows, want)
	if len(missing)+len(extra)+len(r.bad) > 0 {
		t.Errorf("seed %d, after %d kills: %d rows, want %d; %d missing:%s\n  %d extra:%s\n  unreadable:%s\ninput: %s\nSQL:\n%s",
			seed, kills, len(r.rows), len(want), len(missing), etFirst(missing, 10), len(extra), etFirst(extra, 10), etFirst(r.bad, 5), c.in.Desc, c.sql())
	}
	t.Logf("seed %d: %d runs killed with SIGKILL before the final one", seed, kills)
}
