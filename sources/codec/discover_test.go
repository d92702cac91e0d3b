package codec

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sources"
)

// samplesOf formats pattern with 0…n-1 (every %d verb gets the index).
func samplesOf(pattern string, n int) []string {
	out := make([]string, n)
	for i := range out {
		args := make([]any, strings.Count(pattern, "%d"))
		for j := range args {
			args[j] = i
		}
		out[i] = fmt.Sprintf(pattern, args...)
	}
	return out
}

// describe prints a schema as NAME TYPE [mapping] lines.
func describe(s *arrow.Schema) string {
	var sb strings.Builder
	for _, f := range s.Fields() {
		sqlType, _ := f.Metadata.GetValue(MetaSQLType)
		sb.WriteString(f.Name + " " + sqlType + " " + f.Type.String())
		if m, ok := f.Metadata.GetValue(MetaMapping); ok {
			sb.WriteString(" " + m)
		}
		if m, ok := f.Metadata.GetValue(MetaOutvoted); ok {
			sb.WriteString(" outvoted " + m)
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

func TestDiscover(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		format  string
		header  bool
		samples []string
		want    string
		wantErr error // nil: any error when wantAny
		wantAny bool
	}{
		{
			name:   "json types and keys as written",
			format: "json",
			samples: []string{
				`{"ticker_symbol": "AMZN", "Price": 12, "change": -0.5, "ok": true, "at": "2024-05-01T10:00:00Z", "n": null}`,
				`{"ticker_symbol": "GOOGL", "Price": 13.25, "change": 1, "ok": false, "at": "2024-05-01 10:00:01"}`,
			},
			want: "ticker_symbol VARCHAR(16) utf8 $.ticker_symbol\nPrice DOUBLE float64 $.Price\nchange DOUBLE float64 $.change\n" +
				"ok BOOLEAN bool $.ok\nat TIMESTAMP timestamp[ms] $.at\nn VARCHAR(16) utf8 $.n\n",
		},
		{
			name:    "json nesting flattened two levels",
			format:  "json",
			samples: []string{`{"a": {"b": 1, "c": {"d": "x", "e": {"f": 1}}}, "arr": [1, 2], "odd key": 1}`},
			want: "a_b BIGINT int64 $.a.b\na_c_d VARCHAR(16) utf8 $.a.c.d\na_c_e VARCHAR(16) utf8 $.a.c.e\n" +
				"arr VARCHAR(16) utf8 $.arr\nodd key BIGINT int64 $['odd key']\n",
		},
		{
			name:    "json keys differing in case are distinct columns",
			format:  "json",
			samples: []string{`{"v": 1}`, `{"v": "abc"}`, `not json`, `{"V": 2}`},
			want:    "v VARCHAR(16) utf8 $.v\nV BIGINT int64 $.V\n",
		},
		{
			name:    "json varchar headroom",
			format:  "json",
			samples: []string{`{"s": "abcdefghijklmnopqrstu"}`}, // 21 characters
			want:    "s VARCHAR(64) utf8 $.s\n",
		},
		{
			name:    "json odd value outvoted",
			format:  "json",
			samples: append(samplesOf(`{"p": %d}`, 20), `{"p": "12x"}`),
			want:    "p BIGINT int64 $.p outvoted 1 of 21 samples: \"12x\"\n",
		},
		{
			name:    "json too many odd values widen to varchar",
			format:  "json",
			samples: append(samplesOf(`{"p": %d}`, 10), `{"p": "12x"}`),
			want:    "p VARCHAR(16) utf8 $.p\n",
		},
		{
			name:    "csv columns without a header",
			format:  "csv",
			samples: []string{`1,2.5,true,2024-05-01 10:00:00,"a,b",`, `2,3,FALSE,2024-05-02 10:00:00,c,x`},
			want: "COL_1 BIGINT int64\nCOL_2 DOUBLE float64\nCOL_3 BOOLEAN bool\nCOL_4 TIMESTAMP timestamp[ms]\n" +
				"COL_5 VARCHAR(16) utf8\nCOL_6 VARCHAR(16) utf8\n",
		},
		{
			name:    "csv header detected",
			format:  "csv",
			samples: []string{`ticker,Price,note`, `AMZN,12.5,x`, `GOOGL,13,y`},
			want:    "ticker VARCHAR(16) utf8\nPrice DOUBLE float64\nnote VARCHAR(16) utf8\n",
		},
		{
			name:    "csv header option names columns even when all strings",
			format:  "csv",
			header:  true,
			samples: []string{`a,b,`, `x,y,z`},
			want:    "a VARCHAR(16) utf8\nb VARCHAR(16) utf8\nCOL_3 VARCHAR(16) utf8\n",
		},
		{
			name:    "csv all strings is no header",
			format:  "csv",
			samples: []string{`a,b`, `x,y`},
			want:    "COL_1 VARCHAR(16) utf8\nCOL_2 VARCHAR(16) utf8\n",
		},
		{
			name:    "csv odd value outvoted",
			format:  "csv",
			samples: append([]string{"sym,price"}, append(samplesOf("S%d,%d", 30), "T,12x")...),
			want:    "sym VARCHAR(16) utf8\nprice BIGINT int64 outvoted 1 of 31 samples: \"12x\"\n",
		},
		{name: "json empty input", format: "json", samples: nil, wantErr: ErrNoSamples},
		{name: "csv blank input", format: "csv", samples: []string{"", "  "}, wantErr: ErrNoSamples},
		{name: "csv only a header", format: "csv", header: true, samples: []string{"a,b"}, wantErr: ErrNoSamples},
		{name: "no good samples", format: "json", samples: []string{"[1]", "x"}, wantAny: true},
		{name: "unknown format", format: "avro", samples: []string{"{}"}, wantAny: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			samples := make([][]byte, len(tc.samples))
			for i, s := range tc.samples {
				samples[i] = []byte(s)
			}
			opts := map[string]string{"format": tc.format}
			if tc.header {
				opts["header"] = "true"
			}
			var s *arrow.Schema
			vopts, err := sources.Validate(opts, Options(), false)
			if err == nil {
				s, err = DiscoverWith(samples, vopts)
			}
			if tc.wantErr != nil || tc.wantAny {
				if err == nil {
					t.Fatalf("Discover succeeded: %s", describe(s))
				}
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(s); got != tc.want {
				t.Fatalf("schema:\n%s\nwant:\n%s", got, tc.want)
			}
			// The discovered schema decodes the samples.
			if tc.format == "json" {
				d, err := NewJSON(s, nil)
				if err != nil {
					t.Fatal(err)
				}
				_, errs := decodeRows(t, s, d, tc.samples[0])
				if errs[0] != nil {
					t.Fatalf("decoding a sample with the discovered schema: %v", errs[0])
				}
			}
		})
	}
}

func TestVarcharLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		longest int
		want    int
	}{
		{"empty is 16", 0, 16},
		{"short is 16", 5, 16},
		{"eight doubles to 16", 8, 16},
		{"nine needs 32", 9, 32},
		{"long rounds up", 100, 256},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := varcharLength(tc.longest); got != tc.want {
				t.Fatalf("varcharLength(%d) = %d, want %d", tc.longest, got, tc.want)
			}
		})
	}
}
