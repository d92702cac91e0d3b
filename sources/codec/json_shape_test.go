package codec

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// checkReused decodes lines one after another with one decoder, which
// remembers the keys of the records before (shape), and each line with a
// fresh decoder, and checks that every row and every error agree.
func checkReused(t testing.TB, read []bool, lines [][]byte) {
	t.Helper()
	schema := fuzzSchema()
	mk := func() *JSON {
		d, err := NewJSON(schema, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Prune(read); err != nil {
			t.Fatal(err)
		}
		return d
	}
	reused := mk()
	for i, line := range lines {
		rrow, rerr := decodeOne(t, schema, reused, read, line)
		frow, ferr := decodeOne(t, schema, mk(), read, line)
		if fmt.Sprint(rerr) != fmt.Sprint(ferr) || !reflect.DeepEqual(rrow, frow) {
			t.Fatalf("line %d %q after %q:\nreused decoder: %v %v\nfresh decoder:  %v %v", i, line, lines[:i], rrow, rerr, frow, ferr)
		}
	}
}

// shapeLines returns n lines whose keys mostly repeat the line before's,
// in order, with keys that differ from their predecessor at the same
// position only a little: a prefix or extension of it, another case, an
// escape, a quote cut short.
func shapeLines(r *rand.Rand, n int) [][]byte {
	keys := []string{`A`, `AB`, `a`, `\u0041`, `A\"`, `T`, `TT`, `S`, `s`, `OK`, `OKAY`, `other`, ``, `DATE_TIME_LONGER_KEY`, `DATE_TIME_LONGER_KEZ`, `N`, `x`}
	values := []string{`1`, `-7`, `"abc"`, `"2024-05-01T10:00:00Z"`, `true`, `null`, `{"y": [1, 2]}`, `"a\"b"`, `12.5`, `300`}
	var shape []string
	var out [][]byte
	for range n {
		switch {
		case len(shape) == 0 || r.IntN(5) == 0:
			shape = shape[:0]
			for k := 1 + r.IntN(8); k > 0; k-- {
				shape = append(shape, keys[r.IntN(len(keys))])
			}
		case r.IntN(2) == 0:
			shape[r.IntN(len(shape))] = keys[r.IntN(len(keys))]
		}
		var b strings.Builder
		b.WriteString("{")
		for i, k := range shape {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"%s":%s`, k, values[r.IntN(len(values))])
		}
		b.WriteString("}")
		line := []byte(b.String())
		if r.IntN(10) == 0 { // cut short, often inside a key
			line = line[:r.IntN(len(line))]
		}
		out = append(out, line)
	}
	return out
}

// TestReusedDecoderAgrees checks that remembering the keys of earlier
// records never changes what a record decodes to.
func TestReusedDecoderAgrees(t *testing.T) {
	t.Parallel()
	n := fuzzSchema().NumFields()
	for seed := uint64(0); seed < 60; seed++ {
		r := rand.New(rand.NewPCG(seed, 19))
		var read []bool
		if seed%3 != 0 {
			read = make([]bool, n)
			for i := range read {
				read[i] = r.IntN(2) == 0
			}
		}
		checkReused(t, read, shapeLines(r, 200))
	}
}

// TestSkipDigits compares the eight-at-a-time digit scan with a plain
// loop for every byte value at every position of runs of digits.
func TestSkipDigits(t *testing.T) {
	t.Parallel()
	naive := func(b []byte, j int) int {
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j
	}
	for n := 0; n <= 20; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				b := []byte(strings.Repeat("0123456789", 3)[:n])
				b[pos] = byte(c)
				if pos+1 < n {
					b[pos+1] = 0xff // a carry source above
				}
				for j := 0; j <= n; j++ {
					if got, want := skipDigits(b, j), naive(b, j); got != want {
						t.Fatalf("skipDigits(%q, %d) = %d, want %d", b, j, got, want)
					}
				}
			}
		}
	}
}
