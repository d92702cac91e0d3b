package serve

import (
	"reflect"
	"testing"
)

func TestParseExplain(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		text string
		want Graph
	}{
		{"a source, two pumps, a union, a destination", `source TICKS: generator (kind = 'ticker', rate = '50')
pump P1 -> stream MID:
  logical plan:
    Project TICKER_SYMBOL, PRICE, ROWTIME
      Scan TICKS [generator] pushed: PRICE > 0
  physical plan:
    Project TICKER_SYMBOL AS TICKER_SYMBOL, PRICE AS PRICE, ROWTIME AS ROWTIME
      StreamReader TICKS (filter greater(PRICE, 0) runs in the source task when this is the stream's only reader)
pump P2 -> stream DESTINATION_SQL_STREAM:
  logical plan:
    Project TICKER_SYMBOL, PRICE, ROWTIME
      Union all (2 inputs)
        Project TICKER_SYMBOL, PRICE, ROWTIME
          Scan MID
        Project TICKER_SYMBOL, PRICE, ROWTIME
          Scan TICKS [generator]
  physical plan:
    Project TICKER_SYMBOL AS TICKER_SYMBOL, PRICE AS PRICE, ROWTIME AS ROWTIME
      StreamReader MID
destination DESTINATION_SQL_STREAM: stdout
`, Graph{Sources: []string{"TICKS"}, Destinations: []string{"DESTINATION_SQL_STREAM"}, Pumps: []GraphPump{
			{Name: "P1", Reads: []string{"TICKS"}, Target: "MID"},
			{Name: "P2", Reads: []string{"MID", "TICKS"}, Target: "DESTINATION_SQL_STREAM"},
		}}},
		{"quoted names", `source "in s": file (path = 'x')
pump "my pump" -> stream "Out":
  logical plan:
    Scan "in s" [file]
destination "Out": discard
`, Graph{Sources: []string{"in s"}, Destinations: []string{"Out"}, Pumps: []GraphPump{{Name: "my pump", Reads: []string{"in s"}, Target: "Out"}}}},
		{"an empty application", "", Graph{Sources: []string{}, Pumps: []GraphPump{}, Destinations: []string{}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := parseExplain(tc.text); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("parseExplain = %+v, want %+v", got, tc.want)
			}
		})
	}
}
