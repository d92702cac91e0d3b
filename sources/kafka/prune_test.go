package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

// TestSourcePrunesColumns reads JSON bids with option eddy.columns naming
// AUCTION and a metadata column: the read columns and the metadata come
// out, the others are NULL, a bad value in an unread column is not
// detected and one in a read column is, and malformed JSON is rejected.
func TestSourcePrunesColumns(t *testing.T) {
	t.Parallel()
	addr := startBroker(t, 1, "bids")
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	produce(t, addr, "bids", []msg{
		{key: "a", value: bid(1, 7, 100, base), ts: base},
		{key: "b", value: `{"auction": 2, "bidder": "not a number", "price": 5, "dateTime": "2024-05-01T10:00:01.000Z"}`, ts: base},
		{key: "c", value: `{"auction": "bad", "price": 5, "dateTime": "2024-05-01T10:00:02.000Z"}`, ts: base},
		{key: "d", value: `{"auction": 4, "bidder": [1, {"x": "y"}, "price": 5}`, ts: base},
		{key: "e", value: bid(5, 8, 101, base.Add(time.Second)), ts: base},
	})
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := bidSchema(arrow.Field{Name: "KAFKA_KEY", Type: arrow.BinaryTypes.String, Nullable: true})
	rj := &rejects{}
	src, err := New(context.Background(), testEnv(mem, schema, rj), map[string]string{
		"brokers": addr, "topic": "bids", "stop_at_end": "true", "rowtime": "datetime",
		sources.ColumnsOption: "AUCTION,KAFKA_KEY",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rows := readRows(t, src, 10, 20*time.Second)
	want := []row{
		{"AUCTION": "1", "BIDDER": "NULL", "PRICE": "NULL", "KAFKA_KEY": "a"},
		{"AUCTION": "2", "BIDDER": "NULL", "PRICE": "NULL", "KAFKA_KEY": "b"},
		{"AUCTION": "5", "BIDDER": "NULL", "PRICE": "NULL", "KAFKA_KEY": "e"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %v", len(rows), len(want), rows)
	}
	for i, w := range want {
		for k, v := range w {
			if rows[i][k] != v {
				t.Errorf("row %d %s = %s, want %s (%v)", i, k, rows[i][k], v, rows[i])
			}
		}
		if rows[i]["DATETIME"] == "NULL" {
			t.Errorf("row %d: the rowtime column was not read", i)
		}
	}
	if got := rj.list(); len(got) != 2 || string(got[0].Data) != `{"auction": "bad", "price": 5, "dateTime": "2024-05-01T10:00:02.000Z"}` {
		t.Fatalf("rejected %d records, want the bad AUCTION and the malformed one: %v", len(got), got)
	}
}
