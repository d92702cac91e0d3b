package firehose

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sinks/encode"
)

const (
	first  = `[{"ID":1,"NAME":"a,\"b\"","TS":"2024-05-01 10:00:00"},{"ID":2}]`
	second = `[{"ID":3,"NAME":"multi\nline"}]`
)

// wantRows is what first and second read back as, one JSON object a row.
var wantRows = []string{
	`{"ID":1,"NAME":"a,\"b\"","TS":"2024-05-01T10:00:00.000Z"}`,
	`{"ID":2,"NAME":null,"TS":null}`,
	`{"ID":3,"NAME":"multi\nline","TS":null}`,
}

// TestFormatsReadBack writes two batches, closes the sink (the SIGTERM
// path: buffers are flushed) and reads the one object back.
func TestFormatsReadBack(t *testing.T) {
	t.Parallel()
	jsonLines := func(t *testing.T, data []byte) []string {
		return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	}
	tests := []struct {
		name   string
		format string
		comp   string
		ext    string
		read   func(t *testing.T, data []byte) []string
	}{
		{name: "json", format: "json", comp: "none", read: jsonLines},
		{name: "gzip json", format: "json", comp: "gzip", ext: ".gz", read: func(t *testing.T, data []byte) []string { return jsonLines(t, gunzip(t, data)) }},
		{name: "csv", format: "csv", comp: "none", read: func(t *testing.T, data []byte) []string {
			recs, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range recs {
				out = append(out, strings.Join(r, "|"))
			}
			return out
		}},
		{name: "parquet", format: "parquet", comp: "none", read: readParquet},
		{name: "snappy parquet", format: "parquet", comp: "snappy", read: readParquet},
		{name: "zstd parquet", format: "parquet", comp: "zstd", read: readParquet},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			clock := newFakeClock()
			s := open(t, sinks.Env{Alloc: mem}, map[string]string{"destination": "file://" + dir, "format": tc.format, "compression": tc.comp},
				func(c *Config) { c.Clock = clock })
			ctx := context.Background()
			for _, rows := range []string{first, second} {
				if err := s.Write(ctx, testBatch(t, mem, rows)); err != nil {
					t.Fatal(err)
				}
			}
			if got := files(t, dir); len(got) != 0 {
				t.Fatalf("objects before the buffer filled: %v", got)
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			got := files(t, dir)
			name := regexp.MustCompile(`^2024/05/01/10/OUT-2024-05-01-10-00-00-[0-9a-f-]{36}` + regexp.QuoteMeta(tc.ext) + `$`)
			if len(got) != 1 || !name.MatchString(got[0]) {
				t.Fatalf("objects %v, want one named like %s", got, name)
			}
			data, err := os.ReadFile(filepath.Join(dir, got[0]))
			if err != nil {
				t.Fatal(err)
			}
			rows := tc.read(t, data)
			want := wantRows
			if tc.format == "csv" {
				want = []string{`1|a,"b"|2024-05-01T10:00:00.000Z`, `2||`, "3|multi\nline|"}
			}
			if fmt.Sprintf("%q", rows) != fmt.Sprintf("%q", want) {
				t.Fatalf("read back\n%q\nwant\n%q", rows, want)
			}
			m := s.(MetricsReporter).Metrics()
			if m.Records != 3 || m.Objects != 1 || m.Bytes != int64(len(data)) {
				t.Fatalf("metrics %+v", m)
			}
		})
	}
}

// readParquet reads a Parquet object with pqarrow and returns its rows as
// JSON objects.
func readParquet(t *testing.T, data []byte) []string {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rdr, err := file.NewParquetReader(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if got := tbl.Schema(); got.NumFields() != testSchema.NumFields() || fmt.Sprint(got.Field(0).Type, got.Field(1).Type, got.Field(2).Type) != fmt.Sprint(testSchema.Field(0).Type, testSchema.Field(1).Type, testSchema.Field(2).Type) {
		t.Fatalf("parquet schema %v, want %v", tbl.Schema(), testSchema)
	}
	tr := array.NewTableReader(tbl, 0)
	defer tr.Release()
	enc := encode.NewJSON()
	var buf []byte
	for tr.Next() {
		if buf, err = enc.Append(buf, tr.RecordBatch()); err != nil {
			t.Fatal(err)
		}
	}
	return strings.Split(strings.TrimSuffix(string(buf), "\n"), "\n")
}

// TestBufferTriggers: a full buffer is delivered by Write, an old one by
// the interval timer, whichever comes first.
func TestBufferTriggers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		size     string
		interval string
		advance  time.Duration
		objects  int // after the second write (and the advance)
	}{
		{name: "size reached first", size: "100", interval: "60s", objects: 1},
		{name: "interval reached first", size: "5MiB", interval: "60s", advance: 60 * time.Second, objects: 1},
		{name: "neither reached", size: "5MiB", interval: "60s", advance: 59 * time.Second, objects: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			clock := newFakeClock()
			s := open(t, sinks.Env{}, map[string]string{"destination": "file://" + dir, "buffer_size": tc.size, "buffer_interval": tc.interval},
				func(c *Config) { c.Clock = clock })
			defer s.Close(context.Background())
			ctx := context.Background()
			if err := s.Write(ctx, testBatch(t, mem, first)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the interval timer", func() bool { return clock.Waiters() == 1 })
			if got := files(t, dir); len(got) != 0 {
				t.Fatalf("delivered too early: %v", got)
			}
			if err := s.Write(ctx, testBatch(t, mem, second)); err != nil {
				t.Fatal(err)
			}
			if tc.advance > 0 {
				clock.Advance(tc.advance)
			}
			if tc.objects > 0 {
				waitFor(t, "the object", func() bool { return len(files(t, dir)) == tc.objects })
			} else {
				time.Sleep(30 * time.Millisecond)
				if got := files(t, dir); len(got) != 0 {
					t.Fatalf("delivered before the interval: %v", got)
				}
			}
		})
	}
}

func TestExpandPrefix(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 5, 1, 9, 7, 3, 0, time.UTC)
	tests := []struct {
		name, prefix, typ, want string
	}{
		{name: "default time path", prefix: "logs/", want: "logs/2024/05/01/09/"},
		{name: "empty prefix", prefix: "", want: "2024/05/01/09/"},
		{name: "custom timestamp", prefix: "year=!{timestamp:yyyy}/month=!{timestamp:MM}/", want: "year=2024/month=05/"},
		{name: "error type", prefix: "err/!{firehose:error-output-type}/!{timestamp:yyyy-MM-dd}/", typ: ErrorTypeProcessing, want: "err/processing-failed/2024-05-01/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := expandPrefix(tc.prefix, at, tc.typ)
			if err != nil || got != tc.want {
				t.Fatalf("expandPrefix(%q) = %q, %v; want %q", tc.prefix, got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"!{timestamp:yyyy", "!{firehose:nope}", "!{firehose:error-output-type}"} {
		if _, err := expandPrefix(bad, at, ""); err == nil {
			t.Errorf("expandPrefix(%q) succeeded", bad)
		}
	}
}

// TestExactlyOnce: objects stay staged until Commit; Commit is idempotent
// and works from a new sink (a restarted process); Abort discards.
func TestExactlyOnce(t *testing.T) {
	t.Parallel()
	for _, commit := range []bool{true, false} {
		t.Run(fmt.Sprintf("commit=%v", commit), func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			raw := map[string]string{"destination": "file://" + dir, "exactly_once": "true", "buffer_size": "10"}
			s := open(t, sinks.Env{}, raw, nil)
			ctx := context.Background()
			if err := s.Write(ctx, testBatch(t, mem, first)); err != nil { // fills the buffer: staged
				t.Fatal(err)
			}
			if err := s.Write(ctx, testBatch(t, mem, second)); err != nil {
				t.Fatal(err)
			}
			c := s.(sinks.Committer)
			if err := c.Prepare(ctx, 7); err != nil {
				t.Fatal(err)
			}
			if got := visible(files(t, dir)); len(got) != 0 {
				t.Fatalf("visible before commit: %v", got)
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			again := open(t, sinks.Env{}, raw, nil) // a restarted process
			defer again.Close(ctx)
			ac := again.(sinks.Committer)
			for range 2 {
				var err error
				if commit {
					err = ac.Commit(ctx, 7)
				} else {
					err = ac.Abort(ctx, 7)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			got := visible(files(t, dir))
			if len(files(t, dir)) != len(got) {
				t.Fatalf("staging left behind: %v", files(t, dir))
			}
			want := 0
			if commit {
				want = 2
			}
			if len(got) != want {
				t.Fatalf("objects %v, want %d", got, want)
			}
		})
	}
}

// TestExactlyOnceKeepsObjectsOfAnAbandonedCheckpoint: the engine aborts a
// checkpoint it abandons while running on (its state could not be
// written); the sources do not go back, so the objects prepared for it
// are published with the next checkpoint. A new sink (a restarted
// process) still deletes what an aborted checkpoint staged.
func TestExactlyOnceKeepsObjectsOfAnAbandonedCheckpoint(t *testing.T) {
	t.Parallel()
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("restart=%v", restart), func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			raw := map[string]string{"destination": "file://" + dir, "exactly_once": "true", "buffer_size": "10"}
			s := open(t, sinks.Env{}, raw, nil)
			ctx := context.Background()
			c := s.(sinks.Committer)
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			must(s.Write(ctx, testBatch(t, mem, first)))
			must(c.Prepare(ctx, 3))
			if restart {
				must(s.Close(ctx))
				s = open(t, sinks.Env{}, raw, nil)
				c = s.(sinks.Committer)
			}
			must(c.Abort(ctx, 3)) // abandoned: the same id comes again
			must(s.Write(ctx, testBatch(t, mem, second)))
			must(c.Prepare(ctx, 3))
			must(c.Commit(ctx, 3))
			must(s.Close(ctx))
			got := visible(files(t, dir))
			if len(files(t, dir)) != len(got) {
				t.Fatalf("staging left behind: %v", files(t, dir))
			}
			want := 2
			if restart {
				want = 1
			}
			if len(got) != want {
				t.Fatalf("objects %v, want %d", got, want)
			}
		})
	}
}

// TestExactlyOnceRestartClearsOrphans: a killed run can leave objects it
// staged after its last Prepare (no manifest names them) and the manifest
// of a checkpoint that never completed. A restarted sink's Abort, before
// it writes, clears them; once it has written, Abort leaves its own
// staged objects alone.
func TestExactlyOnceRestartClearsOrphans(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	raw := map[string]string{"destination": "file://" + dir, "exactly_once": "true", "buffer_size": "10"}
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	killed := open(t, sinks.Env{}, raw, nil)
	must(killed.Write(ctx, testBatch(t, mem, first)))
	must(killed.(sinks.Committer).Prepare(ctx, 4)) // checkpoint 4 never completes
	must(killed.Write(ctx, testBatch(t, mem, second)))
	must(killed.(sinks.Flusher).Flush(ctx)) // staged, in no manifest
	killed.Close(ctx)
	if n := len(files(t, dir)); n < 3 {
		t.Fatalf("the killed run left %d files, want its 2 objects and a manifest: %v", n, files(t, dir))
	}

	again := open(t, sinks.Env{}, raw, nil)
	c := again.(sinks.Committer)
	must(c.Abort(ctx, 0)) // no checkpoint to restore
	if left := files(t, dir); len(left) != 0 {
		t.Fatalf("after the restart's Abort: %v", left)
	}
	must(again.Write(ctx, testBatch(t, mem, first)))
	must(again.(sinks.Flusher).Flush(ctx))
	must(c.Abort(ctx, 9)) // a checkpoint this run never prepared
	if n := len(files(t, dir)); n != 1 {
		t.Fatalf("Abort after a write removed this run's staged object: %v", files(t, dir))
	}
	must(c.Prepare(ctx, 1))
	must(c.Commit(ctx, 1))
	must(again.Close(ctx))
	if got := visible(files(t, dir)); len(got) != 1 || len(files(t, dir)) != 1 {
		t.Fatalf("objects %v (all files %v), want 1 published", got, files(t, dir))
	}
}
