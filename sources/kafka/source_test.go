package kafka

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"context"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func bidSchema(extra ...arrow.Field) *arrow.Schema {
	fields := []arrow.Field{
		{Name: "AUCTION", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "BIDDER", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "PRICE", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "DATETIME", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
	}
	return arrow.NewSchema(append(fields, extra...), nil)
}

func TestSourceReadsEveryPartitionInOrder(t *testing.T) {
	t.Parallel()
	addr := startBroker(t, 3, "bids")
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	var msgs []msg
	for i := range 30 {
		msgs = append(msgs, msg{partition: int32(i % 3), key: "k" + strconv.Itoa(i), value: bid(int64(i), 7, int64(100+i), base.Add(time.Duration(i)*time.Second)),
			headers: map[string]string{"src": "t", "n": strconv.Itoa(i)}, ts: base.Add(time.Duration(i) * time.Millisecond)})
	}
	produce(t, addr, "bids", msgs)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := bidSchema(
		arrow.Field{Name: "KAFKA_KEY", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "KAFKA_PARTITION", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		arrow.Field{Name: "KAFKA_OFFSET", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		arrow.Field{Name: "KAFKA_HEADERS", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "KAFKA_TOPIC", Type: arrow.BinaryTypes.String, Nullable: true},
	)
	src, err := New(context.Background(), testEnv(mem, schema, nil), map[string]string{
		"brokers": addr, "topic": "bids", "stop_at_end": "true", "rowtime": "datetime",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rows := readRows(t, src, 31, 20*time.Second)
	if len(rows) != 30 {
		t.Fatalf("%d rows, want 30", len(rows))
	}
	last := map[string]int64{"0": -1, "1": -1, "2": -1}
	for _, r := range rows {
		i, _ := strconv.Atoi(r["AUCTION"])
		p := r["KAFKA_PARTITION"]
		off, _ := strconv.ParseInt(r["KAFKA_OFFSET"], 10, 64)
		if p != strconv.Itoa(i%3) || off != int64(i/3) {
			t.Errorf("auction %d at partition %s offset %d, want %d@%d", i, p, off, i%3, i/3)
		}
		if off <= last[p] {
			t.Errorf("partition %s out of order: offset %d after %d", p, off, last[p])
		}
		last[p] = off
		wantHdr := fmt.Sprintf(`{"n":"%d","src":"t"}`, i)
		if r["KAFKA_KEY"] != "k"+strconv.Itoa(i) || r["KAFKA_HEADERS"] != wantHdr || r["KAFKA_TOPIC"] != "bids" {
			t.Errorf("row %d metadata %v", i, r)
		}
		if want := strconv.FormatInt(base.Add(time.Duration(i)*time.Millisecond).UnixMilli(), 10); r["APPROXIMATE_ARRIVAL_TIME"] != want {
			t.Errorf("row %d arrival %s, want the Kafka timestamp %s", i, r["APPROXIMATE_ARRIVAL_TIME"], want)
		}
		if want := strconv.FormatInt(base.Add(time.Duration(i)*time.Second).UnixMilli(), 10); r["ROWTIME"] != want {
			t.Errorf("row %d rowtime %s, want %s", i, r["ROWTIME"], want)
		}
	}
}
