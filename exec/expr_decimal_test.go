package exec

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

func TestDecimalHelpers(t *testing.T) {
	t.Parallel()
	n := decimal128.FromI64
	big := decimal128.GetMaxValue(38)
	tests := []struct {
		name string
		f    func() (decimal128.Num, bool)
		want decimal128.Num
		ok   bool
	}{
		{"mul", func() (decimal128.Num, bool) { return decMul(n(-12), n(12)) }, n(-144), true},
		{"mul int64 extremes", func() (decimal128.Num, bool) { return decMul(n(math.MinInt64), n(math.MinInt64)) }, decimal128.New(1<<62, 0), true},
		{"mul overflow", func() (decimal128.Num, bool) { return decMul(big, n(10)) }, decimal128.Num{}, false},
		{"add overflow", func() (decimal128.Num, bool) { return decAdd(decimal128.New(math.MaxInt64, math.MaxUint64), n(1)) }, decimal128.Num{}, false},
		{"rescale up", func() (decimal128.Num, bool) { return decRescale(n(15), 1, 3) }, n(1500), true},
		{"rescale down rounds half away", func() (decimal128.Num, bool) { return decRescale(n(-125), 2, 1) }, n(-13), true},
		{"rescale down rounds down", func() (decimal128.Num, bool) { return decRescale(n(124), 2, 1) }, n(12), true},
		{"rescale down by 25 digits", func() (decimal128.Num, bool) { return decRescale(big, 38, 13) }, decimal128.GetScaleMultiplier(13), true},
		{"divide", func() (decimal128.Num, bool) { return decDiv(n(100), 2, n(300), 2, 4) }, n(3333), true},
		{"divide rounds", func() (decimal128.Num, bool) { return decDiv(n(-2), 0, n(3), 0, 2) }, n(-67), true},
		{"divide by zero", func() (decimal128.Num, bool) { return decDiv(n(1), 0, n(0), 0, 2) }, decimal128.Num{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tc.f()
			if ok != tc.ok || (ok && got != tc.want) {
				t.Fatalf("= %s, %v; want %s, %v", got.ToString(0), ok, tc.want.ToString(0), tc.ok)
			}
		})
	}
	t.Run("to int64", func(t *testing.T) {
		t.Parallel()
		if v, ok := decToInt64(n(-1299), 2); !ok || v != -12 {
			t.Fatalf("decToInt64 = %d, %v", v, ok)
		}
		if _, ok := decToInt64(big, 0); ok {
			t.Fatal("decToInt64 of 10^38-1 fits")
		}
	})
}
