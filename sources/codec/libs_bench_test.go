package codec

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/bytedance/sonic"
	gojson "github.com/goccy/go-json"
	"github.com/minio/simdjson-go"
)

// q2Bid is what Nexmark q2 reads of a bid: the libraries below skip the
// other keys, as pruned decoding does.
type q2Bid struct {
	Auction  int64  `json:"auction"`
	Price    int64  `json:"price"`
	DateTime string `json:"dateTime"`
}

// BenchmarkBidJSONLibraries measures the best Go JSON libraries on the
// bids of BenchmarkBidJSON, into Go values (before any copy into Arrow,
// which they would still need): goccy/go-json and sonic into structs of
// all columns and of q2's, and simdjson-go parsing NDJSON chunks of 1024
// lines and reading q2's three fields. Compare with BenchmarkBidJSON's
// eddy and eddy_pruned, which end in Arrow builders.
func BenchmarkBidJSONLibraries(b *testing.B) {
	lines, _ := bidLines(4096)
	decoders := []struct {
		name string
		f    func([]byte) (int64, error)
	}{
		{"goccy/all", func(l []byte) (int64, error) { var v jsonBid; err := gojson.Unmarshal(l, &v); return v.Price, err }},
		{"goccy/q2", func(l []byte) (int64, error) { var v q2Bid; err := gojson.Unmarshal(l, &v); return v.Price, err }},
		{"sonic/all", func(l []byte) (int64, error) { var v jsonBid; err := sonic.Unmarshal(l, &v); return v.Price, err }},
		{"sonic/q2", func(l []byte) (int64, error) { var v q2Bid; err := sonic.Unmarshal(l, &v); return v.Price, err }},
	}
	for _, d := range decoders {
		b.Run(d.name, func(b *testing.B) {
			var sink int64
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p, err := d.f(lines[i%len(lines)])
				if err != nil {
					b.Fatal(err)
				}
				sink += p
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			if sink == 0 {
				b.Fatal("no bids")
			}
		})
	}
	b.Run("simdjson/q2", func(b *testing.B) {
		if !simdjson.SupportedCPU() {
			b.Skip("simdjson-go needs AVX2 and CLMUL")
		}
		const chunk = 1024
		var chunks [][]byte
		for i := 0; i+chunk <= len(lines); i += chunk {
			chunks = append(chunks, append(bytes.Join(lines[i:i+chunk], []byte{'\n'}), '\n'))
		}
		var pj *simdjson.ParsedJson
		var obj *simdjson.Object
		var el *simdjson.Element
		var sink int64
		events := 0
		b.ReportAllocs()
		b.ResetTimer()
		for events < b.N {
			var err error
			pj, err = simdjson.ParseND(chunks[events/chunk%len(chunks)], pj)
			if err != nil {
				b.Fatal(err)
			}
			err = pj.ForEach(func(i simdjson.Iter) error {
				if obj, err = i.Object(obj); err != nil {
					return err
				}
				for _, key := range []string{"auction", "price"} {
					if el = obj.FindKey(key, el); el == nil {
						return fmt.Errorf("no %s", key)
					}
					n, err := el.Iter.Int()
					if err != nil {
						return err
					}
					sink += n
				}
				if el = obj.FindKey("dateTime", el); el == nil {
					return fmt.Errorf("no dateTime")
				}
				t, err := el.Iter.StringBytes()
				sink += int64(len(t))
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			events += chunk
		}
		b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		if sink == 0 {
			b.Fatal("no bids")
		}
	})
}
