package codec

import (
	"errors"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sources"
)

func TestTruncationsCountedOrRejected(t *testing.T) {
	t.Parallel()
	declared := arrow.NewSchema([]arrow.Field{
		field("SYM", arrow.BinaryTypes.String, MetaLength, "4", MetaSQLType, "VARCHAR(4)"),
		field("N", arrow.BinaryTypes.String, MetaLength, "2", MetaSQLType, "VARCHAR(2)"),
	}, nil)
	tests := []struct {
		name      string
		format    string
		strict    bool
		recs      []string
		wantRows  [][]string
		wantCount map[string]int
		wantErrs  []bool // per record: rejected as ErrTruncated
	}{
		{
			name: "json truncated and counted", format: "json",
			recs:      []string{`{"SYM": "GOOGL", "N": 123}`, `{"SYM": "AMZN", "N": true}`, `{"sym": "IBM", "n": [1]}`},
			wantRows:  [][]string{{"GOOG", "12"}, {"AMZN", "tr"}, {"IBM", "[1"}},
			wantCount: map[string]int{"SYM": 1, "N": 3},
			wantErrs:  []bool{false, false, false},
		},
		{
			name: "csv truncated and counted", format: "csv",
			recs:      []string{`GOOGL,ab`, `IBM,abc`, `ÄÖÜßX,é`},
			wantRows:  [][]string{{"GOOG", "ab"}, {"IBM", "ab"}, {"ÄÖÜß", "é"}},
			wantCount: map[string]int{"SYM": 2, "N": 1},
			wantErrs:  []bool{false, false, false},
		},
		{
			name: "strict rejects instead", format: "json", strict: true,
			recs:      []string{`{"SYM": "GOOGL", "N": "1"}`, `{"SYM": "AMZN", "N": "12"}`},
			wantRows:  [][]string{{"AMZN", "12"}},
			wantCount: map[string]int{},
			wantErrs:  []bool{true, false},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw := map[string]string{"format": tc.format}
			if tc.strict {
				raw["strict_varchar"] = "true"
			}
			opts, err := sources.Validate(raw, Options(), false)
			if err != nil {
				t.Fatal(err)
			}
			dec, err := New(declared, opts)
			if err != nil {
				t.Fatal(err)
			}
			counts := map[string]int{}
			CountTruncations(dec, func(col string) { counts[col]++ })
			rows, errs := decodeRows(t, declared, dec, tc.recs...)
			if !reflect.DeepEqual(rows, tc.wantRows) {
				t.Errorf("rows %q, want %q", rows, tc.wantRows)
			}
			if !reflect.DeepEqual(counts, tc.wantCount) {
				t.Errorf("counted %v, want %v", counts, tc.wantCount)
			}
			for i, e := range errs {
				var te *TruncationError
				if got := errors.Is(e, ErrTruncated) && errors.As(e, &te); got != tc.wantErrs[i] || (e != nil && !got) {
					t.Errorf("record %d: error %v, want truncation error %v", i, e, tc.wantErrs[i])
				}
			}
		})
	}
}
