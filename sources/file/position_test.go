package file

import (
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

// TestPositionAndSeekResumeWithoutLossOrDuplicates reads part of the
// input, takes the position, and resumes a fresh source from it: the two
// runs together read every record exactly once.
func TestPositionAndSeekResumeWithoutLossOrDuplicates(t *testing.T) {
	t.Parallel()
	for _, gz := range []bool{false, true} {
		t.Run(fmt.Sprintf("gzip=%v", gz), func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			var want []string
			for f := 0; f < 2; f++ {
				var b strings.Builder
				for i := 0; i < 250; i++ {
					fmt.Fprintf(&b, "{\"n\": %d}\n", f*1000+i)
					want = append(want, fmt.Sprint(f*1000+i))
				}
				name := filepath.Join(dir, fmt.Sprintf("part-%d.jsonl", f))
				data := []byte(b.String())
				if gz {
					name += ".gz"
					var zb strings.Builder
					zw := gzip.NewWriter(&zb)
					zw.Write(data)
					zw.Close()
					data = []byte(zb.String())
				}
				if err := os.WriteFile(name, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			schema := sources.WithSystemColumns(arrow.NewSchema([]arrow.Field{{Name: "N", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil))
			env := sources.Env{Stream: "S", Schema: schema, Alloc: mem}
			open := func() sources.Source {
				src, err := New(env, map[string]string{"path": filepath.Join(dir, "part-*"), "batch_size": "64"})
				if err != nil {
					t.Fatal(err)
				}
				return src
			}
			read := func(src sources.Source, batches int) []string {
				var got []string
				for i := 0; batches < 0 || i < batches; i++ {
					b, err := src.Next(context.Background())
					if err != nil {
						break
					}
					col := b.Column(0).(*array.Int64)
					for r := 0; r < col.Len(); r++ {
						got = append(got, fmt.Sprint(col.Value(r)))
					}
					b.Release()
				}
				return got
			}
			first := open()
			got := read(first, 5) // 320 rows: past the first file
			pos, err := first.(sources.Positioner).Position()
			if err != nil {
				t.Fatal(err)
			}
			first.Close()
			second := open()
			if err := second.(sources.Seeker).Seek(context.Background(), pos); err != nil {
				t.Fatal(err)
			}
			got = append(got, read(second, -1)...)
			second.Close()
			// The files are read side by side: compare as sets.
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("resumed read differs: got %d records, want %d (position %s)", len(got), len(want), pos)
			}
		})
	}
}
