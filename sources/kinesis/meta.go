package kinesis

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

// The metadata columns a stream may declare; the source fills them from
// each record instead of decoding them from its data.
const (
	// PartitionKeyColumn holds the record's partition key (the user
	// record's, for KPL aggregated records).
	PartitionKeyColumn = "KINESIS_PARTITION_KEY"
	// SequenceNumberColumn holds the Kinesis record's sequence number,
	// shared by the user records of an aggregated record.
	SequenceNumberColumn = "KINESIS_SEQUENCE_NUMBER"
	// ShardIDColumn holds the id of the shard the record was read from.
	ShardIDColumn = "KINESIS_SHARD_ID"
)

// metaKind says which metadata a column holds.
type metaKind int

const (
	metaPartitionKey metaKind = iota
	metaSequenceNumber
	metaShardID
)

// metaOf returns the metadata column named name (any case).
func metaOf(name string) (metaKind, bool) {
	switch strings.ToUpper(name) {
	case PartitionKeyColumn:
		return metaPartitionKey, true
	case SequenceNumberColumn:
		return metaSequenceNumber, true
	case ShardIDColumn:
		return metaShardID, true
	}
	return 0, false
}

// layout maps the output schema onto the decoded columns and the metadata
// columns: the decoder and Batcher see the data schema, which lacks the
// metadata columns, and assemble puts the output batch together.
type layout struct {
	out  *arrow.Schema
	data *arrow.Schema // output schema minus the metadata columns
	// from[i] is, for output column i, the index in data (>= 0) or
	// -1-metaIndex for a metadata column.
	from  []int
	metas []metaKind
	build []*array.StringBuilder
}

// newLayout splits the output schema schema.
func newLayout(alloc memory.Allocator, schema *arrow.Schema) (*layout, error) {
	declared, err := sources.DeclaredColumns(schema)
	if err != nil {
		return nil, err
	}
	l := &layout{out: schema}
	var data []arrow.Field
	for i, f := range schema.Fields() {
		if k, ok := metaOf(f.Name); ok && i < declared.NumFields() {
			if f.Type.ID() != arrow.STRING {
				return nil, fmt.Errorf("kinesis: metadata column %s must be VARCHAR, not %s", f.Name, f.Type)
			}
			l.from = append(l.from, -1-len(l.metas))
			l.metas = append(l.metas, k)
			l.build = append(l.build, array.NewStringBuilder(alloc))
			continue
		}
		l.from = append(l.from, len(data))
		data = append(data, f)
	}
	md := schema.Metadata()
	l.data = arrow.NewSchema(data, &md)
	return l, nil
}

// add appends the metadata of one committed row.
func (l *layout) add(key, seq, shard string) {
	for i, k := range l.metas {
		switch k {
		case metaPartitionKey:
			l.build[i].Append(key)
		case metaSequenceNumber:
			l.build[i].Append(seq)
		case metaShardID:
			l.build[i].Append(shard)
		}
	}
}

// assemble returns the output batch for decoded batch data, taking the
// metadata rows added since the last call. It releases data; the caller
// owns the result and must Release it.
func (l *layout) assemble(data arrow.RecordBatch) arrow.RecordBatch {
	if len(l.metas) == 0 {
		return data
	}
	defer data.Release()
	metas := make([]arrow.Array, len(l.build))
	for i, b := range l.build {
		metas[i] = b.NewArray()
		defer metas[i].Release()
	}
	cols := make([]arrow.Array, len(l.from))
	for i, f := range l.from {
		if f >= 0 {
			cols[i] = data.Column(f)
		} else {
			cols[i] = metas[-1-f]
		}
	}
	return array.NewRecordBatch(l.out, cols, data.NumRows())
}

// release frees the metadata builders.
func (l *layout) release() {
	for _, b := range l.build {
		b.Release()
	}
	l.build = nil
}
