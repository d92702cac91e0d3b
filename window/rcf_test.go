package window

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

var pointsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "X", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "Y", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "TAG", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: exec.RowtimeColumn, Type: exec.TimestampType, Nullable: true},
}, nil)

// pointRows are n rows around (0, 50) with a far point every 97 rows and
// a NULL X every 101.
func pointRows(n int) []string {
	r := rand.New(rand.NewPCG(5, 6))
	var rows []string
	for i := range n {
		x, y, tag := fmt.Sprint(r.NormFloat64()), 50+r.IntN(5), "n"
		if i%97 == 96 {
			x, y, tag = "40", 90, "far"
		}
		if i%101 == 100 {
			x = "null"
		}
		rows = append(rows, fmt.Sprintf(`{"X":%s,"Y":%d,"TAG":%q,"ROWTIME":%d}`, x, y, tag, int64(i)*1000))
	}
	return rows
}

func TestRandomCutForestOperator(t *testing.T) {
	t.Parallel()
	rows := pointRows(1200)
	for _, explain := range []bool{false, true} {
		t.Run(fmt.Sprintf("explain=%v", explain), func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			build := func(in exec.Operator) (exec.Operator, error) {
				return NewRandomCutForest(in, RCFConfig{Columns: []int{0, 1}, Names: []string{"X", "Y"},
					Trees: 40, SampleSize: 64, TimeDecay: 1000, Shingle: 1, Seed: DefaultRCFSeed,
					Explain: explain, Directional: true, Alloc: mem})
			}
			src := newRowsSource(mem, pointsSchema, rows, 50)
			op, err := build(src)
			if err != nil {
				t.Fatal(err)
			}
			want, err := drain(t, op)
			if !errors.Is(err, io.EOF) || len(want) != len(rows) {
				t.Fatalf("%v, %d rows", err, len(want))
			}
			if p := op.(exec.Partitioned); p.Origin() != src.origin || p.Partitions()[0].Origin != src.origin {
				t.Errorf("origin %d, partitions %+v: want the input's", p.Origin(), p.Partitions())
			}
			op.Close()
			// Warm-up zeros, NULL rows, far points outscore the rest.
			minFar, maxNear := math.Inf(1), math.Inf(-1)
			for i, line := range want {
				f := strings.Fields(line)
				if f[0] == "(null)" {
					if f[4] != "(null)" {
						t.Errorf("row %d with NULL X scored %s", i, f[4])
					}
					continue
				}
				s, _ := strconv.ParseFloat(f[4], 64)
				switch {
				case i < 64:
					if s != 0 {
						t.Errorf("row %d scored %v in the warm-up", i, s)
					}
				case f[2] == "far" && i > 200:
					minFar = min(minFar, s)
				case f[2] == "n" && i > 200:
					maxNear = max(maxNear, s)
				}
				if explain && i >= 64 {
					var ex map[string]map[string]string
					if err := json.Unmarshal([]byte(strings.Join(f[5:], " ")), &ex); err != nil {
						t.Fatalf("row %d: explanation %q: %v", i, strings.Join(f[5:], " "), err)
					}
					a, _ := strconv.ParseFloat(ex["X"]["ATTRIBUTION_SCORE"], 64)
					b, _ := strconv.ParseFloat(ex["Y"]["ATTRIBUTION_SCORE"], 64)
					if math.Abs(a+b-s) > 0.0002 {
						t.Errorf("row %d: attributions %v + %v, score %v", i, a, b, s)
					}
				}
			}
			if !(minFar > 1.5*maxNear) {
				t.Errorf("far points score from %v, near ones up to %v", minFar, maxNear)
			}
			got := stopRestore(t, mem, pointsSchema, rows, 50, 11, build)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("restored run differs")
			}
		})
	}
}

func TestRandomCutForestRestoreRejectsOtherPlans(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	build := func(trees int) exec.Operator {
		op, err := NewRandomCutForest(newRowsSource(mem, pointsSchema, nil, 1), RCFConfig{Columns: []int{0}, Names: []string{"X"},
			Trees: trees, SampleSize: 16, TimeDecay: 100, Shingle: 1, Alloc: mem})
		if err != nil {
			t.Fatal(err)
		}
		return op
	}
	var buf strings.Builder
	if err := build(3).(exec.Snapshotter).Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data string
	}{
		{"other_tree_count", buf.String()},
		{"truncated", buf.String()[:len(buf.String())-5]},
		{"not_a_snapshot", "nope"},
	} {
		if err := build(4).(exec.Snapshotter).Restore(strings.NewReader(tc.data)); !errors.Is(err, ErrSnapshot) {
			t.Errorf("%s: %v, want ErrSnapshot", tc.name, err)
		}
	}
}

func BenchmarkRandomCutForestOperator(b *testing.B) {
	for _, size := range []int{1, 1024} {
		b.Run(fmt.Sprintf("defaults/batch_size=%d", size), func(b *testing.B) {
			mem := memory.NewGoAllocator()
			rows := pointRows(8192)
			src := newRowsSource(mem, pointsSchema, rows, size)
			var batches []arrow.RecordBatch
			for {
				rec, err := src.Next(b.Context())
				if err != nil {
					break
				}
				batches = append(batches, rec)
			}
			replay := &replaySource{batches: batches}
			op, err := NewRandomCutForest(replay, RCFConfig{Columns: []int{0, 1}, Names: []string{"X", "Y"},
				Trees: 100, SampleSize: 256, TimeDecay: 100000, Shingle: 1, Seed: DefaultRCFSeed, Alloc: mem})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			events := 0
			for b.Loop() {
				out, err := op.Next(b.Context())
				if err != nil {
					b.Fatal(err)
				}
				events += int(out.NumRows())
				out.Release()
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// replaySource returns its batches round and round (retained per Next).
type replaySource struct {
	batches []arrow.RecordBatch
	i       int
}

func (s *replaySource) Schema() *arrow.Schema { return s.batches[0].Schema() }
func (s *replaySource) Close() error          { return nil }
func (s *replaySource) Next(ctx context.Context) (arrow.RecordBatch, error) {
	b := s.batches[s.i%len(s.batches)]
	s.i++
	b.Retain()
	return b, nil
}
