package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// fakeS3 starts gofakes3 in-process on loopback with bucket "b".
func fakeS3(t *testing.T) (string, *s3.Client) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("b"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	return srv.URL, s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
		o.UsePathStyle = true
	})
}

func putObject(t *testing.T, c *s3.Client, key, body string) {
	t.Helper()
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

// TestReferenceTableRefreshFromS3 runs a stream LEFT JOIN a table held in
// S3 with a refresh period: the object is replaced mid-run, and the rows
// after the refresh use the new values with none lost or repeated; then
// the object is deleted, the failed reload is reported naming the table
// and the rows go on joining the version already loaded.
func TestReferenceTableRefreshFromS3(t *testing.T) {
	t.Parallel()
	endpoint, client := fakeS3(t)
	putObject(t, client, "companies.csv", "Ticker,Name\nAMZN,Amazon\nIBM,IBM\n")
	dir := t.TempDir()
	in := writeFile(t, dir, "trades.jsonl", "")
	app := writeFile(t, dir, "app.sql", fmt.Sprintf(`
CREATE STREAM trades (sym VARCHAR(6), n BIGINT)
  WITH (connector = 'file', path = '%s', follow = 'true', poll_interval = '20ms', linger = '20ms');
CREATE TABLE companies ("Ticker" VARCHAR(6), "Name" VARCHAR(24))
  WITH (connector = 's3', url = 's3://b/companies.csv', endpoint = '%s', anonymous = 'true',
        format = 'csv', header = 'true', refresh = '100ms');
SELECT STREAM t.n, c."Name" FROM trades AS t LEFT JOIN companies AS c ON t.sym = c."Ticker";
`, in, endpoint))
	cmd := eddyCmd("run", app, "--format", "json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errb := &lockedBuffer{}
	cmd.Stderr = errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	f, err := os.OpenFile(in, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	var got []string
	// send writes one AMZN row and returns the name it was joined with.
	send := func() string {
		t.Helper()
		n++
		if _, err := fmt.Fprintf(f, `{"sym":"AMZN","n":%d}`+"\n", n); err != nil {
			t.Fatal(err)
		}
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("eddy stopped; stderr: %s", errb.String())
			}
			got = append(got, l)
			var name string
			if _, err := fmt.Sscanf(strings.TrimPrefix(l, fmt.Sprintf(`{"N":%d,"Name":`, n)), "%q}", &name); err != nil {
				t.Fatalf("row %d: output %q", n, l)
			}
			return name
		case <-time.After(20 * time.Second):
			t.Fatalf("row %d never came out; stderr: %s", n, errb.String())
		}
		return ""
	}
	for range 3 {
		if name := send(); name != "Amazon" {
			t.Fatalf("before the refresh row %d joined %q, want Amazon", n, name)
		}
	}
	putObject(t, client, "companies.csv", "Ticker,Name\nAMZN,Amazon.com Inc\nIBM,IBM\n")
	deadline := time.Now().Add(20 * time.Second)
	for send() != "Amazon.com Inc" {
		if time.Now().After(deadline) {
			t.Fatalf("the replaced object was never loaded; stderr: %s", errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for range 3 {
		if name := send(); name != "Amazon.com Inc" {
			t.Fatalf("after the refresh row %d joined %q", n, name)
		}
	}
	if _, err := client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String("b"), Key: aws.String("companies.csv")}); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(errb.String(), "RUNTIME") {
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatalf("a failed reload was not reported; stderr: %s", errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := errb.String(); !strings.Contains(s, "stream COMPANIES") || !strings.Contains(s, "previous version stays in use") {
		t.Errorf("the reload failure does not name the table: %s", s)
	}
	for range 3 {
		if name := send(); name != "Amazon.com Inc" {
			t.Fatalf("after a failed reload row %d joined %q, want the version kept", n, name)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); cmd.ProcessState.ExitCode() != 130 {
		t.Fatalf("after SIGINT: %v, want exit status 130; stderr: %s", err, errb.String())
	}
	for l := range lines {
		got = append(got, l)
	}
	if len(got) != n {
		t.Fatalf("%d rows in, %d out:\n%s", n, len(got), strings.Join(got, "\n"))
	}
	for i, l := range got {
		if !strings.HasPrefix(l, fmt.Sprintf(`{"N":%d,`, i+1)) {
			t.Errorf("output row %d is %s: rows lost, repeated or reordered", i+1, l)
		}
	}
}

// TestReferenceTableBindings runs lookup joins through the CLI against
// tables bound with --reference: an HTTP resource, a file with a row that
// does not decode (reported as DECODE naming the table, the others load),
// and a table over max_table_memory (a clear error at load).
func TestReferenceTableBindings(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		fmt.Fprint(w, "AMZN,Amazon\nIBM,IBM Corp\n")
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	trades := writeFile(t, dir, "trades.jsonl", `{"sym":"AMZN","n":1}`+"\n"+`{"sym":"TGT","n":2}`+"\n"+`{"sym":"IBM","n":3}`+"\n")
	bad := writeFile(t, dir, "companies.jsonl", `{"TICKER":"AMZN","NAME":"Amazon"}`+"\n"+`{"TICKER":"IBM","NAME":`+"\n"+`{"TICKER":"IBM","NAME":"IBM Corp"}`+"\n")
	app := writeFile(t, dir, "app.sql", `
CREATE STREAM trades (sym VARCHAR(6), n BIGINT);
SELECT STREAM t.n, c.NAME FROM trades AS t JOIN companies AS c ON t.sym = c.TICKER;
`)
	decl := writeFile(t, dir, "decl.sql", `CREATE TABLE companies (ticker VARCHAR(6), name VARCHAR(24));`)
	cases := []struct {
		name     string
		args     []string
		code     int
		stdout   string
		stderrRe []string
	}{
		{
			name:   "http resource",
			args:   []string{decl, app, "--reference", "COMPANIES=http:" + srv.URL + "/companies.csv?format=csv"},
			stdout: `{"N":1,"NAME":"Amazon"}` + "\n" + `{"N":3,"NAME":"IBM Corp"}` + "\n",
		},
		{
			name:     "a table row that does not decode is reported naming the table",
			args:     []string{decl, app, "--reference", "COMPANIES=file:" + bad},
			stdout:   `{"N":1,"NAME":"Amazon"}` + "\n" + `{"N":3,"NAME":"IBM Corp"}` + "\n",
			stderrRe: []string{"DECODE", "stream COMPANIES"},
		},
		{
			name:     "a table over max_table_memory is an error at load",
			args:     []string{decl, app, "--reference", "COMPANIES=file:" + bad, "--set", "max_table_memory=16"},
			code:     1,
			stderrRe: []string{"table COMPANIES: table exceeds max_table_memory"},
		},
		{
			name:     "discovered columns without CREATE TABLE",
			args:     []string{app, "--reference", "COMPANIES=file:" + bad},
			stdout:   `{"N":1,"NAME":"Amazon"}` + "\n" + `{"N":3,"NAME":"IBM Corp"}` + "\n",
			stderrRe: []string{"DECODE"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			args := append([]string{"run"}, tc.args...)
			args = append(args, "--input", "TRADES=file:"+trades, "--format", "json")
			code := run(args, nil, &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errb.String())
			}
			if out.String() != tc.stdout {
				t.Errorf("stdout %q, want %q", out.String(), tc.stdout)
			}
			for _, s := range tc.stderrRe {
				if !strings.Contains(errb.String(), s) {
					t.Errorf("stderr lacks %q: %s", s, errb.String())
				}
			}
		})
	}
}
