package planner

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/eddy-sql/eddy/exec"
)

// field is one column a query can see: its name, the names that qualify it
// (stream name, alias), its type and its index in the input batches.
type field struct {
	Name   string
	Quals  []string
	Type   arrow.DataType
	Hidden bool // system columns: not part of SELECT *
	Length int  // declared CHAR/VARCHAR length, passed to sources
}

// scope is the ordered list of columns of an operator's output.
type scope struct {
	fields []field
}

func (s *scope) schema() *arrow.Schema {
	fs := make([]arrow.Field, len(s.fields))
	for i, f := range s.fields {
		fs[i] = arrow.Field{Name: f.Name, Type: f.Type, Nullable: true}
		if f.Length > 0 {
			fs[i].Metadata = arrow.NewMetadata([]string{"length"}, []string{strconv.Itoa(f.Length)})
		}
	}
	return arrow.NewSchema(fs, nil)
}

// errAmbiguous and errNoColumn are returned by resolve.
var (
	errAmbiguous = errors.New("ambiguous column")
	errNoColumn  = errors.New("unknown column")
)

// resolve finds qual.name. Names match exactly (KDA's rule: unquoted names
// are folded to upper case, quoted ones are exact); when only a match that
// ignores case exists, the error says so.
func (s *scope) resolve(qual, name string) (int, error) {
	idx := -1
	for i, f := range s.fields {
		if f.Name != name || qual != "" && !hasQual(f.Quals, qual, true) {
			continue
		}
		if idx >= 0 {
			return -1, errAmbiguous
		}
		idx = i
	}
	if idx >= 0 {
		return idx, nil
	}
	for _, f := range s.fields {
		if strings.EqualFold(f.Name, name) && (qual == "" || hasQual(f.Quals, qual, false)) {
			return -1, fmt.Errorf("%w %s (did you mean %s? quoted names are case-sensitive)", errNoColumn, quoteIdent(name), quoteIdent(f.Name))
		}
	}
	return -1, fmt.Errorf("%w %s", errNoColumn, quoteIdent(name))
}

func sameName(a, b string, exact bool) bool {
	if exact {
		return a == b
	}
	return strings.EqualFold(a, b)
}

func hasQual(quals []string, q string, exact bool) bool {
	for _, x := range quals {
		if sameName(x, q, exact) {
			return true
		}
	}
	return false
}

// rowtime returns the index of the ROWTIME column, or -1.
func (s *scope) rowtime() int {
	for i, f := range s.fields {
		if f.Name == exec.RowtimeColumn {
			return i
		}
	}
	return -1
}

// visible returns the indices of the columns SELECT * expands to, for the
// given qualifier ("" for all).
func (s *scope) visible(qual string) []int {
	var idx []int
	for i, f := range s.fields {
		if f.Hidden || (qual != "" && !hasQual(f.Quals, qual, false)) {
			continue
		}
		idx = append(idx, i)
	}
	return idx
}

// withQual returns a copy of s whose columns are qualified by q only (a
// subquery or stream alias hides the inner qualifiers).
func (s *scope) withQual(q ...string) *scope {
	out := &scope{fields: make([]field, len(s.fields))}
	for i, f := range s.fields {
		f.Quals = q
		out.fields[i] = f
	}
	return out
}
