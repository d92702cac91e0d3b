package file

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

// benchBids is the number of bid lines of the decoding benchmark's file.
const benchBids = 200_000

// bidDeclared is the Nexmark bid as a stream declares it.
func bidDeclared() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "AUCTION", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "BIDDER", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "PRICE", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "CHANNEL", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "URL", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "DATE_TIME", Type: sources.TimestampType, Nullable: true},
		{Name: "EXTRA", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
}

// writeBidFile writes n Nexmark-like bid lines and returns the path.
func writeBidFile(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bids.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	base := time.Date(2015, 7, 15, 0, 0, 0, 0, time.UTC)
	for i := range n {
		fmt.Fprintf(w, `{"auction":%d,"bidder":%d,"price":%d,"channel":"Google","url":"https://www.nexmark.com/xnhd/xcat/bwmn/item.htm?query=1","date_time":"%s","extra":"jddmxtggbrxzfzowlcxnutbemmfksqubtzvygmodbcovirrpfcsvsjlmb"}`+"\n",
			1000+i/7, 1001+i%997, 100+i*31%1_000_000, base.Add(time.Duration(i)*time.Millisecond).Format("2006-01-02T15:04:05.000Z"))
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkFileDecode reads a file of bid lines into Arrow batches with
// the file source on one and on several decoding cores and, in the same
// run, decodes it with encoding/json into structs on one goroutine (the
// yardstick the README's ratios are taken to).
func BenchmarkFileDecode(b *testing.B) {
	path := writeBidFile(b, benchBids)
	for _, par := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("eddy/parallelism=%d", par), func(b *testing.B) {
			b.ReportAllocs()
			var rows int64
			for range b.N {
				env := sources.Env{Stream: "BID", Schema: sources.WithSystemColumns(bidDeclared()), Alloc: memory.NewGoAllocator(), Clock: time.Now}
				src, err := New(env, map[string]string{"path": path, "rowtime": "DATE_TIME", "parallelism": fmt.Sprint(par)})
				if err != nil {
					b.Fatal(err)
				}
				for {
					rec, err := src.Next(context.Background())
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					rows += rec.NumRows()
					rec.Release()
				}
				src.Close()
			}
			if rows != int64(b.N)*benchBids {
				b.Fatalf("read %d rows, want %d", rows, int64(b.N)*benchBids)
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "events/s")
		})
	}
	b.Run("encoding_json", func(b *testing.B) {
		type bid struct {
			Auction  int64     `json:"auction"`
			Bidder   int64     `json:"bidder"`
			Price    int64     `json:"price"`
			Channel  string    `json:"channel"`
			URL      string    `json:"url"`
			DateTime time.Time `json:"date_time"`
			Extra    string    `json:"extra"`
		}
		b.ReportAllocs()
		var rows int64
		for range b.N {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				var v bid
				if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
					b.Fatal(err)
				}
				rows++
			}
			f.Close()
		}
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "events/s")
	})
}
