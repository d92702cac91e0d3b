package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/eddy-sql/eddy/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// etRunParallel runs c in-process with --set parallelism=par, each input
// file cut into morsels of morsel bytes, and returns the result.
func etRunParallel(t *testing.T, c etCase, par, morsel int) etResult {
	t.Helper()
	dir := t.TempDir()
	app := writeFile(t, dir, "app.sql", c.sql())
	out := filepath.Join(dir, "out.jsonl")
	errs := filepath.Join(dir, "errors.jsonl")
	args := c.args(t, dir, app, out)
	for i := range args {
		if i > 0 && args[i-1] == "--input" {
			sep := "?"
			if strings.Contains(args[i], "?") {
				sep = "&"
			}
			args[i] += fmt.Sprintf("%smorsel_size=%d", sep, morsel)
		}
	}
	args = append(args, "--output", "error_stream=file:"+errs+"?format=json", "--set", fmt.Sprintf("parallelism=%d", par))
	var stdout, stderr bytes.Buffer
	var r etResult
	r.code = run(args, strings.NewReader(""), &stdout, &stderr)
	r.stderr = stderr.String()
	if err := etReadOutput(out, c.form.conv, &r); err != nil {
		t.Fatal(err)
	}
	if err := etReadLateFile(errs, &r); err != nil {
		t.Fatal(err)
	}
	slices.Sort(r.rows)
	slices.Sort(r.late)
	return r
}

// TestParallelismGivesIdenticalResults runs every event-time query form
// over the differential test's hostile input (disorder, late rows, skewed
// partitions) at parallelism 1, 2 and 8, with files cut into small
// morsels, and checks that the rows and the LATE rows are the same each
// time and the reference's.
func TestParallelismGivesIdenticalResults(t *testing.T) {
	t.Parallel()
	for _, form := range etForms {
		t.Run(form.name, func(t *testing.T) {
			t.Parallel()
			for _, seed := range []uint64{3, 11} {
				t.Run(fmt.Sprint(seed), func(t *testing.T) {
					t.Parallel()
					late := etLatenesses[int(seed)%len(etLatenesses)]
					in := etGenerate(seed, etGenOpts{Lateness: late.L, Rows: 2000, DistinctTS: form.distinct, Writers: 1})
					c := etCase{form: form, late: late, in: in}
					onTime, lateRows := refSplitLate(c.in.Parts, c.late.L)
					if len(form.ref(onTime)) == 0 || len(lateRows) == 0 {
						t.Fatal("the input makes no rows or no late rows")
					}
					one := etRunParallel(t, c, 1, 0)
					want, wantLate := one.rows, one.late
					if missing, extra := etMultisetDiff(want, form.ref(onTime)); len(missing)+len(extra) > 0 {
						t.Fatalf("parallelism 1 against the reference: %d rows missing:%s\n%d extra:%s", len(missing), etFirst(missing, 5), len(extra), etFirst(extra, 5))
					}
					for _, par := range []int{2, 8} {
						r := etRunParallel(t, c, par, 512)
						if r.code != 0 || len(r.bad) > 0 || one.code != 0 {
							t.Fatalf("parallelism %d: exit %d, %d unreadable lines: %s", par, r.code, len(r.bad), r.stderr)
						}
						if missing, extra := etMultisetDiff(r.rows, want); len(missing)+len(extra) > 0 {
							t.Fatalf("parallelism %d against 1: %d rows missing:%s\n%d extra:%s", par, len(missing), etFirst(missing, 5), len(extra), etFirst(extra, 5))
						}
						if missing, extra := etMultisetDiff(r.late, wantLate); len(missing)+len(extra) > 0 {
							t.Fatalf("parallelism %d against 1: %d LATE rows not reported:%s\n%d wrongly LATE:%s", par, len(missing), etFirst(missing, 5), len(extra), etFirst(extra, 5))
						}
					}
				})
			}
		})
	}
}

// TestPushedFilterOnDecodingWorkers runs a filter pushed into a file
// source, whose predicate fails on some rows (division by zero), at
// parallelism 1 and 4 with small morsels: the same rows come out, in each
// file's order, and the same rows go to the error stream, whether the
// predicate ran on the reading goroutine or on the decoding workers.
func TestPushedFilterOnDecodingWorkers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for f := range 3 {
		var b strings.Builder
		for i := range 3000 {
			fmt.Fprintf(&b, `{"id": %d, "d": %d, "ts": "2024-05-01T10:%02d:%02d.%03dZ"}`+"\n", f*10000+i, i%13, i/1000, i%60, i%1000)
		}
		writeFile(t, dir, fmt.Sprintf("in-%d.jsonl", f), b.String())
	}
	tests := []struct {
		name  string
		where string
	}{
		{name: "division by zero on some rows", where: "MOD(id, 7) = 0 AND 100 / d > 9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run1 := func(par int) (rows, errs []string) {
				out := t.TempDir()
				text := fmt.Sprintf("SET parallelism = '%d';\nCREATE STREAM src (id BIGINT, d BIGINT, ts TIMESTAMP) WITH (rowtime = 'ts');\nSELECT STREAM id FROM src WHERE %s;\n", par, tc.where)
				var stdout, stderr bytes.Buffer
				a := newApp(&stdout, &stderr, "json")
				for _, b := range []struct {
					input bool
					uri   string
				}{
					{true, "SRC=file:" + filepath.Join(dir, "in-*.jsonl") + "?morsel_size=700"},
					{false, "QUERY_1=file:" + filepath.Join(out, "out.jsonl") + "?format=json"},
					{false, "error_stream=file:" + filepath.Join(out, "errors.jsonl") + "?format=json"},
				} {
					name, opts, err := parseBinding(b.uri, b.input)
					if err != nil {
						t.Fatal(err)
					}
					a.bind(b.input, name, opts)
				}
				ctx := context.Background()
				if err := a.execText(ctx, &sql.Source{Name: "app.sql", Text: text}, &stdout); err != nil {
					t.Fatal(err)
				}
				job, err := a.session.Build(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				// The physical plan of the built job says where the
				// predicate runs.
				if staged := strings.Contains(job.Explain(), "(on every decoding core)"); staged != (par > 1) {
					t.Fatalf("parallelism %d: the plan has the filter on the decoding workers: %v\n%s", par, staged, job.Explain())
				}
				if err := job.Run(ctx); err != nil {
					t.Fatalf("parallelism %d: %v: %s", par, err, stderr.String())
				}
				rows = readLines(t, filepath.Join(out, "out.jsonl"))
				if _, err := os.Stat(filepath.Join(out, "errors.jsonl")); err == nil {
					for _, l := range readLines(t, filepath.Join(out, "errors.jsonl")) {
						var e struct{ DATA_ROW string }
						if err := json.Unmarshal([]byte(l), &e); err != nil {
							t.Fatal(err)
						}
						errs = append(errs, e.DATA_ROW)
					}
				}
				slices.Sort(rows)
				slices.Sort(errs)
				return rows, errs
			}
			wantRows, wantErrs := run1(1)
			if len(wantRows) == 0 {
				t.Fatal("one core: no rows")
			}
			gotRows, gotErrs := run1(4)
			if !slices.Equal(gotRows, wantRows) || !slices.Equal(gotErrs, wantErrs) {
				t.Fatalf("parallelism 4: %d rows, %d errors; parallelism 1: %d rows, %d errors", len(gotRows), len(gotErrs), len(wantRows), len(wantErrs))
			}
			if strings.Contains(tc.where, "/ d") && len(wantErrs) == 0 {
				t.Fatal("no row failed: the test does not check errors")
			}
		})
	}
}
