package kafka

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

// rawDecoder is format raw: the whole message value is the one payload
// column (VARCHAR or VARBINARY).
type rawDecoder struct{}

var _ codec.Decoder = rawDecoder{}

func newRaw(payload *arrow.Schema) (codec.Decoder, error) {
	if payload.NumFields() != 1 {
		return nil, fmt.Errorf("kafka: format raw needs exactly one column besides the KAFKA_ metadata columns, not %d", payload.NumFields())
	}
	k, _ := sources.ColumnKindOf(payload.Field(0).Type)
	if k != sources.ColString && k != sources.ColBinary {
		return nil, fmt.Errorf("kafka: format raw: column %s must be VARCHAR or VARBINARY, not %s", payload.Field(0).Name, payload.Field(0).Type)
	}
	return rawDecoder{}, nil
}

// Decode commits rec, which the batcher keeps until Commit, as the row's
// one column; a nil value (a tombstone) is NULL.
func (rawDecoder) Decode(rec []byte, arrival time.Time, b *sources.Batcher) error {
	if b.NumColumns() != 1 {
		return fmt.Errorf("kafka: raw: batcher has %d columns, want 1", b.NumColumns())
	}
	if rec == nil {
		b.SetNull(0) // a message without a value (a tombstone)
	} else {
		b.SetBytes(0, rec)
	}
	return b.Commit(arrival)
}
