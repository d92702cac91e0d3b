package planner

import (
	"context"
	"strings"
	"testing"
)

// TestPrunedColumnsInExplain checks the columns EXPLAIN says a source
// decodes for a query: those the query reads, with NOT NULL columns and
// the rowtime column, and no list when every column is read or a node on
// the way cannot be followed.
func TestPrunedColumnsInExplain(t *testing.T) {
	t.Parallel()
	const setup = `CREATE STREAM bid (auction BIGINT, bidder BIGINT NOT NULL, price BIGINT, extra VARCHAR, date_time TIMESTAMP, other BIGINT)
WITH (connector = 'file', path = 'bids.jsonl', rowtime = 'DATE_TIME')`
	for _, tc := range []struct {
		name, query string
		want        string // "" for no list
	}{
		{"q2: the filter and the select list", "SELECT STREAM auction, price FROM bid WHERE MOD(auction, 123) = 0",
			"decodes only AUCTION, BIDDER, PRICE, DATE_TIME"},
		{"an expression over columns", "SELECT STREAM price * 2 + other AS x FROM bid",
			"decodes only BIDDER, PRICE, DATE_TIME, OTHER"},
		{"a window aggregate with its time column", `SELECT STREAM auction, window_start, COUNT(*) AS n, MAX(price) AS m
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(date_time), INTERVAL '10' SECOND)) GROUP BY auction, window_start, window_end`,
			"decodes only AUCTION, BIDDER, PRICE, DATE_TIME"},
		{"a subquery's projection", "SELECT STREAM y FROM (SELECT STREAM auction AS y, extra FROM bid) AS s",
			"decodes only AUCTION, BIDDER, DATE_TIME"},
		{"select star reads all", "SELECT STREAM * FROM bid WHERE price > 1", ""},
		{"a query reading the error stream keeps every column", "SELECT STREAM auction FROM bid UNION ALL SELECT STREAM CAST(NULL AS BIGINT) FROM error_stream", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewSession(Config{Connectors: fileConnectors{fakeConnectors{}}})
			if _, err := execText(t, s, setup); err != nil {
				t.Fatal(err)
			}
			res, err := execText(t, s, "EXPLAIN "+tc.query)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if i := strings.Index(res.Text, "decodes only "); i >= 0 {
				got = res.Text[i:]
				got = got[:strings.Index(got, " when")]
			}
			if got != tc.want {
				t.Fatalf("EXPLAIN shows %q, want %q:\n%s", got, tc.want, res.Text)
			}
		})
	}
}

// TestPrunedColumnsReachTheSource checks that a job passes the columns
// its only reader uses to the source connector (option eddy.columns), and
// passes none when a second pump reads the stream too.
func TestPrunedColumnsReachTheSource(t *testing.T) {
	t.Parallel()
	const setup = `CREATE STREAM src (k BIGINT, v BIGINT, w BIGINT) WITH (connector = 'file', path = 'src.jsonl', count = '10');
CREATE STREAM out (k BIGINT) WITH (connector = 'mem');
CREATE PUMP p1 AS INSERT INTO out SELECT STREAM k FROM src WHERE w > 2`
	for _, tc := range []struct {
		name, more, want string
		wantOpt          bool
	}{
		{"one reader", "", "K,W", true},
		{"two readers", ";\nCREATE PUMP p2 AS INSERT INTO out SELECT STREAM v FROM src", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			conns := &runConnectors{sink: &memSink{}}
			s := NewSession(Config{Connectors: seqFiles{conns}})
			if _, err := execText(t, s, setup+tc.more); err != nil {
				t.Fatal(err)
			}
			job, err := s.Build(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := job.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			got, ok := conns.opened[0][ColumnsOption]
			if ok != tc.wantOpt || got != tc.want {
				t.Fatalf("source opened with %s = %q (%v), want %q (%v)", ColumnsOption, got, ok, tc.want, tc.wantOpt)
			}
			if tc.wantOpt && !strings.Contains(job.Explain(), "columns K, W") {
				t.Fatalf("job plan lacks the columns:\n%s", job.Explain())
			}
		})
	}
}

// fileConnectors is fakeConnectors with a source connector named file.
type fileConnectors struct{ fakeConnectors }

func (fileConnectors) IsSource(name string) bool { return name == "file" || name == "gen" }

// seqFiles opens a seqSource for connector file.
type seqFiles struct{ *runConnectors }

func (c seqFiles) IsSource(name string) bool { return name == "file" }
