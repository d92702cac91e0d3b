package encode

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestParallelMatchesOneEncoder encodes a stream of batches of many sizes
// with New's encoder and with NewParallel's on 2, 3 and 8 goroutines and
// checks that the bytes are the same: rows in order, the CSV header once.
func TestParallelMatchesOneEncoder(t *testing.T) {
	t.Parallel()
	sizes := []int{0, 1, 511, 1024, 1025, 4096, 5003, 17, 8192}
	tests := []struct {
		name   string
		format Format
		opts   Options
	}{
		{"json", JSON, Options{}},
		{"csv with header", CSV, Options{Header: true}},
		{"csv with a delimiter", CSV, Options{Delimiter: ';'}},
		{"table stays serial", Table, Options{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			batches := make([]arrow.RecordBatch, len(sizes))
			for i, n := range sizes {
				batches[i] = bidBatch(mem, n)
				defer batches[i].Release()
			}
			encodeAll := func(enc Encoder) []byte {
				var out []byte
				for _, b := range batches {
					var err error
					if out, err = enc.Append(out, b); err != nil {
						t.Fatal(err)
					}
				}
				return enc.Finish(out)
			}
			one, err := New(tc.format, bidSchema, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			want := encodeAll(one)
			for _, n := range []int{2, 3, 8} {
				enc, err := NewParallel(tc.format, bidSchema, tc.opts, n)
				if err != nil {
					t.Fatal(err)
				}
				if _, split := enc.(*parallelEncoder); split != (tc.format != Table) {
					t.Fatalf("NewParallel(%s, %d) is %T", tc.format, n, enc)
				}
				if got := encodeAll(enc); !bytes.Equal(got, want) {
					t.Fatalf("%d goroutines: %d bytes differ from one encoder's %d", n, len(got), len(want))
				}
			}
		})
	}
}

// TestParallelEncodeError checks that an error of any slice is returned.
func TestParallelEncodeError(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	two := arrow.NewSchema([]arrow.Field{{Name: "A", Type: arrow.PrimitiveTypes.Int64}, {Name: "B", Type: arrow.PrimitiveTypes.Int64}}, nil)
	enc, err := NewParallel(CSV, two, Options{}, 4)
	if err != nil {
		t.Fatal(err)
	}
	b := bidBatch(mem, 4096) // seven columns, not two
	defer b.Release()
	if _, err := enc.Append(nil, b); err == nil {
		t.Fatal("Append of a batch with the wrong column count succeeded")
	}
}

// TestParallelEmptyStreamHeader checks that a CSV stream with no rows
// still gets its header from Finish.
func TestParallelEmptyStreamHeader(t *testing.T) {
	t.Parallel()
	enc, err := NewParallel(CSV, bidSchema, Options{Header: true}, 4)
	if err != nil {
		t.Fatal(err)
	}
	got := string(enc.Finish(nil))
	if want := "AUCTION,BIDDER,PRICE,CHANNEL,URL,EXTRA,DATE_TIME\n"; got != want {
		t.Fatalf("Finish = %q, want %q", got, want)
	}
}

// BenchmarkParallelJSON encodes bid batches as JSON on 1 and 2
// goroutines.
func BenchmarkParallelJSON(b *testing.B) {
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("parallelism=%d", n), func(b *testing.B) {
			benchEncode(b, func() Encoder {
				enc, err := NewParallel(JSON, bidSchema, Options{}, n)
				if err != nil {
					b.Fatal(err)
				}
				return enc
			})
		})
	}
}
