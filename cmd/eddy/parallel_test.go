package main

import (
	"bytes"
	"fmt"
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
// time. Stagger's rows are left out: on one core they already change with
// the batch size (batch_size 7 against the default, seed 11: 70 of 1,064
// rows differ), and parallel decoding cuts batches at morsel ends; its
// LATE rows are still compared.
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
					for _, par := range []int{2, 8} {
						r := etRunParallel(t, c, par, 512)
						if r.code != 0 || len(r.bad) > 0 || one.code != 0 {
							t.Fatalf("parallelism %d: exit %d, %d unreadable lines: %s", par, r.code, len(r.bad), r.stderr)
						}
						if missing, extra := etMultisetDiff(r.rows, want); form.name != "stagger" && len(missing)+len(extra) > 0 {
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
