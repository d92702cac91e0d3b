package kinesis

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

func TestSourceReadsEveryShardInOrder(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	cases := []struct {
		name   string
		shards int32
		n      int
		opts   map[string]string
	}{
		{"four shards", 4, 400, nil},
		{"small batches and GetRecords calls", 4, 300, map[string]string{"batch_size": "7", "max_records": "13"}},
		{"one shard", 1, 50, nil},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t, srv)
			stream := "order" + string(rune('a'+i))
			if err := srv.CreateStream(ctx, stream, tc.shards); err != nil {
				t.Fatal(err)
			}
			before := time.Now().Add(-time.Second).UnixMilli()
			if err := putTicks(ctx, srv.Client, stream, ticks(0, tc.n)); err != nil {
				t.Fatal(err)
			}
			opts := map[string]string{"start": "trim_horizon", "stop_at_end": "true"}
			for k, v := range tc.opts {
				opts[k] = v
			}
			rows := readUntil(t, f.open(t, stream, opts), toEOF)
			checkAll(t, rows, tc.n)
			checkOrder(t, rows)
			shards := map[string]bool{}
			for _, r := range rows {
				shards[r.Shard] = true
				if r.Key != r.Symbol || r.SeqNo == "" {
					t.Fatalf("row %+v: wrong metadata", r)
				}
				if r.Arrival < before || r.Arrival > time.Now().UnixMilli()+1000 {
					t.Fatalf("row %+v: arrival time %d is not the record's", r, r.Arrival)
				}
			}
			if want := min(int(tc.shards), len(symbols)); len(shards) < want-1 {
				t.Errorf("rows came from %d shards, want about %d", len(shards), want)
			}
			if rj := f.rj.list(); len(rj) > 0 {
				t.Errorf("rejected %v", rj[0].Err)
			}
		})
	}
}

func TestSourceFollowsReshardingInOrder(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	ctx := context.Background()
	f := newFixture(t, srv)
	const stream, half = "reshard", 400
	if err := srv.CreateStream(ctx, stream, 2); err != nil {
		t.Fatal(err)
	}
	if err := putTicks(ctx, srv.Client, stream, ticks(0, half)); err != nil {
		t.Fatal(err)
	}
	src := f.open(t, stream, map[string]string{"start": "trim_horizon", "batch_size": "50"})
	rows := readUntil(t, src, func(r []row) bool { return len(r) >= 100 })
	// Split both shards while the source runs, then write the rest: the
	// new records of each key land in a child shard.
	for _, id := range []string{"shardId-000000000000", "shardId-000000000001"} {
		if err := srv.SplitShard(ctx, stream, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := putTicks(ctx, srv.Client, stream, ticks(half, half)); err != nil {
		t.Fatal(err)
	}
	rows = append(rows, readUntil(t, src, func(r []row) bool { return len(rows)+len(r) >= 2*half })...)
	checkAll(t, rows, 2*half)
	checkOrder(t, rows)
	children := 0
	for _, r := range rows[len(rows)-half:] {
		if r.Shard >= "shardId-000000000002" {
			children++
		}
	}
	if children == 0 {
		t.Error("no record was read from a child shard")
	}
	pos, err := src.(sources.Positioner).Position()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(pos), `"shardId-000000000000":{"seq":`) || !strings.Contains(string(pos), `"done":true`) {
		t.Errorf("position %s does not mark the parents done", pos)
	}
}

func TestSourceDeaggregatesKPLRecords(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	ctx := context.Background()
	f := newFixture(t, srv)
	const stream = "kpl"
	if err := srv.CreateStream(ctx, stream, 2); err != nil {
		t.Fatal(err)
	}
	// Three aggregated records of 10 user records, one with a corrupted
	// MD5 trailer, and a plain record.
	var entries []types.PutRecordsRequestEntry
	ts := ticks(0, 31)
	var corrupt []byte
	for a := 0; a < 3; a++ {
		var users []UserRecord
		for _, tk := range ts[a*10 : a*10+10] {
			users = append(users, UserRecord{PartitionKey: tk.Symbol, Data: mustJSON(tk)})
		}
		data := Aggregate(users)
		if a == 1 {
			data[len(data)-1] ^= 0xFF
			corrupt = data
		}
		entries = append(entries, types.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(users[0].PartitionKey)})
	}
	entries = append(entries, types.PutRecordsRequestEntry{Data: mustJSON(ts[30]), PartitionKey: aws.String(ts[30].Symbol)})
	if err := putEntries(ctx, srv.Client, stream, entries); err != nil {
		t.Fatal(err)
	}
	rows := readUntil(t, f.open(t, stream, map[string]string{"start": "trim_horizon", "stop_at_end": "true", "batch_size": "4"}), toEOF)
	got := map[int64]row{}
	for _, r := range rows {
		got[r.Seq] = r
	}
	for _, tk := range ts {
		r, ok := got[tk.Seq]
		if want := tk.Seq < 10 || tk.Seq >= 20; ok != want {
			t.Errorf("SEQ %d read = %v, want %v", tk.Seq, ok, want)
			continue
		}
		if ok && r.Key != tk.Symbol {
			t.Errorf("SEQ %d: partition key %q, want the user record's %q", tk.Seq, r.Key, tk.Symbol)
		}
	}
	checkOrder(t, rows)
	rj := f.rj.list()
	if len(rj) != 1 {
		t.Fatalf("%d rejects, want 1", len(rj))
	}
	if !errors.Is(rj[0].Err, ErrKPLChecksum) || !bytes.Equal(rj[0].Data, corrupt) ||
		rj[0].Origin != stream || !strings.HasPrefix(rj[0].Partition, "shardId-") || rj[0].Position == "" || rj[0].Stream != "IN" {
		t.Errorf("reject %+v", rj[0])
	}
}

func mustJSON(t tick) []byte {
	b, _ := jsonMarshal(t)
	return b
}

func TestSourceRejectsMalformedRecords(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	ctx := context.Background()
	f := newFixture(t, srv)
	const stream = "malformed"
	if err := srv.CreateStream(ctx, stream, 1); err != nil {
		t.Fatal(err)
	}
	datas := []string{
		`{"TICKER_SYMBOL":"AAA","SEQ":0,"PRICE":1}`,
		`{"TICKER_SYMBOL":"AAA","SEQ":`,
		`{"TICKER_SYMBOL":"AAA","SEQ":"not a number","PRICE":1}`,
		`{"TICKER_SYMBOL":"AAA","SEQ":1,"PRICE":2}` + "\n",
	}
	var entries []types.PutRecordsRequestEntry
	for _, d := range datas {
		entries = append(entries, types.PutRecordsRequestEntry{Data: []byte(d), PartitionKey: aws.String("AAA")})
	}
	if err := putEntries(ctx, srv.Client, stream, entries); err != nil {
		t.Fatal(err)
	}
	rows := readUntil(t, f.open(t, stream, map[string]string{"start": "trim_horizon", "stop_at_end": "true"}), toEOF)
	if len(rows) != 2 || rows[0].Seq != 0 || rows[1].Seq != 1 {
		t.Errorf("rows %+v, want SEQ 0 and 1", rows)
	}
	rj := f.rj.list()
	wants := []error{codec.ErrSyntax, codec.ErrCoerce}
	if len(rj) != len(wants) {
		t.Fatalf("%d rejects, want %d", len(rj), len(wants))
	}
	for i, want := range wants {
		if !errors.Is(rj[i].Err, want) || string(rj[i].Data) != datas[i+1] ||
			rj[i].Partition != "shardId-000000000000" || rj[i].Position == "" || rj[i].Origin != stream {
			t.Errorf("reject %d: %+v, want %v", i, rj[i], want)
		}
	}
}

func TestSourceRestartResumesFromCheckpoint(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	cases := []struct {
		name string
		seek bool // resume with Seek; else from the checkpoint file
	}{
		{"seek to the engine's position", true},
		{"checkpoint file without seek", false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFixture(t, srv)
			stream := "restart" + string(rune('a'+i))
			dir := t.TempDir()
			const n = 240
			if err := srv.CreateStream(ctx, stream, 3); err != nil {
				t.Fatal(err)
			}
			if err := putTicks(ctx, srv.Client, stream, ticks(0, n)); err != nil {
				t.Fatal(err)
			}
			opts := map[string]string{"start": "trim_horizon", "stop_at_end": "true", "batch_size": "25", "checkpoint_dir": dir}
			first := f.open(t, stream, opts)
			rows := readUntil(t, first, func(r []row) bool { return len(r) >= 100 })
			pos, err := first.(sources.Positioner).Position()
			if err != nil {
				t.Fatal(err)
			}
			if err := first.(sources.Committer).Commit(ctx, pos); err != nil {
				t.Fatal(err)
			}
			if err := first.(sources.Committer).Commit(ctx, pos); err != nil {
				t.Fatalf("second commit: %v", err)
			}
			first.Close()
			if _, err := os.Stat(filepath.Join(dir, "kinesis-"+stream+"-IN.json")); err != nil {
				t.Fatalf("no checkpoint file: %v", err)
			}
			// More records arrive while the application is down.
			if err := putTicks(ctx, srv.Client, stream, ticks(n, 60)); err != nil {
				t.Fatal(err)
			}
			second := f.open(t, stream, opts)
			if tc.seek {
				os.RemoveAll(dir)
				if err := second.(sources.Seeker).Seek(ctx, pos); err != nil {
					t.Fatal(err)
				}
			}
			rows = append(rows, readUntil(t, second, toEOF)...)
			checkAll(t, rows, n+60)
			checkOrder(t, rows)
		})
	}
}

func TestSourceOptions(t *testing.T) {
	t.Parallel()
	base := map[string]string{"stream": "s", "region": "us-east-1", "endpoint": "http://127.0.0.1:1",
		"access_key_id": "a", "secret_access_key": "b"}
	cases := []struct {
		name  string
		extra map[string]string
		want  string // "" for success
	}{
		{"defaults", nil, ""},
		{"ISO timestamp start", map[string]string{"start": "2024-05-01T10:00:00Z"}, ""},
		{"stream ARN", map[string]string{"stream": "arn:aws:kinesis:us-east-1:123456789012:stream/ticks"}, ""},
		{"bad start", map[string]string{"start": "yesterday"}, "start"},
		{"bad ARN", map[string]string{"stream": "arn:aws:s3:::bucket"}, "ARN"},
		{"max_records too large", map[string]string{"max_records": "10001"}, "max_records"},
		{"key without secret", map[string]string{"secret_access_key": ""}, "access_key_id"},
		{"unknown option", map[string]string{"shard": "0"}, "unknown option"},
		{"metadata column of the wrong type", map[string]string{"_schema": "bad"}, "VARCHAR"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := newFixture(t, nil).mem
			opts := map[string]string{}
			for k, v := range base {
				opts[k] = v
			}
			schema := tickerSchema()
			for k, v := range tc.extra {
				if k == "_schema" {
					schema = sources.WithSystemColumns(arrowSchemaWithIntShard())
					continue
				}
				if v == "" {
					delete(opts, k)
				} else {
					opts[k] = v
				}
			}
			src, err := New(context.Background(), sources.Env{Stream: "IN", Schema: schema, Alloc: mem}, opts)
			if err == nil {
				src.Close()
			}
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("New = %v, want an error about %s", err, tc.want)
			}
		})
	}
}
