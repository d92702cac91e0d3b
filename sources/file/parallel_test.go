package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

// readOut is everything a run of the source delivered: rows as
// "origin/id/ts" in delivery order (or by origin), bad records as "path:line:data:err",
// and the position at the end.
type readOut struct {
	rows    []string
	rejects []string
	pos     string
}

// readEverything reads src to its end, or stops after n batches (n > 0).
func readEverything(t *testing.T, src *source, rj *badRecords, n int) readOut {
	t.Helper()
	var out readOut
	for batches := 0; n <= 0 || batches < n; batches++ {
		rec, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		id, ts := rec.Column(0).(*array.Int64), rec.Column(1).(*array.Timestamp)
		for i := 0; i < int(rec.NumRows()); i++ {
			out.rows = append(out.rows, fmt.Sprintf("%x/%s/%d", src.Origin(), cell(id, i), ts.Value(i)))
		}
		rec.Release()
	}
	for _, r := range rj.list() {
		out.rejects = append(out.rejects, fmt.Sprintf("%s:%d:%s:%v", filepath.Base(r.Origin), r.Offset, r.Data, r.Err))
	}
	pos, err := src.Position()
	if err != nil {
		t.Fatal(err)
	}
	out.pos = string(pos)
	return out
}

func cell(a *array.Int64, i int) string {
	if a.IsNull(i) {
		return "NULL"
	}
	return strconv.FormatInt(a.Value(i), 10)
}

// TestParallelDecodingMatchesOneCore reads inputs that are hard to cut
// (bad records, blank and CRLF lines, a last line without a newline, a
// header, damaged gzip, files of a glob interleaved by event time) with
// one decoding core and with several, cutting them into morsels of a few
// bytes up to whole files: rows, their order and origins, bad records
// with their line numbers, and the final position must be identical.
func TestParallelDecodingMatchesOneCore(t *testing.T) {
	t.Parallel()
	ts := func(i int) int64 { return int64(i*37) % 1000 }
	var messy strings.Builder
	for i := 1; i <= 300; i++ {
		switch i % 41 {
		case 7:
			messy.WriteString("{\"id\": oops}\n")
		case 13:
			messy.WriteString("\n")
		case 17:
			fmt.Fprintf(&messy, "{\"id\": %d, \"ts\": %d}\r\n", i, ts(i))
		default:
			fmt.Fprintf(&messy, "{\"id\": %d, \"ts\": %d}\n", i, ts(i))
		}
	}
	messy.WriteString(`{"id": 999, "ts": 5}`) // no final newline
	var csv strings.Builder
	csv.WriteString("id,ts\n")
	for i := 1; i <= 200; i++ {
		if i == 77 {
			csv.WriteString("x,y\n")
			continue
		}
		fmt.Fprintf(&csv, "%d,%d\n", i, ts(i))
	}
	bLines := jsonLines(100000, 102999, func(i int) int64 { return int64(i*7919) % 100000 })
	bGz := gz(t, bLines)
	long := jsonLines(1, 300, ts) + `{"id": 0, "pad": "` + strings.Repeat("x", codec.MaxRecord+300000) + "\"}\n" + jsonLines(301, 600, ts)
	tests := []struct {
		name  string
		files map[string][]byte
		opts  map[string]string
	}{
		{name: "bad, blank and CRLF lines, no final newline", files: map[string][]byte{"m.jsonl": []byte(messy.String())}},
		{name: "glob read side by side in event time", files: map[string][]byte{
			"a.jsonl": []byte(jsonLines(1, 400, ts)), "b.jsonl": []byte(jsonLines(1000, 1300, func(i int) int64 { return int64(i) })),
			"c.jsonl": []byte(messy.String()),
		}},
		{name: "unquoted csv with a header", files: map[string][]byte{"h.csv": []byte(csv.String())},
			opts: map[string]string{"format": "csv", "quote": "", "header": "true"}},
		{name: "gzip broken off in the middle", files: map[string][]byte{
			"a.jsonl.gz": gz(t, jsonLines(1, 50, ts)), "b.jsonl.gz": bGz[:len(bGz)/2],
		}},
		{name: "gzip with a bad checksum", files: map[string][]byte{"b.jsonl.gz": corruptCRC(bGz)}},
		{name: "a line over the record limit", files: map[string][]byte{"l.jsonl": []byte(long)}},
		{name: "a gzip line over the record limit", files: map[string][]byte{"l.jsonl.gz": gz(t, long)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for name, data := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			run := func(par string, morsel, batch int) readOut {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				rj := &badRecords{}
				opts := map[string]string{"path": filepath.Join(dir, "*"), "parallelism": par, "batch_size": strconv.Itoa(batch)}
				for k, v := range tc.opts {
					opts[k] = v
				}
				src := openTimed(t, mem, rj, time.Now, opts)
				src.morsel = morsel
				defer src.Close()
				out := readEverything(t, src, rj, 0)
				// Files interleave by event time at batch boundaries;
				// each file's rows keep their order.
				sort.SliceStable(out.rows, func(i, j int) bool {
					return strings.SplitN(out.rows[i], "/", 2)[0] < strings.SplitN(out.rows[j], "/", 2)[0]
				})
				return out
			}
			want := run("1", 0, 64)
			if len(want.rows) == 0 {
				t.Fatal("one core read no row")
			}
			for _, par := range []string{"2", "8"} {
				for _, morsel := range []int{1, 37, 500, 0} {
					for _, batch := range []int{1, 64, 8192} {
						got := run(par, morsel, batch)
						if !reflect.DeepEqual(got, want) {
							t.Fatalf("parallelism %s, morsels of %d bytes, batches of %d: got %d rows, rejects %q, position %s; one core: %d rows, rejects %q, position %s",
								par, morsel, batch, len(got.rows), got.rejects, got.pos, len(want.rows), want.rejects, want.pos)
						}
					}
				}
			}
		})
	}
}

// TestParallelDecodingResumes stops a parallel read after a few batches,
// with morsels still in flight, and resumes a new source at its position:
// no row is lost or read twice.
func TestParallelDecodingResumes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.jsonl", jsonLines(1, 3000, func(i int) int64 { return int64(i) }))
	write("b.jsonl", jsonLines(5001, 7000, func(i int) int64 { return int64(i - 4000) }))
	for _, stop := range []int{1, 3, 10, 40} {
		t.Run(fmt.Sprintf("after %d batches", stop), func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			opts := map[string]string{"path": filepath.Join(dir, "*"), "parallelism": "4", "batch_size": "50"}
			all := func() readOut {
				src := openTimed(t, mem, &badRecords{}, time.Now, opts)
				src.morsel = 700
				defer src.Close()
				return readEverything(t, src, &badRecords{}, 0)
			}()
			src := openTimed(t, mem, &badRecords{}, time.Now, opts)
			src.morsel = 700
			first := readEverything(t, src, &badRecords{}, stop)
			src.Close()
			again := openTimed(t, mem, &badRecords{}, time.Now, opts)
			again.morsel = 300
			defer again.Close()
			if err := again.Seek(context.Background(), []byte(first.pos)); err != nil {
				t.Fatal(err)
			}
			rest := readEverything(t, again, &badRecords{}, 0)
			got := append(append([]string(nil), first.rows...), rest.rows...)
			if len(got) != len(all.rows) {
				t.Fatalf("read %d + %d rows across the restart, %d in one go", len(first.rows), len(rest.rows), len(all.rows))
			}
			seen := map[string]bool{}
			for _, r := range got {
				if seen[r] {
					t.Fatalf("row %s read twice", r)
				}
				seen[r] = true
			}
			for _, r := range all.rows {
				if !seen[r] {
					t.Fatalf("row %s lost across the restart", r)
				}
			}
		})
	}
}

// TestParallelismOption checks the option's values.
func TestParallelismOption(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "a.jsonl")
	if err := os.WriteFile(path, []byte(jsonLines(1, 3, func(i int) int64 { return int64(i) })), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    map[string]string
		workers int
		wantErr bool
	}{
		{name: "explicit", opts: map[string]string{"parallelism": "3"}, workers: 3},
		{name: "one core", opts: map[string]string{"parallelism": "1"}, workers: 1},
		{name: "negative refused", opts: map[string]string{"parallelism": "-1"}, wantErr: true},
		{name: "follow reads on one core", opts: map[string]string{"parallelism": "4", "follow": "true"}, workers: 1},
		{name: "quoted csv reads on one core", opts: map[string]string{"parallelism": "4", "format": "csv"}, workers: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := map[string]string{"path": path, "rowtime": "TS"}
			for k, v := range tc.opts {
				opts[k] = v
			}
			env := sources.Env{Stream: "S", Schema: sources.WithSystemColumns(timed()), Alloc: memory.NewGoAllocator(), Clock: time.Now}
			src, err := New(env, opts)
			if tc.wantErr {
				if err == nil {
					src.Close()
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if got := src.(*source).workers; got != tc.workers {
				t.Fatalf("%d decoding workers, want %d", got, tc.workers)
			}
		})
	}
}
