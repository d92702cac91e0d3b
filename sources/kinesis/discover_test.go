package kinesis

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

func TestDiscoverSamplesTheStream(t *testing.T) {
	t.Parallel()
	srv := kinesalite.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, name := range []string{"disc", "disc-empty"} {
		if err := srv.CreateStream(ctx, name, 2); err != nil {
			t.Fatal(err)
		}
	}
	if err := putTicks(ctx, srv.Client, "disc", ticks(0, 30)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		stream string
		want   string
		err    string
	}{
		{stream: "disc", want: "TICKER_SYMBOL:utf8,SEQ:int64,PRICE:float64"},
		{stream: "disc-empty", err: "holds no record yet"},
	} {
		opts, err := sources.Validate(srv.Options(tc.stream), Options(), true)
		if err != nil {
			t.Fatal(err)
		}
		schema, err := Discover(ctx, opts)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("%s: err = %v, want %q", tc.stream, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range schema.Fields() {
			got = append(got, f.Name+":"+f.Type.String())
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("discovered %v, want %s", got, tc.want)
		}
	}
}
