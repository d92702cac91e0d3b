package sources

import (
	"errors"
	"fmt"
)

// ErrTimestamp is wrapped by every error of ParseTimestamp.
var ErrTimestamp = errors.New("sources: not a timestamp")

// ParseTimestamp reads a timestamp as milliseconds since the Unix epoch.
// It accepts a date (2024-05-01), optionally followed by 'T' or a space
// and a time of day HH:MM[:SS[.fraction]] (digits past the millisecond are
// truncated), optionally followed by a zone: Z, ±HH, ±HHMM or ±HH:MM.
// Without a zone the time is UTC.
func ParseTimestamp(s string) (int64, error) {
	if ms, ok := parseTimestamp(s); ok {
		return ms, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrTimestamp, s)
}

// ParseTimestampBytes is ParseTimestamp for a byte slice; it does not
// allocate unless it fails.
func ParseTimestampBytes(b []byte) (int64, error) {
	if ms, ok := parseTimestamp(b); ok {
		return ms, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrTimestamp, b)
}

// LooksLikeTimestamp reports whether s parses with ParseTimestampBytes.
func LooksLikeTimestamp(s []byte) bool {
	_, ok := parseTimestamp(s)
	return ok
}

const msPerDay = 86_400_000

func parseTimestamp[T ~string | ~[]byte](s T) (int64, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(s, 0, 4)
	mo, ok2 := digits(s, 5, 2)
	d, ok3 := digits(s, 8, 2)
	if !ok1 || !ok2 || !ok3 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) {
		return 0, false
	}
	ms := DaysFromCivil(y, mo, d) * msPerDay
	i := 10
	if i == len(s) {
		return ms, true
	}
	if s[i] != 'T' && s[i] != 't' && s[i] != ' ' {
		return 0, false
	}
	i++
	tod, n, ok := parseTimeOfDay(s[i:])
	if !ok {
		return 0, false
	}
	ms += tod
	i += n
	if i == len(s) {
		return ms, true
	}
	switch s[i] {
	case 'Z', 'z':
		return ms, i+1 == len(s)
	case '+', '-':
		sign := int64(1)
		if s[i] == '-' {
			sign = -1
		}
		rest := s[i+1:]
		var hh, mm int64
		var ok bool
		switch len(rest) {
		case 2:
			hh, ok = digits(rest, 0, 2)
		case 4:
			hh, ok = digits(rest, 0, 2)
			if ok {
				mm, ok = digits(rest, 2, 2)
			}
		case 5:
			hh, ok = digits(rest, 0, 2)
			if ok && rest[2] == ':' {
				mm, ok = digits(rest, 3, 2)
			} else {
				ok = false
			}
		}
		if !ok || hh > 23 || mm > 59 {
			return 0, false
		}
		return ms - sign*(hh*3_600_000+mm*60_000), true
	}
	return 0, false
}

// parseTimeOfDay reads HH:MM[:SS[.fraction]] at the start of s and returns
// the milliseconds of the day and the bytes read.
func parseTimeOfDay[T ~string | ~[]byte](s T) (ms int64, n int, ok bool) {
	if len(s) < 5 || s[2] != ':' {
		return 0, 0, false
	}
	h, ok1 := digits(s, 0, 2)
	m, ok2 := digits(s, 3, 2)
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, 0, false
	}
	ms = h*3_600_000 + m*60_000
	n = 5
	if n < len(s) && s[n] == ':' {
		sec, ok := digits(s, n+1, 2)
		if !ok || sec > 59 {
			return 0, 0, false
		}
		ms += sec * 1000
		n += 3
		if n < len(s) && s[n] == '.' {
			n++
			start, scale := n, int64(100)
			for n < len(s) && s[n] >= '0' && s[n] <= '9' {
				ms += int64(s[n]-'0') * scale
				scale /= 10
				n++
			}
			if n == start {
				return 0, 0, false
			}
		}
	}
	return ms, n, true
}

// ParseTimeOfDay reads a time of day HH:MM[:SS[.fraction]] as milliseconds
// since midnight.
func ParseTimeOfDay(b []byte) (int64, bool) {
	ms, n, ok := parseTimeOfDay(b)
	return ms, ok && n == len(b)
}

func digits[T ~string | ~[]byte](s T, at, n int) (int64, bool) {
	if at+n > len(s) {
		return 0, false
	}
	var v int64
	for i := at; i < at+n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// DaysFromCivil returns the days since 1970-01-01 of the proleptic
// Gregorian date y-m-d.
func DaysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
