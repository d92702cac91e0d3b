package generator

import "math"

// tickerSymbol is one symbol of the ticker demo stream with its fixed sector
// and the price its random walk starts from and reverts to.
type tickerSymbol struct {
	symbol, sector string
	base           float64
}

// tickerSymbols imitates the symbols of the KDA demo stream: a few real ones
// and many three-letter placeholders, each with a fixed sector.
var tickerSymbols = [...]tickerSymbol{
	{"AMZN", "TECHNOLOGY", 1750.00}, {"AAPL", "TECHNOLOGY", 185.50}, {"MSFT", "TECHNOLOGY", 410.20},
	{"INTC", "TECHNOLOGY", 45.30}, {"CRM", "TECHNOLOGY", 260.75}, {"NFLX", "TECHNOLOGY", 480.00},
	{"TGT", "RETAIL", 150.40}, {"WMT", "RETAIL", 60.10}, {"ABC", "RETAIL", 95.00},
	{"KIN", "RETAIL", 12.80}, {"ALY", "RETAIL", 38.25}, {"XYZ", "ENERGY", 72.60},
	{"BNM", "ENERGY", 18.90}, {"PPL", "ENERGY", 29.40}, {"WAS", "ENERGY", 104.00},
	{"JKL", "HEALTHCARE", 88.10}, {"UHN", "HEALTHCARE", 54.30}, {"MJN", "HEALTHCARE", 132.00},
	{"SAC", "HEALTHCARE", 9.75}, {"QXU", "FINANCIAL", 41.00}, {"DFG", "FINANCIAL", 67.90},
	{"WSB", "FINANCIAL", 23.45}, {"IOP", "FINANCIAL", 118.30}, {"NGC", "MANUFACTURING", 36.80},
	{"HJV", "MANUFACTURING", 15.20}, {"ASD", "MANUFACTURING", 77.70}, {"VVS", "AUTOMOBILE", 27.35},
	{"TBV", "AUTOMOBILE", 142.60}, {"QWE", "TELECOM", 31.10}, {"ZXZ", "TELECOM", 8.40},
}

// tickerSyms and tickerSectors hold the symbol and sector texts by symbol
// index, for the builders.
var tickerSyms, tickerSectors = func() (strTable, strTable) {
	syms := make([]string, len(tickerSymbols))
	sectors := make([]string, len(tickerSymbols))
	for i, s := range tickerSymbols {
		syms[i], sectors[i] = s.symbol, s.sector
	}
	return newStrTable(syms), newStrTable(sectors)
}()

// tick is one ticker event: a symbol index, the price move and the new price.
type tick struct {
	symbol        uint8
	change, price float64
}

// ticker is the random walk behind the ticker stream. The same seed gives
// the same ticks.
type ticker struct {
	r      javaRandom
	prices [len(tickerSymbols)]float64
}

func newTicker(seed int64) *ticker {
	t := &ticker{r: newJavaRandom(seed)}
	for i, s := range tickerSymbols {
		t.prices[i] = s.base
	}
	return t
}

// Per event, a move is large (16% to 30%) with this chance in a thousand, so
// the KDA "price change > 15%" query has rows to show.
const largeMovePerMille = 25

// next moves one symbol's price and returns the tick. Ordinary moves are up to
// ±3% with a pull back towards the symbol's base price, so prices wander but
// stay within a few multiples of it; prices are in cents and never below 0.01.
func (t *ticker) next() tick {
	i := t.r.nextInt(int32(len(tickerSymbols)))
	old := t.prices[i]
	base := tickerSymbols[i].base
	var pct float64
	if t.r.nextInt(1000) < largeMovePerMille {
		pct = 0.16 + 0.14*t.r.nextDouble()
		down := t.r.nextInt(2) == 0
		if old > 2*base {
			down = true
		} else if old < base/2 {
			down = false
		}
		if down {
			pct = -pct
		}
	} else {
		pct = (t.r.nextDouble()*2-1)*0.03 + 0.01*math.Log(base/old)
	}
	price := max(cents(old*(1+pct)), 0.01)
	t.prices[i] = price
	return tick{symbol: uint8(i), change: cents(price - old), price: price}
}

// cents rounds to two decimals.
func cents(v float64) float64 { return math.Round(v*100) / 100 }
