package codec

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/eddy-sql/eddy/sources"
)

// BenchmarkFramer frames Nexmark bid lines (JSON, and CSV with quoting
// on) read in 64 KiB chunks, as the file and stdin sources do.
func BenchmarkFramer(b *testing.B) {
	jl, cl := bidLines(4096)
	quoted := make([][]byte, len(cl))
	for i, l := range cl {
		quoted[i] = append(append([]byte(`"`), l...), `",x`...) // one quoted field per record
	}
	for _, tc := range []struct {
		name   string
		format string
		lines  [][]byte
	}{
		{"json", "json", jl},
		{"csv", "csv", cl},
		{"csv_quoted", "csv", quoted},
	} {
		b.Run(tc.name, func(b *testing.B) {
			data := append(bytes.Join(tc.lines, []byte{'\n'}), '\n')
			f, err := NewFramer(sources.Options{"format": tc.format}, 0)
			if err != nil {
				b.Fatal(err)
			}
			r := bytes.NewReader(data)
			var events int64
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r.Reset(data)
				f.Reset()
				for {
					_, err := f.Fill(r)
					for {
						if _, ok := f.Next(); !ok {
							break
						}
						events++
					}
					if err == io.EOF {
						break
					}
				}
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
			if events != int64(b.N)*int64(len(tc.lines)) {
				b.Fatal(fmt.Sprintf("framed %d records, want %d", events, int64(b.N)*int64(len(tc.lines))))
			}
		})
	}
}
