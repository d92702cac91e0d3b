package exec

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// logColumn is one output column of a *_LOG_PARSE function.
type logColumn struct {
	name    string
	typ     arrow.DataType
	format  []dateToken // TIMESTAMP 'pattern' / DATE 'pattern'
	notNull bool
	start   int // FIXED_COLUMN_LOG_PARSE: 0-based start
	length  int // FIXED_COLUMN_LOG_PARSE: -1 to the end
}

// logVarchar is the type of KDA's default log columns, VARCHAR(1024).
var logVarchar = arrow.BinaryTypes.String

// defaultLogColumns returns COLUMN1..COLUMNn, all VARCHAR.
func defaultLogColumns(n int) []logColumn {
	cols := make([]logColumn, n)
	for i := range cols {
		cols[i] = logColumn{name: "COLUMN" + strconv.Itoa(i+1), typ: logVarchar, length: -1}
	}
	return cols
}

// splitSpec splits a column list at commas outside parentheses and quotes.
func splitSpec(s string) []string {
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// specWords splits one column spec into words: names, "quoted names",
// 'quoted formats', and types with their parentheses kept whole.
func specWords(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"' || c == '\'':
			j := i + 1
			for ; j < len(s); j++ {
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						j++
						continue
					}
					break
				}
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated %c", c)
			}
			out = append(out, s[i:j+1])
			i = j + 1
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' && s[j] != '(' {
				j++
			}
			if j < len(s) && s[j] == '(' {
				k := strings.IndexByte(s[j:], ')')
				if k < 0 {
					return nil, fmt.Errorf("unterminated (")
				}
				j += k + 1
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out, nil
}

// unquote reads a column name: "exact" or a word folded to upper case.
func specName(w string) string {
	if len(w) >= 2 && w[0] == '"' {
		return strings.ReplaceAll(w[1:len(w)-1], `""`, `"`)
	}
	return strings.ToUpper(w)
}

// specType maps a SQL type word (VARCHAR(16), DECIMAL(8,2), DOUBLE…) to
// its Arrow type.
func specType(w string) (arrow.DataType, error) {
	base, params := strings.ToUpper(w), ""
	if i := strings.IndexByte(base, '('); i >= 0 {
		base, params = base[:i], strings.Trim(base[i:], "()")
	}
	switch base {
	case "VARCHAR", "CHAR", "CHARACTER", "STRING":
		return arrow.BinaryTypes.String, nil
	case "INTEGER", "INT":
		return arrow.PrimitiveTypes.Int32, nil
	case "BIGINT":
		return arrow.PrimitiveTypes.Int64, nil
	case "SMALLINT":
		return arrow.PrimitiveTypes.Int16, nil
	case "TINYINT":
		return arrow.PrimitiveTypes.Int8, nil
	case "DOUBLE":
		return arrow.PrimitiveTypes.Float64, nil
	case "REAL", "FLOAT":
		return arrow.PrimitiveTypes.Float32, nil
	case "BOOLEAN":
		return arrow.FixedWidthTypes.Boolean, nil
	case "TIMESTAMP":
		return TimestampType, nil
	case "DATE":
		return DateType, nil
	case "DECIMAL", "DEC", "NUMERIC":
		p, s := 19, 0
		if params != "" {
			parts := strings.Split(params, ",")
			var err error
			if p, err = strconv.Atoi(strings.TrimSpace(parts[0])); err != nil || p < 1 || p > 38 {
				return nil, fmt.Errorf("bad precision in %s", w)
			}
			if len(parts) > 1 {
				if s, err = strconv.Atoi(strings.TrimSpace(parts[1])); err != nil || s < 0 || s > p {
					return nil, fmt.Errorf("bad scale in %s", w)
				}
			}
		}
		return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}, nil
	}
	return nil, fmt.Errorf("unsupported type %s", w)
}

// parseLogColumns reads a column list: "NAME TYPE type [NOT NULL]
// ['format'] [START n [FOR m]], …". START is required when fixed.
func parseLogColumns(spec string, fixed bool) ([]logColumn, error) {
	var cols []logColumn
	for _, part := range splitSpec(spec) {
		w, err := specWords(part)
		if err != nil {
			return nil, err
		}
		if len(w) < 3 || !strings.EqualFold(w[1], "TYPE") {
			return nil, fmt.Errorf("column %q: want NAME TYPE type", strings.TrimSpace(part))
		}
		c := logColumn{name: specName(w[0]), length: -1, start: -1}
		if c.typ, err = specType(w[2]); err != nil {
			return nil, err
		}
		if strings.EqualFold(w[2], "DOUBLE") && len(w) > 3 && strings.EqualFold(w[3], "PRECISION") {
			w = append(w[:3], w[4:]...)
		}
		for k := 3; k < len(w); k++ {
			switch u := strings.ToUpper(w[k]); {
			case u == "NOT" && k+1 < len(w) && strings.EqualFold(w[k+1], "NULL"):
				c.notNull = true
				k++
			case w[k][0] == '\'' && (c.typ == TimestampType || c.typ == DateType):
				f := strings.ReplaceAll(w[k][1:len(w[k])-1], "''", "'")
				toks, ok := compileDateFormat(f)
				if !ok {
					return nil, fmt.Errorf("column %s: bad date format %q", c.name, f)
				}
				c.format = toks
			case (u == "START" || u == "FOR") && fixed && k+1 < len(w):
				n, err := strconv.Atoi(w[k+1])
				if err != nil || n < 0 {
					return nil, fmt.Errorf("column %s: bad %s %s", c.name, u, w[k+1])
				}
				if u == "START" {
					c.start = n
				} else {
					c.length = n
				}
				k++
			default:
				return nil, fmt.Errorf("column %s: unexpected %s", c.name, w[k])
			}
		}
		if fixed && c.start < 0 {
			return nil, fmt.Errorf("column %s: missing START", c.name)
		}
		cols = append(cols, c)
	}
	return cols, nil
}

// logStruct is the row type of a parse's columns.
func logStruct(cols []logColumn) *arrow.StructType {
	fs := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fs[i] = arrow.Field{Name: c.name, Type: c.typ, Nullable: true}
	}
	return arrow.StructOf(fs...)
}
