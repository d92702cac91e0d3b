package generator

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestWriteBidsJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n    int
		cfg  NexmarkConfig
	}{
		{"none", 0, NexmarkConfig{}},
		{"default", 500, NexmarkConfig{}},
		{"seeded fast", 300, NexmarkConfig{Seed: 3, EventRate: 1e6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := WriteBidsJSON(&buf, tc.n, tc.cfg); err != nil {
				t.Fatal(err)
			}
			g, _ := NewNexmark(tc.cfg)
			dec := json.NewDecoder(&buf)
			dec.DisallowUnknownFields()
			rows := 0
			for dec.More() {
				var got struct {
					Auction  int64  `json:"auction"`
					Bidder   int64  `json:"bidder"`
					Price    int64  `json:"price"`
					Channel  string `json:"channel"`
					URL      string `json:"url"`
					DateTime string `json:"date_time"`
					Extra    string `json:"extra"`
				}
				if err := dec.Decode(&got); err != nil {
					t.Fatal(err)
				}
				want := g.NextBid()
				ts, err := time.Parse("2006-01-02T15:04:05.000Z", got.DateTime)
				if err != nil || ts.UnixMilli() != want.DateTime {
					t.Fatalf("date_time %q, want %d ms (%v)", got.DateTime, want.DateTime, err)
				}
				if got.Auction != want.Auction || got.Bidder != want.Bidder || got.Price != want.Price ||
					got.Channel != want.Channel || got.URL != want.URL || got.Extra != want.Extra {
					t.Fatalf("row %d = %+v, want %+v", rows, got, want)
				}
				rows++
			}
			if rows != tc.n {
				t.Fatalf("%d rows, want %d", rows, tc.n)
			}
		})
	}
}

func TestWriteBidsJSONFirstLine(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteBidsJSON(&buf, 1, NexmarkConfig{}); err != nil {
		t.Fatal(err)
	}
	want := `{"auction":1000,"bidder":1001,"price":`
	if got := buf.String(); len(got) < len(want) || got[:len(want)] != want || got[len(got)-1] != '\n' {
		t.Fatalf("first line %q", got)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"date_time":"2015-07-15T00:00:00.000Z"`)) {
		t.Fatalf("first bid date_time missing in %q", buf.String())
	}
}

type failWriter struct{}

var errWrite = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestWriteBidsJSONErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  NexmarkConfig
		want error
	}{
		{"writer fails", NexmarkConfig{}, errWrite},
		{"bad config", NexmarkConfig{EventRate: -1}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := WriteBidsJSON(failWriter{}, 100_000, tc.cfg)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error %v does not wrap %v", err, tc.want)
			}
		})
	}
}

func TestAppendJSONString(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain", "abc", `"abc"`},
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`},
		{"control", "a\nb\x01", `"a\u000ab\u0001"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := string(appendJSONString(nil, tc.in))
			if got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			var back string
			if err := json.Unmarshal([]byte(got), &back); err != nil || back != tc.in {
				t.Fatalf("round trip %q, %v", back, err)
			}
		})
	}
}
