package firehose

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sources"
)

var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "ID", Type: arrow.PrimitiveTypes.Int64},
	{Name: "NAME", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "TS", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
}, nil)

func testBatch(t testing.TB, mem memory.Allocator, rows string) arrow.RecordBatch {
	t.Helper()
	rec, _, err := array.RecordFromJSON(mem, testSchema, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// open opens a sink from raw options (validated like the CLI does), with
// cfg adjusting the Config before New.
func open(t *testing.T, env sinks.Env, raw map[string]string, adjust func(*Config)) sinks.Sink {
	t.Helper()
	opts, err := sources.Validate(raw, optionSpecs(), false)
	if err != nil {
		t.Fatal(err)
	}
	comp, err := parseCompression(opts.String("compression"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Destination: opts.String("destination"), Name: opts.String("name"),
		BufferSize: opts.Size("buffer_size"), BufferInterval: opts.Duration("buffer_interval"),
		Format: opts.String("format"), Compression: comp, Prefix: opts.String("prefix"),
		ErrorOutputPrefix: opts.String("error_output_prefix"), ErrorDestination: opts.String("error_destination"),
		Region: opts.String("region"), Endpoint: opts.String("endpoint"), AccessKey: opts.String("access_key"),
		RetryDuration: opts.Duration("retry_duration"), RetryBackoff: opts.Duration("retry_backoff"),
		ExactlyOnce: opts.Bool("exactly_once"),
	}
	if adjust != nil {
		adjust(&cfg)
	}
	if env.Schema == nil {
		env.Schema = testSchema
	}
	if env.Stream == "" {
		env.Stream = "OUT"
	}
	s, err := New(context.Background(), env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// files lists the files under dir (slash paths relative to it), sorted.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// visible drops staging files from a listing.
func visible(names []string) []string {
	var out []string
	for _, n := range names {
		if !strings.HasPrefix(n, ".eddy-staging/") {
			out = append(out, n)
		}
	}
	return out
}

func gunzip(t *testing.T, data []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fakeClock is a function.Clock the test moves by hand.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			keep = append(keep, w)
		}
	}
	c.waiters = keep
}

func (c *fakeClock) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// waitFor polls cond for up to 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// rejects collects what a sink sends to the error stream.
type rejects struct {
	mu   sync.Mutex
	rows []string
}

func (r *rejects) reject(row string, _ error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows = append(r.rows, row)
}

func (r *rejects) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.rows...)
}
