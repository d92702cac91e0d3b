package exec

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

func registerDateFormat(reg registrar) {
	reg(true, bindTimestampToChar, "timestamp_to_char", "date_format")
	reg(true, bindCharToTimestamp, "char_to_timestamp")
}

var (
	errDateFormat = newError(ErrInvalidArgument, "exec: invalid date format pattern")
	errDateText   = newError(ErrCast, "exec: char_to_timestamp: text does not match the format")
)

// dateToken is one element of a Java SimpleDateFormat pattern: a field
// letter repeated count times, or literal text when letter is 0.
type dateToken struct {
	letter byte
	count  int
	text   string
}

// compileDateFormat splits a SimpleDateFormat pattern into tokens.
func compileDateFormat(p string) ([]dateToken, bool) {
	var toks []dateToken
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			if i+1 < len(p) && p[i+1] == '\'' {
				toks = append(toks, dateToken{text: "'"})
				i += 2
				continue
			}
			end := i + 1
			var b strings.Builder
			for {
				if end >= len(p) {
					return nil, false
				}
				if p[end] == '\'' {
					if end+1 < len(p) && p[end+1] == '\'' {
						b.WriteByte('\'')
						end += 2
						continue
					}
					break
				}
				b.WriteByte(p[end])
				end++
			}
			toks = append(toks, dateToken{text: b.String()})
			i = end + 1
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			if !strings.ContainsRune("GyYMLwWDdFEuaHkKhmsSzZX", rune(c)) {
				return nil, false
			}
			j := i
			for j < len(p) && p[j] == c {
				j++
			}
			toks = append(toks, dateToken{letter: c, count: j - i})
			i = j
		default:
			j := i
			for j < len(p) && p[j] != '\'' && !((p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z')) {
				j++
			}
			toks = append(toks, dateToken{text: p[i:j]})
			i = j
		}
	}
	return toks, true
}

var (
	monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	dayNames   = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
)

// appendDateFormat formats ts (ms, UTC) with the tokens.
func appendDateFormat(dst []byte, toks []dateToken, ts int64) []byte {
	days := floorDiv(ts, msPerDay)
	tod := ts - days*msPerDay
	y, m, d := civilFromDays(days)
	hour := tod / msPerHour
	wd := floorMod(days+3, 7) // Monday 0
	for _, t := range toks {
		n := t.count
		switch t.letter {
		case 0:
			dst = append(dst, t.text...)
		case 'G':
			if y > 0 {
				dst = append(dst, "AD"...)
			} else {
				dst = append(dst, "BC"...)
			}
		case 'y', 'Y':
			if n == 2 {
				dst = appendInt(dst, floorMod(y, 100), 2)
			} else {
				dst = appendInt(dst, y, n)
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				dst = append(dst, monthNames[m-1]...)
			case n == 3:
				dst = append(dst, monthNames[m-1][:3]...)
			default:
				dst = appendInt(dst, m, n)
			}
		case 'd':
			dst = appendInt(dst, d, n)
		case 'D':
			dst = appendInt(dst, days-daysFromCivil(y, 1, 1)+1, n)
		case 'w':
			dst = appendInt(dst, isoWeek(days), n)
		case 'W':
			dst = appendInt(dst, (d-1+floorMod(daysFromCivil(y, m, 1)+3, 7))/7+1, n)
		case 'F':
			dst = appendInt(dst, (d-1)/7+1, n)
		case 'E':
			if n >= 4 {
				dst = append(dst, dayNames[wd]...)
			} else {
				dst = append(dst, dayNames[wd][:3]...)
			}
		case 'u':
			dst = appendInt(dst, wd+1, n)
		case 'a':
			if hour < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case 'H':
			dst = appendInt(dst, hour, n)
		case 'k':
			h := hour
			if h == 0 {
				h = 24
			}
			dst = appendInt(dst, h, n)
		case 'K':
			dst = appendInt(dst, hour%12, n)
		case 'h':
			h := hour % 12
			if h == 0 {
				h = 12
			}
			dst = appendInt(dst, h, n)
		case 'm':
			dst = appendInt(dst, tod/msPerMinute%60, n)
		case 's':
			dst = appendInt(dst, tod/msPerSecond%60, n)
		case 'S':
			dst = appendInt(dst, tod%1000, n)
		case 'z':
			dst = append(dst, "UTC"...)
		case 'Z':
			dst = append(dst, "+0000"...)
		case 'X':
			dst = append(dst, 'Z')
		}
	}
	return dst
}

// parseDateFormat parses s with the tokens; fields that are absent default
// to 1970-01-01 00:00:00.000.
func parseDateFormat(toks []dateToken, s string) (int64, bool) {
	y, m, d := int64(1970), int64(1), int64(1)
	var hour, minute, sec, ms, offset int64
	pm, hasAmPm, twelve := false, false, false
	pos := 0
	for k, t := range toks {
		if t.letter == 0 {
			if !strings.HasPrefix(s[pos:], t.text) {
				return 0, false
			}
			pos += len(t.text)
			continue
		}
		// A numeric field followed directly by another field has a fixed width.
		width := 0
		if k+1 < len(toks) && toks[k+1].letter != 0 {
			width = t.count
		}
		num := func() (int64, bool) {
			start := pos
			neg := false
			if (t.letter == 'y' || t.letter == 'Y') && pos < len(s) && s[pos] == '-' {
				neg = true
				pos++
				start++
			}
			var v int64
			for pos < len(s) && s[pos] >= '0' && s[pos] <= '9' && (width == 0 || pos-start < width) && pos-start < 10 {
				v = v*10 + int64(s[pos]-'0')
				pos++
			}
			if pos == start {
				return 0, false
			}
			if neg {
				v = -v
			}
			return v, true
		}
		name := func(names []string, short bool) (int64, bool) {
			for i, full := range names {
				cand := full
				if short {
					cand = full[:3]
				}
				if len(s)-pos >= len(cand) && strings.EqualFold(s[pos:pos+len(cand)], cand) {
					pos += len(cand)
					return int64(i), true
				}
			}
			return 0, false
		}
		var v int64
		ok := true
		switch t.letter {
		case 'y', 'Y':
			v, ok = num()
			if ok && t.count == 2 && v >= 0 && v < 100 {
				v += 2000
				if v > 2069 {
					v -= 100
				}
			}
			y = v
		case 'M', 'L':
			if t.count >= 3 {
				if v, ok = name(monthNames, false); !ok {
					v, ok = name(monthNames, true)
				}
				m = v + 1
			} else {
				v, ok = num()
				m = v
			}
		case 'd':
			d, ok = num()
		case 'E':
			if _, ok = name(dayNames, false); !ok {
				_, ok = name(dayNames, true)
			}
		case 'a':
			hasAmPm = true
			switch {
			case len(s)-pos >= 2 && strings.EqualFold(s[pos:pos+2], "AM"):
			case len(s)-pos >= 2 && strings.EqualFold(s[pos:pos+2], "PM"):
				pm = true
			default:
				ok = false
			}
			pos += 2
		case 'H', 'k':
			hour, ok = num()
			if t.letter == 'k' && hour == 24 {
				hour = 0
			}
		case 'h', 'K':
			hour, ok = num()
			twelve = true
		case 'm':
			minute, ok = num()
		case 's':
			sec, ok = num()
		case 'S':
			start := pos
			ms, ok = num()
			// Fractions longer than three digits are sub-millisecond.
			for digits := pos - start; ok && digits > 3; digits-- {
				ms /= 10
			}
		case 'z', 'Z', 'X':
			offset, ok = parseZone(s, &pos)
		default:
			_, ok = num()
		}
		if !ok {
			return 0, false
		}
	}
	if pos != len(s) {
		return 0, false
	}
	if hasAmPm || twelve {
		hour %= 12
		if pm {
			hour += 12
		}
	}
	if m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) || hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	return daysFromCivil(y, m, d)*msPerDay + hour*msPerHour + minute*msPerMinute + sec*msPerSecond + ms - offset, true
}

// parseZone reads Z, UTC, GMT or ±HH[:]MM and returns the offset in ms.
func parseZone(s string, pos *int) (int64, bool) {
	rest := s[*pos:]
	switch {
	case strings.HasPrefix(rest, "Z"):
		*pos++
		return 0, true
	case strings.HasPrefix(rest, "UTC"), strings.HasPrefix(rest, "GMT"):
		*pos += 3
		return 0, true
	case len(rest) >= 3 && (rest[0] == '+' || rest[0] == '-'):
		h, ok := parseDigits(rest, 1, 2)
		if !ok {
			return 0, false
		}
		n := 3
		var m int64
		if len(rest) >= 6 && rest[3] == ':' {
			m, ok = parseDigits(rest, 4, 2)
			n = 6
		} else if len(rest) >= 5 {
			if mm, ok2 := parseDigits(rest, 3, 2); ok2 {
				m, n = mm, 5
			}
		}
		if !ok {
			return 0, false
		}
		*pos += n
		off := h*msPerHour + m*msPerMinute
		if rest[0] == '-' {
			off = -off
		}
		return off, true
	}
	return 0, false
}

// formatOperand returns the compiled format of each row: compiled once at
// Bind for a constant, else per distinct row value.
func formatOperand(o operand, fixed []dateToken) func(int) ([]dateToken, bool) {
	if fixed != nil {
		return func(int) ([]dateToken, bool) { return fixed, true }
	}
	get := stringOperand(o)
	var last string
	var toks []dateToken
	var ok, set bool
	return func(i int) ([]dateToken, bool) {
		if p := get(i); !set || p != last {
			last, set = strings.Clone(p), true
			toks, ok = compileDateFormat(p)
		}
		return toks, ok
	}
}

func constDateFormat(name string, e Expr) ([]dateToken, error) {
	v, ok := ConstValue(e)
	if !ok || v == nil {
		return nil, nil
	}
	toks, good := compileDateFormat(v.(string))
	if !good {
		return nil, newError(ErrInvalidArgument, "exec: function %s: invalid date format %q", name, v)
	}
	if toks == nil {
		toks = []dateToken{}
	}
	return toks, nil
}

// bindTimestampToChar binds KDA TIMESTAMP_TO_CHAR(format, ts), where a
// NULL timestamp gives the text "null" as in KDA, and Flink
// DATE_FORMAT(ts, format), where it gives NULL.
func bindTimestampToChar(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, arityError(name, len(args), "2")
	}
	fi, ti := 0, 1
	want := "(string format, timestamp)"
	if name == "date_format" {
		fi, ti = 1, 0
		want = "(timestamp, string format)"
	}
	ft, tt := args[fi].DataType(), args[ti].DataType()
	if (!isString(ft) && !isNullType(ft)) || (!isTimestamp(tt) && !isDate(tt) && !isNullType(tt)) {
		return nil, argTypesError(name, args, want)
	}
	ts, err := coerce(args[ti], TimestampType)
	if err != nil {
		return nil, err
	}
	format, err := coerce(args[fi], arrow.BinaryTypes.String)
	if err != nil {
		return nil, err
	}
	fixed, err := constDateFormat(name, format)
	if err != nil {
		return nil, err
	}
	nullText := name == "timestamp_to_char"
	k := func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		fo, to := ops[0], ops[1]
		formats, get := formatOperand(fo, fixed), intOperand(to)
		var v *validity
		if nullText {
			v = newValidity(ec.Alloc, n, fo)
		} else {
			v = newValidity(ec.Alloc, n, fo, to)
		}
		out := newStrOut(ec.Alloc, n, 24*n)
		var scratch []byte
		for i := 0; i < n; i++ {
			if !v.valid(i) {
				out.empty(i)
				continue
			}
			toks, ok := formats(i)
			if !ok {
				v.fail(ec, i, errDateFormat)
				out.empty(i)
				continue
			}
			if to.isNull(i) {
				out.appendString(i, "null")
				continue
			}
			scratch = appendDateFormat(scratch[:0], toks, get(i))
			out.appendBytes(i, scratch)
		}
		return out.finish(arrow.BinaryTypes.String, n, v), nil
	}
	return &named{Expr: newCall(name, arrow.BinaryTypes.String, !nullText, k, format, ts), name: name, args: args}, nil
}

// bindCharToTimestamp binds KDA CHAR_TO_TIMESTAMP(format, s); text that
// does not match is a row error.
func bindCharToTimestamp(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, arityError(name, len(args), "2")
	}
	conv, err := typedArgs(name, args, "ss", "(string format, string)")
	if err != nil {
		return nil, err
	}
	fixed, err := constDateFormat(name, conv[0])
	if err != nil {
		return nil, err
	}
	k := func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		formats, get := formatOperand(ops[0], fixed), stringOperand(ops[1])
		v := newValidity(ec.Alloc, n, ops...)
		buf, out := newFixed[int64](ec.Alloc, n)
		for i := range out {
			if !v.valid(i) {
				continue
			}
			toks, ok := formats(i)
			if !ok {
				v.fail(ec, i, errDateFormat)
				continue
			}
			ts, ok := parseDateFormat(toks, get(i))
			if !ok {
				v.fail(ec, i, errDateText)
				continue
			}
			out[i] = ts
		}
		return newArray(TimestampType, n, v, buf), nil
	}
	return newCall(name, TimestampType, true, k, conv...), nil
}
