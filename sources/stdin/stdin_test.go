package stdin

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

type rejects struct {
	mu  sync.Mutex
	got []string
}

func (r *rejects) add(b sources.BadRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, b.Origin+":"+strconv.FormatInt(b.Offset, 10)+":"+string(b.Data))
}

func testEnv(mem memory.Allocator, rj *rejects) sources.Env {
	declared := arrow.NewSchema([]arrow.Field{
		{Name: "ID", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "AT", Type: sources.TimestampType, Nullable: true},
	}, nil)
	return sources.Env{Stream: "S", Schema: sources.WithSystemColumns(declared), Alloc: mem, Clock: time.Now, Reject: rj.add}
}

func rowsOf(rec arrow.RecordBatch) []string {
	var out []string
	ids, rt := rec.Column(0).(*array.Int64), rec.Column(3).(*array.Timestamp)
	for r := 0; r < int(rec.NumRows()); r++ {
		out = append(out, strconv.FormatInt(ids.Value(r), 10)+"@"+strconv.FormatInt(int64(rt.Value(r)), 10))
	}
	return out
}

func TestStdinBounded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		input       string
		opts        map[string]string
		wantRows    []string
		wantRejects []string
		wantErr     error
	}{
		{
			name:        "json with rowtime and bad lines",
			input:       "{\"id\": 1, \"at\": 1000}\n{\"id\": 2}\n\n{\"id\": 3, \"at\": 3000}\nnope\n{\"id\": 4, \"at\": 4000}",
			opts:        map[string]string{"rowtime": "AT"},
			wantRows:    []string{"1@1000", "3@3000", "4@4000"},
			wantRejects: []string{`stdin:2:{"id": 2}`, "stdin:5:nope"},
		},
		{
			name:     "csv with header in small batches",
			input:    "id,at\n1,1970-01-01 00:00:01\n2,\n3,1970-01-01 00:00:03\n",
			opts:     map[string]string{"format": "csv", "header": "true", "rowtime": "at", "batch_size": "1"},
			wantRows: []string{"1@1000", "3@3000"},
			wantRejects: []string{
				"stdin:3:2,",
			},
		},
		{
			name:        "csv stray quote in 99 good rows",
			input:       strayQuote(),
			opts:        map[string]string{"format": "csv", "rowtime": "at", "batch_size": "16"},
			wantRows:    ninetyNine(),
			wantRejects: []string{`stdin:50:50,"1970-01-01 00:00:50`},
		},
		{
			name:        "csv quote that never closes",
			input:       "1,1970-01-01 00:00:01\n2,\"1970\n3,1970-01-01 00:00:03",
			opts:        map[string]string{"format": "csv", "rowtime": "at"},
			wantRows:    []string{"1@1000", "3@3000"},
			wantRejects: []string{`stdin:2:2,"1970`},
		},
		{
			name:        "json bad lines between good ones",
			input:       "{\"id\": 1, \"at\": 1000}\n{\"id\": \"\n{\"id\": 3, \"at\": 3000}\n",
			opts:        map[string]string{"rowtime": "AT"},
			wantRows:    []string{"1@1000", "3@3000"},
			wantRejects: []string{`stdin:2:{"id": "`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rj := &rejects{}
			src, err := New(testEnv(mem, rj), tc.opts, iotest.HalfReader(strings.NewReader(tc.input)))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			var rows []string
			for {
				rec, err := src.Next(context.Background())
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if bs := tc.opts["batch_size"]; bs == "1" && rec.NumRows() > 1 {
					t.Fatalf("batch of %d rows", rec.NumRows())
				}
				rows = append(rows, rowsOf(rec)...)
				rec.Release()
			}
			if !reflect.DeepEqual(rows, tc.wantRows) {
				t.Errorf("rows = %q, want %q", rows, tc.wantRows)
			}
			if !reflect.DeepEqual(rj.got, tc.wantRejects) {
				t.Errorf("rejects = %q, want %q", rj.got, tc.wantRejects)
			}
			if err := src.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestStdinInteractive(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	pr, pw := io.Pipe()
	src, err := New(testEnv(mem, &rejects{}), map[string]string{"linger": "20ms", "rowtime": "AT"}, pr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() { _, _ = io.WriteString(pw, "{\"id\": 1, \"at\": 5}\n{\"id\": 2, \"at\": 6}\n") }()
	// The writer stays open: the rows must still come out after linger.
	var rows []string
	for len(rows) < 2 {
		rec, err := src.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, rowsOf(rec)...)
		rec.Release()
	}
	if !reflect.DeepEqual(rows, []string{"1@5", "2@6"}) {
		t.Fatalf("rows = %q", rows)
	}
	// Idle: an empty batch; a cancelled context stops Next.
	rec, err := src.Next(ctx)
	if err != nil || rec.NumRows() != 0 {
		t.Fatalf("idle Next = %v, %v", rec, err)
	}
	rec.Release()
	cctx, ccancel := context.WithCancel(ctx)
	ccancel()
	if _, err := src.Next(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next after cancel = %v", err)
	}
	// Close interrupts the blocked reader (the pipe) and waits for it.
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := pw.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("write after Close = %v, want ErrClosedPipe", err)
	}
}

func TestStdinReadError(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("{\"id\": 1}\n"), iotest.ErrReader(boom))
	src, err := New(testEnv(mem, &rejects{}), nil, r)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rec, err := src.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := rowsOf(rec); len(got) != 1 || !strings.HasPrefix(got[0], "1@") {
		t.Fatalf("rows = %q", got)
	}
	rec.Release()
	if _, err := src.Next(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("Next = %v, want %v", err, boom)
	}
}

func TestStdinOptionErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts map[string]string
	}{
		{"unknown option", map[string]string{"path": "x"}},
		{"zero batch", map[string]string{"batch_size": "0"}},
		{"bad format", map[string]string{"format": "xml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			if src, err := New(testEnv(mem, &rejects{}), tc.opts, strings.NewReader("")); err == nil {
				src.Close()
				t.Fatal("New succeeded")
			}
		})
	}
}

func TestRegistered(t *testing.T) {
	t.Parallel()
	if _, ok := sources.Lookup("stdin"); !ok {
		t.Fatal("stdin connector not registered")
	}
}

// strayQuote is 100 CSV rows of which row 50 opens a quote that never
// closes.
func strayQuote() string {
	var b strings.Builder
	for i := 1; i <= 100; i++ {
		if i == 50 {
			b.WriteString("50,\"1970-01-01 00:00:50\n")
			continue
		}
		b.WriteString(strconv.Itoa(i) + "," + time.UnixMilli(int64(i)*1000).UTC().Format("2006-01-02 15:04:05") + "\n")
	}
	return b.String()
}

// ninetyNine is the rows strayQuote's good lines give.
func ninetyNine() []string {
	var out []string
	for i := 1; i <= 100; i++ {
		if i != 50 {
			out = append(out, strconv.Itoa(i)+"@"+strconv.Itoa(i*1000))
		}
	}
	return out
}
