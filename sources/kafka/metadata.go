package kafka

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/eddy-sql/eddy/sources"
)

// The metadata columns a stream read from Kafka may declare. They are
// filled from the message, not decoded from its value; the Kafka
// timestamp of a message is its APPROXIMATE_ARRIVAL_TIME.
const (
	// TopicColumn (VARCHAR) is the message's topic.
	TopicColumn = "KAFKA_TOPIC"
	// PartitionColumn (INTEGER or BIGINT) is the message's partition.
	PartitionColumn = "KAFKA_PARTITION"
	// OffsetColumn (BIGINT) is the message's offset in its partition.
	OffsetColumn = "KAFKA_OFFSET"
	// KeyColumn (VARCHAR or VARBINARY) is the message key; NULL without one.
	KeyColumn = "KAFKA_KEY"
	// HeadersColumn (VARCHAR) holds the headers as a JSON object of
	// strings, {"name":"value",…}; NULL when the message has none.
	HeadersColumn = "KAFKA_HEADERS"
)

type metaKind uint8

const (
	metaTopic metaKind = iota
	metaPartition
	metaOffset
	metaKey
	metaHeaders
)

var metaNames = map[string]metaKind{
	TopicColumn: metaTopic, PartitionColumn: metaPartition, OffsetColumn: metaOffset,
	KeyColumn: metaKey, HeadersColumn: metaHeaders,
}

// meta is one declared metadata column and its builder.
type meta struct {
	field int // index in the declared columns
	kind  metaKind
	col   sources.ColumnKind
	build array.Builder
}

// layout splits the declared columns into payload columns, which the
// decoder fills, and metadata columns, and puts batches back together.
type layout struct {
	out     *arrow.Schema // the source's output schema
	payload *arrow.Schema // payload columns plus the system columns
	from    []int         // per declared column: its payload index, or -1
	metas   []meta
	scratch []byte
}

func newLayout(alloc memory.Allocator, out *arrow.Schema) (*layout, error) {
	declared, err := sources.DeclaredColumns(out)
	if err != nil {
		return nil, err
	}
	l := &layout{out: out, from: make([]int, declared.NumFields())}
	var payload []arrow.Field
	for i, f := range declared.Fields() {
		kind, ok := metaNames[strings.ToUpper(f.Name)]
		if !ok {
			l.from[i] = len(payload)
			payload = append(payload, f)
			continue
		}
		l.from[i] = -1
		col, ok := sources.ColumnKindOf(f.Type)
		if !ok || !metaTypeOK(kind, col) {
			return nil, fmt.Errorf("kafka: column %s cannot be %s (%s)", f.Name, f.Type, metaTypeDoc(kind))
		}
		l.metas = append(l.metas, meta{field: i, kind: kind, col: col, build: array.NewBuilder(alloc, f.Type)})
	}
	md := declared.Metadata()
	l.payload = sources.WithSystemColumns(arrow.NewSchema(payload, &md))
	return l, nil
}

func metaTypeOK(k metaKind, c sources.ColumnKind) bool {
	switch k {
	case metaTopic, metaHeaders:
		return c == sources.ColString
	case metaKey:
		return c == sources.ColString || c == sources.ColBinary
	case metaPartition:
		return c == sources.ColInt32 || c == sources.ColInt64
	default:
		return c == sources.ColInt64
	}
}

func metaTypeDoc(k metaKind) string {
	switch k {
	case metaTopic, metaHeaders:
		return "use VARCHAR"
	case metaKey:
		return "use VARCHAR or VARBINARY"
	case metaPartition:
		return "use INTEGER or BIGINT"
	default:
		return "use BIGINT"
	}
}

// add appends the metadata of m, whose value decoded into a row.
func (l *layout) add(m *kafkago.Message) {
	for i := range l.metas {
		c := &l.metas[i]
		switch c.kind {
		case metaTopic:
			appendBytes(c.build, []byte(m.Topic))
		case metaPartition:
			appendInt(c.build, int64(m.Partition))
		case metaOffset:
			appendInt(c.build, m.Offset)
		case metaKey:
			if m.Key == nil {
				c.build.AppendNull()
			} else {
				appendBytes(c.build, m.Key)
			}
		case metaHeaders:
			if len(m.Headers) == 0 {
				c.build.AppendNull()
			} else {
				l.scratch = AppendHeaders(l.scratch[:0], m.Headers)
				appendBytes(c.build, l.scratch)
			}
		}
	}
}

func appendBytes(b array.Builder, v []byte) {
	switch bb := b.(type) {
	case *array.StringBuilder:
		bb.BinaryBuilder.Append(v)
	case *array.LargeStringBuilder:
		bb.BinaryBuilder.Append(v)
	case *array.BinaryBuilder:
		bb.Append(v)
	}
}

func appendInt(b array.Builder, v int64) {
	switch bb := b.(type) {
	case *array.Int32Builder:
		bb.Append(int32(v))
	case *array.Int64Builder:
		bb.Append(v)
	}
}

// assemble returns the output batch for payload (a batch of the payload
// schema) and the metadata added since the last call. It releases payload;
// the caller owns the result.
func (l *layout) assemble(payload arrow.RecordBatch) arrow.RecordBatch {
	if len(l.metas) == 0 {
		return payload // same fields, in the same order
	}
	defer payload.Release()
	n := len(l.from)
	cols := make([]arrow.Array, n+2)
	for i, j := range l.from {
		if j >= 0 {
			cols[i] = payload.Column(j)
		}
	}
	var built []arrow.Array
	for _, m := range l.metas {
		a := m.build.NewArray()
		built = append(built, a)
		cols[m.field] = a
	}
	k := len(l.from) - len(l.metas)
	cols[n], cols[n+1] = payload.Column(k), payload.Column(k+1)
	rec := array.NewRecordBatch(l.out, cols, payload.NumRows())
	for _, a := range built {
		a.Release()
	}
	return rec
}

// release frees the metadata builders.
func (l *layout) release() {
	for _, m := range l.metas {
		if m.build != nil {
			m.build.Release()
		}
	}
	l.metas = nil
}

// AppendHeaders appends headers as a JSON object of strings to dst:
// {"name":"value",…} in message order (a repeated name appears twice).
// Bytes that are not UTF-8 become U+FFFD.
func AppendHeaders(dst []byte, headers []kafkago.Header) []byte {
	dst = append(dst, '{')
	for i, h := range headers {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, []byte(h.Key))
		dst = append(dst, ':')
		dst = appendJSONString(dst, h.Value)
	}
	return append(dst, '}')
}

func appendJSONString(dst, s []byte) []byte {
	dst = append(dst, '"')
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r < 0x20:
			switch r {
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\r':
				dst = append(dst, '\\', 'r')
			default:
				dst = append(dst, `\u00`...)
				dst = append(dst, "0123456789abcdef"[r>>4], "0123456789abcdef"[r&0xf])
			}
		case r == utf8.RuneError && size == 1:
			dst = append(dst, "\ufffd"...)
		default:
			dst = append(dst, s[:size]...)
		}
		s = s[size:]
	}
	return append(dst, '"')
}

// partitionName is how a partition appears in bad records and positions.
func partitionName(p int) string { return strconv.Itoa(p) }
