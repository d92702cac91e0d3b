package planner

import (
	"context"
	"testing"
)

func TestJobStream(t *testing.T) {
	t.Parallel()
	conns := &runConnectors{sink: &memSink{}}
	s := NewSession(Config{Connectors: conns})
	if _, err := execText(t, s, `CREATE STREAM src (k BIGINT) WITH (connector = 'seq', count = '3');
CREATE STREAM mid (k BIGINT);
CREATE STREAM out (k BIGINT) WITH (connector = 'mem');
CREATE PUMP p1 AS INSERT INTO mid SELECT STREAM k FROM src;
CREATE PUMP p2 AS INSERT INTO out SELECT STREAM k FROM mid`); err != nil {
		t.Fatal(err)
	}
	job, err := s.Build(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"MID", "MID", true},
		{"mid", "MID", true},
		{"error_stream", "ERROR_STREAM", true},
		{"NOPE", "", false},
	}
	for _, tc := range tests {
		st, ok := job.Stream(tc.name)
		if ok != tc.ok || ok && st.Name() != tc.want {
			t.Errorf("Stream(%q) = %v, %v; want %q, %v", tc.name, st, ok, tc.want, tc.ok)
		}
	}
}
