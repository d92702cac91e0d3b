package stdout

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sinks/encode"
	"github.com/eddy-sql/eddy/sources"
)

var schema = arrow.NewSchema([]arrow.Field{
	{Name: "ID", Type: arrow.PrimitiveTypes.Int64},
	{Name: "NAME", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

func batch(t *testing.T, mem memory.Allocator, rows string) arrow.RecordBatch {
	t.Helper()
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestOpenFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		raw      map[string]string
		terminal bool
		want     string
	}{
		{name: "json by default off a terminal", want: "{\"ID\":1,\"NAME\":\"a\"}\n{\"ID\":2,\"NAME\":null}\n"},
		{name: "table by default on a terminal", terminal: true,
			want: " ID | NAME\n----+------\n  1 | a\n  2 | NULL\n"},
		{name: "csv with header by default", raw: map[string]string{"format": "csv"}, want: "ID,NAME\n1,a\n2,\n"},
		{name: "csv without header", raw: map[string]string{"format": "CSV", "header": "false"}, want: "1,a\n2,\n"},
		{name: "csv with tab delimiter", raw: map[string]string{"format": "csv", "delimiter": "tab"}, want: "ID\tNAME\n1\ta\n2\t\n"},
		{name: "json on a terminal when asked", raw: map[string]string{"format": "json"}, terminal: true,
			want: "{\"ID\":1,\"NAME\":\"a\"}\n{\"ID\":2,\"NAME\":null}\n"},
		{name: "table off a terminal repeats header when asked", raw: map[string]string{"format": "table", "repeat_header": "1"},
			want: " ID | NAME\n----+------\n  1 | a\n\n ID | NAME\n----+------\n  2 | NULL\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			opts, err := sources.Validate(tc.raw, optionSpecs(), false)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			ctx := context.Background()
			s, err := Open(ctx, sinks.Env{Stream: "OUT", Schema: schema, Stdout: &out, Terminal: tc.terminal}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Write(ctx, batch(t, mem, `[{"ID":1,"NAME":"a"},{"ID":2}]`)); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  map[string]string
		env  sinks.Env
		want error
	}{
		{name: "unknown format", raw: map[string]string{"format": "xml"}, env: sinks.Env{Stdout: &bytes.Buffer{}}, want: encode.ErrFormat},
		{name: "bad delimiter", raw: map[string]string{"format": "csv", "delimiter": "::"}, env: sinks.Env{Stdout: &bytes.Buffer{}}, want: encode.ErrFormat},
		{name: "negative repeat_header", raw: map[string]string{"repeat_header": "-2"}, env: sinks.Env{Stdout: &bytes.Buffer{}}, want: sources.ErrOption},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts, err := sources.Validate(tc.raw, optionSpecs(), false)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Open(context.Background(), tc.env, opts); !errors.Is(err, tc.want) {
				t.Fatalf("Open error = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("no writer", func(t *testing.T) {
		t.Parallel()
		if _, err := New(sinks.Env{Schema: schema}, Config{}); err == nil {
			t.Fatal("New without a writer succeeded")
		}
	})
	t.Run("unknown option", func(t *testing.T) {
		t.Parallel()
		if _, err := sources.Validate(map[string]string{"colour": "red"}, optionSpecs(), false); !errors.Is(err, sources.ErrOption) {
			t.Fatalf("Validate error = %v, want ErrOption", err)
		}
	})
}

// failWriter fails every write.
type failWriter struct{}

var errDisk = errors.New("broken pipe")

func (failWriter) Write([]byte) (int, error) { return 0, errDisk }

// flushCounter is a buffered writer that counts its flushes.
type flushCounter struct {
	*bufio.Writer
	flushes int
}

func (f *flushCounter) Flush() error { f.flushes++; return f.Writer.Flush() }

func TestWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T, mem memory.Allocator)
	}{
		{name: "flushes a buffered writer after each batch", run: func(t *testing.T, mem memory.Allocator) {
			var out bytes.Buffer
			fw := &flushCounter{Writer: bufio.NewWriter(&out)}
			s, err := New(sinks.Env{Schema: schema, Stdout: fw}, Config{Format: encode.JSON})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for i := 0; i < 3; i++ {
				if err := s.Write(ctx, batch(t, mem, `[{"ID":1}]`)); err != nil {
					t.Fatal(err)
				}
				if fw.flushes != i+1 || out.Len() != (i+1)*len("{\"ID\":1,\"NAME\":null}\n") {
					t.Fatalf("after batch %d: %d flushes, %d bytes out", i+1, fw.flushes, out.Len())
				}
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "write error wraps the cause", run: func(t *testing.T, mem memory.Allocator) {
			s, err := New(sinks.Env{Schema: schema, Stdout: failWriter{}}, Config{Format: encode.JSON})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Write(context.Background(), batch(t, mem, `[{"ID":1}]`)); !errors.Is(err, errDisk) {
				t.Fatalf("Write error = %v, want %v", err, errDisk)
			}
		}},
		{name: "cancelled context releases and fails", run: func(t *testing.T, mem memory.Allocator) {
			var out bytes.Buffer
			s, err := New(sinks.Env{Schema: schema, Stdout: &out}, Config{Format: encode.JSON})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := s.Write(ctx, batch(t, mem, `[{"ID":1}]`)); !errors.Is(err, context.Canceled) {
				t.Fatalf("Write error = %v, want context.Canceled", err)
			}
			if out.Len() != 0 {
				t.Fatalf("wrote %q after cancel", out.String())
			}
		}},
		{name: "write after close releases and fails", run: func(t *testing.T, mem memory.Allocator) {
			var out bytes.Buffer
			s, err := New(sinks.Env{Schema: schema, Stdout: &out}, Config{Format: encode.CSV, Header: true})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(ctx); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			if err := s.Write(ctx, batch(t, mem, `[{"ID":1}]`)); !errors.Is(err, ErrClosed) {
				t.Fatalf("Write error = %v, want ErrClosed", err)
			}
			if got := out.String(); got != "ID,NAME\n" {
				t.Fatalf("got %q, want the header alone", got)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tc.run(t, mem)
		})
	}
}

func TestRegistered(t *testing.T) {
	t.Parallel()
	f, ok := sinks.Lookup("stdout")
	if !ok || f.Open == nil || len(f.Options) == 0 {
		t.Fatalf("stdout connector not registered: %+v, %v", f, ok)
	}
}
