package exec

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

func TestCast(t *testing.T) {
	t.Parallel()
	f32 := arrow.PrimitiveTypes.Float32
	tests := []struct {
		name    string
		in      fixture
		to      arrow.DataType
		want    string
		errRows []int
	}{
		{"int64 to int8 out of range", fixture{i64, `[1, 300, -128, null]`}, i8, `[1, null, -128, null]`, []int{1}},
		{"float to int truncates", fixture{f64, `[1.9, -1.9, 1e300]`}, i32, `[1, -1, null]`, []int{2}},
		{"int to float", fixture{i64, `[3]`}, f32, `[3]`, nil},
		{"int to decimal", fixture{i32, `[12, -3]`}, dec(5, 2), `["12", "-3"]`, nil},
		{"int to decimal overflow", fixture{i64, `[1000]`}, dec(4, 2), `[null]`, []int{0}},
		{"decimal to int truncates", fixture{dec(5, 2), `["12.99", "-12.99"]`}, i64, `[12, -12]`, nil},
		{"decimal rescale rounds", fixture{dec(5, 3), `["1.235", "-1.235"]`}, dec(4, 2), `["1.24", "-1.24"]`, nil},
		{"decimal to float", fixture{dec(5, 3), `["1.5"]`}, f64, `[1.5]`, nil},
		{"float to decimal", fixture{f64, `[1.25, 1e10]`}, dec(5, 2), `["1.25", null]`, []int{1}},
		{"string to int", fixture{str, `[" 42 ", "x", null, "99999999999"]`}, i32, `[42, null, null, null]`, []int{1, 3}},
		{"string to double", fixture{str, `["1.5e3", "abc"]`}, f64, `[1500, null]`, []int{1}},
		{"string to decimal", fixture{str, `["3.14159", "x"]`}, dec(10, 2), `["3.14", null]`, []int{1}},
		{"string to boolean", fixture{str, `["true", "FALSE", "maybe"]`}, bl, `[true, false, null]`, []int{2}},
		{"string to timestamp", fixture{str, `["2020-01-02 03:04:05.678", "2020-01-02T03:04:05Z", "2018-06-13T14:11:05.766191", "2020-01-02", "2020-01-02T03:04:05+01:00", "2020-02-30", "junk"]`}, TimestampType,
			`["2020-01-02T03:04:05.678", "2020-01-02T03:04:05", "2018-06-13T14:11:05.766", "2020-01-02T00:00:00", "2020-01-02T02:04:05", null, null]`, []int{5, 6}},
		{"string to date", fixture{str, `["2020-01-02", "2020-13-01"]`}, DateType, `["2020-01-02", null]`, []int{1}},
		{"string to time", fixture{str, `["10:11:12.5"]`}, TimeType, `["10:11:12.5"]`, nil},
		{"int to string", fixture{i64, `[-5, null]`}, str, `["-5", null]`, nil},
		{"double to string", fixture{f64, `[1, 0.25, 1e10, 1.5e-5]`}, str, `["1.0", "0.25", "1.0E10", "1.5E-5"]`, nil},
		{"decimal to string", fixture{dec(5, 2), `["-1.50"]`}, str, `["-1.50"]`, nil},
		{"boolean to string", fixture{bl, `[true, false]`}, str, `["TRUE", "FALSE"]`, nil},
		{"timestamp to string", fixture{TimestampType, `["2020-01-02 03:04:05", "1969-12-31 23:59:59.5"]`}, str, `["2020-01-02 03:04:05.000", "1969-12-31 23:59:59.500"]`, nil},
		{"date to string", fixture{DateType, `["2020-01-02"]`}, str, `["2020-01-02"]`, nil},
		{"interval to string", fixture{IntervalType, `[90061001]`}, str, `["1 01:01:01.001"]`, nil},
		{"timestamp to date floors", fixture{TimestampType, `["2020-01-02 03:04:05", "1969-12-31 23:00:00"]`}, DateType, `["2020-01-02", "1969-12-31"]`, nil},
		{"date to timestamp", fixture{DateType, `["2020-01-02"]`}, TimestampType, `["2020-01-02T00:00:00"]`, nil},
		{"timestamp to bigint", fixture{TimestampType, `["1970-01-01 00:00:01"]`}, i64, `[1000]`, nil},
		{"bigint to timestamp", fixture{i64, `[1000]`}, TimestampType, `["1970-01-01T00:00:01"]`, nil},
		{"boolean to int", fixture{bl, `[true, false]`}, i32, `[1, 0]`, nil},
		{"int to boolean", fixture{i64, `[2, 0]`}, bl, `[true, false]`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := checkedMem(t)
			batch := batchOf(t, mem, tc.in)
			defer batch.Release()
			e, err := Cast(Column(0, "x", tc.in.typ), tc.to)
			if err != nil {
				t.Fatal(err)
			}
			got, rows := evalJSON(t, mem, e, batch)
			if !sameJSON(t, got, tc.want) {
				t.Errorf("%s = %s, want %s", e, got, tc.want)
			}
			if len(rows) != len(tc.errRows) {
				t.Fatalf("row errors at %v, want %v", rows, tc.errRows)
			}
			for i := range rows {
				if rows[i] != tc.errRows[i] {
					t.Fatalf("row errors at %v, want %v", rows, tc.errRows)
				}
			}
		})
	}
}

func TestCastRowErrorKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   fixture
		to   arrow.DataType
		want error
	}{
		{"bad text", fixture{str, `["x"]`}, i64, ErrCast},
		{"out of range", fixture{i64, `[1000]`}, i8, ErrOverflow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := checkedMem(t)
			batch := batchOf(t, mem, tc.in)
			defer batch.Release()
			e, err := Cast(Column(0, "x", tc.in.typ), tc.to)
			if err != nil {
				t.Fatal(err)
			}
			ec := &EvalContext{Alloc: mem}
			arr, err := e.Eval(ec, batch)
			if err != nil {
				t.Fatal(err)
			}
			arr.Release()
			errs := ec.TakeRowErrors()
			if len(errs) != 1 || !errors.Is(errs[0].Err, tc.want) {
				t.Fatalf("row errors %v, want one %v", errs, tc.want)
			}
		})
	}
}

func TestCastBind(t *testing.T) {
	t.Parallel()
	t.Run("impossible cast fails", func(t *testing.T) {
		t.Parallel()
		if _, err := Cast(Column(0, "b", bl), TimestampType); !errors.Is(err, ErrCast) {
			t.Fatalf("Cast = %v, want ErrCast", err)
		}
	})
	t.Run("same type is the expression", func(t *testing.T) {
		t.Parallel()
		c := Column(0, "x", i64)
		if e, _ := Cast(c, i64); e != c {
			t.Fatalf("Cast = %v", e)
		}
	})
	t.Run("constant folds", func(t *testing.T) {
		t.Parallel()
		e, err := Cast(lit(t, "12.5", str), dec(4, 1))
		if err != nil {
			t.Fatal(err)
		}
		v, ok := ConstValue(e)
		if !ok || v != decimal128.FromI64(125) {
			t.Fatalf("ConstValue = %v, %v", v, ok)
		}
	})
	t.Run("bad constant is left to fail per row", func(t *testing.T) {
		t.Parallel()
		mem := checkedMem(t)
		e, err := Cast(lit(t, "x", str), i64)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ConstValue(e); ok {
			t.Fatal("folded a failing cast")
		}
		batch := batchOf(t, mem, fixture{i64, `[1, 2]`})
		defer batch.Release()
		got, rows := evalJSON(t, mem, e, batch)
		if !sameJSON(t, got, `[null, null]`) || len(rows) != 2 {
			t.Fatalf("got %s, rows %v", got, rows)
		}
	})
}
