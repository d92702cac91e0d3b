package function

import (
	"bytes"
	"testing"
)

// FuzzSplitRows: splitting never loses or invents bytes, and a JSON split
// yields rows without line ends.
func FuzzSplitRows(f *testing.F) {
	f.Add([]byte("1,\"a\nb\"\n2,x\n"), true)
	f.Add([]byte("{\"a\":1}\n{}\n"), false)
	f.Add([]byte("\"\"\"\n\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, csv bool) {
		rows := SplitRows(data, csv)
		joined := bytes.Join(rows, []byte("\n"))
		want := data
		if len(rows) > 0 && bytes.HasSuffix(data, []byte("\n")) && len(joined) == len(data)-1 {
			want = data[:len(data)-1]
		}
		if !bytes.Equal(joined, want) {
			t.Fatalf("rows %q do not rebuild %q", rows, data)
		}
		if !csv {
			for _, r := range rows {
				if bytes.IndexByte(r, '\n') >= 0 {
					t.Fatalf("row %q holds a line end", r)
				}
			}
		}
	})
}

// FuzzReplies: response parsers never panic on any body.
func FuzzReplies(f *testing.F) {
	f.Add([]byte(`{"records":[{"recordId":"1","result":"Ok"}]}`))
	f.Add([]byte(`{"records":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		replies, err := KDAOutput{}.Replies(body)
		if err == nil && replies == nil && bytes.Contains(body, []byte(`"records":[{`)) {
			t.Fatalf("no replies from %q", body)
		}
	})
}
