package exec

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

func TestLiteral(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		val  any
		typ  arrow.DataType
		want string // JSON of three rows
		str  string
	}{
		{"null", nil, i64, `[null, null, null]`, "NULL"},
		{"bool", true, bl, `[true, true, true]`, "TRUE"},
		{"int8", int64(-5), i8, `[-5, -5, -5]`, "-5"},
		{"int", 7, i32, `[7, 7, 7]`, "7"},
		{"double", 0.5, f64, `[0.5, 0.5, 0.5]`, "0.5"},
		{"string", "it's", str, `["it's", "it's", "it's"]`, "'it''s'"},
		{"decimal", decimal128.FromI64(908), dec(3, 3), `["0.908", "0.908", "0.908"]`, "0.908"},
		{"decimal from int", int64(2), dec(5, 2), `["2", "2", "2"]`, "2.00"},
		{"timestamp", int64(1000), TimestampType, `["1970-01-01T00:00:01", "1970-01-01T00:00:01", "1970-01-01T00:00:01"]`, "TIMESTAMP '1970-01-01 00:00:01.000'"},
		{"date", int64(1), DateType, `["1970-01-02", "1970-01-02", "1970-01-02"]`, "DATE '1970-01-02'"},
		{"interval", int64(60000), IntervalType, `["60000ms", "60000ms", "60000ms"]`, "INTERVAL '60' SECOND"},
		{"month interval", int64(3), MonthIntervalType, `[{"months": 3}, {"months": 3}, {"months": 3}]`, "INTERVAL '3' MONTH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := checkedMem(t)
			e, err := Literal(tc.val, tc.typ)
			if err != nil {
				t.Fatal(err)
			}
			if e.String() != tc.str {
				t.Errorf("String() = %q, want %q", e.String(), tc.str)
			}
			if _, ok := ConstValue(e); !ok {
				t.Error("ConstValue: not constant")
			}
			batch := batchOf(t, mem, fixture{i64, `[1, 2, 3]`})
			defer batch.Release()
			got, _ := evalJSON(t, mem, e, batch)
			if !sameJSON(t, got, tc.want) {
				t.Errorf("Eval = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestLiteralRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		val  any
		typ  arrow.DataType
	}{
		{"int8 out of range", int64(300), i8},
		{"string for int", "1", i64},
		{"bool for string", true, str},
		{"decimal too wide", decimal128.FromI64(12345), dec(3, 1)},
		{"no type", int64(1), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := Literal(tc.val, tc.typ); err == nil {
				t.Fatal("Literal accepted it")
			}
		})
	}
}

func TestConstValueOfColumn(t *testing.T) {
	t.Parallel()
	if _, ok := ConstValue(Column(0, "x", i64)); ok {
		t.Fatal("a column is not constant")
	}
}
