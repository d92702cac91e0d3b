package codec

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

// decodeRows decodes recs with dec into one batch and returns, for each
// record, its error and the committed rows' values as ValueStr strings
// ("NULL" for NULL), declared columns only. It checks that nothing leaks.
func decodeRows(t *testing.T, declared *arrow.Schema, dec Decoder, recs ...string) ([][]string, []error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b, err := sources.NewBatcher(mem, sources.WithSystemColumns(declared), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	errs := make([]error, len(recs))
	good := 0
	for i, r := range recs {
		errs[i] = dec.Decode([]byte(r), time.UnixMilli(1), b)
		if errs[i] == nil {
			good++
		}
	}
	rec := b.Flush()
	defer rec.Release()
	if int(rec.NumRows()) != good {
		t.Fatalf("batch has %d rows, %d records decoded", rec.NumRows(), good)
	}
	rows := make([][]string, rec.NumRows())
	for r := range rows {
		for c := 0; c < declared.NumFields(); c++ {
			col := rec.Column(c)
			if col.IsNull(r) {
				rows[r] = append(rows[r], "NULL")
			} else if d, ok := col.(*array.Decimal128); ok {
				rows[r] = append(rows[r], d.Value(r).ToString(d.DataType().(*arrow.Decimal128Type).Scale))
			} else {
				rows[r] = append(rows[r], col.ValueStr(r))
			}
		}
	}
	return rows, errs
}

func field(name string, t arrow.DataType, md ...string) arrow.Field {
	f := arrow.Field{Name: name, Type: t, Nullable: true}
	if len(md) > 0 {
		var k, v []string
		for i := 0; i+1 < len(md); i += 2 {
			k, v = append(k, md[i]), append(v, md[i+1])
		}
		f.Metadata = arrow.NewMetadata(k, v)
	}
	return f
}
