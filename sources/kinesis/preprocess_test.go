package kinesis

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

// The source calls Env.Preprocess on every GetRecords chunk before
// decoding: Ok records are decoded from the returned data, dropped ones
// vanish, failed ones are rejected with shard and sequence number, and a
// preprocessor error stops the source.
func TestSourcePreprocessesBeforeDecoding(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	boom := errors.New("boom")
	cases := []struct {
		name    string
		shards  int32
		n       int
		opts    map[string]string
		failErr bool // the preprocessor fails as a whole
	}{
		{name: "one shard, the last record dropped", shards: 1, n: 50},
		{name: "several shards, small chunks", shards: 3, n: 120, opts: map[string]string{"max_records": "7", "batch_size": "5"}},
		{name: "a failing preprocessor stops the source", shards: 1, n: 10, failErr: true},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t, srv)
			stream := "preproc" + string(rune('a'+i))
			if err := srv.CreateStream(ctx, stream, tc.shards); err != nil {
				t.Fatal(err)
			}
			if err := putTicks(ctx, srv.Client, stream, ticks(0, tc.n)); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			calls := 0
			newest := map[string]string{} // shard → largest sequence number preprocessed
			env := f.envFor()
			env.Preprocess = func(_ context.Context, origin, shard string, recs []sources.RawRecord) ([]sources.Preprocessed, error) {
				mu.Lock()
				calls++
				mu.Unlock()
				if tc.failErr {
					return nil, boom
				}
				if origin != stream || shard == "" {
					t.Errorf("preprocess(%q, %q)", origin, shard)
				}
				out := make([]sources.Preprocessed, len(recs))
				for i, r := range recs {
					mu.Lock()
					if seqLess(newest[shard], r.Position) {
						newest[shard] = r.Position
					}
					mu.Unlock()
					var tk tick
					if err := json.Unmarshal(r.Data, &tk); err != nil || r.Position == "" || r.Key != tk.Symbol {
						t.Errorf("record %+v: %v", r, err)
					}
					switch tk.Seq % 4 {
					case 1:
						out[i] = sources.Preprocessed{Result: sources.PreprocessDropped}
					case 2:
						out[i] = sources.Preprocessed{Result: sources.PreprocessFailed, Err: errors.New("said no")}
					default:
						tk.Symbol = strings.ToLower(tk.Symbol)
						b, _ := json.Marshal(tk)
						out[i] = sources.Preprocessed{Result: sources.PreprocessOK, Data: b}
					}
				}
				return out, nil
			}
			opts := f.srv.Options(stream)
			opts["poll_interval"] = "20ms"
			opts["start"], opts["stop_at_end"], opts["preprocess"] = "trim_horizon", "true", "lambda:pre"
			for k, v := range tc.opts {
				opts[k] = v
			}
			src, err := New(ctx, env, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if tc.failErr {
				b, err := src.Next(ctx)
				for err == nil && b.NumRows() == 0 {
					b.Release()
					b, err = src.Next(ctx)
				}
				if !errors.Is(err, boom) {
					t.Fatalf("next = %v, want the preprocessor's error", err)
				}
				return
			}
			rows := readUntil(t, src, toEOF)
			want := 0
			for _, r := range rows {
				if r.Seq%4 == 1 || r.Seq%4 == 2 {
					t.Errorf("row %+v should not be here", r)
				}
				if r.Symbol != strings.ToLower(symbols[r.Seq%int64(len(symbols))]) {
					t.Errorf("row %+v: not the preprocessed data", r)
				}
			}
			for k := range tc.n {
				if k%4 == 0 || k%4 == 3 {
					want++
				}
			}
			if len(rows) != want {
				t.Errorf("%d rows, want %d", len(rows), want)
			}
			rj := f.rj.list()
			if len(rj) != tc.n/4+boolInt(tc.n%4 > 2) {
				t.Errorf("%d rejects, want %d", len(rj), tc.n/4+boolInt(tc.n%4 > 2))
			}
			for _, b := range rj {
				var tk tick
				if err := json.Unmarshal(b.Data, &tk); err != nil || tk.Seq%4 != 2 {
					t.Errorf("reject of %s (%v)", b.Data, err)
				}
				if !errors.Is(b.Err, sources.ErrPreprocess) || b.Partition == "" || b.Position == "" || b.Origin != stream {
					t.Errorf("reject %+v", b)
				}
			}
			if calls == 0 {
				t.Error("preprocess never called")
			}
			// The position covers the records the preprocessor removed,
			// the last ones included (SEQ n-1 is dropped).
			raw, err := src.(sources.Positioner).Position()
			if err != nil {
				t.Fatal(err)
			}
			var pos position
			if err := json.Unmarshal(raw, &pos); err != nil {
				t.Fatal(err)
			}
			for shard, seq := range newest {
				if pos.Shards[shard].Seq != seq {
					t.Errorf("shard %s: position %q, want the last record's %q", shard, pos.Shards[shard].Seq, seq)
				}
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// A source with the preprocess option but no Env.Preprocess refuses to
// open rather than skip the preprocessing.
func TestSourcePreprocessOptionNeedsHook(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	f := newFixture(t, srv)
	opts := srv.Options("nohook")
	opts["preprocess"] = "lambda:pre"
	if _, err := New(context.Background(), f.envFor(), opts); !errors.Is(err, sources.ErrOption) {
		t.Fatalf("New = %v, want ErrOption", err)
	}
}
