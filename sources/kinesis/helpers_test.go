package kinesis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

// tickerSchema declares ticker columns and the three metadata columns.
func tickerSchema() *arrow.Schema {
	return sources.WithSystemColumns(arrow.NewSchema([]arrow.Field{
		{Name: "TICKER_SYMBOL", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "KINESIS_SHARD_ID", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "SEQ", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "PRICE", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "KINESIS_PARTITION_KEY", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "KINESIS_SEQUENCE_NUMBER", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil))
}

// tick is one ticker record.
type tick struct {
	Symbol string  `json:"TICKER_SYMBOL"`
	Seq    int64   `json:"SEQ"`
	Price  float64 `json:"PRICE"`
}

var symbols = []string{"AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH"}

// ticks returns n ticker records, SEQ counting from first, cycling the
// symbols.
func ticks(first, n int) []tick {
	out := make([]tick, n)
	for i := range out {
		k := first + i
		out[i] = tick{Symbol: symbols[k%len(symbols)], Seq: int64(k), Price: float64(k) / 4}
	}
	return out
}

// putTicks writes ts with PutRecords, the symbol as partition key, in
// calls of at most 500, retrying records that failed.
func putTicks(ctx context.Context, c *kinesis.Client, stream string, ts []tick) error {
	entries := make([]types.PutRecordsRequestEntry, len(ts))
	for i, t := range ts {
		b, _ := json.Marshal(t)
		entries[i] = types.PutRecordsRequestEntry{Data: b, PartitionKey: aws.String(t.Symbol)}
	}
	return putEntries(ctx, c, stream, entries)
}

func putEntries(ctx context.Context, c *kinesis.Client, stream string, entries []types.PutRecordsRequestEntry) error {
	for len(entries) > 0 {
		n := min(len(entries), 500)
		// Records of one key stay in order: put them one call at a time.
		out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries[:n]})
		if err != nil {
			return err
		}
		if aws.ToInt32(out.FailedRecordCount) > 0 {
			return fmt.Errorf("%d records failed", aws.ToInt32(out.FailedRecordCount))
		}
		entries = entries[n:]
	}
	return nil
}

// row is one output row of tickerSchema.
type row struct {
	Symbol, Shard, Key, SeqNo string
	Seq                       int64
	Arrival                   int64
	SymbolNull, PriceNull     bool
}

// rowsOf reads the rows of a tickerSchema batch.
func rowsOf(b arrow.RecordBatch) []row {
	out := make([]row, b.NumRows())
	sym := b.Column(0).(*array.String)
	shard := b.Column(1).(*array.String)
	seq := b.Column(2).(*array.Int64)
	key := b.Column(4).(*array.String)
	seqNo := b.Column(5).(*array.String)
	arr := b.Column(6).(*array.Timestamp)
	for i := range out {
		out[i] = row{Symbol: sym.Value(i), Shard: shard.Value(i), Seq: seq.Value(i), Key: key.Value(i), SeqNo: seqNo.Value(i), Arrival: int64(arr.Value(i)),
			SymbolNull: sym.IsNull(i), PriceNull: b.Column(3).IsNull(i)}
	}
	return out
}

// readUntil calls Next until done says so or the source ends, failing the
// test after a deadline.
func readUntil(t *testing.T, src sources.Source, done func([]row) bool) []row {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var rows []row
	for !done(rows) {
		b, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			t.Fatalf("next after %d rows: %v", len(rows), err)
		}
		if !b.Schema().Equal(src.Schema()) {
			t.Fatalf("batch schema %s", b.Schema())
		}
		rows = append(rows, rowsOf(b)...)
		b.Release()
	}
	return rows
}

func toEOF([]row) bool { return false }

// rejects collects bad records; safe for concurrent use.
type rejects struct {
	mu  sync.Mutex
	got []sources.BadRecord
}

func (r *rejects) add(b sources.BadRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, b)
}

func (r *rejects) list() []sources.BadRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sources.BadRecord(nil), r.got...)
}

// fixture is a kinesalite server and a checked allocator for one test.
type fixture struct {
	srv *kinesalite.Server
	mem *memory.CheckedAllocator
	rj  *rejects
}

func newFixture(t *testing.T, srv *kinesalite.Server) *fixture {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return &fixture{srv: srv, mem: mem, rj: &rejects{}}
}

// open opens a source on stream with the server's options plus extra.
func (f *fixture) open(t *testing.T, stream string, extra map[string]string) sources.Source {
	t.Helper()
	opts := f.srv.Options(stream)
	opts["poll_interval"] = "20ms"
	opts["discover_interval"] = "100ms"
	for k, v := range extra {
		opts[k] = v
	}
	env := sources.Env{Stream: "IN", Schema: tickerSchema(), Alloc: f.mem, Clock: time.Now, Reject: f.rj.add}
	src, err := New(context.Background(), env, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// checkOrder fails the test unless, per symbol, SEQ increases, and per
// shard, sequence numbers never decrease (user records of an aggregated
// record share one).
func checkOrder(t *testing.T, rows []row) {
	t.Helper()
	lastSeq := map[string]int64{}
	lastNo := map[string]string{}
	for _, r := range rows {
		if prev, ok := lastSeq[r.Symbol]; ok && r.Seq <= prev {
			t.Errorf("symbol %s: SEQ %d after %d", r.Symbol, r.Seq, prev)
		}
		lastSeq[r.Symbol] = r.Seq
		if prev, ok := lastNo[r.Shard]; ok && seqLess(r.SeqNo, prev) {
			t.Errorf("shard %s: sequence number %s after %s", r.Shard, r.SeqNo, prev)
		}
		lastNo[r.Shard] = r.SeqNo
	}
}

// seqLess compares decimal sequence numbers.
func seqLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// checkAll fails the test unless rows hold SEQ 0..n-1 exactly once.
func checkAll(t *testing.T, rows []row, n int) {
	t.Helper()
	seen := make([]int, n)
	for _, r := range rows {
		if r.Seq < 0 || r.Seq >= int64(n) {
			t.Errorf("unexpected SEQ %d", r.Seq)
			continue
		}
		seen[r.Seq]++
	}
	for i, c := range seen {
		if c != 1 {
			t.Errorf("SEQ %d read %d times", i, c)
		}
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func arrowSchemaWithIntShard() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{{Name: "KINESIS_SHARD_ID", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
}

// envFor returns a source environment with the fixture's allocator and
// rejects.
func (f *fixture) envFor() sources.Env {
	return sources.Env{Stream: "IN", Schema: tickerSchema(), Alloc: f.mem, Clock: time.Now, Reject: f.rj.add}
}
