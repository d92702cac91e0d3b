package window_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// This file holds the OVER differential test's pieces: a partitioned
// source of generated rows and a reference written with plain loops.

var overSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "ROWTIME", Type: exec.TimestampType},
}, nil)

// overColumn reads one input column.
type overColumn struct {
	i  int
	dt arrow.DataType
}

func (c overColumn) DataType() arrow.DataType { return c.dt }
func (c overColumn) String() string           { return fmt.Sprintf("$%d", c.i) }
func (c overColumn) Eval(_ *exec.EvalContext, b arrow.RecordBatch) (arrow.Array, error) {
	a := b.Column(c.i)
	a.Retain()
	return a, nil
}

var (
	oK = overColumn{0, arrow.BinaryTypes.String}
	oV = overColumn{1, arrow.PrimitiveTypes.Int64}
)

// refRow is one generated row; seq is its arrival position.
type refRow struct {
	k      string
	v      int64
	null   bool
	ts     int64
	origin exec.Origin
	seq    int
}

// overBatch is the rows of one batch, all of one origin.
type overBatch struct {
	origin exec.Origin
	rows   []refRow
}

// overSrc replays batches as an exec.Partitioned input with the given
// origins (never idle); it returns exec.ErrStopped at batch stopAt when
// stopAt ≥ 0.
type overSrc struct {
	mem     memory.Allocator
	batches []overBatch
	origins []exec.Origin
	i       int
	stopAt  int
	last    exec.Origin
}

func newOverSrc(mem memory.Allocator, batches []overBatch, origins ...exec.Origin) *overSrc {
	if len(origins) == 0 {
		origins = []exec.Origin{0}
	}
	return &overSrc{mem: mem, batches: batches, origins: origins, stopAt: -1}
}

func (s *overSrc) Schema() *arrow.Schema { return overSchema }
func (s *overSrc) Close() error          { return nil }
func (s *overSrc) Origin() exec.Origin   { return s.last }
func (s *overSrc) Partitions() []exec.Partition {
	var ps []exec.Partition
	for _, o := range s.origins {
		ps = append(ps, exec.Partition{Origin: o, Watermark: exec.NoWatermark, MaxTime: math.MinInt64, Lag: -1})
	}
	return ps
}

func (s *overSrc) Next(context.Context) (arrow.RecordBatch, error) {
	if s.stopAt >= 0 && s.i >= s.stopAt {
		return nil, exec.ErrStopped
	}
	if s.i >= len(s.batches) {
		return nil, io.EOF
	}
	bt := s.batches[s.i]
	s.i++
	s.last = bt.origin
	kb := array.NewStringBuilder(s.mem)
	vb := array.NewInt64Builder(s.mem)
	tb := array.NewTimestampBuilder(s.mem, exec.TimestampType.(*arrow.TimestampType))
	defer kb.Release()
	defer vb.Release()
	defer tb.Release()
	for _, r := range bt.rows {
		kb.Append(r.k)
		if r.null {
			vb.AppendNull()
		} else {
			vb.Append(r.v)
		}
		tb.Append(arrow.Timestamp(r.ts))
	}
	cols := []arrow.Array{kb.NewArray(), vb.NewArray(), tb.NewArray()}
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	return array.NewRecordBatch(overSchema, cols, int64(len(bt.rows))), nil
}

// genShuffled returns n rows of keys k0…k(keys-1) on a 100 ms grid (three
// rows per step, so RANGE frames have peers), in an arrival order where
// each row is up to jitter ms out of place; every lateEvery-th row (if
// positive) arrives 10 s behind instead. seq is set later by batchOf.
func genShuffled(seed uint64, n, keys int, jitter int64, lateEvery int, origin exec.Origin, base int64) []refRow {
	r := rand.New(rand.NewPCG(seed, 99))
	type arrival struct {
		at  int64
		row refRow
	}
	var as []arrival
	for i := range n {
		ts := base + int64(i/3)*100
		row := refRow{k: fmt.Sprintf("k%d", r.IntN(keys)), v: int64(r.IntN(100)), null: r.IntN(10) == 0, ts: ts, origin: origin}
		at := ts + r.Int64N(jitter+1)
		if lateEvery > 0 && i%lateEvery == lateEvery-1 {
			row.v, row.null = 1000+int64(i), false // late rows carry distinctive values
			at = ts + 10_000
		}
		as = append(as, arrival{at, row})
	}
	slices.SortStableFunc(as, func(a, b arrival) int { return int(a.at - b.at) })
	out := make([]refRow, len(as))
	for i, a := range as {
		out[i] = a.row
	}
	return out
}

// batchOf cuts rows (in arrival order) into batches of size (≤ 0: one
// batch) and numbers them in arrival order.
func batchOf(rows []refRow, size int) []overBatch {
	if size <= 0 {
		size = len(rows)
	}
	var out []overBatch
	for i := 0; i < len(rows); i += size {
		j := min(i+size, len(rows))
		out = append(out, overBatch{origin: rows[i].origin, rows: slices.Clone(rows[i:j])})
	}
	numberBatches(out)
	return out
}

func numberBatches(bs []overBatch) {
	seq := 0
	for _, b := range bs {
		for i := range b.rows {
			b.rows[i].seq = seq
			seq++
		}
	}
}

// refSplit applies the lateness rule with plain loops: a row is late when
// its event time is at or below the largest event time its origin
// delivered before it, minus lateness, minus 1 ms.
func refSplit(bs []overBatch, lateness int64) (onTime, late []refRow) {
	maxT := map[exec.Origin]int64{}
	for _, b := range bs {
		for _, r := range b.rows {
			if m, ok := maxT[r.origin]; ok && r.ts <= m-lateness-1 {
				late = append(late, r)
				continue
			}
			if m, ok := maxT[r.origin]; !ok || r.ts > m {
				maxT[r.origin] = r.ts
			}
			onTime = append(onTime, r)
		}
	}
	return onTime, late
}

// refSpec is one windowed column of the reference.
type refSpec struct {
	fn        string // SUM, COUNT, MIN, FIRST, LAST, LAG, NTH
	keyed     bool
	rows      bool
	n         int   // ROWS n; LAG's offset; NTH's position
	rng       int64 // RANGE ms
	preceding int   // LAG's frame (ROWS)
	def       *int64
}

// refOutput computes the expected output rows: the on-time rows in (event
// time, arrival) order, each with its columns computed by brute force.
func refOutput(onTime []refRow, specs []refSpec) []string {
	sorted := slices.Clone(onTime)
	slices.SortFunc(sorted, func(a, b refRow) int {
		if a.ts != b.ts {
			return int(a.ts - b.ts)
		}
		return a.seq - b.seq
	})
	var out []string
	for _, r := range sorted {
		parts := []string{r.k, refVal(r.v, r.null), strconv.FormatInt(r.ts, 10)}
		for _, sp := range specs {
			// The rows of r's partition, in (event time, arrival) order.
			var part []refRow
			for _, q := range sorted {
				if !sp.keyed || q.k == r.k {
					part = append(part, q)
				}
			}
			p := 0
			for part[p].seq != r.seq {
				p++
			}
			var frame []refRow
			switch {
			case sp.rows:
				frame = part[max(0, p-sp.n) : p+1]
			default:
				for _, q := range part {
					if q.ts >= r.ts-sp.rng && q.ts <= r.ts {
						frame = append(frame, q)
					}
				}
			}
			parts = append(parts, refAgg(sp, part, p, frame))
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

func refVal(v int64, null bool) string {
	if null {
		return "null"
	}
	return strconv.FormatInt(v, 10)
}

func refAgg(sp refSpec, part []refRow, p int, frame []refRow) string {
	switch sp.fn {
	case "COUNT":
		return strconv.Itoa(len(frame))
	case "SUM", "MIN":
		var acc int64
		seen := false
		for _, q := range frame {
			if q.null {
				continue
			}
			switch {
			case !seen:
				acc = q.v
			case sp.fn == "SUM":
				acc += q.v
			default:
				acc = min(acc, q.v)
			}
			seen = true
		}
		return refVal(acc, !seen)
	case "FIRST":
		return refVal(frame[0].v, frame[0].null)
	case "LAST":
		return refVal(frame[len(frame)-1].v, frame[len(frame)-1].null)
	case "NTH":
		if sp.n > len(frame) {
			return "null"
		}
		return refVal(frame[sp.n-1].v, frame[sp.n-1].null)
	case "LAG":
		if k := p - sp.n; k >= 0 && k >= p-sp.preceding {
			return refVal(part[k].v, part[k].null)
		}
		if sp.def != nil {
			return strconv.FormatInt(*sp.def, 10)
		}
		return "null"
	}
	panic("unknown reference function " + sp.fn)
}

// overRows renders a batch's rows like refOutput.
func overRows(b arrow.RecordBatch) []string {
	var out []string
	for i := range int(b.NumRows()) {
		var parts []string
		for _, c := range b.Columns() {
			switch {
			case c.IsNull(i):
				parts = append(parts, "null")
			case c.DataType().ID() == arrow.TIMESTAMP:
				parts = append(parts, strconv.FormatInt(int64(c.(*array.Timestamp).Value(i)), 10))
			default:
				parts = append(parts, c.ValueStr(i))
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

// overCase is the differential test's set of windows, as OverSpecs and as
// reference specs.
func overCase(t testing.TB) ([]window.OverSpec, []refSpec) {
	t.Helper()
	def := int64(-1)
	lit, err := exec.Literal(def, arrow.PrimitiveTypes.Int64)
	if err != nil {
		t.Fatal(err)
	}
	k := []exec.Expr{oK}
	specs := []window.OverSpec{
		{Func: "SUM", Arg: oV, Partition: k, Range: time.Second, Name: "sum_1s"},
		{Func: "COUNT", Partition: k, Range: time.Second, Name: "count_1s"},
		{Func: "MIN", Arg: oV, Partition: k, Range: 500 * time.Millisecond, Name: "min_500ms"},
		{Func: "FIRST_VALUE", Arg: oV, Partition: k, Range: time.Second, Name: "first_1s"},
		{Func: "LAST_VALUE", Arg: oV, Partition: k, Range: time.Second, Name: "last_1s"},
		{Func: "SUM", Arg: oV, Partition: k, Rows: true, Preceding: 3, Name: "sum_rows3"},
		{Func: "LAG", Arg: oV, N: 2, Default: lit, Partition: k, Rows: true, Preceding: 2, Name: "lag2"},
		{Func: "COUNT", Range: 300 * time.Millisecond, Name: "count_all_300ms"},
		{Func: "NTH_VALUE", Arg: oV, N: 2, Partition: k, Range: time.Second, Name: "nth2_1s"},
	}
	refs := []refSpec{
		{fn: "SUM", keyed: true, rng: 1000},
		{fn: "COUNT", keyed: true, rng: 1000},
		{fn: "MIN", keyed: true, rng: 500},
		{fn: "FIRST", keyed: true, rng: 1000},
		{fn: "LAST", keyed: true, rng: 1000},
		{fn: "SUM", keyed: true, rows: true, n: 3},
		{fn: "LAG", keyed: true, rows: true, n: 2, preceding: 2, def: &def},
		{fn: "COUNT", rng: 300},
		{fn: "NTH", keyed: true, n: 2, rng: 1000},
	}
	return specs, refs
}

// runOver runs op to its end (io.EOF or exec.ErrStopped) and returns its
// rows, each Next's rows checked against the watermark it reported before
// the input ended.
func runOver(t testing.TB, op exec.Operator) (rows []string, stopped bool) {
	t.Helper()
	for {
		b, err := op.Next(context.Background())
		switch {
		case err == io.EOF:
			return rows, false
		case err == exec.ErrStopped:
			return rows, true
		case err != nil:
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, overRows(b)...)
		b.Release()
	}
}
