package kinesis

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

// TestSourcePrunesColumns reads records with option eddy.columns naming
// SEQ and a metadata column: SEQ and the metadata come out, the unread
// columns are NULL, a bad value in an unread column is not detected, one
// in SEQ is, and malformed JSON is rejected.
func TestSourcePrunesColumns(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	ctx := context.Background()
	f := newFixture(t, srv)
	const stream = "pruned"
	if err := srv.CreateStream(ctx, stream, 1); err != nil {
		t.Fatal(err)
	}
	datas := []string{
		`{"TICKER_SYMBOL":"AAA","SEQ":0,"PRICE":1}`,
		`{"TICKER_SYMBOL":"AAA","SEQ":1,"PRICE":"not a number"}`,
		`{"TICKER_SYMBOL":"AAA","SEQ":"bad","PRICE":1}`,
		`{"TICKER_SYMBOL":"AAA","SEQ":3,"PRICE":[1,`,
		`{"TICKER_SYMBOL":"BBB","SEQ":4,"PRICE":2}`,
	}
	var entries []types.PutRecordsRequestEntry
	for _, d := range datas {
		entries = append(entries, types.PutRecordsRequestEntry{Data: []byte(d), PartitionKey: aws.String("AAA")})
	}
	if err := putEntries(ctx, srv.Client, stream, entries); err != nil {
		t.Fatal(err)
	}
	rows := readUntil(t, f.open(t, stream, map[string]string{"start": "trim_horizon", "stop_at_end": "true",
		sources.ColumnsOption: "SEQ,KINESIS_SHARD_ID"}), toEOF)
	if len(rows) != 3 || rows[0].Seq != 0 || rows[1].Seq != 1 || rows[2].Seq != 4 {
		t.Fatalf("rows %+v, want SEQ 0, 1 and 4", rows)
	}
	for i, r := range rows {
		if !r.SymbolNull || !r.PriceNull || r.Shard != "shardId-000000000000" {
			t.Errorf("row %d: %+v, want TICKER_SYMBOL and PRICE NULL and the shard id", i, r)
		}
	}
	rj := f.rj.list()
	wants := []error{codec.ErrCoerce, codec.ErrSyntax}
	if len(rj) != len(wants) {
		t.Fatalf("%d rejects, want %d: %v", len(rj), len(wants), rj)
	}
	for i, want := range wants {
		if !errors.Is(rj[i].Err, want) || string(rj[i].Data) != datas[i+2] {
			t.Errorf("reject %d: %+v, want %v", i, rj[i], want)
		}
	}
}
