package http

import (
	"context"
	"errors"
	"fmt"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sources"
)

func TestResourceReadAndVersion(t *testing.T) {
	t.Parallel()
	etag := `"v1"`
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if r.URL.Path != "/c.jsonl" {
			nethttp.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", etag)
		fmt.Fprint(w, `{"ID":1}`+"\n"+`{"ID":"x"}`+"\n"+`{"ID":3}`)
	}))
	defer srv.Close()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ID", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "APPROXIMATE_ARRIVAL_TIME", Type: sources.TimestampType, Nullable: true},
		{Name: "ROWTIME", Type: sources.TimestampType, Nullable: true},
	}, nil)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var bad []sources.BadRecord
	env := sources.Env{Stream: "T", Schema: schema, Alloc: mem, Reject: func(b sources.BadRecord) { bad = append(bad, b) }}
	opts := sources.Options{"url": srv.URL + "/c.jsonl"}
	src, err := Open(context.Background(), env, opts)
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for {
		b, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows += int(b.NumRows())
		b.Release()
	}
	src.Close()
	if rows != 2 || len(bad) != 1 || bad[0].Offset != 2 {
		t.Errorf("rows %d, bad records %+v; want 2 rows and line 2 rejected", rows, bad)
	}
	if v, err := Version(context.Background(), opts); err != nil || v != `"v1"` {
		t.Errorf("version %q, %v", v, err)
	}
	if _, err := Open(context.Background(), env, sources.Options{"url": srv.URL + "/gone"}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing resource: err = %v", err)
	}
}
