package planner

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestSourceIdentity(t *testing.T) {
	t.Parallel()
	kafka := map[string]string{"connector": "kafka", "topic": "orders,refunds", "group": "g1", "brokers": "b:9092", "batch_size": "100", "sasl_password": "hunter2", "format": "json"}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		return m
	}
	kinesis := map[string]string{"connector": "kinesis", "stream": "ticks", "access_key_id": "AKIA1", "secret_access_key": "s3cr3t", "session_token": "tok", "region": "eu-west-1"}
	other := map[string]string{"connector": "custom", "dataset": "d1", "api_key": "k1", "auth_token": "t1", "batch_size": "9", "read_timeout": "1s"}
	cases := []struct {
		name string
		a, b map[string]string
		same bool
	}{
		{name: "regression: batch_size is tuning", a: kafka, b: with(kafka, "batch_size", "5000"), same: true},
		{name: "regression: a rotated sasl_password", a: kafka, b: with(kafka, "sasl_password", "correct horse"), same: true},
		{name: "brokers move", a: kafka, b: with(kafka, "brokers", "c:9092,d:9092"), same: true},
		{name: "format changes", a: kafka, b: with(kafka, "format", "csv"), same: true},
		{name: "lateness and idle_timeout", a: kafka, b: with(kafka, "lateness", "5s", "idle_timeout", "1m", "max_skew", "1m"), same: true},
		{name: "topics are a set", a: kafka, b: with(kafka, "topic", "refunds, orders"), same: true},
		{name: "another topic", a: kafka, b: with(kafka, "topic", "orders"), same: false},
		{name: "another group", a: kafka, b: with(kafka, "group", "g2"), same: false},
		{name: "another connector", a: kafka, b: with(kafka, "connector", "kinesis"), same: false},
		{name: "rotated AWS keys", a: kinesis, b: with(kinesis, "access_key_id", "AKIA2", "secret_access_key", "other", "session_token", "tok2"), same: true},
		{name: "another Kinesis stream", a: kinesis, b: with(kinesis, "stream", "trades"), same: false},
		{name: "file path", a: map[string]string{"connector": "file", "path": "a.jsonl"}, b: map[string]string{"connector": "file", "path": "b.jsonl", "batch_size": "1"}, same: false},
		{name: "unknown connector: credentials and tuning stay out", a: other, b: with(other, "api_key", "k2", "auth_token", "t2", "batch_size", "1", "read_timeout", "2s"), same: true},
		{name: "unknown connector: other options count", a: other, b: with(other, "dataset", "d2"), same: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := sourceIdentity(tc.a), sourceIdentity(tc.b)
			if (a == b) != tc.same {
				t.Fatalf("identities %q and %q: same = %v, want %v", a, b, a == b, tc.same)
			}
			for _, id := range []string{a, b} {
				for _, secret := range []string{"hunter2", "correct horse", "s3cr3t", "other", "tok", "AKIA", "k1", "k2", "t1", "t2"} {
					if strings.Contains(id, "="+secret) {
						t.Errorf("identity %q holds the secret %q", id, secret)
					}
				}
			}
		})
	}
}

// TestSourceKeepsItsPositionAcrossTuning is the user's duplicate rows: a
// changed batch_size (or a rotated password) made the source start over
// and the exactly-once destination got every row twice. Now the source
// resumes; only a change of what it reads starts it fresh, and the restart
// says so.
func TestSourceKeepsItsPositionAcrossTuning(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sink := &memSink{}
	run := func(options string) []string {
		t.Helper()
		var mu sync.Mutex
		var logs []string
		conns := &runConnectors{sink: sink}
		s := NewSession(Config{Connectors: conns, StateDir: dir, Log: func(m string) { mu.Lock(); logs = append(logs, m); mu.Unlock() }})
		_, err := execText(t, s, fmt.Sprintf(`CREATE STREAM src (k BIGINT) WITH (connector = 'seq', count = '10', %s);
CREATE STREAM out (k BIGINT) WITH (connector = 'mem');
CREATE PUMP copy AS INSERT INTO out SELECT STREAM k FROM src`, options))
		if err != nil {
			t.Fatal(err)
		}
		job, err := s.Build(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := job.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return logs
	}
	want := []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	run("table = 'a', batch_size = '4', sasl_password = 'old'")
	if got := sink.rows(); !slices.Equal(got, want) {
		t.Fatalf("first run delivered %v", got)
	}
	logs := run("table = 'a', batch_size = '3', sasl_password = 'rotated'")
	if got := sink.rows(); !slices.Equal(got, want) {
		t.Fatalf("after a restart with a new batch_size and password: %v, want %v (no duplicates)", got, want)
	}
	for _, l := range logs {
		if strings.Contains(l, "starts fresh") {
			t.Errorf("restart logged %q", l)
		}
	}
	logs = run("table = 'b', batch_size = '3'")
	if got := sink.rows(); len(got) != 20 {
		t.Fatalf("a source reading other data should start from the beginning: %v", got)
	}
	if !slices.ContainsFunc(logs, func(l string) bool {
		return strings.HasPrefix(l, "source SRC starts fresh, from the beginning of its data")
	}) {
		t.Fatalf("no notice of the fresh start in %q", logs)
	}
}
