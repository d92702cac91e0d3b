package exec

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

func registerJSON(reg registrar) {
	reg(true, bindJSON, "json_value", "json_query")
}

// jsonStep is one step of a JSON path: a member name or an array index.
type jsonStep struct {
	key   string
	index int
	isIdx bool
}

// parseJSONPath reads a SQL/JSON path: [lax|strict] $ followed by .name,
// ."quoted name", ['name'] and [n] steps.
func parseJSONPath(p string) ([]jsonStep, bool) {
	p = strings.TrimSpace(p)
	for _, mode := range []string{"lax ", "strict "} {
		if strings.HasPrefix(strings.ToLower(p), mode) {
			p = strings.TrimSpace(p[len(mode):])
		}
	}
	if !strings.HasPrefix(p, "$") {
		return nil, false
	}
	p = p[1:]
	var steps []jsonStep
	for p != "" {
		switch {
		case p[0] == '.' && len(p) > 1 && p[1] == '"':
			end := strings.IndexByte(p[2:], '"')
			if end < 0 {
				return nil, false
			}
			steps = append(steps, jsonStep{key: p[2 : 2+end]})
			p = p[3+end:]
		case p[0] == '.':
			end := 1
			for end < len(p) && p[end] != '.' && p[end] != '[' {
				end++
			}
			if end == 1 {
				return nil, false
			}
			steps = append(steps, jsonStep{key: p[1:end]})
			p = p[end:]
		case p[0] == '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return nil, false
			}
			in := strings.TrimSpace(p[1:end])
			if len(in) >= 2 && (in[0] == '\'' || in[0] == '"') && in[len(in)-1] == in[0] {
				steps = append(steps, jsonStep{key: in[1 : len(in)-1]})
			} else {
				n, err := strconv.Atoi(in)
				if err != nil || n < 0 {
					return nil, false
				}
				steps = append(steps, jsonStep{index: n, isIdx: true})
			}
			p = p[end+1:]
		default:
			return nil, false
		}
	}
	return steps, true
}

// bindJSON binds Flink JSON_VALUE(json, path) and JSON_QUERY(json, path)
// with their default NULL ON EMPTY / NULL ON ERROR: JSON_VALUE gives the
// scalar at path as a string (NULL for JSON null, objects and arrays),
// JSON_QUERY the object or array at path as JSON text (NULL for scalars).
// Text that is not JSON gives NULL. The path must be a constant.
func bindJSON(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, arityError(name, len(args), "2")
	}
	conv, err := typedArgs(name, args, "ss", "(string json, constant string path)")
	if err != nil {
		return nil, err
	}
	pv, ok := ConstValue(conv[1])
	if !ok {
		return nil, argTypesError(name, args, "(string json, constant string path)")
	}
	var steps []jsonStep
	if pv != nil {
		if steps, ok = parseJSONPath(pv.(string)); !ok {
			return nil, newError(ErrInvalidArgument, "exec: function %s: invalid JSON path %q", name, pv)
		}
	}
	query := name == "json_query"
	k := func(ec *EvalContext, n int, ops []operand) (arrow.Array, error) {
		g := stringOperand(ops[0])
		v := newValidity(ec.Alloc, n, ops...)
		out := newStrOut(ec.Alloc, n, 8*n)
		var scratch []byte
		for i := 0; i < n; i++ {
			if !v.valid(i) {
				out.empty(i)
				continue
			}
			doc := g(i)
			s, e, ok := jsonFind(doc, steps)
			if ok {
				scratch, ok = jsonResult(scratch[:0], doc[s:e], query)
			}
			if !ok {
				v.setNull(i)
				out.empty(i)
				continue
			}
			out.appendBytes(i, scratch)
		}
		return out.finish(arrow.BinaryTypes.String, n, v), nil
	}
	return newCall(name, arrow.BinaryTypes.String, true, k, conv...), nil
}

// jsonResult appends what JSON_VALUE (query false) or JSON_QUERY gives for
// the value text val; false means NULL.
func jsonResult(dst []byte, val string, query bool) ([]byte, bool) {
	switch c := val[0]; {
	case c == '{' || c == '[':
		return append(dst, val...), query
	case query || val == "null":
		return dst, false
	case c == '"':
		if strings.IndexByte(val, '\\') < 0 {
			return append(dst, val[1:len(val)-1]...), true
		}
		var s string
		if json.Unmarshal([]byte(val), &s) != nil {
			return dst, false
		}
		return append(dst, s...), true
	}
	return append(dst, val...), true
}

// jsonFind returns the span of the value at path in doc, scanning the text
// without building it; false when the path is absent or doc is not JSON.
func jsonFind(doc string, steps []jsonStep) (int, int, bool) {
	s := jsonWS(doc, 0)
	e, ok := jsonSkip(doc, s)
	if !ok || jsonWS(doc, e) != len(doc) {
		return 0, 0, false
	}
	for _, st := range steps {
		if s, e, ok = jsonChild(doc, s, st); !ok {
			return 0, 0, false
		}
	}
	return s, e, true
}

func jsonWS(d string, i int) int {
	for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
		i++
	}
	return i
}

// jsonChild finds the member or element st of the container at i.
func jsonChild(d string, i int, st jsonStep) (int, int, bool) {
	open, close := byte('{'), byte('}')
	if st.isIdx {
		open, close = '[', ']'
	}
	if i >= len(d) || d[i] != open {
		return 0, 0, false
	}
	i = jsonWS(d, i+1)
	for k := 0; i < len(d) && d[i] != close; k++ {
		match := st.isIdx && k == st.index
		if !st.isIdx {
			ke, ok := jsonSkip(d, i)
			if !ok || d[i] != '"' {
				return 0, 0, false
			}
			match = jsonKeyIs(d[i:ke], st.key)
			i = jsonWS(d, ke)
			if i >= len(d) || d[i] != ':' {
				return 0, 0, false
			}
			i = jsonWS(d, i+1)
		}
		e, ok := jsonSkip(d, i)
		if !ok {
			return 0, 0, false
		}
		if match {
			return i, e, true
		}
		i = jsonWS(d, e)
		if i < len(d) && d[i] == ',' {
			i = jsonWS(d, i+1)
		}
	}
	return 0, 0, false
}

func jsonKeyIs(quoted, key string) bool {
	raw := quoted[1 : len(quoted)-1]
	if strings.IndexByte(raw, '\\') < 0 {
		return raw == key
	}
	var s string
	return json.Unmarshal([]byte(quoted), &s) == nil && s == key
}

// jsonSkip returns the end of the JSON value starting at i.
func jsonSkip(d string, i int) (int, bool) {
	if i >= len(d) {
		return 0, false
	}
	switch c := d[i]; {
	case c == '"':
		for j := i + 1; j < len(d); j++ {
			switch d[j] {
			case '\\':
				j++
			case '"':
				return j + 1, true
			}
		}
		return 0, false
	case c == '{' || c == '[':
		depth := 0
		for j := i; j < len(d); j++ {
			switch d[j] {
			case '"':
				e, ok := jsonSkip(d, j)
				if !ok {
					return 0, false
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	default:
		j := i
		for j < len(d) && !strings.ContainsRune(",]} \t\n\r:", rune(d[j])) {
			j++
		}
		if j == i {
			return 0, false
		}
		lit := d[i:j]
		if lit == "true" || lit == "false" || lit == "null" {
			return j, true
		}
		if _, err := strconv.ParseFloat(lit, 64); err != nil {
			return 0, false
		}
		return j, true
	}
}
