package kafka

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestSourceStart(t *testing.T) {
	t.Parallel()
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		start string
		want  []int // auctions read, in order per partition (one partition)
	}{
		{"earliest reads what is there and what comes", "earliest", []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"latest reads only what comes after open", "latest", []int{5, 6, 7, 8, 9}},
		{"a timestamp starts at the first message at or after it", base.Add(3 * time.Second).Format(time.RFC3339), []int{3, 4, 5, 6, 7, 8, 9}},
		{"a timestamp past the end waits for new messages", base.Add(time.Hour).Format("2006-01-02 15:04:05"), []int{5, 6, 7, 8, 9}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr := startBroker(t, 1, "bids")
			batch := func(from, to int) []msg {
				var ms []msg
				for i := from; i < to; i++ {
					ms = append(ms, msg{value: bid(int64(i), 1, 1, base), ts: base.Add(time.Duration(i) * time.Second)})
				}
				return ms
			}
			produce(t, addr, "bids", batch(0, 5))
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			src, err := New(context.Background(), testEnv(mem, bidSchema(), nil), map[string]string{
				"brokers": addr, "topic": "bids", "start": tc.start, "poll_interval": "20ms", "linger": "20ms",
			})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			// The first Next resolves the start offsets.
			rec, err := src.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			first := rowsOf(rec)
			rec.Release()
			produce(t, addr, "bids", batch(5, 10))
			rows := append(first, readRows(t, src, len(tc.want)-len(first), 10*time.Second)...)
			got := make([]int, len(rows))
			for i, r := range rows {
				got[i], _ = strconv.Atoi(r["AUCTION"])
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("read %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSourceRejectsMalformedMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format string
		schema *arrow.Schema
		values []string
		good   int
		bad    []int64 // offsets rejected
	}{
		{"json", "json", bidSchema(), []string{bid(1, 1, 1, time.Now()), "{not json", `{"auction":"x"}`, bid(2, 1, 1, time.Now()), ""}, 2, []int64{1, 2, 4}},
		{"csv", "csv", bidSchema(), []string{"1,2,3,2024-05-01 10:00:00", "a,b,c", "4,5,6", `"7`}, 2, []int64{1, 3}},
		{"raw", "raw", arrow.NewSchema([]arrow.Field{{Name: "LINE", Type: arrow.BinaryTypes.String, Nullable: true}}, nil), []string{"anything", "{"}, 2, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr := startBroker(t, 1, "in")
			var ms []msg
			for _, v := range tc.values {
				ms = append(ms, msg{value: v})
			}
			produce(t, addr, "in", ms)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rj := &rejects{}
			src, err := New(context.Background(), testEnv(mem, tc.schema, rj), map[string]string{
				"brokers": addr, "topic": "in", "format": tc.format, "stop_at_end": "true",
			})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			rows := readRows(t, src, 100, 10*time.Second)
			if len(rows) != tc.good {
				t.Errorf("%d rows, want %d: %v", len(rows), tc.good, rows)
			}
			bad := rj.list()
			if len(bad) != len(tc.bad) {
				t.Fatalf("%d rejects, want %d: %v", len(bad), len(tc.bad), bad)
			}
			for i, b := range bad {
				if b.Origin != "in" || b.Partition != "0" || b.Offset != tc.bad[i] || b.Stream != "BIDS" || b.Err == nil {
					t.Errorf("reject %d: %+v, want topic in, partition 0, offset %d", i, b, tc.bad[i])
				}
				if string(b.Data) != tc.values[b.Offset] {
					t.Errorf("reject %d data %q, want %q", i, b.Data, tc.values[b.Offset])
				}
			}
		})
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	t.Parallel()
	addr := startBroker(t, 1, "in")
	tests := []struct {
		name   string
		opts   map[string]string
		schema *arrow.Schema
	}{
		{"unknown topic", map[string]string{"topic": "nope"}, bidSchema()},
		{"bad start", map[string]string{"topic": "in", "start": "yesterday"}, bidSchema()},
		{"stop_at_end with group", map[string]string{"topic": "in", "group": "g", "stop_at_end": "true"}, bidSchema()},
		{"raw with two columns", map[string]string{"topic": "in", "format": "raw"}, bidSchema()},
		{"header", map[string]string{"topic": "in", "header": "true"}, bidSchema()},
		{"metadata column of the wrong type", map[string]string{"topic": "in"}, bidSchema(arrow.Field{Name: "KAFKA_OFFSET", Type: arrow.BinaryTypes.String})},
		{"sasl user without mechanism", map[string]string{"topic": "in", "sasl_username": "u"}, bidSchema()},
		{"unknown sasl mechanism", map[string]string{"topic": "in", "sasl_mechanism": "kerberos"}, bidSchema()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			opts := map[string]string{"brokers": addr}
			for k, v := range tc.opts {
				opts[k] = v
			}
			src, err := New(context.Background(), testEnv(mem, tc.schema, nil), opts)
			if err == nil {
				src.Close()
				t.Fatal("opened")
			}
		})
	}
}
