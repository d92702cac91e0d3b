package sql

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// timeUnits maps unit words (singular and plural) to their canonical name.
var timeUnits = map[string]string{
	"YEAR": "YEAR", "YEARS": "YEAR", "MONTH": "MONTH", "MONTHS": "MONTH",
	"DAY": "DAY", "DAYS": "DAY", "HOUR": "HOUR", "HOURS": "HOUR",
	"MINUTE": "MINUTE", "MINUTES": "MINUTE", "SECOND": "SECOND", "SECONDS": "SECOND",
	"MILLISECOND": "MILLISECOND", "MILLISECONDS": "MILLISECOND",
	"WEEK": "WEEK", "WEEKS": "WEEK", "QUARTER": "QUARTER",
}

// unitMillis is the length of each day-time unit in milliseconds.
var unitMillis = map[string]int64{
	"WEEK": 7 * 86400000, "DAY": 86400000, "HOUR": 3600000, "MINUTE": 60000,
	"SECOND": 1000, "MILLISECOND": 1,
}

// dayTimeOrder is the order of the fields of a compound day-time interval.
var dayTimeOrder = []string{"DAY", "HOUR", "MINUTE", "SECOND"}

// parseInterval parses INTERVAL ['-'] ('text' | number) [unit [(p)] [TO unit [(p)]]]
// with c on the INTERVAL token; it leaves c after the literal.
func parseInterval(c *cursor) (*Literal, error) {
	start := c.next() // INTERVAL
	neg := false
	if c.eatP("-") {
		neg = true
	} else {
		c.eatP("+")
	}
	vt := c.next()
	if vt.kind != tkString && vt.kind != tkNumber {
		c.back(vt)
		return nil, c.fail()
	}
	text := vt.val
	var unit, to string
	if u, ok := timeUnits[c.peek().val]; ok && c.peek().kind == tkWord {
		unit = u
		c.i++
		skipPrecision(c)
		if c.peek().is("TO") {
			c.i++
			t := c.peek()
			u2, ok := timeUnits[t.val]
			if !ok || t.kind != tkWord {
				return nil, c.fail()
			}
			to = u2
			c.i++
			skipPrecision(c)
		}
	}
	lit := &Literal{Pos: Pos(start.pos), Kind: LitInterval, Text: c.src.Text[start.pos:c.at(-1).end]}
	iv, ok := intervalValue(strings.TrimSpace(text), unit, to)
	if !ok {
		return nil, c.src.Errorf(Pos(vt.pos), "invalid interval literal %s", c.src.Text[vt.pos:vt.end])
	}
	if neg {
		iv.Millis, iv.Months = -iv.Millis, -iv.Months
	}
	lit.Interval = iv
	return lit, nil
}

// skipPrecision skips an optional (n) after an interval unit.
func skipPrecision(c *cursor) {
	if c.peek().isP("(") && c.at(1).kind == tkNumber && c.at(2).isP(")") {
		c.i += 3
	}
}

// intervalValue computes the value of an interval string for a unit range.
// With no unit the text carries its own: '2 second', '1 minute 30 seconds'.
func intervalValue(text, unit, to string) (Interval, bool) {
	neg := false
	if strings.HasPrefix(text, "-") {
		neg, text = true, strings.TrimSpace(text[1:])
	} else if strings.HasPrefix(text, "+") {
		text = strings.TrimSpace(text[1:])
	}
	var iv Interval
	var ok bool
	switch {
	case unit == "":
		iv, ok = unitPairs(text)
	case to == "":
		iv, ok = singleUnit(text, unit)
	case unit == "YEAR" && to == "MONTH":
		y, m, found := strings.Cut(text, "-")
		yi, e1 := strconv.ParseInt(strings.TrimSpace(y), 10, 64)
		mi, e2 := strconv.ParseInt(strings.TrimSpace(m), 10, 64)
		if found && e1 == nil && e2 == nil && mi < 12 {
			iv, ok = Interval{Months: yi*12 + mi}, true
		}
	default:
		iv, ok = dayTime(text, unit, to)
	}
	if neg {
		iv.Millis, iv.Months = -iv.Millis, -iv.Months
	}
	return iv, ok
}

// singleUnit is 'n' UNIT; SECOND takes a fraction.
func singleUnit(text, unit string) (Interval, bool) {
	switch unit {
	case "YEAR", "MONTH", "QUARTER":
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return Interval{}, false
		}
		return Interval{Months: n * map[string]int64{"YEAR": 12, "MONTH": 1, "QUARTER": 3}[unit]}, true
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || strings.ContainsAny(text, "eExXpP") || math.IsInf(f, 0) || math.IsNaN(f) {
		return Interval{}, false
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return Interval{Millis: n * unitMillis[unit]}, true
	}
	return Interval{Millis: int64(math.Round(f * float64(unitMillis[unit])))}, true
}

// dayTime is a compound day-time interval such as '1:30' MINUTE TO SECOND.
func dayTime(text, unit, to string) (Interval, bool) {
	from, last := -1, -1
	for i, u := range dayTimeOrder {
		if u == unit {
			from = i
		}
		if u == to {
			last = i
		}
	}
	if from < 0 || last <= from {
		return Interval{}, false
	}
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == ':' })
	if len(fields) != last-from+1 {
		return Interval{}, false
	}
	var ms int64
	for k, f := range fields {
		u := dayTimeOrder[from+k]
		if u == "SECOND" && strings.Contains(f, ".") {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil || v < 0 {
				return Interval{}, false
			}
			ms += int64(math.Round(v * 1000))
			continue
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n < 0 {
			return Interval{}, false
		}
		ms += n * unitMillis[u]
	}
	return Interval{Millis: ms}, true
}

// unitPairs is the single-string form: '2 second', '1 minute 30 seconds'.
func unitPairs(text string) (Interval, bool) {
	f := strings.Fields(text)
	if len(f) == 0 || len(f)%2 != 0 {
		return Interval{}, false
	}
	var iv Interval
	for i := 0; i < len(f); i += 2 {
		u, ok := timeUnits[strings.ToUpper(f[i+1])]
		if !ok {
			return Interval{}, false
		}
		v, ok := singleUnit(f[i], u)
		if !ok {
			return Interval{}, false
		}
		iv.Millis += v.Millis
		iv.Months += v.Months
	}
	if iv.Millis != 0 && iv.Months != 0 {
		return Interval{}, false
	}
	return iv, true
}

// formatInterval renders an interval literal canonically in the largest
// unit that divides it.
func formatInterval(iv Interval) string {
	if iv.Months != 0 {
		if iv.Months%12 == 0 {
			return "INTERVAL '" + strconv.FormatInt(iv.Months/12, 10) + "' YEAR"
		}
		return "INTERVAL '" + strconv.FormatInt(iv.Months, 10) + "' MONTH"
	}
	ms := iv.Millis
	for _, u := range []string{"DAY", "HOUR", "MINUTE", "SECOND"} {
		if ms != 0 && ms%unitMillis[u] == 0 {
			return "INTERVAL '" + strconv.FormatInt(ms/unitMillis[u], 10) + "' " + u
		}
	}
	if ms == 0 {
		return "INTERVAL '0' SECOND"
	}
	sign := ""
	if ms < 0 {
		sign, ms = "-", -ms
	}
	return "INTERVAL '" + sign + strconv.FormatInt(ms/1000, 10) + "." + padMillis(ms%1000) + "' SECOND"
}

func padMillis(n int64) string {
	s := strconv.FormatInt(n, 10)
	return strings.Repeat("0", 3-len(s)) + s
}

// ParseDuration reads a duration as users write it in options: a Go
// duration ("500ms", "2s", "1m30s"), a bare number of seconds ("60"), or
// SQL interval text with or without INTERVAL and quotes ("1 minute",
// "'5' SECOND", "INTERVAL '5' SECOND", "INTERVAL '1:30' MINUTE TO SECOND").
// Negative durations and month-based intervals are errors.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, nil
	}
	if n, err := strconv.ParseFloat(t, 64); err == nil && !math.IsInf(n, 0) && !math.IsNaN(n) {
		if n < 0 {
			return 0, fmt.Errorf("negative duration %q", s)
		}
		return time.Duration(n * float64(time.Second)), nil
	}
	if d, err := time.ParseDuration(t); err == nil {
		if d < 0 {
			return 0, fmt.Errorf("negative duration %q", s)
		}
		return d, nil
	}
	words := strings.Fields(t)
	if len(words) > 0 && strings.EqualFold(words[0], "INTERVAL") {
		words = words[1:]
	}
	// 'text' UNIT [TO UNIT], or text with its own units.
	rest := strings.Join(words, " ")
	text, unit, to := rest, "", ""
	if strings.HasPrefix(rest, "'") {
		end := strings.Index(rest[1:], "'")
		if end < 0 {
			return 0, fmt.Errorf("not a duration: %q (use 500ms, 2s, 5m, '2' SECOND or INTERVAL '1' MINUTE)", s)
		}
		text = rest[1 : end+1]
		tail := strings.Fields(strings.ToUpper(rest[end+2:]))
		switch {
		case len(tail) >= 1 && timeUnits[tail[0]] != "":
			unit = timeUnits[tail[0]]
			if len(tail) == 3 && tail[1] == "TO" && timeUnits[tail[2]] != "" {
				to = timeUnits[tail[2]]
			} else if len(tail) != 1 {
				unit = "?"
			}
		case len(tail) != 0:
			unit = "?"
		}
	} else if f := strings.Fields(strings.ToUpper(rest)); len(f) == 2 && timeUnits[f[1]] != "" {
		text, unit = f[0], timeUnits[f[1]]
	}
	iv, ok := Interval{}, unit != "?"
	if ok {
		iv, ok = intervalValue(strings.TrimSpace(text), unit, to)
	}
	if !ok || iv.Months != 0 {
		return 0, fmt.Errorf("not a duration: %q (use 500ms, 2s, 5m, '2' SECOND or INTERVAL '1' MINUTE)", s)
	}
	if iv.Millis < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return time.Duration(iv.Millis) * time.Millisecond, nil
}
