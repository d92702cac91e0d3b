package generator

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

// TestSeekContinuesTheSequence reads part of a generator, takes its
// position, and resumes a fresh one there: together they give exactly the
// rows of one uninterrupted run.
func TestSeekContinuesTheSequence(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"ticker", "nexmark"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ctx := context.Background()
			raw := map[string]string{"kind": kind, "count": "3000", "rate": "0", "batch_size": "256", "seed": "5"}
			open := func() sources.Source {
				opts, err := sources.Validate(raw, options, true)
				if err != nil {
					t.Fatal(err)
				}
				schema, err := Discover(ctx, opts)
				if err != nil {
					t.Fatal(err)
				}
				src, err := Open(ctx, sources.Env{Stream: "S", Schema: sources.WithSystemColumns(schema), Alloc: mem}, opts)
				if err != nil {
					t.Fatal(err)
				}
				return src
			}
			rows := func(src sources.Source, batches int) []string {
				var out []string
				for i := 0; batches < 0 || i < batches; i++ {
					b, err := src.Next(ctx)
					if err != nil {
						break
					}
					for r := 0; r < int(b.NumRows()); r++ {
						out = append(out, fmt.Sprint(b.Column(0).ValueStr(r), b.Column(2).ValueStr(r)))
					}
					b.Release()
				}
				return out
			}
			whole := open()
			want := rows(whole, -1)
			whole.Close()
			first := open()
			got := rows(first, 3)
			pos, err := first.(sources.Positioner).Position()
			if err != nil {
				t.Fatal(err)
			}
			first.Close()
			second := open()
			if err := second.(sources.Seeker).Seek(ctx, pos); err != nil {
				t.Fatal(err)
			}
			got = append(got, rows(second, -1)...)
			second.Close()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("resumed sequence differs: %d rows, want %d", len(got), len(want))
			}
		})
	}
}
