package file

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

// timed is the declared schema of the event-time tests: an id and its
// event time, which option rowtime makes ROWTIME.
func timed() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "ID", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "TS", Type: sources.TimestampType, Nullable: true},
	}, nil)
}

// badRecords collects rejects; safe for concurrent use.
type badRecords struct {
	mu  sync.Mutex
	got []sources.BadRecord
}

func (r *badRecords) add(b sources.BadRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, b)
}

func (r *badRecords) list() []sources.BadRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sources.BadRecord(nil), r.got...)
}

// batch is one batch read: its origin and ids.
type batch struct {
	origin sources.Origin
	ids    []int64
}

// jsonLines returns JSON lines of ids from..to with event time ts(id).
func jsonLines(from, to int, ts func(int) int64) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "{\"id\": %d, \"ts\": %d}\n", i, ts(i))
	}
	return b.String()
}

func gz(t testing.TB, data string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := io.WriteString(zw, data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func originOf(path string) sources.Origin {
	h := fnv.New64a()
	h.Write([]byte(path))
	return sources.Origin(h.Sum64())
}

// openTimed opens a file source over dir with the timed schema.
func openTimed(t testing.TB, mem memory.Allocator, rj *badRecords, clock func() time.Time, opts map[string]string) *source {
	t.Helper()
	env := sources.Env{Stream: "S", Schema: sources.WithSystemColumns(timed()), Alloc: mem, Clock: clock, Reject: rj.add}
	all := map[string]string{"rowtime": "TS"}
	for k, v := range opts {
		all[k] = v
	}
	src, err := New(env, all)
	if err != nil {
		t.Fatal(err)
	}
	return src.(*source)
}

// readBatches reads src to its end (or n batches when n > 0), checking
// that each batch holds rows of the file its origin names, and that
// Partitions lists every file after each Next.
func readBatches(t testing.TB, src *source, n int) []batch {
	t.Helper()
	var out []batch
	for n <= 0 || len(out) < n {
		rec, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b := batch{origin: src.Origin()}
		col := rec.Column(0).(*array.Int64)
		for i := 0; i < col.Len(); i++ {
			b.ids = append(b.ids, col.Value(i))
		}
		rec.Release()
		if parts := src.Partitions(); len(parts) != len(src.parts) {
			t.Fatalf("Partitions lists %d files, the glob has %d", len(parts), len(src.parts))
		}
		if len(src.open) > src.maxOpen {
			t.Fatalf("%d files open, bound %d", len(src.open), src.maxOpen)
		}
		out = append(out, b)
	}
	return out
}

func TestFileReadsGlobSideBySideInEventTime(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	// Disjoint keys, interleaved event times: a has the even times, b
	// the odd ones.
	write(t, a, jsonLines(1, 40, func(i int) int64 { return int64(2 * i) }), false)
	write(t, b, jsonLines(101, 140, func(i int) int64 { return int64(2*(i-100) + 1) }), false)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rj := &badRecords{}
	src := openTimed(t, mem, rj, time.Now, map[string]string{"path": filepath.Join(dir, "*.jsonl"), "batch_size": "10"})
	defer src.Close()

	first := readBatches(t, src, 1)
	parts := src.Partitions()
	want := []sources.Partition{
		{Origin: originOf(a), Name: a, Backlog: true, Watermark: sources.NoWatermark, MaxTime: 20, Lag: int64(len(jsonLines(11, 40, func(i int) int64 { return int64(2 * i) })))},
		{Origin: originOf(b), Name: b, Backlog: true, Watermark: sources.NoWatermark, MaxTime: math.MinInt64, Lag: int64(len(jsonLines(101, 140, func(i int) int64 { return int64(2*(i-100) + 1) })))},
	}
	if !reflect.DeepEqual(parts, want) {
		t.Fatalf("partitions after the first batch = %+v, want %+v", parts, want)
	}
	batches := append(first, readBatches(t, src, 0)...)
	var origins []sources.Origin
	seen := map[int64]int{}
	for i, bt := range batches {
		origins = append(origins, bt.origin)
		for _, id := range bt.ids {
			seen[id]++
			if (id > 100) != (bt.origin == originOf(b)) {
				t.Fatalf("batch %d of origin %x holds id %d of the other file", i, bt.origin, id)
			}
		}
	}
	var alternate []sources.Origin
	for range 4 {
		alternate = append(alternate, originOf(a), originOf(b))
	}
	if !reflect.DeepEqual(origins, alternate) {
		t.Fatalf("batch origins = %x, want a and b alternating %x", origins, alternate)
	}
	if len(seen) != 80 {
		t.Fatalf("%d distinct ids, want 80", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("id %d read %d times", id, n)
		}
	}
	for _, p := range src.Partitions() {
		if !p.Done || p.Backlog || p.Idle || p.Lag != 0 {
			t.Fatalf("partition after the end = %+v, want done", p)
		}
	}
	if got := rj.list(); len(got) != 0 {
		t.Fatalf("rejects %+v", got)
	}
}

func TestFileBoundsOpenFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for f := 0; f < 5; f++ {
		write(t, filepath.Join(dir, fmt.Sprintf("f%d.jsonl", f)), jsonLines(f*100, f*100+29, func(i int) int64 { return int64(i % 100) }), false)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src := openTimed(t, mem, &badRecords{}, time.Now, map[string]string{"path": filepath.Join(dir, "*.jsonl"), "batch_size": "8"})
	defer src.Close()
	src.maxOpen = 2
	batches := readBatches(t, src, 1)
	for i, p := range src.Partitions() {
		if i >= 2 && (!p.Backlog || p.Done || p.MaxTime != math.MinInt64) {
			t.Fatalf("file %d beyond the bound = %+v, want waiting with backlog", i, p)
		}
	}
	batches = append(batches, readBatches(t, src, 0)...)
	seen := map[int64]bool{}
	for _, bt := range batches {
		for _, id := range bt.ids {
			seen[id] = true
		}
	}
	if len(seen) != 5*30 {
		t.Fatalf("%d distinct rows, want %d", len(seen), 5*30)
	}
}

// corruptCRC flips the CRC-32 in a gzip stream's trailer.
func corruptCRC(b []byte) []byte {
	out := append([]byte(nil), b...)
	crc := binary.LittleEndian.Uint32(out[len(out)-8:])
	binary.LittleEndian.PutUint32(out[len(out)-8:], crc^0xdeadbeef)
	return out
}

func TestFileContainsBadInput(t *testing.T) {
	t.Parallel()
	ts := func(i int) int64 { return int64(i) }
	// b has enough varied lines that a cut at half its compressed size
	// falls after some complete lines.
	bLines := jsonLines(100000, 104999, func(i int) int64 { return int64(i*7919) % 100000 })
	bGz := gz(t, bLines)
	var csvGood strings.Builder
	for i := 1; i <= 100; i++ {
		if i == 50 {
			csvGood.WriteString("50,\"2024-05-01 10:00:00\n") // a stray quote
			continue
		}
		fmt.Fprintf(&csvGood, "%d,%d\n", i, i)
	}
	tests := []struct {
		name    string
		files   map[string][]byte
		opts    map[string]string
		wantIDs int // rows expected in all
		// each reject: file, line (0: check it is the line after the
		// last row of that file), and the error it wraps
		wantRejects []reject
		prefixOf    string // the rows of file b must be a prefix of these lines
	}{
		{
			name: "truncated gzip in the middle of a glob",
			files: map[string][]byte{
				"a.jsonl.gz": gz(t, jsonLines(1, 50, ts)), "b.jsonl.gz": bGz[:len(bGz)/2], "c.jsonl.gz": gz(t, jsonLines(200001, 200050, ts)),
			},
			wantRejects: []reject{{file: "b.jsonl.gz", err: io.ErrUnexpectedEOF}},
			prefixOf:    bLines,
		},
		{
			name: "corrupt gzip checksum",
			files: map[string][]byte{
				"a.jsonl.gz": gz(t, jsonLines(1, 50, ts)), "b.jsonl.gz": corruptCRC(bGz), "c.jsonl.gz": gz(t, jsonLines(200001, 200050, ts)),
			},
			wantIDs:     50 + 5000 + 50,
			wantRejects: []reject{{file: "b.jsonl.gz", line: 5001, err: gzip.ErrChecksum}},
		},
		{
			name: "not gzip at all",
			files: map[string][]byte{
				"a.jsonl.gz": gz(t, jsonLines(1, 50, ts)), "b.jsonl.gz": []byte("plain text\n"), "c.jsonl.gz": gz(t, jsonLines(200001, 200050, ts)),
			},
			wantIDs:     100,
			wantRejects: []reject{{file: "b.jsonl.gz", line: 1, err: gzip.ErrHeader}},
		},
		{
			name:        "stray quote in 99 good csv rows",
			files:       map[string][]byte{"q.csv": []byte(csvGood.String())},
			opts:        map[string]string{"format": "csv"},
			wantIDs:     99,
			wantRejects: []reject{{file: "q.csv", line: 50, err: codec.ErrSyntax}},
		},
		{
			name:        "csv quote that never closes",
			files:       map[string][]byte{"q.csv": []byte("1,1\n2,\"2\n3,3\n4,4")},
			opts:        map[string]string{"format": "csv"},
			wantIDs:     3,
			wantRejects: []reject{{file: "q.csv", line: 2, err: codec.ErrSyntax}},
		},
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
			opts := map[string]string{"path": filepath.Join(dir, "*"), "batch_size": "100"}
			for k, v := range tc.opts {
				opts[k] = v
			}
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rj := &badRecords{}
			src := openTimed(t, mem, rj, time.Now, opts)
			defer src.Close()
			perFile := map[sources.Origin][]int64{}
			for _, bt := range readBatches(t, src, 0) {
				perFile[bt.origin] = append(perFile[bt.origin], bt.ids...)
			}
			total := 0
			for _, ids := range perFile {
				total += len(ids)
			}
			for _, p := range src.Partitions() {
				if !p.Done {
					t.Errorf("partition %s not done at the end: %+v", p.Name, p)
				}
			}
			got := rj.list()
			if len(got) != len(tc.wantRejects) {
				t.Fatalf("rejects = %+v, want %d", got, len(tc.wantRejects))
			}
			for i, w := range tc.wantRejects {
				g := got[i]
				path := filepath.Join(dir, w.file)
				if g.Origin != path || g.Partition != path || !errors.Is(g.Err, w.err) {
					t.Fatalf("reject %d = %+v (%v), want %s wrapping %v", i, g, g.Err, path, w.err)
				}
				if w.line != 0 && g.Offset != w.line {
					t.Fatalf("reject %d at line %d, want %d", i, g.Offset, w.line)
				}
			}
			if tc.prefixOf == "" {
				if total != tc.wantIDs {
					t.Fatalf("rows = %d, want %d", total, tc.wantIDs)
				}
				return
			}
			// A cut file: the rows of a and c, and of b every line before
			// the cut, the reject naming the line reached.
			a, b, c := perFile[originOf(filepath.Join(dir, "a.jsonl.gz"))], perFile[originOf(filepath.Join(dir, "b.jsonl.gz"))], perFile[originOf(filepath.Join(dir, "c.jsonl.gz"))]
			if len(a) != 50 || len(c) != 50 {
				t.Fatalf("rows of the good files: %d and %d, want 50 and 50", len(a), len(c))
			}
			if len(b) == 0 {
				t.Fatal("no row of the cut file before the cut")
			}
			for i, id := range b {
				if id != int64(100000+i) {
					t.Fatalf("row %d of the cut file is id %d", i, id)
				}
			}
			if got[0].Offset != int64(len(b))+1 {
				t.Fatalf("reject at line %d, want %d (after %d rows)", got[0].Offset, len(b)+1, len(b))
			}
			line := strings.Split(tc.prefixOf, "\n")[len(b)]
			if !strings.HasPrefix(line, string(got[0].Data)) {
				t.Fatalf("reject data %q is not the start of line %q", got[0].Data, line)
			}
			if !strings.Contains(got[0].Err.Error(), "b.jsonl.gz") {
				t.Fatalf("reject error %q does not name the file", got[0].Err)
			}
		})
	}
}

type reject struct {
	file string
	line int64
	err  error
}

func TestFileResumesEveryFileAtItsOffset(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var want []int64
	for f := 0; f < 3; f++ {
		data := jsonLines(f*1000, f*1000+99, func(i int) int64 { return int64(3*(i%1000) + f) })
		name := filepath.Join(dir, fmt.Sprintf("p%d.jsonl", f))
		if f == 1 {
			if err := os.WriteFile(name+".gz", gz(t, data), 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			write(t, name, data, false)
		}
		for i := f * 1000; i <= f*1000+99; i++ {
			want = append(want, int64(i))
		}
	}
	opts := map[string]string{"path": filepath.Join(dir, "p*"), "batch_size": "7"}
	for _, stop := range []int{1, 4, 10, 40} {
		t.Run(fmt.Sprintf("after %d batches", stop), func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			first := openTimed(t, mem, &badRecords{}, time.Now, opts)
			var got []int64
			for _, bt := range readBatches(t, first, stop) {
				got = append(got, bt.ids...)
			}
			pos, err := first.Position()
			if err != nil {
				t.Fatal(err)
			}
			maxTimes := map[sources.Origin]int64{}
			for _, p := range first.Partitions() {
				maxTimes[p.Origin] = p.MaxTime
			}
			first.Close()
			second := openTimed(t, mem, &badRecords{}, time.Now, opts)
			defer second.Close()
			if err := second.Seek(context.Background(), pos); err != nil {
				t.Fatal(err)
			}
			for _, p := range second.Partitions() {
				if p.MaxTime != maxTimes[p.Origin] {
					t.Fatalf("restored MaxTime of %s = %d, want %d", p.Name, p.MaxTime, maxTimes[p.Origin])
				}
			}
			for _, bt := range readBatches(t, second, 0) {
				got = append(got, bt.ids...)
			}
			sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("resumed read: %d rows %v, want each of %d once (position %s)", len(got), got, len(want), pos)
			}
		})
	}
}

func TestFileSeeksFromSingleCursorPosition(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	write(t, a, jsonLines(1, 10, func(i int) int64 { return int64(i) }), false)
	bData := jsonLines(11, 20, func(i int) int64 { return int64(i) })
	write(t, b, bData, false)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src := openTimed(t, mem, &badRecords{}, time.Now, map[string]string{"path": filepath.Join(dir, "*.jsonl")})
	defer src.Close()
	// The form earlier versions wrote: file 1 (b) read up to 3 lines.
	off := len(strings.Join(strings.SplitAfter(bData, "\n")[:3], ""))
	pos := fmt.Sprintf(`{"file": 1, "path": %q, "offset": %d, "line": 3}`, b, off)
	if err := src.Seek(context.Background(), []byte(pos)); err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, bt := range readBatches(t, src, 0) {
		got = append(got, bt.ids...)
	}
	if want := []int64{14, 15, 16, 17, 18, 19, 20}; !reflect.DeepEqual(got, want) {
		t.Fatalf("rows = %v, want %v", got, want)
	}
}

// manualClock is a clock tests move by hand.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestFileFollowPartitionsCatchUpAndIdle(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	write(t, a, jsonLines(1, 3, func(i int) int64 { return int64(i) }), false)
	write(t, b, jsonLines(101, 103, func(i int) int64 { return int64(i) }), false)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	clock := &manualClock{now: time.Unix(1000, 0)}
	src := openTimed(t, mem, &badRecords{}, clock.Now, map[string]string{
		"path": filepath.Join(dir, "*.jsonl"), "follow": "true", "poll_interval": "2ms", "linger": "0s", "idle_timeout": "5s",
	})
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	next := func() batch {
		t.Helper()
		rec, err := src.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer rec.Release()
		bt := batch{origin: src.Origin()}
		col := rec.Column(0).(*array.Int64)
		for i := 0; i < col.Len(); i++ {
			bt.ids = append(bt.ids, col.Value(i))
		}
		return bt
	}
	state := func(name string) sources.Partition {
		for _, p := range src.Partitions() {
			if p.Name == name {
				return p
			}
		}
		t.Fatalf("no partition %s", name)
		return sources.Partition{}
	}
	rows := 0
	for rows < 6 {
		rows += len(next().ids)
	}
	// Both caught up: an empty batch; neither has backlog, neither is
	// idle yet, neither is ever done.
	if bt := next(); len(bt.ids) != 0 {
		t.Fatalf("caught-up Next returned rows %v", bt.ids)
	}
	for _, name := range []string{a, b} {
		if p := state(name); p.Backlog || p.Idle || p.Done || p.Lag != 0 {
			t.Fatalf("caught-up %s = %+v", name, p)
		}
	}
	clock.Add(6 * time.Second)
	next()
	for _, name := range []string{a, b} {
		if p := state(name); !p.Idle || p.Done {
			t.Fatalf("%s silent for idle_timeout = %+v, want idle", name, p)
		}
	}
	f, err := os.OpenFile(b, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(jsonLines(104, 104, func(i int) int64 { return 104 })); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var bt batch
	for len(bt.ids) == 0 {
		bt = next()
	}
	if bt.origin != originOf(b) || !reflect.DeepEqual(bt.ids, []int64{104}) {
		t.Fatalf("appended row came as %+v", bt)
	}
	if p := state(b); p.Idle || p.MaxTime != 104 {
		t.Fatalf("%s after a new row = %+v", b, p)
	}
	if p := state(a); !p.Idle {
		t.Fatalf("%s silent = %+v, want idle", a, p)
	}
}

// FuzzGzipFile reads arbitrary bytes as a .gz file followed, in the glob,
// by a good file: the source never panics, never fails, and delivers
// every row of the good file.
func FuzzGzipFile(f *testing.F) {
	good := gz(f, jsonLines(1, 20, func(i int) int64 { return int64(i) }))
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(corruptCRC(good))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "a.jsonl.gz"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		next := filepath.Join(dir, "b.jsonl")
		write(t, next, jsonLines(900001, 900030, func(i int) int64 { return int64(i) }), false)
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		src := openTimed(t, mem, &badRecords{}, time.Now, map[string]string{"path": filepath.Join(dir, "*"), "batch_size": "8"})
		defer src.Close()
		var fromNext []int64
		for _, bt := range readBatches(t, src, 0) {
			if bt.origin == originOf(next) {
				fromNext = append(fromNext, bt.ids...)
			}
		}
		if len(fromNext) != 30 || fromNext[0] != 900001 || fromNext[29] != 900030 {
			t.Fatalf("rows of the good file: %v", fromNext)
		}
		for _, p := range src.Partitions() {
			if !p.Done {
				t.Fatalf("partition %+v not done", p)
			}
		}
	})
}
