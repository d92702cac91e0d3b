package encode

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

func TestAppendFloat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    float64
		bits int
		json bool
		want string
	}{
		{name: "tenth", f: 0.1, bits: 64, want: "0.1"},
		{name: "negative zero", f: math.Copysign(0, -1), bits: 64, want: "-0"},
		{name: "large plain", f: 1e20, bits: 64, want: "100000000000000000000"},
		{name: "large exponent", f: 1.5e21, bits: 64, want: "1.5e+21"},
		{name: "small exponent", f: 1.25e-7, bits: 64, want: "1.25e-7"},
		{name: "tiny exponent keeps digits", f: 5e-324, bits: 64, want: "5e-324"},
		{name: "float32 shortest", f: float64(float32(0.1)), bits: 32, want: "0.1"},
		{name: "nan json", f: math.NaN(), bits: 64, json: true, want: "null"},
		{name: "inf json", f: math.Inf(1), bits: 64, json: true, want: "null"},
		{name: "nan text", f: math.NaN(), bits: 64, want: "NaN"},
		{name: "minus inf text", f: math.Inf(-1), bits: 32, want: "-Infinity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(appendFloat(nil, tc.f, tc.bits, tc.json)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestAppendFloatRoundTrips checks that the text reads back as the same
// float for random bit patterns.
func TestAppendFloatRoundTrips(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		bits int
	}{
		{name: "float64", bits: 64},
		{name: "float32", bits: 32},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(7, uint64(tc.bits)))
			for i := 0; i < 50000; i++ {
				var f float64
				if tc.bits == 64 {
					f = math.Float64frombits(rng.Uint64())
				} else {
					f = float64(math.Float32frombits(rng.Uint32()))
				}
				if math.IsNaN(f) || math.IsInf(f, 0) {
					continue
				}
				s := string(appendFloat(nil, f, tc.bits, true))
				back, err := strconv.ParseFloat(s, tc.bits)
				if err != nil || back != f {
					t.Fatalf("%v: text %q reads back as %v, %v", f, s, back, err)
				}
			}
		})
	}
}

func TestAppendDecimal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		n     decimal128.Num
		scale int32
		want  string
	}{
		{name: "scale 3", n: decimal128.FromI64(90800), scale: 3, want: "90.800"},
		{name: "leading zeros", n: decimal128.FromI64(5), scale: 4, want: "0.0005"},
		{name: "negative fraction", n: decimal128.FromI64(-5), scale: 1, want: "-0.5"},
		{name: "negative scale", n: decimal128.FromI64(12), scale: -2, want: "1200"},
		{name: "zero negative scale", n: decimal128.FromI64(0), scale: -2, want: "0"},
		{name: "min int64", n: decimal128.FromI64(math.MinInt64), scale: 0, want: "-9223372036854775808"},
		{name: "just above int64", n: decimal128.FromU64(1 << 63), scale: 2, want: "92233720368547758.08"},
		{name: "max precision", n: decimal128.GetMaxValue(38), scale: 38, want: "0.99999999999999999999999999999999999999"},
		{name: "min precision", n: decimal128.GetMaxValue(38).Negate(), scale: 10, want: "-9999999999999999999999999999.9999999999"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(appendDecimal128(nil, tc.n, tc.scale)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
