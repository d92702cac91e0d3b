package generator

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// fieldKind is how a generated field is produced and which Arrow types a
// declared column of it may have.
type fieldKind uint8

const (
	kindInt   fieldKind = iota // int64: BIGINT (or DOUBLE, REAL)
	kindFloat                  // float64: DOUBLE (or REAL)
	kindText                   // VARCHAR
	kindTime                   // epoch milliseconds: TIMESTAMP
)

// fieldSpec is one generated field: its column name, SQL type and kind.
type fieldSpec struct {
	name, sqltype string
	kind          fieldKind
}

// Generated fields of each stream, in declaration order. The index of a
// field in its list is the field id its table's methods take.
var (
	tickerFields = []fieldSpec{
		{"TICKER_SYMBOL", "VARCHAR(4)", kindText},
		{"SECTOR", "VARCHAR(16)", kindText},
		{"CHANGE", "DOUBLE", kindFloat},
		{"PRICE", "DOUBLE", kindFloat},
	}
	bidFields = []fieldSpec{
		{"AUCTION", "BIGINT", kindInt},
		{"BIDDER", "BIGINT", kindInt},
		{"PRICE", "BIGINT", kindInt},
		{"CHANNEL", "VARCHAR", kindText},
		{"URL", "VARCHAR", kindText},
		{"DATE_TIME", "TIMESTAMP", kindTime},
		{"EXTRA", "VARCHAR", kindText},
	}
	auctionFields = []fieldSpec{
		{"ID", "BIGINT", kindInt},
		{"ITEM_NAME", "VARCHAR", kindText},
		{"DESCRIPTION", "VARCHAR", kindText},
		{"INITIAL_BID", "BIGINT", kindInt},
		{"RESERVE", "BIGINT", kindInt},
		{"DATE_TIME", "TIMESTAMP", kindTime},
		{"EXPIRES", "TIMESTAMP", kindTime},
		{"SELLER", "BIGINT", kindInt},
		{"CATEGORY", "BIGINT", kindInt},
		{"EXTRA", "VARCHAR", kindText},
	}
	personFields = []fieldSpec{
		{"ID", "BIGINT", kindInt},
		{"NAME", "VARCHAR", kindText},
		{"EMAIL_ADDRESS", "VARCHAR", kindText},
		{"CREDIT_CARD", "VARCHAR", kindText},
		{"CITY", "VARCHAR", kindText},
		{"STATE", "VARCHAR", kindText},
		{"DATE_TIME", "TIMESTAMP", kindTime},
		{"EXTRA", "VARCHAR", kindText},
	}
)

// Field ids of the tables, indexes into the lists above.
const (
	tickSymbol = iota
	tickSector
	tickChange
	tickPrice
)

const (
	bidAuction = iota
	bidBidder
	bidPrice
	bidChannel
	bidURL
	bidDateTime
	bidExtra
)

const (
	auctionID = iota
	auctionItemName
	auctionDescription
	auctionInitialBid
	auctionReserve
	auctionDateTime
	auctionExpires
	auctionSeller
	auctionCategory
	auctionExtra
)

const (
	personID = iota
	personName
	personEmail
	personCard
	personCity
	personState
	personDateTime
	personExtra
)

// timestampType is SQL TIMESTAMP in Eddy: milliseconds, no time zone.
var timestampType arrow.DataType = &arrow.TimestampType{Unit: arrow.Millisecond}

// arrowType is the Arrow type Discover declares for a kind.
func (k fieldKind) arrowType() arrow.DataType {
	switch k {
	case kindInt:
		return arrow.PrimitiveTypes.Int64
	case kindFloat:
		return arrow.PrimitiveTypes.Float64
	case kindTime:
		return timestampType
	}
	return arrow.BinaryTypes.String
}

// accepts tells whether a declared column of type dt can hold a field of kind k.
func (k fieldKind) accepts(dt arrow.DataType) bool {
	switch k {
	case kindInt:
		switch dt.ID() {
		case arrow.INT64, arrow.FLOAT64, arrow.FLOAT32:
			return true
		}
	case kindFloat:
		switch dt.ID() {
		case arrow.FLOAT64, arrow.FLOAT32:
			return true
		}
	case kindText:
		switch dt.ID() {
		case arrow.STRING, arrow.LARGE_STRING:
			return true
		}
	case kindTime:
		return dt.ID() == arrow.TIMESTAMP
	}
	return false
}

// schemaOf returns the declared columns of a stream, each with metadata
// "sqltype" holding its SQL type text.
func schemaOf(fields []fieldSpec) *arrow.Schema {
	out := make([]arrow.Field, len(fields))
	for i, f := range fields {
		out[i] = arrow.Field{
			Name:     f.name,
			Type:     f.kind.arrowType(),
			Nullable: true,
			Metadata: arrow.NewMetadata([]string{"sqltype"}, []string{f.sqltype}),
		}
	}
	return arrow.NewSchema(out, nil)
}

// normName folds a column name for matching: case-insensitive and ignoring
// underscores, so DATE_TIME, date_time and dateTime all match.
func normName(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "_", "")
}

// fieldIndex returns the id of the field called name, or -1.
func fieldIndex(fields []fieldSpec, name string) int {
	n := normName(name)
	for i, f := range fields {
		if normName(f.name) == n {
			return i
		}
	}
	return -1
}

// fieldNames lists the field names for messages.
func fieldNames(fields []fieldSpec) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

// checkColumn matches a declared column to a generated field.
func checkColumn(fields []fieldSpec, f arrow.Field) (int, error) {
	id := fieldIndex(fields, f.Name)
	if id < 0 {
		return -1, fmt.Errorf("generator: unknown column %q (the stream has %s)", f.Name, fieldNames(fields))
	}
	if spec := fields[id]; !spec.kind.accepts(f.Type) {
		return -1, fmt.Errorf("generator: column %q is declared %s but generated as %s", f.Name, f.Type, spec.sqltype)
	}
	return id, nil
}
