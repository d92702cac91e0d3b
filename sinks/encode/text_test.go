package encode

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestTextEscapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		json     string
		valid    string
		terminal string
	}{
		{name: "plain", in: "abc", json: `"abc"`, valid: "abc", terminal: "abc"},
		{name: "quote and backslash", in: `a"b\c`, json: `"a\"b\\c"`, valid: `a"b\c`, terminal: `a"b\c`},
		{name: "control characters", in: "\b\f\n\r\t\x00\x7f", json: `"\b\f\n\r\t\u0000` + "\x7f\"", valid: "\b\f\n\r\t\x00\x7f", terminal: `\x08\x0c\n\r\t\x00\x7f`},
		{name: "multibyte", in: "ü東🚀", json: `"ü東🚀"`, valid: "ü東🚀", terminal: "ü東🚀"},
		{name: "invalid bytes", in: "a\x80\xffb", json: "\"a\uFFFD\uFFFDb\"", valid: "a\uFFFD\uFFFDb", terminal: "a\uFFFD\uFFFDb"},
		{name: "truncated sequence at end", in: "x\xe6\x9d", json: "\"x\uFFFD\uFFFD\"", valid: "x\uFFFD\uFFFD", terminal: "x\uFFFD\uFFFD"},
		{name: "html characters unescaped", in: "<a&b>", json: `"<a&b>"`, valid: "<a&b>", terminal: "<a&b>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(appendJSONString(nil, tc.in)); got != tc.json {
				t.Errorf("json: got %q, want %q", got, tc.json)
			}
			if got := string(appendValidUTF8(nil, tc.in)); got != tc.valid {
				t.Errorf("valid: got %q, want %q", got, tc.valid)
			}
			if got := string(appendTerminalText(nil, tc.in)); got != tc.terminal {
				t.Errorf("terminal: got %q, want %q", got, tc.terminal)
			}
		})
	}
}

// replaceInvalid replaces each invalid UTF-8 byte of s by U+FFFD.
func replaceInvalid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// FuzzJSONString checks that every string encodes as valid JSON that
// decodes to the string with invalid bytes replaced.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x00\x1f\\", "\xff\xfe", "東京\n", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(enc, &back); err != nil {
			t.Fatalf("%q encodes as invalid json %q: %v", s, enc, err)
		}
		if want := replaceInvalid(s); back != want {
			t.Fatalf("%q: decoded %q, want %q", s, back, want)
		}
		if term := appendTerminalText(nil, s); !utf8.Valid(term) || strings.ContainsAny(string(term), "\n\r\t\x00") {
			t.Fatalf("%q: terminal text %q is not one clean line", s, term)
		}
	})
}

// FuzzCSVField checks that every string survives a CSV round trip through
// encoding/csv.
func FuzzCSVField(f *testing.F) {
	for _, s := range []string{"", "a,b", `"`, "x\ny", "\r", " lead", "\xff"} {
		f.Add(s, byte(','))
	}
	f.Add("a;b", byte(';'))
	f.Add("a\tb", byte('\t'))
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ID", Type: arrow.PrimitiveTypes.Int64},
		{Name: "TEXT", Type: arrow.BinaryTypes.String},
	}, nil)
	f.Fuzz(func(t *testing.T, s string, delim byte) {
		if delim == '"' || delim == '\r' || delim == '\n' || delim >= 0x80 || delim == 0 ||
			delim == 0xff || !validCSVComma(rune(delim)) {
			return
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		rb := array.NewRecordBuilder(mem, schema)
		defer rb.Release()
		rb.Field(0).(*array.Int64Builder).Append(1)
		rb.Field(1).(*array.StringBuilder).Append(s)
		b := rb.NewRecordBatch()
		defer b.Release()
		enc, err := NewCSV(schema, Options{Delimiter: delim})
		if err != nil {
			t.Fatal(err)
		}
		out, err := enc.Append(nil, b)
		if err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(strings.NewReader(string(out)))
		r.Comma = rune(delim)
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("%q: read back %q: %v", s, out, err)
		}
		want := strings.ReplaceAll(replaceInvalid(s), "\r\n", "\n")
		if len(recs) != 1 || len(recs[0]) != 2 || recs[0][0] != "1" || recs[0][1] != want {
			t.Fatalf("%q: encoded %q, read back %q", s, out, recs)
		}
	})
}

// validCSVComma mirrors encoding/csv's rule for a usable delimiter.
func validCSVComma(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && utf8.ValidRune(r) && r != utf8.RuneError
}
