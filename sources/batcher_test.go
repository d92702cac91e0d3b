package sources

import (
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func testSchema() *arrow.Schema {
	return WithSystemColumns(arrow.NewSchema([]arrow.Field{
		{Name: "ID", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "NAME", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "EVENT_TIME", Type: TimestampType, Nullable: true},
	}, nil))
}

func TestBatcherRowtime(t *testing.T) {
	t.Parallel()
	arrival := time.UnixMilli(5000)
	tests := []struct {
		name        string
		rowtime     string
		eventTime   int64 // -1 = NULL
		wantRowtime int64
		wantErr     error
	}{
		{name: "default is arrival", rowtime: "", eventTime: 42, wantRowtime: 5000},
		{name: "arrival named explicitly", rowtime: "approximate_arrival_time", eventTime: 42, wantRowtime: 5000},
		{name: "event column", rowtime: "EVENT_TIME", eventTime: 42, wantRowtime: 42},
		{name: "event column case-insensitive", rowtime: "event_time", eventTime: 7, wantRowtime: 7},
		{name: "null event time rejected", rowtime: "EVENT_TIME", eventTime: -1, wantErr: ErrNullRowtime},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			b, err := NewBatcher(mem, testSchema(), tc.rowtime, 4)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Release()
			b.SetInt(0, 1)
			b.SetBytes(1, []byte("a"))
			if tc.eventTime >= 0 {
				b.SetInt(2, tc.eventTime)
			}
			err = b.Commit(arrival)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Commit = %v, want %v", err, tc.wantErr)
			}
			// A good row after it: the staged values of a failed row must
			// not leak into it.
			b.SetInt(2, 99)
			if err := b.Commit(arrival); err != nil {
				t.Fatal(err)
			}
			rec := b.Flush()
			defer rec.Release()
			want := int64(2)
			if tc.wantErr != nil {
				want = 1
			}
			if rec.NumRows() != want {
				t.Fatalf("rows = %d, want %d", rec.NumRows(), want)
			}
			ids := rec.Column(0).(*array.Int64)
			last := int(want - 1)
			if !ids.IsNull(last) {
				t.Fatalf("second row ID = %v, want NULL", ids.Value(last))
			}
			if got := rec.Column(3).(*array.Timestamp).Value(last); got != 5000 {
				t.Fatalf("arrival = %d", got)
			}
			if tc.wantErr == nil {
				if got := int64(rec.Column(4).(*array.Timestamp).Value(0)); got != tc.wantRowtime {
					t.Fatalf("ROWTIME = %d, want %d", got, tc.wantRowtime)
				}
			}
		})
	}
}

func TestNewBatcherErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		schema  *arrow.Schema
		rowtime string
	}{
		{name: "unknown rowtime column", schema: testSchema(), rowtime: "NOPE"},
		{name: "rowtime not a timestamp", schema: testSchema(), rowtime: "ID"},
		{name: "missing system columns", schema: arrow.NewSchema([]arrow.Field{{Name: "A", Type: arrow.PrimitiveTypes.Int64}}, nil)},
		{name: "unsupported type", schema: WithSystemColumns(arrow.NewSchema([]arrow.Field{{Name: "A", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)}}, nil))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			b, err := NewBatcher(mem, tc.schema, tc.rowtime, 0)
			if err == nil {
				b.Release()
				t.Fatal("NewBatcher succeeded")
			}
		})
	}
}

func TestBatcherAllKinds(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dec := &arrow.Decimal128Type{Precision: 10, Scale: 2}
	declared := arrow.NewSchema([]arrow.Field{
		{Name: "B", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "I8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "I16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "I32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "I64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "F32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "F64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "D", Type: dec, Nullable: true},
		{Name: "S", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "LS", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "BIN", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "TS", Type: TimestampType, Nullable: true},
		{Name: "DT", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "TM", Type: arrow.FixedWidthTypes.Time32ms, Nullable: true},
	}, nil)
	b, err := NewBatcher(mem, WithSystemColumns(declared), "", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	b.SetBool(0, true)
	b.SetInt(1, -8)
	b.SetInt(2, 1600)
	b.SetInt(3, 320000)
	b.SetInt(4, 1<<40)
	b.SetFloat(5, 1.5)
	b.SetFloat(6, 2.25)
	b.SetDecimal(7, decimal128.FromI64(1234))
	b.SetBytes(8, []byte("s"))
	b.SetBytes(9, []byte("ls"))
	b.SetBytes(10, []byte{0, 1})
	b.SetInt(11, 1000)
	b.SetInt(12, 19000)
	b.SetInt(13, 3600000)
	if err := b.Commit(time.UnixMilli(1)); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(time.UnixMilli(2)); err != nil { // all NULL
		t.Fatal(err)
	}
	if b.Len() != 2 {
		t.Fatalf("Len = %d", b.Len())
	}
	rec := b.Flush()
	defer rec.Release()
	if b.Len() != 0 {
		t.Fatalf("Len after Flush = %d", b.Len())
	}
	want := []string{"true", "-8", "1600", "320000", "1099511627776", "1.5", "2.25", "12.34", "s", "ls", "AAE=", "1970-01-01T00:00:01", "2022-01-08", "01:00:00.000"}
	for i, w := range want {
		col := rec.Column(i)
		if got := col.ValueStr(0); got != w {
			t.Errorf("column %s row 0 = %q, want %q", rec.ColumnName(i), got, w)
		}
		if !col.IsNull(1) {
			t.Errorf("column %s row 1 is not NULL", rec.ColumnName(i))
		}
	}
}

func TestBatcherArrivalColumn(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	declared := arrow.NewSchema([]arrow.Field{{Name: "ARRIVED", Type: TimestampType, Nullable: true}}, nil)
	b, err := NewBatcher(mem, WithSystemColumns(declared), "", 4)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	if err := b.SetArrivalColumn("arrived"); err != nil {
		t.Fatal(err)
	}
	clock := time.UnixMilli(9000)
	b.SetInt(0, 5000)
	if err := b.Commit(clock); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(clock); err != nil { // NULL arrival: the clock
		t.Fatal(err)
	}
	rec := b.Flush()
	defer rec.Release()
	arr, rt := rec.Column(1).(*array.Timestamp), rec.Column(2).(*array.Timestamp)
	if arr.Value(0) != 5000 || rt.Value(0) != 5000 || arr.Value(1) != 9000 || rt.Value(1) != 9000 {
		t.Errorf("arrival %v %v, rowtime %v %v", arr.Value(0), arr.Value(1), rt.Value(0), rt.Value(1))
	}
	if err := b.SetArrivalColumn("nope"); err == nil {
		t.Error("an unknown arrival column was accepted")
	}
}

// TestBatcherPrune checks that columns left out by Prune come out all
// NULL, even when a decoder sets them, and that the rowtime column
// cannot be left out.
func TestBatcherPrune(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b, err := NewBatcher(mem, testSchema(), "EVENT_TIME", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	if err := b.Prune([]bool{true, true, false}); err == nil {
		t.Fatal("Prune left out the rowtime column without an error")
	}
	if err := b.Prune([]bool{true, false}); err == nil {
		t.Fatal("Prune took a list of the wrong length")
	}
	if err := b.Prune([]bool{true, false, true}); err != nil {
		t.Fatal(err)
	}
	for batch := range 2 {
		for i := range 3 {
			b.SetInt(0, int64(i))
			b.SetBytes(1, []byte("set anyway"))
			b.SetInt(2, int64(100+i))
			if err := b.Commit(time.UnixMilli(1)); err != nil {
				t.Fatal(err)
			}
		}
		rec := b.Flush()
		if rec.NumRows() != 3 {
			t.Fatalf("batch %d: %d rows, want 3", batch, rec.NumRows())
		}
		for c := range rec.NumCols() {
			if rec.Column(int(c)).Len() != 3 {
				t.Fatalf("batch %d: column %d has %d values", batch, c, rec.Column(int(c)).Len())
			}
		}
		if n := rec.Column(1).NullN(); n != 3 {
			t.Fatalf("batch %d: pruned column has %d NULLs, want 3", batch, n)
		}
		if got := rec.Column(0).(*array.Int64).Value(2); got != 2 {
			t.Fatalf("batch %d: ID of row 2 = %d", batch, got)
		}
		rec.Release()
	}
}

// TestBatcherNullSlotsAreZero checks that a NULL's value slot holds zero
// whatever the row before held, as Arrow's builders leave it (readers that
// look at values without the validity bitmap see no stale data).
func TestBatcherNullSlotsAreZero(t *testing.T) {
	t.Parallel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b, err := NewBatcher(mem, testSchema(), "", 4)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	b.SetInt(0, 41)
	b.SetInt(2, 42)
	if err := b.Commit(time.UnixMilli(1)); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(time.UnixMilli(2)); err != nil { // ID and EVENT_TIME NULL
		t.Fatal(err)
	}
	rec := b.Flush()
	defer rec.Release()
	ids := rec.Column(0).(*array.Int64)
	times := rec.Column(2).(*array.Timestamp)
	if ids.IsValid(1) || times.IsValid(1) {
		t.Fatal("the second row's ID and EVENT_TIME are not NULL")
	}
	if got := ids.Int64Values(); got[0] != 41 || got[1] != 0 {
		t.Fatalf("ID values %v, want [41 0]", got)
	}
	if got := times.TimestampValues(); got[0] != 42 || got[1] != 0 {
		t.Fatalf("EVENT_TIME values %v, want [42 0]", got)
	}
}
