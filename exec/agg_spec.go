package exec

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ErrAggregateOverflow is wrapped by the error of an aggregate whose result
// does not fit its type (SUM of integers past int64, of decimals past 38
// digits).
var ErrAggregateOverflow = errors.New("exec: aggregate overflow")

// The aggregate function names AggSpec.Func accepts (upper case).
const (
	AggCount      = "COUNT"
	AggSum        = "SUM"
	AggAvg        = "AVG"
	AggMin        = "MIN"
	AggMax        = "MAX"
	AggStddevPop  = "STDDEV_POP"
	AggStddevSamp = "STDDEV_SAMP"
	AggVarPop     = "VAR_POP"
	AggVarSamp    = "VAR_SAMP"
	AggFirstValue = "FIRST_VALUE"
	AggLastValue  = "LAST_VALUE"
)

// AggSpec is one aggregate call of a GROUP BY or window: Func over Arg,
// producing the output column Name.
type AggSpec struct {
	// Func is the function name, one of the Agg* constants (case-insensitive).
	Func string
	// Arg is the argument; nil means COUNT(*).
	Arg Expr
	// Distinct folds each distinct argument value once. It is supported by
	// COUNT, and is a no-op for MIN and MAX.
	Distinct bool
	// IgnoreNulls makes FIRST_VALUE and LAST_VALUE skip NULL arguments
	// (RESPECT NULLS is the default).
	IgnoreNulls bool
	// Name is the output column name.
	Name string
}

// ArgType returns the argument's type, or nil for COUNT(*).
func (s AggSpec) ArgType() arrow.DataType {
	if s.Arg == nil {
		return nil
	}
	return s.Arg.DataType()
}

// ResultType returns the type of the aggregate's result, or an error when
// Func does not accept the argument type.
func (s AggSpec) ResultType() (arrow.DataType, error) {
	return AggResultType(s.Func, s.ArgType())
}

// NewAccumulator returns an empty accumulator for the spec.
func (s AggSpec) NewAccumulator() (Accumulator, error) {
	return NewAccumulator(s.Func, s.ArgType(), s.Distinct, s.IgnoreNulls)
}

// AggResultType returns the result type of aggregate fn over an argument of
// type arg (nil for COUNT(*)): COUNT is int64; SUM of integers is int64, of
// floats float64, of decimal(p, s) decimal(38, s); AVG of integers has the
// argument's type and truncates toward zero like KDA, AVG of floats is
// float64, of decimal(p, s) decimal(38, max(s, 6)); MIN, MAX, FIRST_VALUE
// and LAST_VALUE keep the argument type; the variances and standard
// deviations are float64.
func AggResultType(fn string, arg arrow.DataType) (arrow.DataType, error) {
	fn = strings.ToUpper(fn)
	if arg == nil {
		if fn == AggCount {
			return arrow.PrimitiveTypes.Int64, nil
		}
		return nil, fmt.Errorf("exec: aggregate %s: missing argument", fn)
	}
	switch fn {
	case AggCount:
		return arrow.PrimitiveTypes.Int64, nil
	case AggSum:
		switch {
		case aggIsIntNumber(arg):
			return arrow.PrimitiveTypes.Int64, nil
		case aggIsFloatNumber(arg):
			return arrow.PrimitiveTypes.Float64, nil
		case arg.ID() == arrow.DECIMAL128:
			return &arrow.Decimal128Type{Precision: 38, Scale: arg.(*arrow.Decimal128Type).Scale}, nil
		}
	case AggAvg:
		switch {
		case aggIsIntNumber(arg):
			return arg, nil
		case aggIsFloatNumber(arg):
			return arrow.PrimitiveTypes.Float64, nil
		case arg.ID() == arrow.DECIMAL128:
			return &arrow.Decimal128Type{Precision: 38, Scale: aggAvgScale(arg.(*arrow.Decimal128Type).Scale)}, nil
		}
	case AggMin, AggMax:
		if aggMinMaxKind(arg) != aggMMUnsupported {
			return arg, nil
		}
	case AggStddevPop, AggStddevSamp, AggVarPop, AggVarSamp:
		if aggIsIntNumber(arg) || aggIsFloatNumber(arg) || arg.ID() == arrow.DECIMAL128 {
			return arrow.PrimitiveTypes.Float64, nil
		}
	case AggFirstValue, AggLastValue:
		if _, err := newAggCodec(arg); err == nil {
			return arg, nil
		}
	default:
		return nil, fmt.Errorf("exec: unknown aggregate function %s", fn)
	}
	return nil, fmt.Errorf("exec: aggregate %s: unsupported argument type %s", fn, arg)
}

// aggAvgScale is the scale of AVG over a decimal of scale s.
func aggAvgScale(s int32) int32 {
	if s < 6 {
		return 6
	}
	return s
}

func aggIsIntNumber(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

func aggIsFloatNumber(dt arrow.DataType) bool {
	return dt.ID() == arrow.FLOAT32 || dt.ID() == arrow.FLOAT64
}

// Accumulator holds the state of one aggregate for many groups in
// column-oriented slices indexed by group id, and is updated a batch at a
// time. Accumulators are not safe for concurrent use.
type Accumulator interface {
	// DataType returns the result type.
	DataType() arrow.DataType
	// Grow makes room for group ids below n; new groups are empty.
	Grow(n int)
	// Update folds argument rows into groups: row rows[i] (row i when rows
	// is nil) goes to groups[i]. arg is nil for COUNT(*), and is not
	// retained.
	Update(arg arrow.Array, rows []int32, groups []uint32) error
	// Merge folds group src[i] of from, an accumulator made by the same
	// spec (possibly the receiver itself), into group dst[i].
	Merge(from Accumulator, src, dst []uint32) error
	// Build returns the results of groups ids as an array the caller
	// releases. Empty groups give NULL (COUNT gives 0).
	Build(mem memory.Allocator, ids []uint32) (arrow.Array, error)
	// Reset returns groups ids to the empty state.
	Reset(ids []uint32)
	// SizeBytes estimates the memory the state holds, in O(1).
	SizeBytes() int
	// StateTypes returns the types of the columns State returns; they
	// depend only on the spec.
	StateTypes() []arrow.DataType
	// State returns the state of groups ids as columns of StateTypes, one
	// row per id, which the caller releases. Loading them with LoadState
	// into an accumulator of the same spec restores the groups exactly.
	State(mem memory.Allocator, ids []uint32) ([]arrow.Array, error)
	// LoadState sets groups ids (below the size given to Grow) to the state
	// in cols, columns State of an accumulator of the same spec returned.
	// It wraps ErrAggState when cols do not fit, and then leaves the groups
	// in an unspecified but valid state. cols are not retained.
	LoadState(cols []arrow.Array, ids []uint32) error
}

// NewAccumulator returns an empty accumulator for aggregate fn over an
// argument of type arg (nil for COUNT(*)).
func NewAccumulator(fn string, arg arrow.DataType, distinct, ignoreNulls bool) (Accumulator, error) {
	fn = strings.ToUpper(fn)
	rt, err := AggResultType(fn, arg)
	if err != nil {
		return nil, err
	}
	if distinct && fn != AggCount && fn != AggMin && fn != AggMax {
		return nil, fmt.Errorf("exec: aggregate %s: DISTINCT is supported with COUNT, MIN and MAX only", fn)
	}
	switch fn {
	case AggCount:
		if distinct && arg != nil {
			return newCountDistinct(arg)
		}
		return &countAcc{star: arg == nil}, nil
	case AggSum:
		switch {
		case aggIsIntNumber(arg):
			return &sumIntAcc{}, nil
		case aggIsFloatNumber(arg):
			return &sumFloatAcc{}, nil
		default:
			return &sumDecimalAcc{rt: rt.(*arrow.Decimal128Type)}, nil
		}
	case AggAvg:
		if arg.ID() == arrow.DECIMAL128 {
			return &sumDecimalAcc{rt: rt.(*arrow.Decimal128Type), avg: true, inScale: arg.(*arrow.Decimal128Type).Scale}, nil
		}
		if aggIsIntNumber(arg) {
			return &avgIntAcc{rt: rt}, nil
		}
		return &sumFloatAcc{avg: true}, nil
	case AggMin, AggMax:
		return newMinMax(arg, fn == AggMax), nil
	case AggStddevPop, AggStddevSamp, AggVarPop, AggVarSamp:
		return &varianceAcc{fn: fn}, nil
	default:
		return newFirstLast(arg, fn == AggLastValue, ignoreNulls)
	}
}
