package kafka

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/eddy-sql/eddy/sources"
)

func TestDiscoverSamplesTheTopic(t *testing.T) {
	t.Parallel()
	addr := startBroker(t, 2, "disc", "empty")
	var msgs []msg
	for i := 0; i < 20; i++ {
		msgs = append(msgs, msg{partition: int32(i % 2), value: bid(int64(i), 7, 100, time.Unix(int64(i), 0))})
	}
	produce(t, addr, "disc", msgs)
	cases := []struct {
		name, topic, format string
		want                []string
		err                 string
	}{
		{name: "json", topic: "disc", format: "json", want: []string{"auction:int64", "bidder:int64", "price:int64", "dateTime:timestamp[ms]"}},
		{name: "raw", topic: "disc", format: "raw", want: []string{"MESSAGE:utf8"}},
		{name: "empty topic", topic: "empty", format: "json", err: "hold no message yet"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts, err := sources.Validate(map[string]string{"brokers": addr, "topic": tc.topic, "format": tc.format}, Options(), true)
			if err != nil {
				t.Fatal(err)
			}
			schema, err := Discover(context.Background(), opts)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range schema.Fields() {
				got = append(got, f.Name+":"+f.Type.String())
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("discovered %v, want %v", got, tc.want)
			}
		})
	}
}
