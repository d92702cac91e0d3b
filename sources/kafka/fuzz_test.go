package kafka

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

// FuzzHeaders checks that KAFKA_HEADERS is always a JSON object whose
// values are the header values (when they are UTF-8).
func FuzzHeaders(f *testing.F) {
	f.Add("k", []byte("v"), "k2", []byte("\"quoted\"\n"))
	f.Add("", []byte{0xff, 0}, "\u2028", []byte(nil))
	f.Fuzz(func(t *testing.T, k1 string, v1 []byte, k2 string, v2 []byte) {
		hs := []kafkago.Header{{Key: k1, Value: v1}, {Key: k2, Value: v2}}
		out := AppendHeaders(nil, hs)
		var m map[string]string
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("%q is not a JSON object: %v", out, err)
		}
		last := map[string]string{}
		for _, h := range hs {
			if utf8.ValidString(h.Key) {
				last[h.Key] = string(h.Value)
			}
		}
		for k, v := range last {
			if utf8.ValidString(v) && m[k] != v {
				t.Errorf("header %q is %q in %s, want %q", k, m[k], out, v)
			}
		}
	})
}

// FuzzDecodeMessage runs arbitrary messages through the source's record
// path (decode, metadata columns, assembly): a message becomes a row or a
// reject, never a panic, and the batch has the output schema.
func FuzzDecodeMessage(f *testing.F) {
	f.Add([]byte(`{"auction":1,"price":2,"datetime":"2024-05-01T10:00:00Z"}`), []byte("k"), "h", []byte("v"), "json")
	f.Add([]byte("1,2,3,2024-05-01 10:00:00"), []byte(nil), "", []byte(nil), "csv")
	f.Add([]byte(nil), []byte{0xff}, "x", []byte{0}, "raw")
	f.Fuzz(func(t *testing.T, value, key []byte, hk string, hv []byte, format string) {
		declared := bidSchema(
			arrow.Field{Name: "KAFKA_KEY", Type: arrow.BinaryTypes.Binary, Nullable: true},
			arrow.Field{Name: "KAFKA_HEADERS", Type: arrow.BinaryTypes.String, Nullable: true},
			arrow.Field{Name: "KAFKA_OFFSET", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		)
		switch format {
		case "raw":
			declared = arrow.NewSchema(append([]arrow.Field{{Name: "V", Type: arrow.BinaryTypes.String, Nullable: true}}, declared.Fields()[4:]...), nil)
		case "csv":
		default:
			format = "json"
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		rejected := 0
		env := testEnv(mem, declared, nil)
		env.Reject = func(sources.BadRecord) { rejected++ }
		s, err := newDecodingSource(env, format)
		if err != nil {
			t.Fatal(err)
		}
		defer s.bat.Release()
		defer s.lay.release()
		m := kafkago.Message{Topic: "t", Partition: 1, Offset: 7, Key: key, Value: value, Time: time.UnixMilli(1)}
		if hk != "" {
			m.Headers = []kafkago.Header{{Key: hk, Value: hv}}
		}
		pt := newPart(tp{"t", 1}, 1)
		s.handle(pt, fetched{msg: m})
		rec := s.flush(pt)
		defer rec.Release()
		if !rec.Schema().Equal(env.Schema) {
			t.Fatalf("schema %s", rec.Schema())
		}
		if int(rec.NumRows())+rejected != 1 {
			t.Fatalf("%d rows and %d rejects for one message", rec.NumRows(), rejected)
		}
	})
}

// newDecodingSource builds a source's decoding parts without a broker.
func newDecodingSource(env sources.Env, format string) (*source, error) {
	s := &source{env: env, clock: time.Now, parts: map[tp]*part{}, owned: map[tp]time.Time{},
		cfg: config{batchSize: 10, format: format}}
	var err error
	if s.lay, err = newLayout(env.Alloc, env.Schema); err != nil {
		return nil, err
	}
	declared, _ := sources.DeclaredColumns(s.lay.payload)
	if format == "raw" {
		s.dec, err = newRaw(declared)
	} else {
		s.dec, err = codec.New(declared, sources.Options{"format": format, "delimiter": ","})
	}
	if err != nil {
		return nil, err
	}
	s.bat, err = sources.NewBatcher(env.Alloc, s.lay.payload, "", 10)
	return s, err
}
