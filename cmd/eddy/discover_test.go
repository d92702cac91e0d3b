package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestDiscoverGuessesAndSaysWhat(t *testing.T) {
	t.Parallel()
	var ints strings.Builder
	for i := range 30 {
		fmt.Fprintf(&ints, "{\"Price\": %d}\n", i)
	}
	ints.WriteString("{\"Price\": \"12x\"}\n")
	tests := []struct {
		name, file, text, query string
		wantCode                int
		want, notWant           []string // in stdout (or stderr when wantCode != 0)
	}{
		{
			name: "csv header by extension names columns", file: "t.csv",
			text:    "sym,price,ts\nAAPL,183.5,2024-05-01 10:00:00\nIBM,140.25,2024-05-01 10:00:01\n",
			want:    []string{`"sym" VARCHAR(16)`, `"price" DOUBLE`, `"ts" TIMESTAMP`, "header = 'true'", "-- VARCHAR(n): n is the next power of two"},
			notWant: []string{"COL_1"},
		},
		{
			name: "csv header detected from the samples", file: "t.dat", query: "?format=csv",
			text:    "sym,qty\nA,1\nB,2\n",
			want:    []string{`"sym" VARCHAR(16)`, `"qty" BIGINT`, "header = 'true'"},
			notWant: []string{"COL_1"},
		},
		{
			name: "csv without a header keeps positions", file: "t.dat", query: "?format=csv",
			text:    "A,1\nB,2\n",
			want:    []string{"COL_1 VARCHAR(16)", "COL_2 BIGINT"},
			notWant: []string{"header = "},
		},
		{
			name: "json keys kept as written and odd values outvoted", file: "t.jsonl", text: ints.String(),
			want: []string{`"Price" BIGINT`, `-- "Price": 1 of 31 samples: "12x" outvoted as not BIGINT`},
		},
		{
			name: "empty input says there was nothing to sample", file: "t.jsonl", text: "",
			wantCode: 1, want: []string{"nothing to sample", "the input is empty"}, notWant: []string{"none of 0"},
		},
		{
			name: "csv with only a header", file: "t.csv", text: "a,b\n",
			wantCode: 1, want: []string{"nothing to sample", "only a header"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, t.TempDir(), tc.file, tc.text)
			var out, errb bytes.Buffer
			code := run([]string{"discover", path + tc.query}, nil, &out, &errb)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stdout %s; stderr %s", code, tc.wantCode, out.String(), errb.String())
			}
			got := out.String()
			if tc.wantCode != 0 {
				got = errb.String()
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("output has %q:\n%s", w, got)
				}
			}
		})
	}
}

// TestDiscoverStdin pipes input into eddy: discover samples standard input,
// and run discovers an undeclared stdin input and still reads every record,
// the sampled ones included.
func TestDiscoverStdin(t *testing.T) {
	t.Parallel()
	var csvIn strings.Builder
	csvIn.WriteString("sym,qty\n")
	for i := range 500 {
		fmt.Fprintf(&csvIn, "S%d,%d\n", i, i)
	}
	tests := []struct {
		name  string
		args  []string
		input string
		want  []string
	}{
		{
			name: "discover stdin", args: []string{"discover", "stdin?format=csv"}, input: csvIn.String(),
			want: []string{`"sym" VARCHAR(16)`, `"qty" BIGINT`, "connector = 'stdin'", "header = 'true'"},
		},
		{
			name: "run an undeclared stdin input", input: csvIn.String(),
			args: []string{"run", "--input", "S=stdin?format=csv", "--format", "json"},
			want: []string{`"sym":"S0","n":0}`, `"sym":"S499","n":998}`},
		},
		{
			name: "discover empty stdin", args: []string{"discover", "stdin"}, input: "",
			want: []string{"nothing to sample"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := tc.args
			if args[0] == "run" {
				app := writeFile(t, t.TempDir(), "app.sql", `SELECT STREAM "sym", "qty" * 2 AS "n" FROM S;`)
				args = append([]string{"run", app}, args[1:]...)
			}
			cmd := eddyCmd(args...)
			cmd.Stdin = strings.NewReader(tc.input)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			_ = cmd.Run()
			got := out.String() + errb.String()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			if n := strings.Count(out.String(), `"sym":`); tc.args[0] == "run" && n != 500 {
				t.Errorf("run printed %d rows, want 500", n)
			}
			if tc.args[0] == "run" && strings.Contains(errb.String(), "error stream") {
				t.Errorf("the header or a record went to the error stream: %s", errb.String())
			}
		})
	}
}

// TestRunReportsTruncatedValues checks the end-of-run count of values cut
// to their VARCHAR length, and strict_varchar's TRUNCATED error rows.
func TestRunReportsTruncatedValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, with    string
		wantOut       string
		want, notWant []string
	}{
		{
			name: "counted", wantOut: "{\"SYM\":\"GOOG\"}\n{\"SYM\":\"AMZN\"}\n{\"SYM\":\"META\"}\n",
			want:    []string{`eddy: SRC.SYM: 2 values were truncated to the column's declared length`},
			notWant: []string{"TRUNCATED"},
		},
		{
			name: "strict", with: "&strict_varchar=true", wantOut: "{\"SYM\":\"AMZN\"}\n",
			want:    []string{"error_stream: TRUNCATED", `"GOOGL" is longer than VARCHAR(4)`},
			notWant: []string{"values were truncated"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			in := writeFile(t, dir, "t.jsonl", `{"sym":"GOOGL"}`+"\n"+`{"sym":"AMZN"}`+"\n"+`{"sym":"METAX"}`+"\n")
			decl := writeFile(t, dir, "src.sql", `CREATE STREAM SRC (sym VARCHAR(4));`)
			app := writeFile(t, dir, "app.sql", `SELECT STREAM sym FROM SRC;`)
			var out, errb bytes.Buffer
			code := run([]string{"run", decl, app, "--input", "SRC=file:" + in + "?format=json" + tc.with, "--format", "json"}, nil, &out, &errb)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if out.String() != tc.wantOut {
				t.Errorf("output %q, want %q", out.String(), tc.wantOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errb.String())
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(errb.String(), w) {
					t.Errorf("stderr has %q:\n%s", w, errb.String())
				}
			}
		})
	}
}

// TestRunOutvotedValuesGoToTheErrorStream runs an undeclared input whose
// discovered BIGINT column outvoted one value: that record is a DECODE
// error row, every other record is delivered.
func TestRunOutvotedValuesGoToTheErrorStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, format, text string
	}{
		{name: "json", file: "t.jsonl", format: "json", text: "{\"Price\": 1}\n{\"Price\": \"12x\"}\n"},
		{name: "csv", file: "t.csv", format: "csv", text: "sym,Price\nA,1\nB,12x\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var in strings.Builder
			in.WriteString(tc.text)
			for i := range 40 {
				if tc.format == "json" {
					fmt.Fprintf(&in, "{\"Price\": %d}\n", i)
				} else {
					fmt.Fprintf(&in, "S,%d\n", i)
				}
			}
			path := writeFile(t, dir, tc.file, in.String())
			app := writeFile(t, dir, "app.sql", `SELECT STREAM "Price" + 1 AS "p" FROM S;`)
			var out, errb bytes.Buffer
			code := run([]string{"run", app, "--input", "S=file:" + path + "?format=" + tc.format, "--format", "json"}, nil, &out, &errb)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if n := strings.Count(out.String(), `"p":`); n != 41 {
				t.Errorf("%d rows, want 41:\n%s", n, out.String())
			}
			if !strings.Contains(errb.String(), "error_stream: DECODE") || !strings.Contains(errb.String(), "12x") ||
				!strings.Contains(errb.String(), "1 rows in all: 1 DECODE") {
				t.Errorf("the outvoted value was not a DECODE row: %s", errb.String())
			}
		})
	}
}
