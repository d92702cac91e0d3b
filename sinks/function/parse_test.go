package function

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sources"
)

func TestParseTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want Target
		err  bool
	}{
		{name: "lambda name with endpoint", in: "lambda:fn?region=eu-west-1&endpoint=http://127.0.0.1:1&timeout=2s",
			want: Target{Lambda: "fn", Region: "eu-west-1", Endpoint: "http://127.0.0.1:1", Timeout: 2 * time.Second}},
		{name: "bare arn", in: "arn:aws:lambda:us-east-1:1:function:f", want: Target{Lambda: "arn:aws:lambda:us-east-1:1:function:f"}},
		{name: "url", in: "http://h/x?a=b", want: Target{URL: "http://h/x?a=b"}},
		{name: "command", in: "command:/bin/prog -x", want: Target{Command: "/bin/prog -x"}},
		{name: "unknown scheme", in: "ftp://x", err: true},
		{name: "unknown lambda parameter", in: "lambda:f?zone=1", err: true},
		{name: "empty command", in: "command:", err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseTarget(tc.in)
			if (err != nil) != tc.err || (!tc.err && got != tc.want) {
				t.Fatalf("ParseTarget(%q) = %+v, %v", tc.in, got, err)
			}
		})
	}
}

func TestSplitRows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		csv  bool
		want []string
	}{
		{name: "json lines", in: "{\"a\":\"x\\ny\"}\n{}\n", want: []string{`{"a":"x\ny"}`, `{}`}},
		{name: "csv with a quoted line break", in: "1,\"a\nb\"\n2,\"\"\"\"\n3,", csv: true, want: []string{"1,\"a\nb\"", "2,\"\"\"\"", "3,"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, r := range SplitRows([]byte(tc.in), tc.csv) {
				got = append(got, string(r))
			}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOpenOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  map[string]string
	}{
		{name: "no function", raw: map[string]string{}},
		{name: "two functions", raw: map[string]string{"url": "http://127.0.0.1:1", "command": "x"}},
		{name: "table format", raw: map[string]string{"url": "http://127.0.0.1:1", "format": "table"}},
		{name: "unknown key column", raw: map[string]string{"url": "http://127.0.0.1:1", "key": "NOPE"}},
		{name: "bad url", raw: map[string]string{"url": "ftp://x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts, err := sources.Validate(tc.raw, optionSpecs(), false)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Open(context.Background(), sinks.Env{Stream: "OUT", Schema: testSchema}, opts)
			if err == nil {
				s.Close(context.Background())
				t.Fatal("opened")
			}
			if errors.Is(err, ErrClosed) {
				t.Fatal(err)
			}
		})
	}
}
