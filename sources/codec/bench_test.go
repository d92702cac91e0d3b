package codec

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

// bidSchema is the Nexmark bid stream's declared columns.
func bidSchema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		field("AUCTION", arrow.PrimitiveTypes.Int64),
		field("BIDDER", arrow.PrimitiveTypes.Int64),
		field("PRICE", arrow.PrimitiveTypes.Int64),
		field("CHANNEL", arrow.BinaryTypes.String),
		field("URL", arrow.BinaryTypes.String),
		field("DATE_TIME", sources.TimestampType, MetaMapping, "$.dateTime"),
		field("EXTRA", arrow.BinaryTypes.String),
	}, nil)
}

// bidLines returns n JSON lines of Nexmark bids (about 200 bytes each,
// with a 40-byte extra) and the same as CSV.
func bidLines(n int) (jsonLines, csvLines [][]byte) {
	r := rand.New(rand.NewPCG(1, 2))
	channels := []string{"Google", "Facebook", "Baidu", "Apple", "channel-5901"}
	const letters = "abcdefghijklmnopqrstuvwxyz"
	word := func(k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = letters[r.IntN(len(letters))]
		}
		return string(b)
	}
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		auction, bidder, price := 1000+r.Int64N(10000), 1000+r.Int64N(50000), 1+r.Int64N(100_000)
		ch := channels[r.IntN(len(channels))]
		url := fmt.Sprintf("https://www.nexmark.com/%s/%s/%s/item.htm?query=1", word(4), word(4), word(4))
		at := base.Add(time.Duration(i) * time.Millisecond).Format("2006-01-02 15:04:05.000")
		extra := word(40)
		jsonLines = append(jsonLines, fmt.Appendf(nil,
			`{"auction":%d,"bidder":%d,"price":%d,"channel":%q,"url":%q,"dateTime":%q,"extra":%q}`,
			auction, bidder, price, ch, url, at, extra))
		csvLines = append(csvLines, fmt.Appendf(nil, "%d,%d,%d,%s,%s,%s,%s", auction, bidder, price, ch, url, at, extra))
	}
	return jsonLines, csvLines
}

type jsonBid struct {
	Auction  int64  `json:"auction"`
	Bidder   int64  `json:"bidder"`
	Price    int64  `json:"price"`
	Channel  string `json:"channel"`
	URL      string `json:"url"`
	DateTime string `json:"dateTime"`
	Extra    string `json:"extra"`
}

// bidRead reads what Nexmark q2 needs of a bid: AUCTION, PRICE and
// DATE_TIME (its ROWTIME).
var bidRead = []bool{true, false, true, false, false, true, false}

// benchDecode decodes lines with dec into batches of batchSize rows,
// reading only the columns of read (nil: all).
func benchDecode(b *testing.B, dec Decoder, lines [][]byte, batchSize int, read []bool) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(b, 0)
	bat, err := sources.NewBatcher(mem, sources.WithSystemColumns(bidSchema()), "DATE_TIME", batchSize)
	if err != nil {
		b.Fatal(err)
	}
	defer bat.Release()
	if read != nil {
		if _, err := Prune(dec, read); err != nil {
			b.Fatal(err)
		}
		if err := bat.Prune(read); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now()
	var bytes int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		line := lines[i%len(lines)]
		bytes += int64(len(line))
		if err := dec.Decode(line, now, bat); err != nil {
			b.Fatal(err)
		}
		if bat.Len() == batchSize {
			bat.Flush().Release()
		}
	}
	bat.Flush().Release()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(bytes)/float64(b.N), "bytes/event")
}

// BenchmarkBidJSON decodes Nexmark bid JSON lines into Arrow batches with
// the Eddy decoder and, side by side, with encoding/json into a struct.
func BenchmarkBidJSON(b *testing.B) {
	lines, _ := bidLines(4096)
	for _, size := range []int{1024, 8192} {
		b.Run(fmt.Sprintf("eddy/batch=%d", size), func(b *testing.B) {
			dec, err := NewJSON(bidSchema(), nil)
			if err != nil {
				b.Fatal(err)
			}
			benchDecode(b, dec, lines, size, nil)
		})
		b.Run(fmt.Sprintf("eddy_pruned/batch=%d", size), func(b *testing.B) {
			dec, err := NewJSON(bidSchema(), nil)
			if err != nil {
				b.Fatal(err)
			}
			benchDecode(b, dec, lines, size, bidRead)
		})
	}
	b.Run("encoding_json", func(b *testing.B) {
		var sink int64
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			var v jsonBid
			if err := json.Unmarshal(lines[i%len(lines)], &v); err != nil {
				b.Fatal(err)
			}
			sink += v.Price
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		if sink == 0 {
			b.Fatal("no bids")
		}
	})
}

// BenchmarkBidCSV decodes the same bids as CSV lines.
func BenchmarkBidCSV(b *testing.B) {
	_, lines := bidLines(4096)
	for _, size := range []int{1024, 8192} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			dec, err := NewCSV(bidSchema(), ',', '"')
			if err != nil {
				b.Fatal(err)
			}
			benchDecode(b, dec, lines, size, nil)
		})
	}
}

func TestBidLinesDecode(t *testing.T) {
	t.Parallel()
	jl, cl := bidLines(50)
	for _, tc := range []struct {
		name  string
		lines [][]byte
		dec   func() (Decoder, error)
	}{
		{"json", jl, func() (Decoder, error) { return NewJSON(bidSchema(), nil) }},
		{"csv", cl, func() (Decoder, error) { return NewCSV(bidSchema(), ',', '"') }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dec, err := tc.dec()
			if err != nil {
				t.Fatal(err)
			}
			recs := make([]string, len(tc.lines))
			for i, l := range tc.lines {
				recs[i] = string(l)
			}
			rows, errs := decodeRows(t, bidSchema(), dec, recs...)
			for i, err := range errs {
				if err != nil {
					t.Fatalf("line %d: %v", i, err)
				}
			}
			if strings.Contains(strings.Join(rows[7], ","), "NULL") || rows[7][5] != "2024-05-01T10:00:00.007" {
				t.Fatalf("row 7 = %q", rows[7])
			}
		})
	}
}
