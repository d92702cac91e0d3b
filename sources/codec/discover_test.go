package codec

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// describe prints a schema as NAME TYPE [mapping] lines.
func describe(s *arrow.Schema) string {
	var sb strings.Builder
	for _, f := range s.Fields() {
		sqlType, _ := f.Metadata.GetValue(MetaSQLType)
		sb.WriteString(f.Name + " " + sqlType + " " + f.Type.String())
		if m, ok := f.Metadata.GetValue(MetaMapping); ok {
			sb.WriteString(" " + m)
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
		samples []string
		want    string
		wantErr bool
	}{
		{
			name:   "json types",
			format: "json",
			samples: []string{
				`{"ticker_symbol": "AMZN", "price": 12, "change": -0.5, "ok": true, "at": "2024-05-01T10:00:00Z", "n": null}`,
				`{"ticker_symbol": "GOOGL", "price": 13.25, "change": 1, "ok": false, "at": "2024-05-01 10:00:01"}`,
			},
			want: "TICKER_SYMBOL VARCHAR(5) utf8 $.ticker_symbol\nPRICE DOUBLE float64 $.price\nCHANGE DOUBLE float64 $.change\n" +
				"OK BOOLEAN bool $.ok\nAT TIMESTAMP timestamp[ms] $.at\nN VARCHAR(1) utf8 $.n\n",
		},
		{
			name:    "json nesting flattened two levels",
			format:  "json",
			samples: []string{`{"a": {"b": 1, "c": {"d": "x", "e": {"f": 1}}}, "arr": [1, 2], "odd key": 1}`},
			want: "A_B BIGINT int64 $.a.b\nA_C_D VARCHAR(1) utf8 $.a.c.d\nA_C_E VARCHAR(8) utf8 $.a.c.e\n" +
				"ARR VARCHAR(6) utf8 $.arr\nODD_KEY BIGINT int64 $['odd key']\n",
		},
		{
			name:    "json conflicting types widen to varchar",
			format:  "json",
			samples: []string{`{"v": 1}`, `{"v": "abc"}`, `not json`, `{"V": 2}`},
			want:    "V VARCHAR(3) utf8 $.v\nV_2 BIGINT int64 $.V\n",
		},
		{
			name:    "csv columns",
			format:  "csv",
			samples: []string{`1,2.5,true,2024-05-01 10:00:00,"a,b",`, `2,3,FALSE,2024-05-02 10:00:00,c,x`},
			want: "COL_1 BIGINT int64\nCOL_2 DOUBLE float64\nCOL_3 BOOLEAN bool\nCOL_4 TIMESTAMP timestamp[ms]\n" +
				"COL_5 VARCHAR(3) utf8\nCOL_6 VARCHAR(1) utf8\n",
		},
		{name: "no good samples", format: "json", samples: []string{"[1]", "x"}, wantErr: true},
		{name: "unknown format", format: "avro", samples: []string{"{}"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			samples := make([][]byte, len(tc.samples))
			for i, s := range tc.samples {
				samples[i] = []byte(s)
			}
			s, err := Discover(samples, tc.format)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Discover succeeded: %s", describe(s))
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
