package exec

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestLogParse(t *testing.T) {
	t.Parallel()
	consts := func(vals ...any) func([]Expr) []Expr {
		return func(c []Expr) []Expr {
			out := []Expr{c[0]}
			for _, v := range vals {
				switch x := v.(type) {
				case string:
					out = append(out, lit(t, x, str))
				case int:
					out = append(out, lit(t, int64(x), i64))
				}
			}
			return out
		}
	}
	runExprCases(t, []exprCase{
		{name: "regex groups become columns", fn: "regex_log_parse", cols: []fixture{{str, `["k=v x", "nope", null]`}}, args: consts(`(\w)=(\w) (\w)`),
			want: `[{"COLUMN1":"k","COLUMN2":"v","COLUMN3":"x"}, null, null]`},
		{name: "regex must match the whole line", fn: "regex_log_parse", cols: []fixture{{str, `["ab", "abc"]`}}, args: consts(`(a)(b)`),
			want: `[{"COLUMN1":"a","COLUMN2":"b"}, null]`},
		{name: "regex greedy vs fast lazy", fn: "regex_log_parse", cols: []fixture{{str, `["a-b-c"]`}}, args: consts(`(.*)-(.*)`),
			want: `[{"COLUMN1":"a-b","COLUMN2":"c"}]`},
		{name: "fast regex is lazy", fn: "fast_regex_log_parse", cols: []fixture{{str, `["a-b-c"]`}}, args: consts(`(.*)-(.*)`),
			want: `[{"COLUMN1":"a","COLUMN2":"b-c"}]`},
		{name: "regex backreference runs on regexp2", fn: "regex_log_parse", cols: []fixture{{str, `["ab ab", "ab cd"]`}}, args: consts(`(\w+) \1`),
			want: `[{"COLUMN1":"ab"}, null]`},
		{name: "regex typed columns", fn: "regex_log_parse", cols: []fixture{{str, `["7:x", "q:y"]`}}, args: consts(`(\w+):(\w+)`, "N TYPE INTEGER, S TYPE VARCHAR(4)"),
			want: `[{"N":7,"S":"x"}, {"N":null,"S":"y"}]`, errRows: []int{1}},
		{name: "variable count", fn: "variable_column_log_parse", cols: []fixture{{str, `["a|b|c", "a"]`}}, args: consts(2, "|"),
			want: `[{"COLUMN1":"a","COLUMN2":"b"}, {"COLUMN1":"a","COLUMN2":null}]`},
		{name: "variable quotes and escapes", fn: "variable_column_log_parse", cols: []fixture{{str, `["'x,y',z\\,w"]`}}, args: consts("A TYPE VARCHAR(9), B TYPE VARCHAR(9)", ",", `\`, "'"),
			want: `[{"A":"x,y","B":"z,w"}]`},
		{name: "fixed columns", fn: "fixed_column_log_parse", cols: []fixture{{str, `["ab  12", "ab"]`}}, args: consts("A TYPE VARCHAR(2) START 0 FOR 2, N TYPE BIGINT START 4"),
			want: `[{"A":"ab","N":12}, {"A":"ab","N":null}]`},
		{name: "w3c common", fn: "w3c_log_parse", cols: []fixture{{str, `["h - u [t x] \"GET / HTTP/1.0\" 200 5"]`}}, args: consts("COMMON"),
			want: `[{"COLUMN1":"h","COLUMN2":"-","COLUMN3":"u","COLUMN4":"[t x]","COLUMN5":"GET / HTTP/1.0","COLUMN6":"200","COLUMN7":"5"}]`},
		{name: "w3c custom", fn: "w3c_log_parse", cols: []fixture{{str, `["GET 404 rest of it"]`}}, args: consts("%m %>s %{X}i"),
			want: `[{"COLUMN1":"GET","COLUMN2":"404","COLUMN3":"rest of it"}]`},
		{name: "w3c iis", fn: "w3c_log_parse", cols: []fixture{{str, `["1,2,3,4,5,6,7,8,9,10,11,12,13,14,15", "1,2"]`}}, args: consts("IIS"),
			want: `[{"COLUMN1":"1","COLUMN2":"2","COLUMN3":"3","COLUMN4":"4","COLUMN5":"5","COLUMN6":"6","COLUMN7":"7","COLUMN8":"8","COLUMN9":"9","COLUMN10":"10","COLUMN11":"11","COLUMN12":"12","COLUMN13":"13","COLUMN14":"14","COLUMN15":"15"}, null]`},
		{name: "syslog", fn: "sys_log_parse", cols: []fixture{{str, `["Mar 14 01:02:03 h m", "x"]`}},
			want: `[{"COLUMN1":"1970-03-14T01:02:03","COLUMN2":"h m"}, null]`},
	})
}

func TestFieldOfRowValue(t *testing.T) {
	t.Parallel()
	mem := checkedMem(t)
	batch := batchOf(t, mem, fixture{str, `["a=1", null, "b=x", "bad"]`})
	defer batch.Release()
	fns := DefaultFunctions()
	rec, err := fns.Bind("regex_log_parse", Column(0, "c0", str), lit(t, `(\w)=(\w)`, str), lit(t, "K TYPE VARCHAR(1), V TYPE INTEGER", str))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		field string
		want  string
		rows  []int
	}{
		{"K", `["a", null, "b", null]`, []int{2}},
		{"V", `[1, null, null, null]`, []int{2}},
	}
	for _, tc := range cases {
		f, err := Field(rec, tc.field)
		if err != nil {
			t.Fatal(err)
		}
		got, rows := evalJSON(t, mem, f, batch)
		if !sameJSON(t, got, tc.want) || fmt.Sprint(rows) != fmt.Sprint(tc.rows) {
			t.Errorf("%s = %s rows %v, want %s rows %v", f, got, rows, tc.want, tc.rows)
		}
	}
	if _, err := Field(rec, "k"); err == nil || !strings.Contains(err.Error(), "did you mean K") {
		t.Errorf("Field(k) = %v, want a did-you-mean error", err)
	}
	if _, err := Field(Column(0, "c0", str), "K"); err == nil {
		t.Error("Field of a string: no error")
	}
}

func TestJavaRegexEngineChoice(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern string
		bt      bool
		in      string
		want    string // the first match, "" for none
	}{
		{`a+b`, false, "xaab", "aab"},
		{`(a)\1`, true, "xaa", "aa"},
		{`foo(?=bar)`, true, "foobaz foobar", "foo"},
		{`(?<!x)y`, true, "xy ay", "y"},
		{`(?>a+)b`, true, "aaab", "aaab"},
	}
	for _, tc := range cases {
		t.Run(tc.pattern, func(t *testing.T) {
			t.Parallel()
			re, err := compileJava(tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if re.backtracking() != tc.bt {
				t.Fatalf("backtracking = %v, want %v", re.backtracking(), tc.bt)
			}
			m, err := re.submatch(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if m != nil {
				got = tc.in[m[0]:m[1]]
			}
			if got != tc.want {
				t.Fatalf("match %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := compileJava(`(`); err == nil {
		t.Error("compileJava(() succeeded")
	}
}

// fuzzLogParse evaluates a log parse over one fuzzed line and checks the
// result is well formed: one row, a struct, string fields valid UTF-8 when
// the input is.
func fuzzLogParse(f *testing.F, fn string, extra ...string) {
	f.Fuzz(func(t *testing.T, line string) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		bld := array.NewStringBuilder(mem)
		bld.Append(line)
		bld.AppendNull()
		batch := benchBatch(2, bld.NewArray())
		bld.Release()
		defer batch.Release()
		args := []Expr{Column(0, "c0", str)}
		for _, x := range extra {
			args = append(args, lit(t, x, str))
		}
		e, err := DefaultFunctions().Bind(fn, args...)
		if err != nil {
			t.Fatal(err)
		}
		ec := &EvalContext{Alloc: mem}
		arr, err := e.Eval(ec, batch)
		if err != nil {
			t.Fatal(err)
		}
		defer arr.Release()
		st, ok := arr.(*array.Struct)
		if !ok || st.Len() != 2 || st.IsValid(1) {
			t.Fatalf("result %v", arr)
		}
		for k := 0; k < st.NumField(); k++ {
			if s, ok := st.Field(k).(*array.String); ok && st.IsValid(0) && s.IsValid(0) && utf8.ValidString(line) && !utf8.ValidString(s.Value(0)) {
				t.Fatalf("field %d: invalid UTF-8 %q", k, s.Value(0))
			}
		}
	})
}

func FuzzW3CLogParse(f *testing.F) {
	f.Add(`1.2.3.4 - bob [01/Jan/2020:00:00:00 +0000] "GET / HTTP/1.1" 200 10`)
	f.Add(`"" [ ] "`)
	f.Add(``)
	fuzzLogParse(f, "w3c_log_parse", "NCSA EXTENDED")
}

func FuzzVariableColumnLogParse(f *testing.F) {
	f.Add(`a,"b,c",d\,e`)
	f.Add(`"unterminated`)
	f.Add(`\`)
	fuzzLogParse(f, "variable_column_log_parse", "A TYPE VARCHAR(5), B TYPE VARCHAR(5), C TYPE VARCHAR(5)", ",", `\`, `"`)
}

func FuzzRegexLogParse(f *testing.F) {
	f.Add("ab ab")
	f.Add("")
	f.Add("x y z")
	fuzzLogParse(f, "regex_log_parse", `(\w+) (\1|\w+)(.*)`)
}

func FuzzFixedColumnLogParse(f *testing.F) {
	f.Add("20200101 42 name")
	f.Add("é")
	fuzzLogParse(f, "fixed_column_log_parse", "D TYPE DATE 'yyyyMMdd' START 0 FOR 8, N TYPE INTEGER START 9 FOR 2, S TYPE VARCHAR(9) START 12")
}

func FuzzSysLogParse(f *testing.F) {
	f.Add("Jan  1 00:00:00 host msg")
	f.Add("Feb 30 25:61:61 x")
	fuzzLogParse(f, "sys_log_parse")
}

// BenchmarkLogParse runs each log parser over a column of log lines.
func BenchmarkLogParse(b *testing.B) {
	fns := DefaultFunctions()
	lines := func(tmpl string) func(memory.Allocator, int, int) arrow.RecordBatch {
		return func(mem memory.Allocator, n, off int) arrow.RecordBatch {
			bld := array.NewStringBuilder(mem)
			defer bld.Release()
			for i := 0; i < n; i++ {
				bld.Append(fmt.Sprintf(tmpl, (off+i)%251, (off+i)%9973))
			}
			return benchBatch(n, bld.NewArray())
		}
	}
	common := lines(`10.0.%d.1 - user [01/Jan/2020:00:00:00 +0000] "GET /item/%d HTTP/1.1" 200 512`)
	cases := []struct {
		name string
		fn   string
		args []string
		gen  func(memory.Allocator, int, int) arrow.RecordBatch
	}{
		{"regex", "regex_log_parse", []string{`(\S+) (\S+) (\S+) \[([^\]]+)\] "(.*)" (\d+) (\d+)`}, common},
		{"regex_three_groups", "regex_log_parse", []string{`(\S+) - (\w+) (.*)`}, common},
		{"fast_regex", "fast_regex_log_parse", []string{`(\S+) (\S+) (\S+) \[([^\]]+)\] "(.*)" (\d+) (\d+)`}, common},
		{"w3c_common", "w3c_log_parse", []string{"COMMON"}, common},
		{"variable", "variable_column_log_parse", []string{"A TYPE VARCHAR(8), B TYPE INTEGER, C TYPE VARCHAR(8)", ","}, lines("k%d,%d,tail")},
		{"fixed", "fixed_column_log_parse", []string{"A TYPE VARCHAR(4) START 0 FOR 4, B TYPE INTEGER START 5 FOR 4"}, lines("%04d %04d")},
		{"syslog", "sys_log_parse", nil, lines("Mar 14 01:02:03 host%d msg %d")},
	}
	for _, tc := range cases {
		for _, size := range benchSizes {
			b.Run(fmt.Sprintf("%s/batch=%d", tc.name, size), func(b *testing.B) {
				args := []Expr{Column(0, "s", str)}
				for _, a := range tc.args {
					args = append(args, lit(b, a, str))
				}
				e, err := fns.Bind(tc.fn, args...)
				if err != nil {
					b.Fatal(err)
				}
				benchExpr(b, e, size, tc.gen)
			})
		}
	}
}
