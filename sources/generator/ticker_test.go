package generator

import (
	"math"
	"testing"
)

func TestTickerDeterministic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		a, b     int64
		wantSame bool
	}{
		{"same seed", 7, 7, true},
		{"seed 0 twice", 0, 0, true},
		{"other seed", 7, 8, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ta, tb := newTicker(tc.a), newTicker(tc.b)
			same := true
			for range 1000 {
				if ta.next() != tb.next() {
					same = false
				}
			}
			if same != tc.wantSame {
				t.Fatalf("ticks equal = %v, want %v", same, tc.wantSame)
			}
		})
	}
}

func TestTickerWalk(t *testing.T) {
	t.Parallel()
	for _, seed := range []int64{0, 1, 42} {
		t.Run("seed", func(t *testing.T) {
			t.Parallel()
			tk := newTicker(seed)
			var last [len(tickerSymbols)]float64
			for i, s := range tickerSymbols {
				last[i] = s.base
			}
			const n = 200_000
			large, seen := 0, map[uint8]bool{}
			for range n {
				x := tk.next()
				seen[x.symbol] = true
				s := tickerSymbols[x.symbol]
				if x.price <= 0 || x.price < s.base/10 || x.price > s.base*10 {
					t.Fatalf("%s price %v wandered from %v", s.symbol, x.price, s.base)
				}
				if x.price != cents(x.price) || x.change != cents(x.change) {
					t.Fatalf("%s price %v change %v not in cents", s.symbol, x.price, x.change)
				}
				if math.Abs(x.price-x.change-last[x.symbol]) > 0.001 {
					t.Fatalf("%s: price %v - change %v != previous %v", s.symbol, x.price, x.change, last[x.symbol])
				}
				last[x.symbol] = x.price
				// The KDA demo filter: ABS(CHANGE / (PRICE - CHANGE)) * 100 > 15.
				if math.Abs(x.change/(x.price-x.change))*100 > 15 {
					large++
				}
			}
			if len(seen) != len(tickerSymbols) {
				t.Fatalf("only %d of %d symbols ticked", len(seen), len(tickerSymbols))
			}
			if f := float64(large) / n; f < 0.015 || f > 0.04 {
				t.Fatalf("%.4f of moves exceed 15%%, want about 2.5%%", f)
			}
		})
	}
}

func TestTickerSymbols(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, s := range tickerSymbols {
		t.Run(s.symbol, func(t *testing.T) {
			t.Parallel()
			if len(s.symbol) > 4 || len(s.sector) > 16 || s.base <= 0 {
				t.Fatalf("symbol %+v does not fit VARCHAR(4)/VARCHAR(16) or has no price", s)
			}
		})
		if seen[s.symbol] {
			t.Fatalf("duplicate symbol %s", s.symbol)
		}
		seen[s.symbol] = true
	}
}
