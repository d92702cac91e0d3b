package exec

import (
	"errors"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestFunctionsNames(t *testing.T) {
	t.Parallel()
	fns := DefaultFunctions()
	names := fns.Names()
	if !sort.StringsAreSorted(names) {
		t.Fatal("Names is not sorted")
	}
	want := []string{
		"add", "subtract", "multiply", "divide", "mod", "negate",
		"equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
		"and", "or", "not", "is_null", "is_not_null", "between", "in", "like", "similar_to",
		"case_when", "coalesce", "nullif", "concat", "upper", "lower", "initcap", "substring",
		"position", "trim", "char_length", "character_length", "regex_replace", "regexp_extract",
		"split_index", "lpad", "rpad", "abs", "floor", "ceil", "round", "power", "sqrt", "ln", "log10", "exp",
		"floor_time", "ceil_time", "step", "extract", "hour", "minute", "second", "year", "month", "dayofmonth",
		"current_timestamp", "localtimestamp", "current_date", "current_row_timestamp", "tsdiff",
		"unix_timestamp", "to_timestamp", "timestamp_to_char", "char_to_timestamp", "date_format",
	}
	for _, n := range want {
		t.Run(n, func(t *testing.T) {
			t.Parallel()
			if !fns.Has(n) {
				t.Fatalf("Has(%q) = false", n)
			}
			if i := sort.SearchStrings(names, n); i == len(names) || names[i] != n {
				t.Fatalf("Names lacks %q", n)
			}
		})
	}
	mine := fns.Names()
	mine[0] = "mutated"
	if fns.Names()[0] == "mutated" {
		t.Fatal("Names shares its slice")
	}
	if fns.Has("nope") {
		t.Fatal(`Has("nope")`)
	}
}

func TestBindMessages(t *testing.T) {
	t.Parallel()
	fns := DefaultFunctions()
	tests := []struct {
		name string
		fn   string
		args []Expr
		kind error
		msg  string
	}{
		{"unknown", "foo", nil, ErrUnknownFunction, `exec: unknown function "foo"`},
		{"argument types", "add", []Expr{Column(0, "s", str), Column(1, "b", bl)}, ErrArgumentTypes,
			"exec: function add does not accept (utf8, bool); it takes " + arithSigs[opAdd]},
		{"arity", "substring", []Expr{Column(0, "s", str)}, ErrArgumentTypes, "exec: function substring takes 2 or 3 arguments, got 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := fns.Bind(tc.fn, tc.args...)
			if !errors.Is(err, tc.kind) {
				t.Fatalf("Bind = %v, want %v", err, tc.kind)
			}
			if err.Error() != tc.msg {
				t.Fatalf("message %q, want %q", err.Error(), tc.msg)
			}
		})
	}
}

func TestBindFolds(t *testing.T) {
	t.Parallel()
	fns := DefaultFunctions()
	one := lit(t, int64(1), i64)
	tests := []struct {
		name   string
		fn     string
		args   []Expr
		folded bool
		want   any
		typ    arrow.DataType
	}{
		{"add of constants", "add", []Expr{one, lit(t, int64(2), i32)}, true, int64(3), i64},
		{"upper of constant", "upper", []Expr{lit(t, "ab", str)}, true, "AB", str},
		{"null argument", "add", []Expr{one, lit(t, nil, i64)}, true, nil, i64},
		{"division by zero is not folded", "divide", []Expr{one, lit(t, int64(0), i64)}, false, nil, i64},
		{"current_timestamp is not folded", "current_timestamp", nil, false, nil, TimestampType},
		{"column is not folded", "add", []Expr{one, Column(0, "x", i64)}, false, nil, i64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := fns.Bind(tc.fn, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if !arrow.TypeEqual(e.DataType(), tc.typ) {
				t.Errorf("type %s, want %s", e.DataType(), tc.typ)
			}
			v, ok := ConstValue(e)
			if ok != tc.folded {
				t.Fatalf("folded = %v, want %v (%s)", ok, tc.folded, e)
			}
			if ok && v != tc.want {
				t.Fatalf("value %v, want %v", v, tc.want)
			}
		})
	}
}

func TestCallStrings(t *testing.T) {
	t.Parallel()
	fns := DefaultFunctions()
	price := Column(2, "PRICE", i64)
	bind := func(name string, args ...Expr) Expr {
		e, err := fns.Bind(name, args...)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	tests := []struct {
		name string
		e    Expr
		want string
	}{
		{"nested", bind("and", bind("greater", price, lit(t, int64(10), i64)), bind("like", Column(0, "NAME", str), lit(t, "a%", str))), "and(greater(PRICE, 10), like(NAME, 'a%'))"},
		{"case", bind("case_when", bind("is_null", price), lit(t, int64(0), i64), price), "case_when(is_null(PRICE), 0, PRICE)"},
		{"cast shows", bind("add", Column(0, "S", arrow.PrimitiveTypes.Int16), price), "add(cast(S AS int64), PRICE)"},
		{"coalesce", bind("coalesce", price, lit(t, int64(0), i64)), "coalesce(PRICE, 0)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.e.String(); got != tc.want {
				t.Fatalf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}
