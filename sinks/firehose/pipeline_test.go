package firehose

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sinks"
)

// TestDoubleBufferedObjectsKeepEveryRow writes many buffers' worth of
// rows, so that buffers are compressed while the next ones fill, and
// checks that the objects hold every row exactly once, each object's
// rows in the order written, and that objects are stored as soon as they
// are compressed (before Close).
func TestDoubleBufferedObjectsKeepEveryRow(t *testing.T) {
	t.Parallel()
	for _, comp := range []string{"none", "gzip"} {
		t.Run(comp, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			s := open(t, sinks.Env{}, map[string]string{"destination": "file://" + dir, "buffer_size": "2000", "buffer_interval": "1h", "compression": comp}, nil)
			ctx := context.Background()
			const batches, perBatch = 60, 10
			for b := range batches {
				var rows []string
				for i := range perBatch {
					rows = append(rows, fmt.Sprintf(`{"ID": %d, "NAME": "row %d"}`, b*perBatch+i, b*perBatch+i))
				}
				if err := s.Write(ctx, testBatch(t, mem, "["+strings.Join(rows, ",")+"]")); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, "objects stored while writing", func() bool { return len(files(t, dir)) >= 2 })
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			var ids []int64
			names := files(t, dir)
			for _, name := range names {
				data, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if comp == "gzip" {
					data = gunzip(t, data)
				}
				var prev int64 = -1
				for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
					var row struct{ ID int64 }
					if err := json.Unmarshal([]byte(line), &row); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if row.ID <= prev {
						t.Fatalf("%s: row %d after row %d", name, row.ID, prev)
					}
					prev = row.ID
					ids = append(ids, row.ID)
				}
			}
			slices.Sort(ids)
			if len(ids) != batches*perBatch || ids[0] != 0 || ids[len(ids)-1] != batches*perBatch-1 || len(slices.Compact(ids)) != batches*perBatch {
				t.Fatalf("%d objects hold %d rows, want each of %d once", len(names), len(ids), batches*perBatch)
			}
		})
	}
}
