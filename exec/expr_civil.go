package exec

// Calendar arithmetic on the proleptic Gregorian calendar, in UTC, without
// the time package on hot paths (H. Hinnant's civil date algorithms).

const (
	msPerSecond = 1000
	msPerMinute = 60 * msPerSecond
	msPerHour   = 60 * msPerMinute
	msPerDay    = 24 * msPerHour
)

// floorDiv is a / b rounded toward negative infinity (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// floorMod is a - floorDiv(a, b)*b.
func floorMod(a, b int64) int64 {
	m := a % b
	if m != 0 && (m < 0) != (b < 0) {
		m += b
	}
	return m
}

// daysFromCivil returns the days since 1970-01-01 of y-m-d.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays returns the date days after 1970-01-01.
func civilFromDays(days int64) (y, m, d int64) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysInMonth(y, m int64) int64 {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// addMonths adds months to a timestamp, clamping the day to the end of the
// target month.
func addMonths(ts, months int64) int64 {
	days := floorDiv(ts, msPerDay)
	tod := ts - days*msPerDay
	y, m, d := civilFromDays(days)
	total := y*12 + (m - 1) + months
	y, m = floorDiv(total, 12), floorMod(total, 12)+1
	d = min(d, daysInMonth(y, m))
	return daysFromCivil(y, m, d)*msPerDay + tod
}

func appendInt(b []byte, v int64, width int) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	var tmp [20]byte
	i := len(tmp)
	for v > 0 || i == len(tmp) {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	for n := len(tmp) - i; n < width; n++ {
		b = append(b, '0')
	}
	return append(b, tmp[i:]...)
}

// appendDate appends days as YYYY-MM-DD.
func appendDate(b []byte, days int64) []byte {
	y, m, d := civilFromDays(days)
	b = appendInt(b, y, 4)
	b = append(b, '-')
	b = appendInt(b, m, 2)
	b = append(b, '-')
	return appendInt(b, d, 2)
}

// appendTimeOfDay appends ms since midnight as HH:MM:SS.fff.
func appendTimeOfDay(b []byte, ms int64) []byte {
	b = appendInt(b, ms/msPerHour, 2)
	b = append(b, ':')
	b = appendInt(b, ms/msPerMinute%60, 2)
	b = append(b, ':')
	b = appendInt(b, ms/msPerSecond%60, 2)
	b = append(b, '.')
	return appendInt(b, ms%1000, 3)
}

// appendTimestamp appends ms since the epoch as YYYY-MM-DD HH:MM:SS.fff.
func appendTimestamp(b []byte, ms int64) []byte {
	days := floorDiv(ms, msPerDay)
	b = appendDate(b, days)
	b = append(b, ' ')
	return appendTimeOfDay(b, ms-days*msPerDay)
}

func formatTimestamp(ms int64) string { return string(appendTimestamp(nil, ms)) }

func formatDate(days int64) string { return string(appendDate(nil, days)) }

// parseDigits reads exactly n decimal digits of s at i.
func parseDigits(s string, i, n int) (int64, bool) {
	if i+n > len(s) {
		return 0, false
	}
	var v int64
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// parseDateText parses YYYY-MM-DD at the start of s and returns the days
// and the length read.
func parseDateText(s string) (int64, int, bool) {
	y, ok1 := parseDigits(s, 0, 4)
	if !ok1 || len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, false
	}
	m, ok2 := parseDigits(s, 5, 2)
	d, ok3 := parseDigits(s, 8, 2)
	if !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) {
		return 0, 0, false
	}
	return daysFromCivil(y, m, d), 10, true
}

// parseTimeText parses HH:MM[:SS[.fraction]] at the start of s and returns
// ms since midnight and the length read. The fraction is truncated to ms.
func parseTimeText(s string) (int64, int, bool) {
	h, ok1 := parseDigits(s, 0, 2)
	if !ok1 || len(s) < 5 || s[2] != ':' {
		return 0, 0, false
	}
	mi, ok2 := parseDigits(s, 3, 2)
	if !ok2 || h > 23 || mi > 59 {
		return 0, 0, false
	}
	ms := h*msPerHour + mi*msPerMinute
	i := 5
	if i < len(s) && s[i] == ':' {
		sec, ok := parseDigits(s, 6, 2)
		if !ok || sec > 59 {
			return 0, 0, false
		}
		ms += sec * msPerSecond
		i = 8
		if i < len(s) && s[i] == '.' {
			i++
			start := i
			var frac, scale int64 = 0, 100
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				frac += int64(s[i]-'0') * scale
				scale /= 10
				i++
			}
			if i == start {
				return 0, 0, false
			}
			ms += frac
		}
	}
	return ms, i, true
}

// parseTimestampText parses YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][Z|±HH[:MM]]
// (surrounding spaces allowed) into ms since the epoch, UTC.
func parseTimestampText(s string) (int64, bool) {
	s = trimSpace(s)
	days, i, ok := parseDateText(s)
	if !ok {
		return 0, false
	}
	ts := days * msPerDay
	if i == len(s) {
		return ts, true
	}
	if s[i] != ' ' && s[i] != 'T' {
		return 0, false
	}
	tod, n, ok := parseTimeText(s[i+1:])
	if !ok {
		return 0, false
	}
	ts += tod
	rest := s[i+1+n:]
	switch {
	case rest == "" || rest == "Z":
		return ts, true
	case rest[0] == '+' || rest[0] == '-':
		h, ok := parseDigits(rest, 1, 2)
		if !ok {
			return 0, false
		}
		var m int64
		switch {
		case len(rest) == 3:
		case len(rest) == 6 && rest[3] == ':':
			m, ok = parseDigits(rest, 4, 2)
		case len(rest) == 5:
			m, ok = parseDigits(rest, 3, 2)
		default:
			ok = false
		}
		if !ok {
			return 0, false
		}
		off := h*msPerHour + m*msPerMinute
		if rest[0] == '+' {
			return ts - off, true
		}
		return ts + off, true
	}
	return 0, false
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}
