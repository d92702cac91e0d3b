package generator

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestCheckColumn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fields  []fieldSpec
		field   arrow.Field
		want    int
		wantErr bool
	}{
		{"exact", bidFields, arrow.Field{Name: "PRICE", Type: arrow.PrimitiveTypes.Int64}, bidPrice, false},
		{"lower case", bidFields, arrow.Field{Name: "date_time", Type: timestampType}, bidDateTime, false},
		{"camel case", personFields, arrow.Field{Name: "emailAddress", Type: arrow.BinaryTypes.String}, personEmail, false},
		{"bigint as double", auctionFields, arrow.Field{Name: "reserve", Type: arrow.PrimitiveTypes.Float64}, auctionReserve, false},
		{"double as real", tickerFields, arrow.Field{Name: "price", Type: arrow.PrimitiveTypes.Float32}, tickPrice, false},
		{"double as bigint", tickerFields, arrow.Field{Name: "price", Type: arrow.PrimitiveTypes.Int64}, -1, true},
		{"text as binary", bidFields, arrow.Field{Name: "url", Type: arrow.BinaryTypes.Binary}, -1, true},
		{"timestamp as date", bidFields, arrow.Field{Name: "date_time", Type: arrow.FixedWidthTypes.Date32}, -1, true},
		{"unknown", tickerFields, arrow.Field{Name: "volume", Type: arrow.PrimitiveTypes.Int64}, -1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := checkColumn(tc.fields, tc.field)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("checkColumn = %d, %v; want %d, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestSchemaOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		fields []fieldSpec
	}{{"ticker", tickerFields}, {"bid", bidFields}, {"auction", auctionFields}, {"person", personFields}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := schemaOf(tc.fields)
			for i, f := range s.Fields() {
				if id, err := checkColumn(tc.fields, f); err != nil || id != i {
					t.Fatalf("discovered field %s does not bind to itself: %d, %v", f.Name, id, err)
				}
			}
		})
	}
}
