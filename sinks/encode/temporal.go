package encode

// floorDiv returns a/b rounded toward negative infinity (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// appendDate appends days since the Unix epoch as YYYY-MM-DD (proleptic
// Gregorian). Years outside 0..9999 keep their digits and sign.
func appendDate(dst []byte, days int64) []byte {
	// Civil-from-days: shift the era to start on 0000-03-01.
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	dst = appendYear(dst, y)
	dst = append(dst, '-')
	dst = append2(dst, m)
	dst = append(dst, '-')
	return append2(dst, d)
}

func appendYear(dst []byte, y int64) []byte {
	if y < 0 {
		dst = append(dst, '-')
		y = -y
	}
	if y > 9999 {
		return appendUint(dst, uint64(y))
	}
	return append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
}

// append2 appends n (0..99) as two digits; larger n keep all their digits.
func append2(dst []byte, n int64) []byte {
	if n > 99 {
		return appendUint(dst, uint64(n))
	}
	return append(dst, byte('0'+n/10), byte('0'+n%10))
}

func appendUint(dst []byte, n uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for n >= 10 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	i--
	buf[i] = byte('0' + n)
	return append(dst, buf[i:]...)
}

// appendClock appends a time of day, sec seconds after midnight plus frac
// units of 10^-digits seconds, as HH:MM:SS[.fff…].
func appendClock(dst []byte, sec, frac int64, digits int) []byte {
	dst = append2(dst, sec/3600)
	dst = append(dst, ':')
	dst = append2(dst, sec/60%60)
	dst = append(dst, ':')
	dst = append2(dst, sec%60)
	return appendFraction(dst, frac, digits)
}

// appendFraction appends "." and frac zero-padded to digits digits; nothing
// when digits is 0.
func appendFraction(dst []byte, frac int64, digits int) []byte {
	if digits == 0 {
		return dst
	}
	dst = append(dst, '.')
	var buf [9]byte
	for i := digits - 1; i >= 0; i-- {
		buf[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(dst, buf[:digits]...)
}

// unitScale returns how many units make a second, and the fraction digits
// that show one unit.
func unitScale(perSecond int64) int {
	switch perSecond {
	case 1_000:
		return 3
	case 1_000_000:
		return 6
	case 1_000_000_000:
		return 9
	}
	return 0
}

// timestampFormatter appends instants as date, sep, clock and suffix,
// caching the date text of the last day it saw (rows of a batch usually
// share a day).
type timestampFormatter struct {
	perSecond int64
	digits    int
	sep       byte
	suffix    string
	lastDay   int64
	dayText   []byte
}

func newTimestampFormatter(perSecond int64, sep byte, suffix string) *timestampFormatter {
	return &timestampFormatter{perSecond: perSecond, digits: unitScale(perSecond), sep: sep, suffix: suffix, lastDay: -1 << 62}
}

func (f *timestampFormatter) append(dst []byte, v int64) []byte {
	sec := floorDiv(v, f.perSecond)
	frac := v - sec*f.perSecond
	day := floorDiv(sec, 86400)
	if day != f.lastDay {
		f.dayText = appendDate(f.dayText[:0], day)
		f.lastDay = day
	}
	dst = append(dst, f.dayText...)
	dst = append(dst, f.sep)
	dst = appendClock(dst, sec-day*86400, frac, f.digits)
	return append(dst, f.suffix...)
}

// appendTimeOfDay appends a TIME value of v units after midnight.
func appendTimeOfDay(dst []byte, v, perSecond int64) []byte {
	sec := floorDiv(v, perSecond)
	return appendClock(dst, sec, v-sec*perSecond, unitScale(perSecond))
}
