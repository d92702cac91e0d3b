package codec

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/eddy-sql/eddy/sources"
)

type framed struct {
	Data string
	Line int64
	Err  bool
}

// frameAll frames the whole of input, reading it one byte at a time so
// that records straddle reads, or all at once when whole is set.
func frameAll(t *testing.T, f *Framer, input string, whole bool) []framed {
	t.Helper()
	r := iotest.OneByteReader(strings.NewReader(input))
	if whole {
		r = strings.NewReader(input)
	}
	var out []framed
	for {
		_, err := f.Fill(r)
		for {
			rec, ok := f.Next()
			if !ok {
				break
			}
			out = append(out, framed{string(rec.Data), rec.Line, rec.Err != nil})
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for rec, ok := f.Rest(); ok; rec, ok = f.Rest() {
		out = append(out, framed{string(rec.Data), rec.Line, rec.Err != nil})
	}
	return out
}

func TestFramer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format string
		delim  string
		max    int
		in     string
		want   []framed
	}{
		{name: "lines", in: "a\nbb\n\nc", want: []framed{{"a", 1, false}, {"bb", 2, false}, {"", 3, false}, {"c", 4, false}}},
		{name: "crlf", in: "a\r\nb\r\n", want: []framed{{"a", 1, false}, {"b", 2, false}}},
		{name: "json ignores quotes", in: "{\"a\n\"}\nx\n", want: []framed{{"{\"a", 1, false}, {"\"}", 2, false}, {"x", 3, false}}},
		{name: "csv quoted newline", format: "csv", in: "1,\"a\nb\"\n2,c\n", want: []framed{{"1,\"a\nb\"", 1, false}, {"2,c", 3, false}}},
		{name: "csv escaped quotes", format: "csv", in: "\"x\"\"\n\"\ny\n", want: []framed{{"\"x\"\"\n\"", 1, false}, {"y", 3, false}}},
		{name: "csv quote never closes resyncs at the next line", format: "csv", in: "\"a\nb", want: []framed{{"\"a", 1, false}, {"b", 2, false}}},
		{name: "csv stray quote mid file", format: "csv", in: "1,a\n2,\"b\n3,c\n4,d", want: []framed{{"1,a", 1, false}, {"2,\"b", 2, false}, {"3,c", 3, false}, {"4,d", 4, false}}},
		{name: "csv quote inside a field is text", format: "csv", in: "1,a\"b\n2,c\n", want: []framed{{"1,a\"b", 1, false}, {"2,c", 2, false}}},
		{name: "csv quote after the delimiter opens", format: "csv", in: "1;\"a\nb\";x\n2\n", want: []framed{{"1;\"a\nb\";x", 1, false}, {"2", 3, false}}, delim: ";"},
		{name: "csv closed quote at the very end", format: "csv", in: "1,\"a\nb\"", want: []framed{{"1,\"a\nb\"", 1, false}}},
		{name: "csv quoted span over the limit is cut at its first line", format: "csv", max: 12, in: "1,\"ab\n2,xx\n3,yy\n4,\"q\"\n5\n", want: []framed{{"1,\"ab", 1, false}, {"2,xx", 2, false}, {"3,yy", 3, false}, {"4,\"q\"", 4, false}, {"5", 5, false}}},
		{name: "csv quoted span within the limit is kept", format: "csv", max: 64, in: "1,\"ab\n2,xx\n3\"\n4\n", want: []framed{{"1,\"ab\n2,xx\n3\"", 1, false}, {"4", 4, false}}},
		{name: "csv too long line in quotes skips to its line end", format: "csv", max: 4, in: "\"abcdefgh\n1\n", want: []framed{{"\"abcd", 1, true}, {"1", 2, false}}},
		{name: "too long skipped", max: 4, in: "ab\nabcdefghij\ncd\n", want: []framed{{"ab", 1, false}, {"abcde", 2, true}, {"cd", 3, false}}},
		{name: "too long complete in buffer", max: 4, in: "abcdefghij\ncd", want: []framed{{"abcde", 1, true}, {"cd", 2, false}}},
		{name: "too long at end", max: 4, in: "ab\nabcdefghij", want: []framed{{"ab", 1, false}, {"abcde", 2, true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := sources.Options{"format": tc.format}
			if tc.delim != "" {
				opts["delimiter"] = tc.delim
			}
			f, err := NewFramer(opts, tc.max)
			if err != nil {
				t.Fatal(err)
			}
			for _, whole := range []bool{false, true} {
				f.Reset()
				got := frameAll(t, f, tc.in, whole)
				if len(got) != len(tc.want) {
					t.Fatalf("whole=%v: records = %+v, want %+v", whole, got, tc.want)
				}
				for i := range got {
					w := tc.want[i]
					if got[i].Line != w.Line || got[i].Err != w.Err || (!w.Err && got[i].Data != w.Data) {
						t.Fatalf("whole=%v: record %d = %+v, want %+v", whole, i, got[i], w)
					}
					if w.Err && !strings.HasPrefix(w.Data, got[i].Data[:min(len(got[i].Data), 2)]) {
						t.Fatalf("whole=%v: too-long record %d data = %q", whole, i, got[i].Data)
					}
				}
			}
		})
	}
}

func TestFramerWriteAndReset(t *testing.T) {
	t.Parallel()
	f, err := NewFramer(sources.Options{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("a\nb"))
	if rec, ok := f.Next(); !ok || string(rec.Data) != "a" || rec.Line != 1 {
		t.Fatalf("Next = %q, %v", rec.Data, ok)
	}
	if _, ok := f.Next(); ok {
		t.Fatal("partial line returned")
	}
	f.Write([]byte("c\n"))
	if rec, ok := f.Next(); !ok || string(rec.Data) != "bc" || rec.Line != 2 {
		t.Fatalf("Next = %q line %d, %v", rec.Data, rec.Line, ok)
	}
	f.Reset()
	f.Write([]byte("z\n"))
	if rec, ok := f.Next(); !ok || rec.Line != 1 || f.Lines() != 1 {
		t.Fatalf("after Reset line = %d, lines = %d", rec.Line, f.Lines())
	}
}
