package file

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
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
	{Name: "TS", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
}, nil)

func batch(t testing.TB, mem memory.Allocator, rows string) arrow.RecordBatch {
	t.Helper()
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// writeAll opens a sink with raw options, writes each batch and closes it.
func writeAll(t *testing.T, mem memory.Allocator, raw map[string]string, batches ...string) {
	t.Helper()
	opts, err := sources.Validate(raw, optionSpecs(), false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := Open(ctx, sinks.Env{Stream: "OUT", Schema: schema}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, rows := range batches {
		if err := s.Write(ctx, batch(t, mem, rows)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestReadBack(t *testing.T) {
	t.Parallel()
	first := `[{"ID":1,"NAME":"a,\"b\"","TS":"2024-05-01 10:00:00"},{"ID":2}]`
	second := `[{"ID":3,"NAME":"multi\nline"}]`
	tests := []struct {
		name  string
		file  string
		extra map[string]string
		check func(t *testing.T, data string)
	}{
		{name: "json by default", file: "out.json", check: func(t *testing.T, data string) {
			var got []map[string]any
			sc := bufio.NewScanner(strings.NewReader(data))
			for sc.Scan() {
				var row map[string]any
				if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
					t.Fatalf("line %q: %v", sc.Text(), err)
				}
				got = append(got, row)
			}
			if len(got) != 3 || got[0]["NAME"] != `a,"b"` || got[0]["TS"] != "2024-05-01T10:00:00.000Z" ||
				got[1]["NAME"] != nil || got[2]["ID"] != float64(3) || got[2]["NAME"] != "multi\nline" {
				t.Fatalf("read back %v", got)
			}
		}},
		{name: "csv by extension", file: "out.CSV", check: func(t *testing.T, data string) {
			recs, err := csv.NewReader(strings.NewReader(data)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			want := [][]string{{"ID", "NAME", "TS"}, {"1", `a,"b"`, "2024-05-01T10:00:00.000Z"}, {"2", "", ""}, {"3", "multi\nline", ""}}
			if len(recs) != len(want) {
				t.Fatalf("read back %q", recs)
			}
			for i := range want {
				if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
					t.Fatalf("record %d = %q, want %q", i, recs[i], want[i])
				}
			}
		}},
		{name: "csv format option overrides extension", file: "out.txt", extra: map[string]string{"format": "csv", "header": "false", "delimiter": ";"},
			check: func(t *testing.T, data string) {
				if !strings.HasPrefix(data, "1;\"a,\"\"b\"\"\";2024-05-01T10:00:00.000Z\n2;;\n") {
					t.Fatalf("got %q", data)
				}
			}},
		{name: "parent directories created", file: "a/b/c/out.json", check: func(t *testing.T, data string) {
			if strings.Count(data, "\n") != 3 {
				t.Fatalf("got %q", data)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			path := filepath.Join(t.TempDir(), tc.file)
			raw := map[string]string{"path": path}
			for k, v := range tc.extra {
				raw[k] = v
			}
			writeAll(t, mem, raw, first, second)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, string(data))
		})
	}
}

func TestAppendAndTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		file   string
		append string
		want   string
	}{
		{name: "truncates by default", file: "t.json", append: "false", want: "{\"ID\":2,\"NAME\":null,\"TS\":null}\n"},
		{name: "appends json", file: "a.json", append: "true",
			want: "{\"ID\":1,\"NAME\":null,\"TS\":null}\n{\"ID\":2,\"NAME\":null,\"TS\":null}\n"},
		{name: "appends csv without a second header", file: "a.csv", append: "true", want: "ID,NAME,TS\n1,,\n2,,\n"},
		{name: "truncated csv gets its header", file: "t.csv", append: "false", want: "ID,NAME,TS\n2,,\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			path := filepath.Join(t.TempDir(), tc.file)
			writeAll(t, mem, map[string]string{"path": path}, `[{"ID":1}]`)
			writeAll(t, mem, map[string]string{"path": path, "append": tc.append}, `[{"ID":2}]`)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != tc.want {
				t.Fatalf("got %q, want %q", data, tc.want)
			}
		})
	}
}

func TestEmptyStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
		want string
	}{
		{name: "csv keeps its header", file: "e.csv", want: "ID,NAME,TS\n"},
		{name: "json is empty", file: "e.json", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			path := filepath.Join(t.TempDir(), tc.file)
			writeAll(t, mem, map[string]string{"path": path})
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != tc.want {
				t.Fatalf("got %q, want %q", data, tc.want)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		cfg    Config
		target error
	}{
		{name: "parent is a file", cfg: Config{Path: filepath.Join(plain, "sub", "out.json")}, target: syscall.ENOTDIR},
		{name: "path is a directory", cfg: Config{Path: dir}, target: syscall.EISDIR},
		{name: "table format", cfg: Config{Path: filepath.Join(dir, "x.txt"), Format: encode.Table}, target: encode.ErrFormat},
		{name: "missing path", cfg: Config{}, target: sources.ErrOption},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(sinks.Env{Schema: schema}, tc.cfg)
			if !errors.Is(err, tc.target) {
				t.Fatalf("New error = %v, want %v", err, tc.target)
			}
			if tc.cfg.Path != "" && !strings.Contains(err.Error(), tc.cfg.Path) {
				t.Fatalf("error %q does not name the path", err)
			}
		})
	}
	t.Run("path option required", func(t *testing.T) {
		t.Parallel()
		if _, err := sources.Validate(map[string]string{"format": "json"}, optionSpecs(), false); !errors.Is(err, sources.ErrOption) {
			t.Fatalf("Validate error = %v, want ErrOption", err)
		}
	})
	t.Run("unknown format option", func(t *testing.T) {
		t.Parallel()
		opts, err := sources.Validate(map[string]string{"path": filepath.Join(dir, "y"), "format": "parquet"}, optionSpecs(), false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Open(context.Background(), sinks.Env{Schema: schema}, opts); !errors.Is(err, encode.ErrFormat) {
			t.Fatalf("Open error = %v, want ErrFormat", err)
		}
	})
}

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	t.Run("disk full is reported with the path", func(t *testing.T) {
		t.Parallel()
		if _, err := os.Stat("/dev/full"); err != nil {
			t.Skip("no /dev/full on this system")
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		ctx := context.Background()
		s, err := New(sinks.Env{Schema: schema}, Config{Path: "/dev/full", Append: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Write(ctx, batch(t, mem, `[{"ID":1}]`)); err != nil {
			t.Fatalf("buffered Write failed early: %v", err)
		}
		err = s.Close(ctx)
		if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "/dev/full") {
			t.Fatalf("Close error = %v, want ENOSPC naming /dev/full", err)
		}
	})
	t.Run("large writes flush before close and errors stick", func(t *testing.T) {
		t.Parallel()
		if _, err := os.Stat("/dev/full"); err != nil {
			t.Skip("no /dev/full on this system")
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		ctx := context.Background()
		s, err := New(sinks.Env{Schema: schema}, Config{Path: "/dev/full", Append: true})
		if err != nil {
			t.Fatal(err)
		}
		big := `[{"ID":1,"NAME":"` + strings.Repeat("x", flushSize) + `"}]`
		if err := s.Write(ctx, batch(t, mem, big)); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("Write error = %v, want ENOSPC", err)
		}
		if err := s.Write(ctx, batch(t, mem, `[{"ID":2}]`)); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("second Write error = %v, want the same ENOSPC", err)
		}
		if err := s.Close(ctx); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("Close error = %v, want ENOSPC", err)
		}
	})
	t.Run("write after close and cancelled context release the batch", func(t *testing.T) {
		t.Parallel()
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		s, err := New(sinks.Env{Schema: schema}, Config{Path: filepath.Join(t.TempDir(), "c.json")})
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := s.Write(cctx, batch(t, mem, `[{"ID":1}]`)); !errors.Is(err, context.Canceled) {
			t.Fatalf("Write error = %v, want context.Canceled", err)
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
	})
}

func TestRegistered(t *testing.T) {
	t.Parallel()
	f, ok := sinks.Lookup("file")
	if !ok || f.Target != "path" || f.Open == nil {
		t.Fatalf("file connector not registered: %+v, %v", f, ok)
	}
}

func BenchmarkWrite(b *testing.B) {
	for _, format := range []encode.Format{encode.JSON, encode.CSV} {
		b.Run(string(format), func(b *testing.B) {
			mem := memory.NewGoAllocator()
			rows := `[` + strings.Repeat(`{"ID":1,"NAME":"bidder","TS":"2024-05-01 10:00:00"},`, 1023) + `{"ID":2}]`
			src := batch(b, mem, rows)
			defer src.Release()
			s, err := New(sinks.Env{Schema: schema}, Config{Path: filepath.Join(b.TempDir(), "bench.out"), Format: format})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			var events int64
			for b.Loop() {
				src.Retain()
				if err := s.Write(ctx, src); err != nil {
					b.Fatal(err)
				}
				events += src.NumRows()
			}
			if err := s.Close(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
