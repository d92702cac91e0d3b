package planner

import (
	"context"
	"fmt"
	"testing"

	"github.com/eddy-sql/eddy/sql"
)

// TestLivePumpControl: in a live session a pump created STOPPED does not
// run; START PUMP starts it and STOP PUMP (or ALTER PUMP … STOP) stops it,
// the definition staying in the catalog.
func TestLivePumpControl(t *testing.T) {
	t.Parallel()
	s := NewSession(Config{Connectors: fakeConnectors{}})
	l := s.Live(nil)
	defer l.Close()
	steps := []struct {
		text    string
		running bool
	}{
		{"CREATE STREAM x (a BIGINT)", false},
		{"CREATE STREAM y (a BIGINT)", false},
		{"CREATE PUMP p STOPPED AS INSERT INTO y SELECT STREAM a FROM x", false},
		{"START PUMP p", true},
		{"START PUMP p", true},
		{"ALTER PUMP p STOP", false},
		{"ALTER PUMP p START", true},
		{"STOP PUMP p", false},
		{"CREATE OR REPLACE PUMP p AS INSERT INTO y SELECT STREAM a + 1 FROM x", true},
		{"CREATE OR REPLACE PUMP p STOPPED AS INSERT INTO y SELECT STREAM a FROM x", false},
	}
	for i, st := range steps {
		stmts, err := sql.Parse(&sql.Source{Text: st.text})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Exec(context.Background(), stmts[0]); err != nil {
			t.Fatalf("step %d %q: %v", i, st.text, err)
		}
		if got := l.Running()["pump P"]; got != st.running {
			t.Fatalf("step %d %q: pump P running = %v, want %v", i, st.text, got, st.running)
		}
	}
	stmts, _ := sql.Parse(&sql.Source{Text: "STOP PUMP q"})
	if _, err := l.Exec(context.Background(), stmts[0]); err == nil || fmt.Sprint(err) != "1:11: unknown pump Q" {
		t.Fatalf("STOP PUMP q: %v", err)
	}
}
