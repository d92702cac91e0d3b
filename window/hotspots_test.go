package window

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

func TestHotspotsOperator(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(8, 9))
	var rows []string
	for i := range 600 {
		x, y := r.Float64()*100, r.IntN(100)
		if i%3 == 0 { // a third of the points near (20, 70)
			x, y = 20+r.Float64(), 70+r.IntN(2)
		}
		rows = append(rows, fmt.Sprintf(`{"X":%v,"Y":%d,"TAG":"t","ROWTIME":%d}`, x, y, i*1000))
	}
	for _, size := range []int{1, 64} {
		t.Run(fmt.Sprintf("batch_size=%d", size), func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			build := func(in exec.Operator) (exec.Operator, error) {
				return NewHotspots(in, HotspotsConfig{Columns: []int{0, 1}, WindowSize: 200, ScanRadius: 2, MinPoints: 10, Alloc: mem})
			}
			src := newRowsSource(mem, pointsSchema, rows, size)
			op, err := build(src)
			if err != nil {
				t.Fatal(err)
			}
			want, err := drain(t, op)
			if !errors.Is(err, io.EOF) || len(want) != len(rows) {
				t.Fatalf("%v, %d rows", err, len(want))
			}
			if exec.OriginOf(op) != src.origin {
				t.Errorf("origin %d, want the input's %d", exec.OriginOf(op), src.origin)
			}
			op.Close()
			for i, line := range want[300:] {
				var res struct {
					Hotspots []struct {
						Density              float64
						MinValues, MaxValues []float64
					}
				}
				js := line[strings.Index(line, "{"):]
				if err := json.Unmarshal([]byte(js), &res); err != nil {
					t.Fatalf("row %d: %q: %v", 300+i, js, err)
				}
				if len(res.Hotspots) != 1 {
					t.Fatalf("row %d: %d hotspots, want the cluster only: %s", 300+i, len(res.Hotspots), js)
				}
				h := res.Hotspots[0]
				if h.MinValues[0] < 19 || h.MaxValues[0] > 22 || h.MinValues[1] < 69 || h.MaxValues[1] > 72 || h.Density < 10 {
					t.Fatalf("row %d: hotspot %+v, want the box around (20, 70)", 300+i, h)
				}
			}
			got := stopRestore(t, mem, pointsSchema, rows, size, 250/size+1, build)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("restored run differs")
			}
		})
	}
}

func BenchmarkHotspots(b *testing.B) {
	mem := memory.NewGoAllocator()
	r := rand.New(rand.NewPCG(8, 9))
	var rows []string
	for i := range 8192 {
		x, y := r.Float64()*10, r.IntN(10)
		if i%5 == 0 { // a fifth near (2, 7), the rest spread out
			x, y = 2+r.NormFloat64()*0.1, 7
		} else {
			y = r.IntN(1000)
		}
		rows = append(rows, fmt.Sprintf(`{"X":%v,"Y":%d,"TAG":"t","ROWTIME":%d}`, x, y, i*1000))
	}
	src := newRowsSource(mem, pointsSchema, rows, 1024)
	var batches []arrow.RecordBatch
	for {
		rec, err := src.Next(b.Context())
		if err != nil {
			break
		}
		batches = append(batches, rec)
	}
	op, err := NewHotspots(&replaySource{batches: batches}, HotspotsConfig{Columns: []int{0, 1}, WindowSize: 1000, ScanRadius: 2, MinPoints: 17, Alloc: mem})
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
}
