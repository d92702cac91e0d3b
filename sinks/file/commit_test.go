package file

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sinks"
)

func TestStagedSinkIsExactlyOnceAcrossCrashes(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "N", Type: arrow.PrimitiveTypes.Int64}}, nil)
	batch := func(vals ...int64) arrow.RecordBatch {
		b := array.NewRecordBuilder(mem, schema)
		defer b.Release()
		b.Field(0).(*array.Int64Builder).AppendValues(vals, nil)
		return b.NewRecordBatch()
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "out.jsonl")
	ctx := context.Background()
	env := sinks.Env{Stream: "S", Schema: schema, Alloc: mem, Checkpointing: true}
	open := func() *sink {
		s, err := New(env, Config{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		return s.(*sink)
	}
	content := func() string {
		data, err := os.ReadFile(path)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return strings.ReplaceAll(string(data), "\n", " ")
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	s := open()
	must(s.Abort(ctx, 0)) // a fresh start: no checkpoint yet
	must(s.Write(ctx, batch(1, 2)))
	if got := content(); got != "" {
		t.Fatalf("rows visible before their checkpoint: %q", got)
	}
	must(s.Prepare(ctx, 1))
	must(s.Commit(ctx, 1))
	if got := content(); got != `{"N":1} {"N":2} ` {
		t.Fatalf("after checkpoint 1: %q", got)
	}
	must(s.Write(ctx, batch(3)))
	must(s.Prepare(ctx, 2)) // crash before checkpoint 2 completes
	must(s.Write(ctx, batch(4)))
	s.f.Close() // the process dies: nothing else runs

	// Restart from checkpoint 1: replaying will produce 3 and 4 again.
	s = open()
	must(s.Commit(ctx, 1))
	must(s.Abort(ctx, 2))
	if got := content(); got != `{"N":1} {"N":2} ` {
		t.Fatalf("after recovery: %q", got)
	}
	must(s.Write(ctx, batch(3, 4)))
	must(s.Prepare(ctx, 2))
	// A crash in the middle of Commit: half an append reached the file.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"N":3`)
	f.Close()
	must(s.Commit(ctx, 2)) // the restarted engine commits 2 again
	must(s.Commit(ctx, 2)) // and again: idempotent
	if got := content(); got != `{"N":1} {"N":2} {"N":3} {"N":4} ` {
		t.Fatalf("after checkpoint 2: %q", got)
	}
	must(s.Close(ctx))
	leftovers, _ := filepath.Glob(path + ".eddy-pending-*")
	if len(leftovers) != 0 {
		t.Errorf("pending files left behind: %v", leftovers)
	}
}

// TestStagedSinkRollsBackToAnOlderCheckpoint: when the newest checkpoint is
// damaged the engine restarts from the one before, and the file loses what
// the newer checkpoint published (it will be produced again).
func TestStagedSinkRollsBackToAnOlderCheckpoint(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "N", Type: arrow.PrimitiveTypes.Int64}}, nil)
	path := filepath.Join(t.TempDir(), "out.jsonl")
	ctx := context.Background()
	s, err := New(sinks.Env{Schema: schema, Alloc: mem, Checkpointing: true}, Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	st := s.(*sink)
	for id := int64(1); id <= 3; id++ {
		b := array.NewRecordBuilder(mem, schema)
		b.Field(0).(*array.Int64Builder).Append(id)
		rec := b.NewRecordBatch()
		b.Release()
		if err := st.Write(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if err := st.Prepare(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := st.Commit(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Commit(ctx, 2); err != nil { // restart from checkpoint 2
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "{\"N\":1}\n{\"N\":2}\n" {
		t.Errorf("after rolling back to 2: %q", data)
	}
	if err := st.Commit(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); len(data) != 0 {
		t.Errorf("after rolling back to the start: %q", data)
	}
	st.Close(ctx)
}

// TestStagedSinkKeepsRowsOfAnAbandonedCheckpoint: the engine aborts a
// checkpoint it abandons while running on (its state could not be
// written); the sources do not go back, so the rows prepared for it must
// reach the next checkpoint, before the rows written since. A restart
// still discards what a crashed run had prepared.
func TestStagedSinkKeepsRowsOfAnAbandonedCheckpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// run writes, prepares and aborts; the ids are checkpoint ids.
		steps []string
		want  string
	}{
		{name: "one abandoned checkpoint",
			steps: []string{"w1", "p1", "c1", "w2", "p2", "w3", "a2", "w4", "p2", "c2"}, want: "1 2 3 4 "},
		{name: "abandoned twice in a row",
			steps: []string{"w1", "p1", "a1", "w2", "p1", "a1", "w3", "p1", "c1"}, want: "1 2 3 "},
		{name: "abandoned with nothing written since",
			steps: []string{"w1", "p1", "a1", "p1", "c1"}, want: "1 "},
		{name: "abandoned, then a crash: the restart discards it",
			steps: []string{"w1", "p1", "c1", "w2", "p2", "a2", "w3", "p2", "crash", "c1", "a2"}, want: "1 "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			schema := arrow.NewSchema([]arrow.Field{{Name: "N", Type: arrow.PrimitiveTypes.Int64}}, nil)
			path := filepath.Join(t.TempDir(), "out.jsonl")
			ctx := context.Background()
			open := func() *sink {
				s, err := New(sinks.Env{Schema: schema, Alloc: mem, Checkpointing: true}, Config{Path: path})
				if err != nil {
					t.Fatal(err)
				}
				return s.(*sink)
			}
			s := open()
			if err := s.Abort(ctx, 0); err != nil {
				t.Fatal(err)
			}
			for _, step := range tc.steps {
				var n int64
				fmt.Sscanf(step[1:], "%d", &n)
				var err error
				switch step[0] {
				case 'w':
					b := array.NewRecordBuilder(mem, schema)
					b.Field(0).(*array.Int64Builder).Append(n)
					err = s.Write(ctx, b.NewRecordBatch())
					b.Release()
				case 'p':
					err = s.Prepare(ctx, n)
				case 'c':
					if step == "crash" {
						s.f.Close()
						s = open()
						continue
					}
					err = s.Commit(ctx, n)
				case 'a':
					err = s.Abort(ctx, n)
				}
				if err != nil {
					t.Fatalf("%s: %v", step, err)
				}
			}
			data, _ := os.ReadFile(path)
			if got := strings.ReplaceAll(strings.ReplaceAll(string(data), "{\"N\":", ""), "}\n", " "); got != tc.want {
				t.Errorf("file holds %q, want %q", got, tc.want)
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
