package exec

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestCommonType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b arrow.DataType
		want arrow.DataType // nil: no common type
	}{
		{"ints widen", i8, i32, i32},
		{"int and float", i64, arrow.PrimitiveTypes.Float32, f64},
		{"float32 pair", arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float32},
		{"decimal and int", dec(5, 2), i32, dec(12, 2)},
		{"decimal and decimal", dec(5, 2), dec(10, 4), dec(10, 4)},
		{"decimal capped at 38", dec(38, 0), dec(38, 10), dec(38, 6)},
		{"decimal and float", dec(5, 2), f64, f64},
		{"null takes the other", arrow.Null, str, str},
		{"timestamp and date", DateType, TimestampType, TimestampType},
		{"string and int", str, i64, nil},
		{"bool and int", bl, i64, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := commonType(tc.a, tc.b)
			if tc.want == nil {
				if ok {
					t.Fatalf("commonType = %s, want none", got)
				}
				return
			}
			if !ok || !arrow.TypeEqual(got, tc.want) {
				t.Fatalf("commonType = %v, %v; want %s", got, ok, tc.want)
			}
		})
	}
}

func TestDecimalArithType(t *testing.T) {
	t.Parallel()
	d := func(p, s int32) *arrow.Decimal128Type { return &arrow.Decimal128Type{Precision: p, Scale: s} }
	tests := []struct {
		name string
		op   arithOp
		a, b *arrow.Decimal128Type
		want *arrow.Decimal128Type
	}{
		{"add", opAdd, d(5, 2), d(4, 1), d(6, 2)},
		{"multiply q1", opMul, d(19, 0), d(3, 3), d(22, 3)},
		{"divide", opDiv, d(5, 2), d(5, 2), d(13, 8)},
		{"mod", opMod, d(5, 2), d(19, 0), d(5, 2)},
		{"multiply capped", opMul, d(30, 10), d(30, 10), d(38, 6)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := decimalArithType(tc.op, tc.a, tc.b); !arrow.TypeEqual(got, tc.want) {
				t.Fatalf("= %s, want %s", got, tc.want)
			}
		})
	}
}
