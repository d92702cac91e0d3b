package exec

import (
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func registerLogParse(reg registrar) {
	reg(true, bindRegexLogParse, "regex_log_parse", "fast_regex_log_parse")
	reg(true, bindFixedColumnLogParse, "fixed_column_log_parse")
	reg(true, bindVariableColumnLogParse, "variable_column_log_parse")
	reg(true, bindW3CLogParse, "w3c_log_parse")
	reg(true, bindSysLogParse, "sys_log_parse")
}

// logSplitter cuts one line into the text of its fields, appended to dst;
// a field absent from the line is absent[i] = true. ok false means the
// line does not parse (the row value is NULL).
type logSplitter func(line string, dst []string, absent []bool) (fields []string, ok bool, err error)

// logParseCall is a *_LOG_PARSE call: its result is a row value, an Arrow
// struct column with one child per output column.
type logParseCall struct {
	name  string
	args  []Expr
	cols  []logColumn
	typ   *arrow.StructType
	split logSplitter
}

var _ Expr = (*logParseCall)(nil)

func (c *logParseCall) DataType() arrow.DataType { return c.typ }

func (c *logParseCall) String() string { return callString(c.name, c.args) }

// constString returns the value of a constant string argument.
func constString(name string, e Expr, what string) (string, error) {
	v, ok := ConstValue(e)
	s, isStr := v.(string)
	if !ok || !isStr {
		return "", newError(ErrArgumentTypes, "exec: function %s: %s must be a constant string", name, what)
	}
	return s, nil
}

func (c *logParseCall) Eval(ec *EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	o, err := evalOperand(ec, c.args[0], batch)
	if err != nil {
		return nil, err
	}
	defer releaseOperands([]operand{o})
	get := stringOperand(o)
	rowV := newValidity(ec.Alloc, n, o)
	colV := make([]*validity, len(c.cols))
	outs := make([]*strOut, len(c.cols))
	for k := range c.cols {
		colV[k] = newValidity(ec.Alloc, n)
		outs[k] = newStrOut(ec.Alloc, n, 8*n)
	}
	var fields []string
	absent := make([]bool, len(c.cols))
	for i := 0; i < n; i++ {
		ok := rowV.valid(i)
		if ok {
			clear(absent)
			var perr error
			fields, ok, perr = c.split(get(i), fields[:0], absent)
			if perr != nil {
				rowV.fail(ec, i, newError(ErrInvalidArgument, "exec: %s: %v", c.name, perr))
				ok = false
			}
		}
		if !ok {
			rowV.setNull(i)
		}
		for k := range c.cols {
			if !ok || k >= len(fields) || absent[k] {
				colV[k].setNull(i)
				outs[k].empty(i)
				continue
			}
			outs[k].appendString(i, fields[k])
		}
	}
	children := make([]arrow.ArrayData, len(c.cols))
	for k, col := range c.cols {
		s := outs[k].finish(arrow.BinaryTypes.String, n, colV[k])
		typed := convertLogColumn(ec, col, s)
		children[k] = typed.Data()
		defer typed.Release()
	}
	vb, nulls := rowV.finish()
	d := array.NewData(c.typ, n, []*memory.Buffer{vb}, children, nulls, 0)
	if vb != nil {
		vb.Release()
	}
	defer d.Release()
	return array.MakeFromData(d), nil
}

// convertLogColumn turns the text of a column into its type; text that
// does not convert is a row error. It takes over s.
func convertLogColumn(ec *EvalContext, col logColumn, s arrow.Array) arrow.Array {
	if arrow.TypeEqual(col.typ, arrow.BinaryTypes.String) {
		return s
	}
	defer s.Release()
	str := s.(*array.String)
	if col.format != nil {
		bad := newError(ErrCast, "exec: log parse: column %s: text does not match its format", col.name)
		return mapIntErr(ec, s, col.typ, bad, func(i int) (int64, bool) {
			ms, ok := parseDateFormat(col.format, strings.TrimSpace(str.Value(i)))
			if col.typ == DateType {
				return floorDiv(ms, 86400000), ok
			}
			return ms, ok
		})
	}
	trimmed := mapString(ec, s, arrow.BinaryTypes.String, nil, func(i int, dst []byte) ([]byte, bool) {
		return append(dst, strings.TrimSpace(str.Value(i))...), true
	})
	defer trimmed.Release()
	return castKernelFor(arrow.BinaryTypes.String, col.typ)(ec, trimmed)
}

// bindRegexLogParse binds KDA REGEX_LOG_PARSE(s, pattern[, columns]) and
// FAST_REGEX_LOG_PARSE(s, pattern[, columns]). The pattern must match the
// whole line; its groups give COLUMN1…COLUMNn VARCHAR(1024) (or the typed
// columns). REGEX_LOG_PARSE is greedy (java.util.regex; RE2 unless the
// pattern needs backtracking); FAST_REGEX_LOG_PARSE is lazy and never
// backtracks (RE2 only). No match gives NULL.
func bindRegexLogParse(name string, args []Expr) (Expr, error) {
	if len(args) != 2 && len(args) != 3 {
		return nil, arityError(name, len(args), "2 or 3")
	}
	conv, err := typedArgs(name, args, "sss"[:len(args)], "(string, constant string pattern[, constant string columns])")
	if err != nil {
		return nil, err
	}
	p, err := constString(name, conv[1], "the pattern")
	if err != nil {
		return nil, err
	}
	fast := name == "fast_regex_log_parse"
	full := `\A(?:` + p + `)\z`
	if fast {
		full = `(?U)` + full
	}
	re, err := compileJava(full)
	if err != nil {
		if _, err2 := compileJava(p); err2 != nil {
			err = err2
		}
		return nil, newError(ErrInvalidArgument, "exec: function %s: invalid regular expression %q: %v", name, p, err)
	}
	if fast && re.backtracking() {
		return nil, newError(ErrInvalidArgument, "exec: function %s: pattern %q needs backtracking; use regex_log_parse", name, p)
	}
	cols := defaultLogColumns(re.numSubexp())
	if len(conv) == 3 {
		if cols, err = logColumnsArg(name, conv[2], false); err != nil {
			return nil, err
		}
	}
	split := func(line string, dst []string, absent []bool) ([]string, bool, error) {
		m, err := re.submatch(line)
		if err != nil || m == nil {
			return dst, false, err
		}
		for g := 1; 2*g+1 < len(m); g++ {
			if m[2*g] < 0 {
				if g-1 < len(absent) {
					absent[g-1] = true
				}
				dst = append(dst, "")
				continue
			}
			dst = append(dst, line[m[2*g]:m[2*g+1]])
		}
		return dst, true, nil
	}
	return &logParseCall{name: name, args: conv, cols: cols, typ: logStruct(cols), split: split}, nil
}

// logColumnsArg reads a columns argument: a constant count or column list.
func logColumnsArg(name string, e Expr, fixed bool) ([]logColumn, error) {
	v, ok := ConstValue(e)
	if !ok {
		return nil, newError(ErrArgumentTypes, "exec: function %s: the columns must be a constant", name)
	}
	switch x := v.(type) {
	case int64:
		if x < 1 || x > 1000 {
			return nil, newError(ErrInvalidArgument, "exec: function %s: column count %d is not in 1..1000", name, x)
		}
		return defaultLogColumns(int(x)), nil
	case string:
		cols, err := parseLogColumns(x, fixed)
		if err != nil {
			return nil, newError(ErrInvalidArgument, "exec: function %s: %v", name, err)
		}
		return cols, nil
	}
	return nil, newError(ErrArgumentTypes, "exec: function %s: the columns must be a count or a column list", name)
}

// bindFixedColumnLogParse binds KDA FIXED_COLUMN_LOG_PARSE(s, columns):
// each column is the text from its 0-based START, FOR its length (or to
// the end), trimmed; a line too short for a column leaves it NULL.
func bindFixedColumnLogParse(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, arityError(name, len(args), "2")
	}
	conv, err := typedArgs(name, args, "ss", "(string, constant string columns)")
	if err != nil {
		return nil, err
	}
	cols, err := logColumnsArg(name, conv[1], true)
	if err != nil {
		return nil, err
	}
	split := func(line string, dst []string, absent []bool) ([]string, bool, error) {
		for k, c := range cols {
			s, e := charSpan(line, c.start, c.length)
			if s < 0 {
				absent[k] = true
				dst = append(dst, "")
				continue
			}
			dst = append(dst, strings.TrimSpace(line[s:e]))
		}
		return dst, true, nil
	}
	return &logParseCall{name: name, args: conv, cols: cols, typ: logStruct(cols), split: split}, nil
}

// charSpan returns the byte span of length characters (-1: to the end)
// from character start of line, or -1 when line is shorter than start.
func charSpan(line string, start, length int) (int, int) {
	ascii := true
	for i := 0; i < len(line); i++ {
		if line[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		if start >= len(line) {
			return -1, -1
		}
		if length < 0 || start+length > len(line) {
			return start, len(line)
		}
		return start, start + length
	}
	s, k := -1, 0
	for b := range line {
		if k == start {
			s = b
		}
		if s >= 0 && length >= 0 && k == start+length {
			return s, b
		}
		k++
	}
	if s < 0 {
		return -1, -1
	}
	return s, len(line)
}

// bindVariableColumnLogParse binds KDA VARIABLE_COLUMN_LOG_PARSE(s,
// columns, delimiter[, escape[, quote]]): s split at every delimiter
// (outside quotes; an escape character takes the next one literally);
// missing fields are NULL, extra ones dropped.
func bindVariableColumnLogParse(name string, args []Expr) (Expr, error) {
	if len(args) < 3 || len(args) > 5 {
		return nil, arityError(name, len(args), "3 to 5")
	}
	if len(args) > 1 && isInteger(args[1].DataType()) {
		c, err := coerce(args[1], arrow.PrimitiveTypes.Int64)
		if err != nil {
			return nil, err
		}
		args = append([]Expr{args[0], c}, args[2:]...)
	}
	kinds := []byte("s?sss"[:len(args)])
	kinds[1] = 's'
	if isInteger(args[1].DataType()) {
		kinds[1] = 'i'
	}
	conv, err := typedArgs(name, args, string(kinds), "(string, constant columns, constant string delimiter[, escape[, quote]])")
	if err != nil {
		return nil, err
	}
	cols, err := logColumnsArg(name, conv[1], false)
	if err != nil {
		return nil, err
	}
	var delim, esc, quote string
	for k, dst := range []*string{&delim, &esc, &quote} {
		if 2+k < len(conv) {
			if *dst, err = constString(name, conv[2+k], "the delimiter, escape and quote"); err != nil {
				return nil, err
			}
		}
	}
	if delim == "" {
		return nil, newError(ErrInvalidArgument, "exec: function %s: empty delimiter", name)
	}
	if len(esc) > 1 || len(quote) > 1 {
		return nil, newError(ErrInvalidArgument, "exec: function %s: escape and quote are single characters", name)
	}
	split := func(line string, dst []string, absent []bool) ([]string, bool, error) {
		dst = splitVariable(line, delim, esc, quote, len(cols), dst)
		for k := len(dst); k < len(cols); k++ {
			absent[k] = true
		}
		return dst, true, nil
	}
	return &logParseCall{name: name, args: conv, cols: cols, typ: logStruct(cols), split: split}, nil
}

// splitVariable splits line into at most max fields.
func splitVariable(line, delim, esc, quote string, max int, dst []string) []string {
	if esc == "" && quote == "" {
		for len(dst) < max {
			i := strings.Index(line, delim)
			if i < 0 {
				return append(dst, line)
			}
			dst = append(dst, line[:i])
			line = line[i+len(delim):]
		}
		return dst
	}
	var b strings.Builder
	inQuote, plain := false, true
	start := 0
	for i := 0; i < len(line) && len(dst) < max; i++ {
		c := line[i]
		switch {
		case esc != "" && c == esc[0] && i+1 < len(line):
			plain = false
			b.WriteString(line[start:i])
			i++
			start = i
		case quote != "" && c == quote[0]:
			plain = false
			b.WriteString(line[start:i])
			if inQuote && i+1 < len(line) && line[i+1] == c {
				i++
				start = i
				continue
			}
			inQuote = !inQuote
			start = i + 1
		case !inQuote && strings.HasPrefix(line[i:], delim):
			if plain {
				dst = append(dst, line[start:i])
			} else {
				b.WriteString(line[start:i])
				dst = append(dst, b.String())
				b.Reset()
			}
			plain = true
			i += len(delim) - 1
			start = i + 1
		}
	}
	if len(dst) < max {
		if plain {
			return append(dst, line[start:])
		}
		b.WriteString(line[start:])
		dst = append(dst, b.String())
	}
	return dst
}

// sysLogColumns are SYS_LOG_PARSE's: the timestamp and the rest.
var sysLogColumns = []logColumn{
	{name: "COLUMN1", typ: TimestampType, length: -1},
	{name: "COLUMN2", typ: logVarchar, length: -1},
}

// bindSysLogParse binds KDA SYS_LOG_PARSE(s): a syslog line "Mon DD
// HH:MM:SS rest" gives COLUMN1 TIMESTAMP (the year is 1970, as KDA's
// templates default it) and COLUMN2 VARCHAR, the rest (server and
// message). A line that does not start with such a time is NULL.
func bindSysLogParse(name string, args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, arityError(name, len(args), "1")
	}
	conv, err := typedArgs(name, args, "s", "(string)")
	if err != nil {
		return nil, err
	}
	cols := make([]logColumn, len(sysLogColumns))
	copy(cols, sysLogColumns)
	toks, ok := compileDateFormat("MMM d HH:mm:ss")
	if !ok {
		panic("exec: bad syslog time format")
	}
	cols[0].format = toks
	split := func(line string, dst []string, absent []bool) ([]string, bool, error) {
		// "Mmm dd hh:mm:ss": the day may be space-padded.
		if len(line) < 15 || line[3] != ' ' || line[9] != ':' || line[12] != ':' {
			return dst, false, nil
		}
		if _, ok := parseDateFormat(toks, strings.Replace(line[:15], "  ", " ", 1)); !ok {
			return dst, false, nil
		}
		return append(dst, strings.Replace(line[:15], "  ", " ", 1), strings.TrimLeft(line[15:], " ")), true, nil
	}
	return &logParseCall{name: name, args: conv, cols: cols, typ: logStruct(cols), split: split}, nil
}
