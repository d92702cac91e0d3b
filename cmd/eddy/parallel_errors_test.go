package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStagedRowErrorsKeepRowOrder: a projection and a filter that fail on
// some rows (division by zero) run on the source's workers at parallelism
// above 1, over the generator and over a file; the error stream lists the
// failed rows in the order of the rows, as at parallelism 1, however the
// workers finish.
func TestStagedRowErrorsKeepRowOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var lines strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&lines, "{\"n\": %d, \"ts\": \"2024-05-01T10:00:%02d.%03dZ\"}\n", i, i/1000%60, i%1000)
	}
	input := writeFile(t, dir, "in.jsonl", lines.String())
	apps := map[string]string{
		"generator projection": `CREATE STREAM bid (auction BIGINT, price BIGINT, date_time TIMESTAMP)
  WITH (connector = 'generator', kind = 'nexmark', table = 'bid', count = '200000', batch_size = '97');
CREATE STREAM out_rows (auction BIGINT, q BIGINT);
CREATE PUMP p AS INSERT INTO out_rows SELECT STREAM auction, price / MOD(auction, 13) FROM bid;`,
		"file filter": `CREATE STREAM src (n BIGINT, ts TIMESTAMP) WITH (connector = 'file', path = '` + input + `', batch_size = '50', rowtime = 'ts');
CREATE STREAM out_rows (n BIGINT);
CREATE PUMP p AS INSERT INTO out_rows SELECT STREAM n FROM src WHERE 100 / MOD(n, 7) > 20;`,
	}
	for name, code := range apps {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			app := writeFile(t, t.TempDir(), "app.sql", code)
			errorsAt := func(par int) []string {
				out := filepath.Join(t.TempDir(), "errors.jsonl")
				var errb bytes.Buffer
				if code := run([]string{"run", app, "--set", fmt.Sprintf("parallelism=%d", par),
					"--output", "OUT_ROWS=discard:", "--output", "ERROR_STREAM=file:" + out}, nil, &bytes.Buffer{}, &errb); code != 0 {
					t.Fatalf("parallelism %d: exit %d: %s", par, code, errb.String())
				}
				data, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				var rows []string
				for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
					// The data row identifies the error; its time differs.
					if i := strings.Index(l, `"DATA_ROW"`); i >= 0 {
						rows = append(rows, l[i:])
					}
				}
				return rows
			}
			want := errorsAt(1)
			if len(want) < 100 {
				t.Fatalf("only %d row errors at parallelism 1", len(want))
			}
			for _, par := range []int{2, 8} {
				got := errorsAt(par)
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					n := 0
					for n < min(len(got), len(want)) && got[n] == want[n] {
						n++
					}
					t.Fatalf("parallelism %d: %d row errors, want %d; they differ from #%d", par, len(got), len(want), n)
				}
			}
		})
	}
}

// TestNotNullGuardSeesRowsAFilterDrops: a row with a NULL in a NOT NULL
// column goes to the error stream even when the query's filter would drop
// it, at every parallelism: a filter is not run on the source's workers,
// before the guard, when the stream declares NOT NULL columns.
func TestNotNullGuardSeesRowsAFilterDrops(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var lines strings.Builder
	for i := range 5000 {
		if i%10 == 0 {
			fmt.Fprintf(&lines, "{\"n\": %d, \"k\": null}\n", i)
		} else {
			fmt.Fprintf(&lines, "{\"n\": %d, \"k\": %d}\n", i, i)
		}
	}
	input := writeFile(t, dir, "in.jsonl", lines.String())
	app := writeFile(t, dir, "app.sql", `CREATE STREAM src (n BIGINT, k BIGINT NOT NULL) WITH (connector = 'file', path = '`+input+`', batch_size = '64');
CREATE STREAM out_rows (n BIGINT);
CREATE PUMP p AS INSERT INTO out_rows SELECT STREAM n FROM src WHERE MOD(n, 10) <> 0;`)
	for _, par := range []int{1, 4} {
		out, errs := filepath.Join(t.TempDir(), "out.jsonl"), filepath.Join(t.TempDir(), "errors.jsonl")
		var errb bytes.Buffer
		if code := run([]string{"run", app, "--set", fmt.Sprintf("parallelism=%d", par),
			"--output", "OUT_ROWS=file:" + out, "--output", "ERROR_STREAM=file:" + errs}, nil, &bytes.Buffer{}, &errb); code != 0 {
			t.Fatalf("parallelism %d: exit %d: %s", par, code, errb.String())
		}
		for file, want := range map[string]int{out: 4500, errs: 500} {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(string(data), "\n"); got != want {
				t.Errorf("parallelism %d: %s has %d rows, want %d", par, filepath.Base(file), got, want)
			}
		}
	}
}
