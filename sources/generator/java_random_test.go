package generator

import (
	"strconv"
	"testing"
)

func TestJavaRandomVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  func() any
		want any
	}{
		{"seed 0 nextInt", func() any { r := newJavaRandom(0); return r.nextInt32() }, int32(-1155484576)},
		{"seed 42 nextInt", func() any { r := newJavaRandom(42); return r.nextInt32() }, int32(-1170105035)},
		{"seed 0 nextDouble", func() any { r := newJavaRandom(0); return r.nextDouble() }, 0.730967787376657},
		{"seed 42 nextInt(10)", func() any { r := newJavaRandom(42); return r.nextInt(10) }, int32(0)},
		{"seed 0 nextInt(100)", func() any { r := newJavaRandom(0); return r.nextInt(100) }, int32(60)},
		{"seed 0 nextInt(16) power of two", func() any { r := newJavaRandom(0); return r.nextInt(16) }, int32(11)},
		{"seed 0 nextLong", func() any { r := newJavaRandom(0); return r.nextLong() }, int64(-4962768465676381896)},
		{"setSeed resets", func() any {
			r := newJavaRandom(5)
			r.nextLong()
			r.setSeed(42)
			return r.nextInt32()
		}, int32(-1170105035)},
		{"nextBounded small uses nextInt", func() any { r := newJavaRandom(0); return r.nextBounded(100) }, int64(60)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.got(); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestJavaRandomNextIntInRange(t *testing.T) {
	t.Parallel()
	for _, bound := range []int32{1, 2, 3, 7, 13, 26, 1 << 20, 1<<30 + 1, 1<<31 - 1} {
		t.Run(strconv.Itoa(int(bound)), func(t *testing.T) {
			t.Parallel()
			r := newJavaRandom(int64(bound))
			for range 10000 {
				if v := r.nextInt(bound); v < 0 || v >= bound {
					t.Fatalf("nextInt(%d) = %d", bound, v)
				}
			}
		})
	}
}
