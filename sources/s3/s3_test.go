package s3

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/eddy-sql/eddy/sources"
)

func TestObjectReadAndVersion(t *testing.T) {
	t.Parallel()
	backend := s3mem.New()
	if err := backend.CreateBucket("b"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	client := s3.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("A", "S", "")},
		func(o *s3.Options) { o.BaseEndpoint, o.UsePathStyle = aws.String(srv.URL), true })
	put := func(body string) {
		if _, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k.csv"), Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	put("Ticker,Name\nAMZN,Amazon\nIBM,IBM\n")
	opts := sources.Options{"url": "s3://b/k.csv", "endpoint": srv.URL, "anonymous": "true", "format": "csv", "header": "true"}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "TICKER", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "NAME", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "APPROXIMATE_ARRIVAL_TIME", Type: sources.TimestampType, Nullable: true},
		{Name: "ROWTIME", Type: sources.TimestampType, Nullable: true},
	}, nil)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src, err := Open(context.Background(), sources.Env{Stream: "T", Schema: schema, Alloc: mem}, opts)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for {
		b, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < int(b.NumRows()); i++ {
			names = append(names, b.Column(1).(*array.String).Value(i))
		}
		b.Release()
	}
	src.Close()
	if strings.Join(names, ",") != "Amazon,IBM" {
		t.Errorf("rows %v", names)
	}
	v1, err := Version(context.Background(), opts)
	if err != nil || v1 == "" {
		t.Fatalf("version %q, %v", v1, err)
	}
	if again, _ := Version(context.Background(), opts); again != v1 {
		t.Errorf("version of an unchanged object moved: %q then %q", v1, again)
	}
	put("Ticker,Name\nAMZN,Amazon.com\n")
	if v2, _ := Version(context.Background(), opts); v2 == v1 {
		t.Errorf("version %q did not change when the object was replaced", v2)
	}
	if _, err := Open(context.Background(), sources.Env{Stream: "T", Schema: schema, Alloc: mem}, sources.Options{"url": "b/k.csv"}); err == nil || !strings.Contains(err.Error(), "want s3://bucket/key") {
		t.Errorf("bad url: err = %v", err)
	}
}
