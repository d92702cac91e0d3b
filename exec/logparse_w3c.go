package exec

import (
	"regexp"
	"strconv"
	"strings"
)

// w3cFormats are W3C_LOG_PARSE's predefined formats, in Apache
// mod_log_config notation.
var w3cFormats = map[string]string{
	"COMMON":            `%h %l %u %t "%r" %>s %b`,
	"COMMON WITH VHOST": `%v %h %l %u %t "%r" %>s %b`,
	"NCSA EXTENDED":     `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"`,
	"REFERER":           `%{Referer}i -> %U`,
	"AGENT":             `%{User-agent}i`,
}

// iisFields is the number of comma-separated fields of an IIS log line.
const iisFields = 15

// w3cRegex compiles an Apache log format to an anchored RE2 pattern with
// one group per % directive: a directive between double quotes takes a
// quoted string (backslash escapes), %t a [bracketed time], the last one
// the rest of the line, any other a run of non-blanks.
func w3cRegex(format string) (*regexp.Regexp, int, error) {
	var b strings.Builder
	b.WriteString(`\A`)
	n := 0
	for i := 0; i < len(format); {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			b.WriteString(regexp.QuoteMeta(string(c)))
			i++
			continue
		}
		if format[i+1] == '%' {
			b.WriteString("%")
			i += 2
			continue
		}
		j := i + 1
		if format[j] == '{' {
			if k := strings.IndexByte(format[j:], '}'); k >= 0 {
				j += k + 1
			}
		}
		for j < len(format) && strings.IndexByte("<>!,0123456789", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			break
		}
		letter := format[j]
		j++
		quoted := i > 0 && format[i-1] == '"' && j < len(format) && format[j] == '"'
		switch {
		case quoted:
			b.WriteString(`((?:[^"\\]|\\.)*)`)
		case letter == 't':
			b.WriteString(`(\[[^\]]*\]|\S+)`)
		case j >= len(format):
			b.WriteString(`(.*)`)
		default:
			b.WriteString(`(\S*)`)
		}
		n++
		i = j
	}
	b.WriteString(`\z`)
	re, err := regexp.Compile(b.String())
	return re, n, err
}

// bindW3CLogParse binds KDA W3C_LOG_PARSE(s, format): format is COMMON,
// COMMON WITH VHOST, NCSA EXTENDED, REFERER, AGENT, IIS or an Apache
// LogFormat string; the result has COLUMN1…COLUMNn VARCHAR, one per
// directive (IIS: 15 comma-separated fields). A line that does not fit
// the format is NULL.
func bindW3CLogParse(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, arityError(name, len(args), "2")
	}
	conv, err := typedArgs(name, args, "ss", "(string, constant string format)")
	if err != nil {
		return nil, err
	}
	f, err := constString(name, conv[1], "the format")
	if err != nil {
		return nil, err
	}
	key := strings.Join(strings.Fields(strings.ToUpper(f)), " ")
	if key == "IIS" {
		cols := defaultLogColumns(iisFields)
		split := func(line string, dst []string, absent []bool) ([]string, bool, error) {
			dst = splitVariable(line, ",", "", "", iisFields, dst)
			if len(dst) != iisFields {
				return dst, false, nil
			}
			for k := range dst {
				dst[k] = strings.TrimSpace(dst[k])
			}
			return dst, true, nil
		}
		return &logParseCall{name: name, args: conv, cols: cols, typ: logStruct(cols), split: split}, nil
	}
	if std, ok := w3cFormats[key]; ok {
		f = std
	}
	re, n, err := w3cRegex(f)
	if err != nil || n == 0 {
		return nil, newError(ErrInvalidArgument, "exec: function %s: invalid log format %s", name, strconv.Quote(f))
	}
	cols := defaultLogColumns(n)
	split := func(line string, dst []string, absent []bool) ([]string, bool, error) {
		m := re.FindStringSubmatchIndex(line)
		if m == nil {
			return dst, false, nil
		}
		for g := 1; g <= n; g++ {
			dst = append(dst, line[m[2*g]:m[2*g+1]])
		}
		return dst, true, nil
	}
	return &logParseCall{name: name, args: conv, cols: cols, typ: logStruct(cols), split: split}, nil
}
