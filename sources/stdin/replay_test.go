package stdin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources/codec"
)

// records returns n JSON records with keys ID and AT.
func records(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "{\"ID\": %d, \"AT\": \"2024-05-01T10:00:%02dZ\"}\n", i, i%60)
	}
	return b.String()
}

func TestReplayLosesNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		input  string
		oneBy  bool // the underlying reader returns one byte per Read
		format string
		want   string // discovered columns
	}{
		{name: "fewer records than the sample", input: records(3), format: "json", want: "ID:int64 AT:timestamp[ms]"},
		{name: "more records than the sample", input: records(5000), format: "json", want: "ID:int64 AT:timestamp[ms]"},
		{name: "one byte at a time", input: records(150), oneBy: true, format: "json", want: "ID:int64 AT:timestamp[ms]"},
		{name: "csv with a header", input: "ID,AT\n" + strings.Repeat("1,2024-05-01 10:00:00\n", 200), format: "csv", want: "ID:int64 AT:timestamp[ms]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var r io.Reader = strings.NewReader(tc.input)
			if tc.oneBy {
				r = iotest.OneByteReader(r)
			}
			p := NewReplay(r)
			s, err := Discover(context.Background(), map[string]string{"format": tc.format}, p)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range s.Fields() {
				got = append(got, f.Name+":"+f.Type.String())
			}
			if strings.Join(got, " ") != tc.want {
				t.Fatalf("discovered %v, want %s", got, tc.want)
			}
			all, err := io.ReadAll(p)
			if err != nil {
				t.Fatal(err)
			}
			if string(all) != tc.input {
				t.Fatalf("replayed %d bytes, want the %d of the input", len(all), len(tc.input))
			}
			if _, err := p.Peek().Read(make([]byte, 1)); !errors.Is(err, errReplayed) {
				t.Fatalf("peek after reading: %v, want errReplayed", err)
			}
		})
	}
}

func TestDiscoveredStdinDeliversEveryRecord(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n    int
	}{
		{name: "within the sample", n: 10},
		{name: "beyond the sample", n: 3000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			p := NewReplay(strings.NewReader(records(tc.n)))
			if _, err := Discover(context.Background(), map[string]string{"format": "json"}, p); err != nil {
				t.Fatal(err)
			}
			rj := &rejects{}
			src, err := New(testEnv(mem, rj), map[string]string{"format": "json"}, p)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			var ids []string
			for {
				rec, err := src.Next(context.Background())
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, rowsOf(rec)...)
				rec.Release()
			}
			if len(ids) != tc.n || len(rj.got) != 0 {
				t.Fatalf("delivered %d rows and %d rejects, want %d rows", len(ids), len(rj.got), tc.n)
			}
			for i, id := range ids {
				if !strings.HasPrefix(id, fmt.Sprint(i)+"@") {
					t.Fatalf("row %d is %s", i, id)
				}
			}
		})
	}
}

func TestDiscoverEmptyStdin(t *testing.T) {
	t.Parallel()
	_, err := Discover(context.Background(), map[string]string{"format": "json"}, NewReplay(strings.NewReader("")))
	if !errors.Is(err, codec.ErrNoSamples) {
		t.Fatalf("discovering empty input: %v, want ErrNoSamples", err)
	}
}
