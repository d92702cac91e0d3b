package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesisanalytics"
	kdatypes "github.com/aws/aws-sdk-go-v2/service/kinesisanalytics/types"

	"github.com/eddy-sql/eddy/sources/kinesis/kinesalite"
)

// serveConfig writes a --config file pointing kinesis at srv.
func serveConfig(t *testing.T, dir string, srv *kinesalite.Server) string {
	t.Helper()
	cfg := map[string]any{
		"region": kinesalite.Region,
		"kinesis": map[string]string{
			"endpoint": srv.Endpoint, "access_key_id": kinesalite.AccessKeyID, "secret_access_key": kinesalite.SecretAccessKey,
			"poll_interval": "20ms", "discover_interval": "200ms", "idle_timeout": "200ms", "max_attempts": "3",
		},
	}
	data, _ := json.Marshal(cfg)
	return writeFile(t, dir, "config.json", string(data))
}

// startTestServer runs eddy serve in this process on a free loopback port
// until the test ends.
func startTestServer(t *testing.T, args ...string) *server {
	t.Helper()
	s, _, err := startServer(append([]string{"--listen", "127.0.0.1:0", "--stop-timeout", "20s"}, args...), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.shutdown(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s
}

// kdaClient is the AWS SDK's kinesisanalytics client for a server.
func kdaClient(url, accessKey string) *kinesisanalytics.Client {
	return kinesisanalytics.New(kinesisanalytics.Options{
		Region: kinesalite.Region, BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(accessKey, "not-checked", ""),
	})
}

// waitStatus polls DescribeApplication until the status is want.
func waitStatus(t *testing.T, c *kinesisanalytics.Client, name string, want kdatypes.ApplicationStatus) *kdatypes.ApplicationDetail {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := c.DescribeApplication(context.Background(), &kinesisanalytics.DescribeApplicationInput{ApplicationName: aws.String(name)})
		if err != nil {
			t.Fatalf("describe %s: %v", name, err)
		}
		if out.ApplicationDetail.ApplicationStatus == want {
			return out.ApplicationDetail
		}
		if time.Now().After(deadline) {
			t.Fatalf("application %s is %s, not %s", name, out.ApplicationDetail.ApplicationStatus, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// putJSON writes one JSON record per value to a stream.
func putJSON(t *testing.T, c *kinesis.Client, stream string, values []map[string]any) {
	t.Helper()
	var entries []ktypes.PutRecordsRequestEntry
	for i, v := range values {
		data, _ := json.Marshal(v)
		entries = append(entries, ktypes.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(fmt.Sprint(i % 7))})
	}
	for len(entries) > 0 {
		n := min(len(entries), 250)
		out, err := c.PutRecords(context.Background(), &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries[:n]})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt32(out.FailedRecordCount) > 0 {
			t.Fatalf("%d records failed", aws.ToInt32(out.FailedRecordCount))
		}
		entries = entries[n:]
	}
}

// streamReader reads every record of a stream's shards from the oldest.
type streamReader struct {
	c      *kinesis.Client
	stream string
	iters  map[string]*string
}

func newStreamReader(c *kinesis.Client, stream string) *streamReader {
	return &streamReader{c: c, stream: stream, iters: map[string]*string{}}
}

// read returns the records that arrived since the last call.
func (r *streamReader) read(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	shards, err := r.c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(r.stream)})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, sh := range shards.Shards {
		id := aws.ToString(sh.ShardId)
		if r.iters[id] == nil {
			it, err := r.c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(r.stream), ShardId: sh.ShardId, ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon})
			if err != nil {
				t.Fatal(err)
			}
			r.iters[id] = it.ShardIterator
		}
		got, err := r.c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: r.iters[id]})
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range got.Records {
			out = append(out, string(rec.Data))
		}
		r.iters[id] = got.NextShardIterator
	}
	return out
}

// readUntil reads the stream until it holds n records (or fails after a
// while), then a little longer to catch extras.
func (r *streamReader) readUntil(t *testing.T, n int) []string {
	t.Helper()
	var all []string
	deadline := time.Now().Add(30 * time.Second)
	for len(all) < n {
		all = append(all, r.read(t)...)
		if time.Now().After(deadline) {
			t.Fatalf("stream %s: %d records, want %d", r.stream, len(all), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	return append(all, r.read(t)...)
}

// field returns the values of key in JSON records, sorted.
func field(t *testing.T, recs []string, key string) []string {
	t.Helper()
	var out []string
	for _, r := range recs {
		var m map[string]any
		if err := json.Unmarshal([]byte(r), &m); err != nil {
			t.Fatalf("record %q: %v", r, err)
		}
		out = append(out, fmt.Sprint(m[key]))
	}
	sort.Strings(out)
	return out
}

// metric returns the value of the first /metrics sample matching re.
func metric(t *testing.T, url, re string) (string, bool) {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rx := regexp.MustCompile(re)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "#") && rx.MatchString(line) {
			f := strings.Fields(line)
			return f[len(f)-1], true
		}
	}
	return "", false
}

// tempDir is a temporary directory with its symbolic links resolved.
func tempDir(t *testing.T) string {
	d, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// httpGet sends a GET with an optional bearer token and returns the
// status.
func httpGet(u, token string) (int, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}
